import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';

/**
 * One urql client per signed-in session, talking only to the gateway: queries and mutations over HTTP,
 * subscriptions over graphql-ws on the same URL, both carrying the session's bearer token.
 */
export function createGraphqlClient(gatewayUrl: string, token: string): { client: Client; dispose(): void } {
  const authorization = `Bearer ${token}`;
  const ws: WsClient = createWsClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    connectionParams: { authorization },
    lazy: true,
    // A gateway restart or a laptop waking up: keep trying, with graphql-ws's own randomised backoff.
    retryAttempts: Infinity,
    shouldRetry: () => true,
  });
  const client = new Client({
    url: gatewayUrl,
    fetchOptions: () => ({ headers: { authorization } }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, dispose: () => void ws.dispose() };
}
