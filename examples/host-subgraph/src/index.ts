import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express from 'express';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { bearerToken, createTokenVerifier, InvalidTokenError, type HostAuthOptions } from './auth.js';
import { HostErrorCode } from './errors.js';
import { InvoiceEvents, startHttpDelivery } from './events.js';
import { resolvers, type HostContext } from './resolvers.js';
import { hostTypeDefs } from './schema.js';
import { InvoiceService } from './service.js';
import { HostStore } from './store.js';

export { HOST_SUBGRAPH_SDL, hostTypeDefs } from './schema.js';
export {
  DEV_INSECURE_JWT_SECRET,
  mintDevToken,
  type DevTokenClaims,
  type HostAuthOptions,
  type Viewer,
} from './auth.js';
export { InvoiceEvents, INVOICE_EVENT_TYPES, type InvoiceEvent, type InvoiceEventType } from './events.js';
export { HostStore } from './store.js';
export { TENANT_IDS } from './seed.js';
export { HostErrorCode } from './errors.js';
export { invoiceTotals, lineAmounts } from './decimal.js';
export type * from './model.js';

/** The port the CLI uses when HOST_SUBGRAPH_PORT is unset. */
export const DEFAULT_HOST_SUBGRAPH_PORT = 4002;

export interface HostSubgraphOptions {
  /** Default 4002; 0 picks a free port (tests) */
  port?: number;
  /** Default 127.0.0.1 */
  host?: string;
  auth: HostAuthOptions;
  /** When set, every invoice event is also POSTed there as JSON (best effort, in order) */
  invoiceEventsUrl?: string;
  /** pino logger; silent by default. Invoice events are logged at info, one JSON line each. */
  logger?: Logger;
  /** Time source for createdAt / updatedAt / finalizedAt / voidedAt (default: the system clock) */
  clock?: () => Date;
}

export interface HostSubgraph {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4002/graphql */
  url: string;
  port: number;
  /** Typed invoice notifications (invoice.created / updated / finalized / voided) */
  events: InvoiceEvents;
  /** The in-memory data; `store.reset()` reseeds it */
  store: HostStore;
  close(): Promise<void>;
}

const EXPECTED_CODES = new Set<string>([
  ...Object.values(HostErrorCode),
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** The executable subgraph schema, for callers that host it themselves. */
export function buildHostSchema(): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: hostTypeDefs, resolvers }]);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the DEMO host subgraph (development and tests only): Apollo Server 5 on express 5, with
 * POST/GET /graphql and GET /health. Rejects with the listen error (code EADDRINUSE when the port is taken).
 */
export async function startHostSubgraph(options: HostSubgraphOptions): Promise<HostSubgraph> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const host = options.host ?? '127.0.0.1';
  const verify = createTokenVerifier(options.auth);
  const clock = options.clock ?? (() => new Date());
  const store = new HostStore();
  const events = new InvoiceEvents(logger);
  const service = new InvoiceService(store, events, clock);

  const app = express();
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<HostContext>({
    schema: buildHostSchema(),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
    formatError: (formatted: GraphQLFormattedError, error: unknown) => {
      const code = formatted.extensions?.code;
      if (typeof code === 'string' && EXPECTED_CODES.has(code)) return formatted;
      logger.error({ err: error }, 'unexpected GraphQL error');
      return {
        message: 'Internal server error',
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
    },
    // No federated tracing: nothing reports usage for this demo host.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'demo-host-subgraph' });
  });
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }): Promise<HostContext> => {
        const base = { store, service };
        const token = bearerToken(req.headers.authorization);
        if (!token) return { ...base, viewer: null };
        try {
          return { ...base, viewer: await verify(token) };
        } catch (error) {
          if (!(error instanceof InvalidTokenError)) throw error;
          logger.info({ reason: error.reason }, 'rejected bearer token');
          return { ...base, viewer: null, authFailure: error.reason };
        }
      },
    }),
  );

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port ?? DEFAULT_HOST_SUBGRAPH_PORT, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await apollo.stop().catch(() => undefined);
    throw error;
  }

  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}/graphql`;
  const stopLogging = events.onAny((event) => logger.info({ event }, 'invoice event'));
  const stopDelivery = options.invoiceEventsUrl
    ? startHttpDelivery(events, { url: options.invoiceEventsUrl, logger })
    : undefined;
  logger.info({ url }, 'demo host subgraph listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    events,
    store,
    close() {
      closing ??= (async () => {
        stopLogging();
        await stopDelivery?.();
        await apollo.stop();
      })();
      return closing;
    },
  };
}
