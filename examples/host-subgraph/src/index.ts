import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express, { type ErrorRequestHandler } from 'express';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { bearerToken, createTokenVerifier, InvalidTokenError, type HostAuthOptions } from './auth.js';
import { HostErrorCode } from './errors.js';
import { InvoiceEvents, startHttpDelivery } from './events.js';
import { startQuickBooksNotify, type QuickBooksNotifyOptions } from './quickbooks-hook.js';
import {
  asQueryTooComplex,
  DEFAULT_HOST_QUERY_LIMITS,
  queryLimitOptions,
  type HostQueryLimits,
} from './limits.js';
import { refuseUnknownEntityTypes, resolvers, type HostContext } from './resolvers.js';
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
export {
  InvoiceEvents,
  INVOICE_EVENT_TYPES,
  type InvoiceEvent,
  type InvoiceEventType,
  type InvoicePaymentEventDetail,
} from './events.js';
export { HostStore } from './store.js';
export { TENANT_IDS } from './seed.js';
export {
  DEFAULT_NOTIFY_SERVICE_NAME,
  mintServiceToken,
  NOTIFY_INVOICE_CHANGED_MUTATION,
  quickbooksChangeOf,
  type QuickBooksInvoiceChange,
} from './quickbooks-hook.js';
export { HostErrorCode } from './errors.js';
export { DEFAULT_HOST_QUERY_LIMITS, type HostQueryLimits } from './limits.js';
export { invoiceTotals, lineAmounts } from './decimal.js';
export type * from './model.js';

/** The port the CLI uses when HOST_SUBGRAPH_PORT is unset. */
export const DEFAULT_HOST_SUBGRAPH_PORT = 4002;

/** Request bodies above this are answered 413 (HTTP_MAX_BODY_BYTES in the CLI). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface HostSubgraphOptions {
  /** Default 4002; 0 picks a free port (tests) */
  port?: number;
  /** Default 127.0.0.1 */
  host?: string;
  auth: HostAuthOptions;
  /** When set, every invoice event is also POSTed there as JSON (best effort, in order) */
  invoiceEventsUrl?: string;
  /**
   * When set, the QuickBooks hook announces finalize / edit-after-finalize / void to the product subgraph
   * at `url` (src/quickbooks-hook.ts). Tokens are signed with `auth.secret` unless `secret` is given; with
   * `auth.jwksUrl` alone a `secret` is required.
   */
  quickbooksNotify?: QuickBooksNotifySettings;
  /** pino logger; silent by default. Invoice events are logged at info, one JSON line each. */
  logger?: Logger;
  /** Time source for createdAt / updatedAt / finalizedAt / voidedAt (default: the system clock) */
  clock?: () => Date;
  /** Per-operation limits; each one left out takes DEFAULT_HOST_QUERY_LIMITS */
  limits?: Partial<HostQueryLimits>;
  /** Largest request body in bytes (default DEFAULT_MAX_BODY_BYTES, 1 MiB) */
  maxBodyBytes?: number;
}

export type QuickBooksNotifySettings = Omit<
  QuickBooksNotifyOptions,
  'logger' | 'secret' | 'issuer' | 'audience'
> & { secret?: string };

export interface HostSubgraph {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4002/graphql */
  url: string;
  port: number;
  /** Typed invoice notifications (invoice.created / updated / finalized / voided / payment_recorded) */
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
  return refuseUnknownEntityTypes(buildSubgraphSchema([{ typeDefs: hostTypeDefs, resolvers }]));
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

interface BodyRefusal {
  status: number;
  code: string;
  message: string;
}

/** body-parser's client errors (too large, malformed JSON, unsupported charset or encoding, aborted). */
function bodyRefusal(error: unknown, maxBodyBytes: number): BodyRefusal | undefined {
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (type === 'entity.too.large') {
    return {
      status: 413,
      code: HostErrorCode.PAYLOAD_TOO_LARGE,
      message: `Request body is larger than ${maxBodyBytes} bytes`,
    };
  }
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const message =
    type === 'entity.parse.failed' ? 'Request body is not valid JSON' : 'Unreadable request body';
  return { status, code: HostErrorCode.BAD_REQUEST, message };
}

/** Express's own handler answers an HTML page with the stack and absolute paths, and prints the stack. */
function jsonErrorHandler(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const refusal = bodyRefusal(error, maxBodyBytes);
    if (refusal) logger.info({ status: refusal.status, code: refusal.code }, 'refused request body');
    else logger.error({ err: error }, 'unexpected HTTP error');
    const { status, code, message } = refusal ?? {
      status: 500,
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
    };
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}

/**
 * Starts the DEMO host subgraph (development and tests only): Apollo Server 5 on express 5, with
 * POST/GET /graphql and GET /health. Rejects with the listen error (code EADDRINUSE when the port is taken).
 */
export async function startHostSubgraph(options: HostSubgraphOptions): Promise<HostSubgraph> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const host = options.host ?? '127.0.0.1';
  const verify = createTokenVerifier(options.auth);
  const notifySecret = options.quickbooksNotify?.secret ?? options.auth.secret;
  if (options.quickbooksNotify && !notifySecret) {
    throw new Error('quickbooksNotify needs an HS256 secret: auth.secret or quickbooksNotify.secret');
  }
  const clock = options.clock ?? (() => new Date());
  const store = new HostStore();
  const events = new InvoiceEvents(logger);
  const service = new InvoiceService(store, events, clock);
  const limits = queryLimitOptions({ ...DEFAULT_HOST_QUERY_LIMITS, ...options.limits });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const app = express();
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<HostContext>({
    schema: buildHostSchema(),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
    formatError: (formatted: GraphQLFormattedError, error: unknown) => {
      const tooComplex = asQueryTooComplex(formatted, error);
      if (tooComplex) return tooComplex;
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
    express.json({ limit: maxBodyBytes }),
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
  app.use(jsonErrorHandler(logger, maxBodyBytes));

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
  const stopNotify =
    options.quickbooksNotify && notifySecret
      ? startQuickBooksNotify(events, {
          ...options.quickbooksNotify,
          secret: notifySecret,
          issuer: options.auth.issuer,
          audience: options.auth.audience,
          logger,
        })
      : undefined;
  logger.info({ url, quickbooksNotify: options.quickbooksNotify?.url }, 'demo host subgraph listening');

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
        await stopNotify?.();
        await apollo.stop();
      })();
      return closing;
    },
  };
}
