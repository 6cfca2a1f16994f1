/**
 * What the gateway runtime is built from: the supergraph, the hardening of issue 8 (limits, token rules,
 * one error convention, timeouts, logging, GraphiQL, CORS) and the subgraph transports. gateway/server.ts
 * builds the runtime from it and serves it; this module knows nothing of sockets or processes.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useJWT, type GatewayConfigSupergraph, type GatewayPlugin, type Logger } from '@graphql-hive/gateway';
import type { GraphQLError } from 'graphql';
import path from 'node:path';
// Node's type stripping runs this folder (no build step), so imports name the .ts file.
// @ts-expect-error TS5097: see above.
import { authorizationForSubgraphs, jwtOptions, requireTokenExpiry } from './auth.ts';
// @ts-expect-error TS5097: see above.
import { subscriptionsNeedAToken } from './auth.ts';
// @ts-expect-error TS5097: see above.
import { validationErrorsAreRefusals } from './errors.ts';
// @ts-expect-error TS5097: see above.
import { graphiqlOptions } from './graphiql.ts';
// @ts-expect-error TS5097: see above.
import { bodySizeLimitPlugin, operationLimitPlugins } from './limits.ts';
import type { GatewaySettings } from './settings.ts';
// @ts-expect-error TS5097: see above.
import { requestDeadlinePlugin, upstreamTimeoutPlugin } from './timeouts.ts';

export type GatewayRuntimeOptions = GatewayConfigSupergraph<Record<string, unknown>>;

function isLoopbackOrigin(origin: string): boolean {
  const { hostname, protocol } = new URL(origin);
  return (
    (protocol === 'http:' || protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(hostname)
  );
}

/** CORS for the origins in GATEWAY_CORS_ORIGINS only: any other origin gets no CORS headers at all. */
function corsFor(cors: GatewaySettings['cors']) {
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !URL.canParse(origin)) return false as const;
    if (cors.origins === '*') return { origin, credentials: false };
    const allowed = cors.origins.includes(origin) || (cors.allowLoopback && isLoopbackOrigin(origin));
    return allowed ? { origin, credentials: true, maxAge: 600 } : (false as const);
  };
}

async function graphiqlFor(mode: GatewaySettings['graphiql']): Promise<Partial<GatewayRuntimeOptions>> {
  if (mode === 'off') return { graphiql: false };
  // Yoga's own renderer loads GraphiQL from a CDN (the runtime's default; the CLI would serve Hive
  // Laboratory's inlined 21.6 MB bundle instead).
  if (mode === 'cdn') return { graphiql: graphiqlOptions };
  return {
    graphiql: graphiqlOptions,
    // Loaded only when asked for: the bundle is a 9 MB string held in memory.
    renderGraphiQL: (await import('@graphql-yoga/render-graphiql')).renderGraphiQL,
  };
}

/**
 * "Did you mean" leaks field names; where introspection is on, the schema is public anyway. GraphQL
 * Armor's suggestion masking alone: the other Armor rules are configured with our refusal in limits.ts.
 */
function hideFieldSuggestions(): GatewayPlugin {
  return EnvelopArmorPlugin({
    blockFieldSuggestion: { enabled: true },
    costLimit: { enabled: false },
    maxAliases: { enabled: false },
    maxDepth: { enabled: false },
    maxDirectives: { enabled: false },
    maxTokens: { enabled: false },
  }) as GatewayPlugin;
}

export async function gatewayRuntimeOptions(
  settings: GatewaySettings,
  { logger, maskError }: { logger: Logger; maskError: (error: unknown) => GraphQLError },
): Promise<GatewayRuntimeOptions> {
  return {
    supergraph: path.resolve(settings.supergraphPath),
    logging: logger,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request, context }) => authorizationForSubgraphs(request, context),
    },
    maskedErrors: { maskError },
    disableIntrospection: settings.introspection ? undefined : {},
    ...(await graphiqlFor(settings.graphiql)),
    landingPage: !settings.production,
    cors: corsFor(settings.cors),
    plugins: () => [
      // The gateway rejects bad tokens early; each subgraph still verifies the token it is forwarded and
      // never trusts an unsigned header. First, as the CLI's `jwt` option places it: the rules after it
      // read the claims it puts on the context.
      // Cast: @graphql-mesh/plugin-jwt-auth's declarations name Hive's Logger from another bundle chunk.
      useJWT(jwtOptions(settings.auth)) as GatewayPlugin,
      ...(settings.introspection ? [] : [hideFieldSuggestions()]),
      requireTokenExpiry,
      subscriptionsNeedAToken,
      validationErrorsAreRefusals,
      ...operationLimitPlugins(settings.limits),
      bodySizeLimitPlugin(settings.limits.maxBodyBytes),
      // Timers, not Hive Gateway's AbortSignal-based upstreamTimeout/requestDeadline (gateway/timeouts.ts).
      upstreamTimeoutPlugin(settings.timeouts.upstreamMs),
      requestDeadlinePlugin(settings.timeouts.requestMs),
    ],
    transportEntries: {
      host: settings.subgraphUrls.host ? { location: settings.subgraphUrls.host } : {},
      quickbooks: {
        ...(settings.subgraphUrls.quickbooks ? { location: settings.subgraphUrls.quickbooks } : {}),
        options: {
          // Apollo Server rejects subscriptions over HTTP (CSRF prevention): subscribe over graphql-ws, on
          // the subgraph's own /graphql, forwarding the caller's token in the connection params.
          subscriptions: {
            kind: 'ws',
            location: '/graphql',
            // For graphql-ws clients the gateway exposes their connection params as context.headers too,
            // so one interpolation covers clients on HTTP/SSE and on WebSocket alike.
            options: { connectionParams: { authorization: '{context.headers.authorization}' } },
          },
        },
      },
    },
  };
}
