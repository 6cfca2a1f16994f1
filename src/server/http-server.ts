import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type RequestHandler, type Response, type Router } from 'express';
import type { GraphQLSchema } from 'graphql';
import http from 'node:http';
import type { QueryLimits, SubscriptionSettings } from '../config.js';
import type { Logger } from '../logger.js';
import { answerMetrics, type MetricsEndpoint } from '../observability/metrics-server.js';
import type { GraphQLContext } from '../resolvers/context.js';
import { ERROR_CODES, invalidToken } from '../resolvers/errors.js';
import type { ContextFactory } from './context.js';
import { createErrorFormatter, requestErrorBody } from './format-error.js';
import { createQueryLimits } from './query-limits.js';
import { attachSubscriptionServer } from './subscription-server.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpServerOptions {
  schema: GraphQLSchema;
  createContext: ContextFactory;
  readiness: ReadinessCheck[];
  /** Non-GraphQL routes (the QuickBooks OAuth callback), mounted before the catch-all 404. */
  routes?: Router[];
  logger: Logger;
  /** Introspection, and "Did you mean" hints in errors, which reveal the schema just as well. */
  introspection: boolean;
  /** Apollo's landing page on GET /graphql from a browser (Apollo Sandbox); off in production. */
  landingPage: boolean;
  limits: QueryLimits;
  maxBodyBytes: number;
  /** Deadline of one HTTP GraphQL request, from the first byte to the last. */
  requestTimeoutMs: number;
  /** graphql-ws limits per connection (subscription-server.ts). */
  subscriptions: SubscriptionSettings;
  /**
   * GET /metrics (Prometheus text), bearer-checked when the endpoint has a token. Absent: no route (the
   * production default without METRICS_TOKEN, since this port is the public one).
   */
  metrics?: MetricsEndpoint;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

function sendRequestError(
  res: Response,
  status: number,
  code: keyof typeof ERROR_CODES,
  message: string,
): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify(requestErrorBody(code, message)));
}

/**
 * Answers with TIMEOUT (HTTP 504) when the GraphQL handler has not answered within the deadline. Apollo
 * Server cannot abort an execution, so the late result is dropped; the work behind it is itself bounded
 * by the database and Redis timeouts. Written by hand because neither Apollo Server nor GraphQL Armor has
 * a request deadline, and Express's connect-timeout is unmaintained and only flags the request.
 */
function withDeadline(handler: RequestHandler, timeoutMs: number, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      logger.warn({ timeoutMs }, 'request deadline passed');
      sendRequestError(
        res,
        ERROR_CODES.TIMEOUT.httpStatus,
        'TIMEOUT',
        'The request took too long; retry later',
      );
    }, timeoutMs);
    try {
      await handler(req, res, next);
    } catch (error) {
      // After a TIMEOUT answer, writing the late result fails (ERR_HTTP_HEADERS_SENT): nothing to report.
      if (!res.headersSent) next(error);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Body-parser and other Express errors as GraphQL JSON with a code, never Express's HTML page (which
 * carries the stack and absolute paths outside production) and never the parser's message (which may
 * quote the body).
 */
function requestErrorHandler(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    switch (error.type) {
      case 'entity.too.large':
        sendRequestError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body exceeds ${maxBodyBytes} bytes`);
        return;
      case 'entity.parse.failed':
        sendRequestError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON');
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        sendRequestError(res, 415, 'BAD_REQUEST', 'Unsupported content encoding or charset');
        return;
    }
    if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
      sendRequestError(res, error.status, 'BAD_REQUEST', 'The request could not be read');
      return;
    }
    logger.error({ err: error }, 'unexpected HTTP error');
    sendRequestError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}

/**
 * One HTTP server carries /health, /ready and /graphql; graphql-ws shares the same server and path
 * (subscription-server.ts), as gateways expect.
 */
export function createHttpServer(options: HttpServerOptions) {
  const { logger } = options;
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  // Slow senders (slowloris) may not hold a connection longer than the request deadline.
  httpServer.requestTimeout = options.requestTimeoutMs;
  httpServer.headersTimeout = Math.min(httpServer.headersTimeout, options.requestTimeoutMs);

  const subscriptions = attachSubscriptionServer(httpServer, {
    schema: options.schema,
    createContext: options.createContext,
    logger,
    limits: options.limits,
    settings: options.subscriptions,
  });

  const limits = createQueryLimits(options.limits);
  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
    hideSchemaDetailsFromClientErrors: !options.introspection,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    includeStacktraceInErrorResponses: false,
    // The process entry point owns SIGTERM/SIGINT and closes Redis and MongoDB after Apollo. Apollo's own
    // handler (on by default outside NODE_ENV=test) races it and re-raises the signal: shutdown hangs.
    stopOnTerminationSignals: false,
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
    formatError: createErrorFormatter(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ...(options.landingPage ? [] : [ApolloServerPluginLandingPageDisabled()]),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await subscriptions.dispose();
            },
          };
        },
      },
    ],
  });

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const { metrics } = options;
  if (metrics) {
    app.get('/metrics', async (req, res) => {
      try {
        const { status, contentType, body } = await answerMetrics(metrics, req.headers.authorization);
        res.status(status).type(contentType).send(body);
      } catch (error) {
        logger.warn({ err: error }, 'could not render metrics');
        res.status(500).type('text/plain').send('metrics unavailable\n');
      }
    });
  }

  app.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2000);
          return { name, ok: true };
        } catch (error) {
          // The cause (host, port, driver message) goes to the log; the probe only learns which one failed.
          logger.warn({ check: name, err: error }, 'readiness check failed');
          return { name, ok: false, error: 'unavailable' };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: results });
  });

  return {
    httpServer,
    async start(host: string, port: number): Promise<number> {
      await apollo.start();
      const graphql = expressMiddleware(apollo, {
        context: async ({ req }) => {
          const context = await options.createContext(req.headers.authorization);
          // Credentials that were sent and do not verify refuse the whole request, as the gateway does.
          if (context.authFailure) throw invalidToken();
          return context;
        },
      });
      app.use(
        '/graphql',
        express.json({ limit: options.maxBodyBytes }),
        withDeadline(graphql, options.requestTimeoutMs, logger),
      );
      for (const router of options.routes ?? []) app.use(router);
      app.use((_req, res) => {
        sendRequestError(res, 404, 'BAD_REQUEST', 'Not found: GraphQL is served at /graphql');
      });
      app.use(requestErrorHandler(logger, options.maxBodyBytes));
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const address = httpServer.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    async stop(): Promise<void> {
      await apollo.stop();
    },
  };
}
