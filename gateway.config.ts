/**
 * Hive Gateway configuration for local development and the e2e tests: the supergraph of the demo host
 * subgraph (examples/host-subgraph) and this subgraph. Production runs behind the platform's own gateway
 * (Hive Gateway or Apollo Router; see docs/gateway.md, which also lists every setting).
 *
 * Settings come from the environment, parsed and checked once (gateway/settings.ts): a bad or unsafe one
 * stops the gateway with exit code 78, as the subgraph does. The hardening of issue 8 lives in gateway/:
 * operation and body limits (limits.ts), token rules (auth.ts), one error convention (errors.ts).
 */
import { defineConfig } from '@graphql-hive/gateway';
// Node's type stripping runs this file and gateway/ (the CLI imports it), so imports name the .ts file.
// @ts-expect-error TS5097: see above.
import { authorizationForSubgraphs, jwtOptions, requireTokenExpiry } from './gateway/auth.ts';
// @ts-expect-error TS5097: see above.
import { subscriptionsNeedAToken } from './gateway/auth.ts';
// @ts-expect-error TS5097: see above.
import { createErrorMasker, validationErrorsAreRefusals } from './gateway/errors.ts';
// @ts-expect-error TS5097: see above.
import { graphiqlOptions } from './gateway/graphiql.ts';
// @ts-expect-error TS5097: see above.
import { bodySizeLimitPlugin, operationLimitPlugins } from './gateway/limits.ts';
// @ts-expect-error TS5097: see above.
import { createGatewayLogger } from './gateway/logging.ts';
// @ts-expect-error TS5097: see above.
import { GatewaySettingsError, loadGatewaySettings, type GatewaySettings } from './gateway/settings.ts';
// @ts-expect-error TS5097: see above.
import { requestDeadlinePlugin, upstreamTimeoutPlugin } from './gateway/timeouts.ts';

function loadSettingsOrExit(): GatewaySettings {
  try {
    return loadGatewaySettings(process.env);
  } catch (error) {
    if (!(error instanceof GatewaySettingsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG, as the subgraph
  }
}

const settings = loadSettingsOrExit();

const logger = createGatewayLogger({
  level: settings.logLevel,
  redact: settings.production,
  json: settings.logJson,
});

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

const graphiql =
  settings.graphiql === 'off'
    ? { graphiql: false }
    : settings.graphiql === 'cdn'
      ? // Yoga's GraphiQL from a CDN instead of Hive Laboratory's inlined 21.6 MB bundle.
        { graphiql: graphiqlOptions, renderLegacyGraphiQL: true }
      : {
          graphiql: graphiqlOptions,
          // Loaded only when asked for: the bundle is a 9 MB string held in memory.
          renderGraphiQL: (await import('@graphql-yoga/render-graphiql')).renderGraphiQL,
        };

export const gatewayConfig = defineConfig({
  supergraph: settings.supergraphPath,
  port: settings.port,
  host: settings.host,
  logging: logger,
  // The gateway rejects bad tokens early; each subgraph still verifies the token it is forwarded and
  // never trusts an unsigned header.
  jwt: jwtOptions(settings.auth),
  propagateHeaders: {
    fromClientToSubgraphs: ({ request, context }) => authorizationForSubgraphs(request, context),
  },
  maskedErrors: { maskError: createErrorMasker(logger) },
  disableIntrospection: settings.introspection ? undefined : {},
  // "Did you mean" leaks field names; where introspection is on, the schema is public anyway.
  blockFieldSuggestions: !settings.introspection,
  ...graphiql,
  landingPage: !settings.production,
  cors: corsFor(settings.cors),
  plugins: () => [
    requireTokenExpiry,
    subscriptionsNeedAToken,
    validationErrorsAreRefusals,
    ...operationLimitPlugins(settings.limits),
    bodySizeLimitPlugin(settings.limits.maxBodyBytes),
    // Timers, not Hive Gateway's AbortSignal-based upstreamTimeout/requestDeadline: see gateway/timeouts.ts.
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
          // For graphql-ws clients the gateway exposes their connection params as context.headers too, so
          // one interpolation covers clients on HTTP/SSE and on WebSocket alike.
          options: { connectionParams: { authorization: '{context.headers.authorization}' } },
        },
      },
    },
  },
});
