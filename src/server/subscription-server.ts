import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  subscribe,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import {
  CloseCode,
  MessageType,
  stringifyMessage,
  type Context as WsContext,
  type SubscribePayload,
} from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import type http from 'node:http';
import { WebSocketServer } from 'ws';
import { bearerToken } from '../auth/token-verifier.js';
import type { QueryLimits, SubscriptionSettings } from '../config.js';
import type { Logger } from '../logger.js';
import { ErrorCode, tooManySubscriptions, unauthenticated } from '../resolvers/errors.js';
import type { ContextFactory } from './context.js';
import { createErrorFormatter } from './format-error.js';
import { createQueryLimits } from './query-limits.js';

export interface SubscriptionServerOptions {
  schema: GraphQLSchema;
  createContext: ContextFactory;
  logger: Logger;
  /** The same per-operation limits as HTTP (GRAPHQL_MAX_*): graphql-ws does not run Apollo's validation. */
  limits: QueryLimits;
  settings: SubscriptionSettings;
}

/**
 * Close reasons sent with 4403 (graphql-ws's Forbidden), which graphql-ws's PROTOCOL.md recommends for
 * refused credentials; its client treats 4403 as retryable and re-reads `connectionParams` when it
 * reconnects, which is where a client puts its token refresh.
 */
export const CLOSE_REASON = {
  NO_VALID_TOKEN: 'Forbidden: a valid bearer token is required',
  TOKEN_EXPIRED: 'Forbidden: token expired',
} as const;

/** What this server remembers about one socket, on graphql-ws's `extra`. */
type ConnectionState = {
  /** The credentials verified at connection_init; every operation's context is built from them. */
  authorization?: string;
  /** When the token lapses (ms since the epoch): the socket is closed then. */
  expiresAt?: number;
  expiryTimer?: NodeJS.Timeout;
};

type ConnectionExtra = Extra & Partial<ConnectionState>;

/** setTimeout fires at once for delays above 2^31-1 ms (24.8 days); longer-lived tokens re-arm. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

function authorizationOf(params: Record<string, unknown> | undefined, request: http.IncomingMessage) {
  // The token may arrive in connection params (graphql-ws clients, Hive Gateway) or on the WebSocket
  // upgrade request (Apollo Router passthrough mode propagates headers there).
  const headers = params?.headers as Record<string, unknown> | undefined;
  const candidates = [
    params?.authorization,
    params?.Authorization,
    headers?.authorization,
    headers?.Authorization,
    request.headers.authorization,
  ];
  return candidates.find((value): value is string => typeof value === 'string' && value !== '');
}

const hasExpired = (state: Partial<ConnectionState>) =>
  state.expiresAt !== undefined && Date.now() >= state.expiresAt;

type ConnectionContext = WsContext<Record<string, unknown>, ConnectionExtra>;

/**
 * Ends a connection whose token has expired: every running operation first gets an `error` message
 * (UNAUTHENTICATED), then the socket closes with 4403.
 *
 * The `error` is what reaches a user behind a gateway promptly: Hive Gateway's upstream graphql-ws client
 * would otherwise retry the refused reconnects (about 40 s, with the same expired token) and then report
 * an internal error. A direct graphql-ws client gets the same typed error in its sink, and 4403 tells it
 * (PROTOCOL.md) to connect again with fresh credentials; operations have to be subscribed again then.
 */
function endExpiredConnection(ctx: ConnectionContext, expiredErrors: readonly GraphQLFormattedError[]): void {
  const { socket } = ctx.extra;
  if (socket.readyState !== socket.OPEN) return;
  for (const id of Object.keys(ctx.subscriptions)) {
    socket.send(stringifyMessage({ id, type: MessageType.Error, payload: expiredErrors }));
  }
  // Sends graphql-ws attempts from now on are skipped (the socket is closing), so no `next` or
  // `complete` follows these errors.
  socket.close(CloseCode.Forbidden, CLOSE_REASON.TOKEN_EXPIRED);
}

function withCode(error: GraphQLError, code: string, message = error.message): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

const badRequest = (message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.BAD_REQUEST } });

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';

/**
 * graphql-ws on the HTTP server's /graphql path, as gateways expect (Hive Gateway and Apollo Router
 * subscribe over WebSocket at the subgraph URL). Returns what the HTTP server disposes of on drain.
 *
 * - Only authenticated sockets are acknowledged (else close 4403). When the token expires, each running
 *   operation gets an UNAUTHENTICATED `error` and the socket closes with 4403.
 * - Everything that can fail before the event stream starts (operation cap, syntax, validation and
 *   limits, auth and FORBIDDEN in the subscribe resolver) answers the operation with an `error` message,
 *   as the protocol says, not with `next` + `complete`; the socket stays open.
 * - Errors leave with the same codes and formatting as over HTTP.
 */
