/**
 * graphql-ws at the gateway, with the rules the subgraph's own server keeps
 * (src/server/subscription-server.ts), so a client sees one protocol at the gateway and at the subgraph:
 *
 * - connection_init must carry a valid token (no token, malformed, forged, expired, no `exp`: close 4403
 *   with a reason); a socket that sends no connection_init is closed with 4408 after a short wait.
 * - A socket runs at most `maxPerConnection` operations at once; the next gets TOO_MANY_SUBSCRIPTIONS.
 * - Whatever refuses an operation before it starts (parse, validation, limits, an UNAUTHENTICATED or
 *   FORBIDDEN from a subgraph) answers with a graphql-ws `error` message, as the protocol says, not with
 *   `next` + `complete`; the socket stays open.
 * - When the token expires, each running operation gets an UNAUTHENTICATED `error` and the socket closes
 *   with 4403, so no event is delivered on a lapsed credential.
 *
 * Hive Gateway's CLI builds its graphql-ws server with fixed options (getGraphQLWSOptions: every
 * operation's outcome, refusals included, is streamed as `next`), which is why the gateway has its own
 * server. Operations still run through the gateway runtime (Yoga), so its plugins apply unchanged.
 */
import type { GatewayRuntime, Logger } from '@graphql-hive/gateway';
import {
  GraphQLError,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import { CloseCode, MessageType, stringifyMessage, type Context, type SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import type http from 'node:http';
import { WebSocketServer } from 'ws';
// Node's type stripping runs this folder (no build step), so imports name the .ts file.
// @ts-expect-error TS5097: see above.
import { bearerToken, connectionAuthorization, TokenVerificationUnavailableError } from './auth.ts';
// @ts-expect-error TS5097: see above.
import { tokenExpired, tooManySubscriptions } from './errors.ts';
import type { GatewaySubscriptionLimits } from './settings.ts';

/** The subgraph's close reasons (src/server/subscription-server.ts CLOSE_REASON), word for word. */
export const CLOSE_REASON = {
  NO_VALID_TOKEN: 'Forbidden: a valid bearer token is required',
  TOKEN_EXPIRED: 'Forbidden: token expired',
} as const;

/** What this server remembers about one socket, on graphql-ws's `extra`. */
type ConnectionState = {
  /** The verified credentials, as `Bearer <jwt>`: every operation of the socket runs with them. */
  authorization?: string;
  /** When the token lapses (ms since the epoch): the socket is closed then. */
  expiresAt?: number;
  expiryTimer?: NodeJS.Timeout;
};

type ConnectionContext = Context<Record<string, unknown>, Extra & Partial<ConnectionState>>;

export interface GraphqlWsOptions {
  runtime: GatewayRuntime;
  limits: GatewaySubscriptionLimits;
  /** When the token expires (ms since the epoch), or undefined when it does not verify. */
  verifyToken(token: string): Promise<number | undefined>;
  /** The gateway's error masker (the runtime's `maskedErrors.maskError`): one shape for every error. */
  maskError(error: unknown): GraphQLError;
  logger: Logger;
}

/** setTimeout fires at once for delays above 2^31-1 ms (24.8 days); longer-lived tokens re-arm. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * graphql-ws checks that the arguments it is handed name one operation; what runs is the result the
 * runtime already produced (see `started`), so any single-operation document does.
 */
const PLACEHOLDER_DOCUMENT = parse('{ __typename }');

/**
 * Thrown from an event stream whose first result is a refusal: graphql-ws answers an exception from the
 * stream with an `error` message (and no `complete`), whose payload `formatErrors` takes from here.
 */
class RefusedOperation extends Error {
  readonly errors: readonly GraphQLError[];

  constructor(errors: readonly GraphQLError[]) {
    super('operation refused');
    this.errors = errors;
  }
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';

/** graphql-ws sends a refusal only if every error is a GraphQLError instance (else it closes with 4500). */
const asGraphQLError = (error: GraphQLError | GraphQLFormattedError): GraphQLError =>
  error instanceof GraphQLError
    ? error
    : new GraphQLError(error.message, { path: error.path, extensions: error.extensions });

/**
 * A result that refuses the operation rather than reporting on it: errors and no `data` at all. GraphQL
 * answers a request error (one that stops the operation before it executes) without `data`; once an
 * operation runs, results carry `data`, null or partial, next to any field errors.
 */
function refusalOf(result: ExecutionResult): GraphQLError[] | undefined {
  if ('data' in result && result.data !== undefined) return undefined;
  return result.errors?.length ? result.errors.map(asGraphQLError) : undefined;
}

/**
 * Hands on a subscription's events; if its first result is a refusal (the subgraph refused to start it:
 * FORBIDDEN, UNAUTHENTICATED, its own cap), throws that instead, which graphql-ws sends as `error`. The
 * gateway subscribes to a subgraph when the stream is first read, so a subgraph's refusal can only arrive
 * as the stream's first result.
 */
function refusingAtFirstResult(
  stream: AsyncIterable<ExecutionResult>,
): AsyncIterableIterator<ExecutionResult> {
  const events = stream[Symbol.asyncIterator]();
  let first = true;
  return {
    async next() {
      const step = await events.next();
      if (!first || step.done) return step;
      first = false;
      const refusal = refusalOf(step.value);
      if (!refusal) return step;
      // An iterator whose next() throws is not returned by `for await`: release the stream here.
      await events.return?.();
      throw new RefusedOperation(refusal);
    },
    // graphql-ws returns the iterator when the client completes the operation or the socket closes,
    // possibly before the first next(): the subgraph subscription ends with it.
    async return() {
      return (await events.return?.()) ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The WebSocket upgrade request as the Fetch Request the runtime's plugins read headers from. */
function fetchRequestOf(request: http.IncomingMessage, runtime: GatewayRuntime): Request {
  const headers = new runtime.fetchAPI.Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const url = URL.canParse(request.url ?? '/', `http://${request.headers.host}`)
    ? new URL(request.url ?? '/', `http://${request.headers.host}`)
    : new URL(runtime.graphqlEndpoint, 'http://localhost');
  return new runtime.fetchAPI.Request(url, { headers });
}

/**
 * Attaches graphql-ws to the HTTP server on the runtime's GraphQL path (`/graphql`, next to HTTP and SSE).
 * Returns what shutdown disposes of: closing every socket with 1001.
 */
export function attachGraphqlWs(httpServer: http.Server, options: GraphqlWsOptions) {
  const { runtime, limits, verifyToken, maskError, logger } = options;
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: runtime.graphqlEndpoint,
    // Larger messages close the socket with 1009 before anything parses them.
    maxPayload: limits.maxMessageBytes,
  });

  /** Every error a client receives goes through the gateway's masker: code, retryable, no internals. */
  const formatErrors = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors
      .flatMap((error) =>
        error.originalError instanceof RefusedOperation ? error.originalError.errors : [error],
      )
      .map((error) => {
        const masked = maskError(error);
        if (masked.extensions.code === 'INTERNAL_SERVER_ERROR') {
          // Over HTTP Yoga logs these; graphql-ws reports an event stream that failed (not a refusal) here.
          logger.error({ err: error.originalError ?? error }, 'a graphql-ws operation failed');
        }
        return masked.toJSON();
      });

  const expiredErrors = formatErrors([tokenExpired()]);
  /**
   * Ends a connection whose token has expired: every running operation gets an `error` message, then the
   * socket closes with 4403, which tells a graphql-ws client (PROTOCOL.md) to connect again with fresh
   * credentials. graphql-ws sends nothing more on a closing socket, so no `next` or `complete` follows.
   */
  const endIfExpired = (ctx: ConnectionContext): boolean => {
    const { socket, expiresAt } = ctx.extra;
    if (expiresAt === undefined || Date.now() < expiresAt) return false;
    if (socket.readyState !== socket.OPEN) return true;
    for (const id of Object.keys(ctx.subscriptions)) {
      socket.send(stringifyMessage({ id, type: MessageType.Error, payload: expiredErrors }));
    }
    socket.close(CloseCode.Forbidden, CLOSE_REASON.TOKEN_EXPIRED);
    return true;
  };
  const closeWhenExpired = (ctx: ConnectionContext): void => {
    if (endIfExpired(ctx) || ctx.extra.expiresAt === undefined) return;
    const remaining = ctx.extra.expiresAt - Date.now();
    ctx.extra.expiryTimer = setTimeout(() => closeWhenExpired(ctx), Math.min(remaining, MAX_TIMER_DELAY_MS));
    ctx.extra.expiryTimer.unref();
  };

  // What the runtime answered, produced in onSubscribe (so a refusal can be answered as `error`) and
  // handed to graphql-ws through its `execute`/`subscribe` options, keyed by the arguments it passes back.
  const started = new WeakMap<ExecutionArgs, ExecutionResult | AsyncIterable<ExecutionResult>>();
  const takeStarted = (args: ExecutionArgs) => {
    const result = started.get(args);
    started.delete(args);
    return result ?? { errors: [new GraphQLError('Operation did not start')] };
  };

  /** Runs one operation through the runtime, as its HTTP handler would: its result, or its refusal. */
  async function run(
    ctx: ConnectionContext,
    payload: SubscribePayload,
  ): Promise<ExecutionResult | AsyncIterable<ExecutionResult>> {
    // graphql-ws allows null where Yoga's params want the key absent.
    const params = {
      query: payload.query,
      operationName: payload.operationName ?? undefined,
      variables: payload.variables ?? undefined,
      extensions: payload.extensions ?? undefined,
    };
    const context = {
      req: ctx.extra.request,
      socket: ctx.extra.socket,
      request: fetchRequestOf(ctx.extra.request, runtime),
      params,
      // The token verified at connection_init, whatever spelling the client used for it: it is what the
      // JWT plugin checks again and what the subgraph subscription is opened with.
      connectionParams: { ...ctx.connectionParams, authorization: ctx.extra.authorization },
      waitUntil: runtime.waitUntil,
    };
    try {
      const result = await runtime.getResultForParams({ params, request: context.request }, context);
      return result ?? { errors: [maskError(new Error('The gateway runtime answered nothing'))] };
    } catch (error) {
      // Thrown before execution (a syntax error, the token limit, a token the JWT plugin refuses): over
      // HTTP, Yoga answers these through the same masker, and logs what is not a GraphQLError.
      if (!(error instanceof GraphQLError)) logger.error({ err: error }, 'a graphql-ws operation failed');
      return { errors: [maskError(error)] };
    }
  }

  const server = useServer<Record<string, unknown>, Partial<ConnectionState>>(
    {
      connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const refuse = () => {
          // graphql-ws would close with a bare "Forbidden"; say what is missing. Its own close after
          // `false` is a no-op on a closing socket.
          ctx.extra.socket.close(CloseCode.Forbidden, CLOSE_REASON.NO_VALID_TOKEN);
          return false;
        };
        let token: string | undefined;
        try {
          token = bearerToken(
            connectionAuthorization(ctx.extra.request.headers.authorization, ctx.connectionParams),
          );
        } catch {
          return refuse(); // not `Bearer <jwt>`
        }
        if (!token) return refuse();
        let expiresAt: number | undefined;
        try {
          expiresAt = await verifyToken(token);
        } catch (error) {
          if (!(error instanceof TokenVerificationUnavailableError)) throw error;
          logger.error({ err: error.cause }, 'could not verify the token of a WebSocket connection');
          ctx.extra.socket.close(CloseCode.InternalServerError, 'Internal server error');
          return false;
        }
        if (expiresAt === undefined) return refuse();
        ctx.extra.authorization = `Bearer ${token}`;
        ctx.extra.expiresAt = expiresAt;
        closeWhenExpired(ctx);
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        // This operation is already registered, so it gets the expiry error too; this return is not sent.
        if (endIfExpired(ctx)) return [tokenExpired()];
        // graphql-ws has already registered this operation, so it counts itself.
        if (Object.keys(ctx.subscriptions).length > limits.maxPerConnection) {
          return [tooManySubscriptions(limits.maxPerConnection)];
        }
        const result = await run(ctx, payload);
        let outcome: ExecutionResult | AsyncIterable<ExecutionResult>;
        if (isAsyncIterable(result)) {
          outcome = refusingAtFirstResult(result);
        } else {
          const refusal = refusalOf(result);
          if (refusal) return refusal;
          outcome = result;
        }
        const args: ExecutionArgs = { schema: await runtime.getSchema(), document: PLACEHOLDER_DOCUMENT };
        started.set(args, outcome);
        return args;
      },
      execute: takeStarted,
      subscribe: takeStarted,
      onNext: (ctx) => {
        // The expiry timer may run late on a busy event loop; no event leaves after `exp` regardless
        // (graphql-ws skips sending on a closing socket).
        endIfExpired(ctx);
      },
      onError: (_ctx, _id, _payload, errors) => formatErrors(errors),
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
  return { wsServer, dispose: () => server.dispose() };
}
