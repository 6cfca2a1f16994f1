/**
 * Hive Gateway configuration for local development and the e2e tests: the supergraph of the demo host
 * subgraph (examples/host-subgraph) and this subgraph. Production runs behind the platform's own gateway
 * (Hive Gateway or Apollo Router; see docs/gateway.md).
 *
 * Settings come from the environment (the same names the subgraphs use where they overlap):
 * - AUTH_MODE=dev-insecure, or AUTH_JWT_SECRET / AUTH_JWKS_URL: how the gateway verifies callers
 * - SUPERGRAPH_PATH (default ./supergraph.graphql), GATEWAY_PORT (4000), HOST (127.0.0.1)
 * - HOST_SUBGRAPH_URL, QUICKBOOKS_SUBGRAPH_URL: override the URLs composed into the supergraph
 */
import {
  createInlineSigningKeyProvider,
  createRemoteJwksSigningKeyProvider,
  defineConfig,
  extractFromHeader,
  type ExtractTokenFunction,
} from '@graphql-hive/gateway';

// Same public secret as src/config.ts DEV_INSECURE_JWT_SECRET: anyone can mint dev tokens with it.
const DEV_INSECURE_JWT_SECRET = 'dev-insecure-quickbooks-subgraph-secret-do-not-use';

function signingKeyProvider() {
  if (process.env.AUTH_JWKS_URL)
    return createRemoteJwksSigningKeyProvider({ jwksUri: process.env.AUTH_JWKS_URL });
  if (process.env.AUTH_JWT_SECRET) return createInlineSigningKeyProvider(process.env.AUTH_JWT_SECRET);
  if (process.env.AUTH_MODE === 'dev-insecure')
    return createInlineSigningKeyProvider(DEV_INSECURE_JWT_SECRET);
  throw new Error('gateway: set AUTH_JWT_SECRET or AUTH_JWKS_URL, or AUTH_MODE=dev-insecure for local use');
}

/**
 * graphql-ws clients send `{ authorization: 'Bearer <jwt>' }` as connection params, the same value as the
 * HTTP header; the plugin's own extractFromConnectionParams takes no prefix, so strip it here.
 */
const extractBearerFromConnectionParams: ExtractTokenFunction = ({ serverContext }) => {
  const params = (serverContext as { connectionParams?: Record<string, unknown> } | undefined)
    ?.connectionParams;
  const value = params?.authorization ?? params?.Authorization;
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1] ? { prefix: 'Bearer', token: match[1] } : undefined;
};

const port = Number(process.env.GATEWAY_PORT ?? 4000);

export const gatewayConfig = defineConfig({
  supergraph: process.env.SUPERGRAPH_PATH ?? './supergraph.graphql',
  port,
  host: process.env.HOST ?? '127.0.0.1',
  // The gateway rejects bad tokens early; each subgraph still verifies the token it is forwarded and
  // never trusts an unsigned header.
  jwt: {
    signingKeyProviders: [signingKeyProvider()],
    tokenLookupLocations: [
      extractFromHeader({ name: 'authorization', prefix: 'Bearer' }),
      extractBearerFromConnectionParams,
    ],
    tokenVerification: {
      algorithms: ['HS256', 'RS256', 'ES256'],
      issuer: process.env.AUTH_ISSUER,
      audience: process.env.AUTH_AUDIENCE,
    },
    reject: { missingToken: false, invalidToken: true },
  },
  propagateHeaders: {
    // Also for the entity fetches a subscription event triggers: a graphql-ws client's upgrade request
    // has no Authorization header, its token is in the connection params.
    fromClientToSubgraphs({ request, context }) {
      const params = (context as { connectionParams?: Record<string, unknown> }).connectionParams;
      const fromParams = params?.authorization ?? params?.Authorization;
      const authorization =
        request.headers.get('authorization') ?? (typeof fromParams === 'string' ? fromParams : null);
      return authorization ? { authorization } : {};
    },
  },
  transportEntries: {
    host: process.env.HOST_SUBGRAPH_URL ? { location: process.env.HOST_SUBGRAPH_URL } : {},
    quickbooks: {
      ...(process.env.QUICKBOOKS_SUBGRAPH_URL ? { location: process.env.QUICKBOOKS_SUBGRAPH_URL } : {}),
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