export function attachSubscriptionServer(httpServer: http.Server, options: SubscriptionServerOptions) {
  const { schema, createContext, settings, logger } = options;
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    // Larger messages close the socket with 1009 before anything parses them.
    maxPayload: settings.maxMessageBytes,
  });
  const { validationRules, parseOptions } = createQueryLimits(options.limits);
  const rules = [...specifiedRules, ...validationRules];
  const formatError = createErrorFormatter(logger);
  const format = (error: GraphQLError) => formatError(error.toJSON(), error);
  const expiredErrors = [
    format(unauthenticated('The bearer token expired; connect again with a fresh token')),
  ];
  const endIfExpired = (ctx: ConnectionContext): boolean => {
    if (!hasExpired(ctx.extra)) return false;
    endExpiredConnection(ctx, expiredErrors);
    return true;
  };
  const closeWhenExpired = (ctx: ConnectionContext): void => {
    if (endIfExpired(ctx) || ctx.extra.expiresAt === undefined) return;
    const remaining = ctx.extra.expiresAt - Date.now();
    ctx.extra.expiryTimer = setTimeout(() => closeWhenExpired(ctx), Math.min(remaining, MAX_TIMER_DELAY_MS));
    ctx.extra.expiryTimer.unref();
  };
  // Event streams started in onSubscribe (so their errors can be answered as `error` messages), handed to
  // graphql-ws through its `subscribe` option, keyed by the execution args it passes back.
  const startedStreams = new WeakMap<ExecutionArgs, AsyncIterable<ExecutionResult>>();

  /** Parses, validates and starts one operation: its event stream, or the errors to answer with. */
  async function start(
    payload: SubscribePayload,
    authorization: string | undefined,
  ): Promise<{ args: ExecutionArgs; stream: AsyncIterable<ExecutionResult> } | readonly GraphQLError[]> {
    let document: DocumentNode;
    try {
      document = parse(payload.query, parseOptions);
    } catch (error) {
      if (error instanceof GraphQLError) return [withCode(error, ErrorCode.GRAPHQL_PARSE_FAILED)];
      throw error;
    }
    const invalid = validate(schema, document, rules);
    if (invalid.length > 0) {
      // Limits carry their own code (QUERY_TOO_COMPLEX). "Did you mean" hints are dropped: they reveal the
      // schema where introspection is off, and gateways validate against the supergraph before this.
      return invalid.map((error) =>
        error.extensions.code
          ? error
          : withCode(
              error,
              ErrorCode.GRAPHQL_VALIDATION_FAILED,
              error.message.replace(/ Did you mean .+\?$/, ''),
            ),
      );
    }
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) return [badRequest('Name the operation to run (operationName)')];
    if (operation.operation !== 'subscription') {
      // Gateways send only subscriptions here; queries over HTTP get the request deadline and its logs.
      return [
        badRequest('Only subscriptions are served over WebSocket; send queries and mutations over HTTP'),
      ];
    }
    const args: ExecutionArgs = {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: await createContext(authorization, { longLived: true }),
    };
    const result = await subscribe(args);
    if (isAsyncIterable(result)) return { args, stream: result };
    return result.errors?.length ? result.errors : [new GraphQLError('Subscription did not start')];
  }

  const server = useServer<Record<string, unknown>, ConnectionState>(
    {
      schema,
      connectionInitWaitTimeout: settings.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const authorization = authorizationOf(ctx.connectionParams, ctx.extra.request);
        const token = bearerToken(authorization);
        let context: Awaited<ReturnType<ContextFactory>> | undefined;
        try {
          context = token ? await createContext(authorization) : undefined;
        } catch (error) {
          // Not a bad token (that leaves the caller anonymous) but a failure to check one, e.g. JWKS.
          logger.error({ err: error }, 'could not verify the token of a WebSocket connection');
          ctx.extra.socket.close(CloseCode.InternalServerError, 'Internal server error');
          return false;
        }
        if (!token || !context?.viewer) {
          // graphql-ws would close with a bare "Forbidden"; say what is missing. Its own close after
          // `false` is a no-op on a closing socket.
          ctx.extra.socket.close(CloseCode.Forbidden, CLOSE_REASON.NO_VALID_TOKEN);
          return false;
        }
        ctx.extra.authorization = authorization;
        const { exp } = decodeJwt(token);
        if (typeof exp === 'number') {
          ctx.extra.expiresAt = exp * 1000;
          closeWhenExpired(ctx);
        }
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        // This operation is already registered, so it gets the expiry error too; this return is not sent.
        if (endIfExpired(ctx)) return [unauthenticated()];
        // graphql-ws has already registered this operation, so it counts itself.
        if (Object.keys(ctx.subscriptions).length > settings.maxPerConnection) {
          return [tooManySubscriptions(settings.maxPerConnection)];
        }
        const started = await start(payload, ctx.extra.authorization);
        if (!('stream' in started)) return [...started];
        startedStreams.set(started.args, started.stream);
        return started.args;
      },
      subscribe: (args) => {
        const stream = startedStreams.get(args);
        startedStreams.delete(args);
        return stream ?? subscribe(args);
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        // The expiry timer may run late on a busy event loop; no event leaves after `exp` regardless
        // (graphql-ws skips sending on a closing socket).
        if (endIfExpired(ctx)) return;
        if (!result.errors) return;
        return { ...result, errors: result.errors.map(format) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
      onClose: (ctx) => {
        clearTimeout(ctx.extra.expiryTimer);
      },
    },
    wsServer,
  );
  // Replaces graphql-ws's per-socket 'error' handler (registered just before this one), which writes to
  // console.error, outside the logger: a client can raise these at will (an oversized message, a broken
  // frame), and ws closes the socket with the matching code (1009, 1002) by itself.
  wsServer.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error & { code?: string }) => {
      logger.info({ code: error.code }, 'WebSocket closed on a protocol error');
    });
  });
  return server;
}
