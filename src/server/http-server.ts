import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import http from 'node:http';
import type { Logger } from '../logger.js';
import type { GraphQLContext } from '../resolvers/context.js';
import type { ContextFactory } from './context.js';
import { attachSubscriptionServer } from './subscription-server.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpServerOptions {
  schema: GraphQLSchema;
  createContext: ContextFactory;
  readiness: ReadinessCheck[];
  logger: Logger;
  introspection: boolean;
}

const EXPECTED_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
]);

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/**
 * One HTTP server carries /health, /ready and /graphql; graphql-ws shares the same server and path
 * (subscription-server.ts), as gateways expect.
 */
export function createHttpServer(options: HttpServerOptions) {
  const { logger } = options;
  const app = express();
  const httpServer = http.createServer(app);

  const subscriptions = attachSubscriptionServer(httpServer, {
    schema: options.schema,
    createContext: options.createContext,
    logger,
  });

  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
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
    formatError: (formatted: GraphQLFormattedError, error: unknown) => {
      const code = formatted.extensions?.code;
      if (typeof code === 'string' && EXPECTED_CODES.has(code)) return formatted;
      // Unexpected failures are logged in full here and reach the client as a generic message.
      logger.error({ err: error }, 'unexpected GraphQL error');
      return {
        message: 'Internal server error',
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
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

  app.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2000);
          return { name, ok: true };
        } catch (error) {
          return { name, ok: false, error: (error as Error).message };
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
      app.use(
        '/graphql',
        express.json({ limit: '1mb' }),
        expressMiddleware(apollo, {
          context: async ({ req }) => options.createContext(req.headers.authorization),
        }),
      );
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
