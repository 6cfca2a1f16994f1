import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import {
  Client,
  cacheExchange,
  fetchExchange,
  mapExchange,
  subscriptionExchange,
  type CombinedError,
} from 'urql';

/** graphql-ws close code for a refused or expired token (the gateway's and the subgraph's). */
const FORBIDDEN_CLOSE = 4403;

function isUnauthenticated(error: CombinedError): boolean {
  return (
    error.response?.status === 401 ||
    error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')
  );
}

/**
 * One urql client per signed-in session, talking only to the gateway: queries and mutations over HTTP,
 * subscriptions over graphql-ws on the same URL, both carrying the session's bearer token. A token the
 * gateway no longer accepts (expired, revoked) calls `onUnauthenticated`, once per failing operation (so it
 * must be idempotent), and the person signs in again instead of reading errors on every card.
 */
export function createGraphqlClient(
  gatewayUrl: string,
  token: string,
  onUnauthenticated: () => void,
): { client: Client; dispose(): void } {
  const authorization = `Bearer ${token}`;
  const ws: WsClient = createWsClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    connectionParams: { authorization },
    lazy: true,
    // A gateway restart or a laptop waking up: keep trying, with graphql-ws's own randomised backoff. A
    // refused token (4403, e.g. its exp passed on an open page) ends the session, which disposes this client.
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      closed: (event) => {
        if (event instanceof CloseEvent && event.code === FORBIDDEN_CLOSE) onUnauthenticated();
      },
    },
  });
  const client = new Client({
    url: gatewayUrl,
    fetchOptions: () => ({ headers: { authorization } }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (isUnauthenticated(error)) onUnauthenticated();
        },
      }),
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
