import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type http from 'node:http';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import type { ContextFactory } from './context.js';

export interface SubscriptionServerOptions {
  schema: GraphQLSchema;
  createContext: ContextFactory;
  logger: Logger;
}

/**
 * graphql-ws on the HTTP server's /graphql path, as gateways expect (Hive Gateway and Apollo Router
 * subscribe over WebSocket at the subgraph URL). Returns what the HTTP server disposes of on drain.
 */
export function attachSubscriptionServer(httpServer: http.Server, options: SubscriptionServerOptions) {
  const { logger } = options;
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  return useServer<Record<string, unknown>>(
    {
      schema: options.schema,
      // The token may arrive in connection params (graphql-ws clients, Hive Gateway) or on the WebSocket
      // upgrade request (Apollo Router passthrough mode propagates headers there).
      context: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const headers = params.headers as Record<string, unknown> | undefined;
        const candidates = [
          params.authorization,
          params.Authorization,
          headers?.authorization,
          headers?.Authorization,
          ctx.extra.request.headers.authorization,
        ];
        const authorization = candidates.find(
          (value): value is string => typeof value === 'string' && value !== '',
        );
        return options.createContext(authorization);
      },
      onError: (_ctx, _id, _payload, errors) => {
        logger.warn({ errors: errors.map((e) => e.message) }, 'subscription error');
      },
    },
    wsServer,
  );
}
