/**
 * The gateway's side of the error convention (src/resolvers/errors.ts is the subgraph's): every error a
 * client sees carries `extensions.code` and `extensions.retryable`, and nothing else but `field`; messages
 * never carry internals. Errors from the subgraphs already follow it and pass through; the gateway's own
 * refusals and those of Hive Gateway's plugins (which have no code, or codes of their own) are mapped here.
 */
import type { GatewayPlugin } from '@graphql-hive/gateway';
import { GraphQLError } from 'graphql';

interface GatewayCode {
  /** HTTP status when the error ends the request before execution; field errors travel with HTTP 200. */
  httpStatus: number;
  retryable: boolean;
}

/** Codes the gateway itself answers with (the subgraphs add FORBIDDEN, BAD_USER_INPUT, NOT_FOUND...). */
export const GATEWAY_ERROR_CODES = {
  UNAUTHENTICATED: { httpStatus: 401, retryable: false },
  BAD_REQUEST: { httpStatus: 400, retryable: false },
  PAYLOAD_TOO_LARGE: { httpStatus: 413, retryable: false },
  GRAPHQL_PARSE_FAILED: { httpStatus: 400, retryable: false },
  GRAPHQL_VALIDATION_FAILED: { httpStatus: 400, retryable: false },
  QUERY_TOO_COMPLEX: { httpStatus: 400, retryable: false },
  /** graphql-ws only: the socket already runs GATEWAY_SUBSCRIPTION_MAX_PER_CONNECTION operations. */
  TOO_MANY_SUBSCRIPTIONS: { httpStatus: 429, retryable: false },
  TIMEOUT: { httpStatus: 504, retryable: true },
  /** A subgraph could not be reached (connection refused or reset): gateway-only. */
  SERVICE_UNAVAILABLE: { httpStatus: 503, retryable: true },
  INTERNAL_SERVER_ERROR: { httpStatus: 500, retryable: false },
} as const satisfies Record<string, GatewayCode>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODES;

/** Codes of the subgraphs' convention that ask for a retry (src/resolvers/errors.ts `retryable`). */
const RETRYABLE_CODES = new Set<string>(['TIMEOUT', 'SERVICE_UNAVAILABLE']);

/** Extensions a client may see besides `code` and `retryable` (the subgraph keeps the same list). */
const SAFE_EXTENSIONS = ['field'] as const;

export const INVALID_TOKEN_MESSAGE =
  'Authentication failed: the bearer token is malformed, invalid or expired';

/**
 * Yoga takes a refusal's HTTP status from `extensions.http` and drops that key from HTTP answers, but
 * not from graphql-ws messages: non-enumerable, it is read all the same and serialised nowhere.
 */
function setHttpStatus(extensions: Record<string, unknown>, status: number): void {
  // `spec: false`: this status stands whatever the Accept header (see validationErrorsAreRefusals).
  Object.defineProperty(extensions, 'http', {
    value: { status, spec: false },
    enumerable: false,
    configurable: true,
    writable: true,
  });
}

export function gatewayError(code: GatewayErrorCode, message: string): GraphQLError {
  const extensions: Record<string, unknown> = { code, retryable: GATEWAY_ERROR_CODES[code].retryable };
  setHttpStatus(extensions, GATEWAY_ERROR_CODES[code].httpStatus);
  return new GraphQLError(message, { extensions });
}

export const invalidToken = () => gatewayError('UNAUTHENTICATED', INVALID_TOKEN_MESSAGE);
export const queryTooComplex = (message: string) => gatewayError('QUERY_TOO_COMPLEX', message);
/** The subgraph's words for the same refusals (src/resolvers/errors.ts), so both read alike. */
export const tooManySubscriptions = (limit: number) =>
  gatewayError(
    'TOO_MANY_SUBSCRIPTIONS',
    `This connection already runs ${limit} subscriptions, the most it may; complete one first`,
  );
export const tokenExpired = () =>
  gatewayError('UNAUTHENTICATED', 'The bearer token expired; connect again with a fresh token');

/**
 * Hive Gateway's codes and the JWT plugin's code-less refusals (matched on its constant messages, in
 * @graphql-yoga/plugin-jwt; the e2e tests fail if they change), in our vocabulary.
 */
const FOREIGN_CODES: Record<string, GatewayErrorCode> = {
  GATEWAY_TIMEOUT: 'TIMEOUT',
  SUBREQUEST_HTTP_ERROR: 'SERVICE_UNAVAILABLE',
  REQUEST_ENTITY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  COST_ESTIMATED_TOO_EXPENSIVE: 'QUERY_TOO_COMPLEX',
};
const JWT_PLUGIN_MESSAGES = new Set([
  'Unauthenticated',
  'Invalid authentication token provided',
  'Invalid JWT authentication token prefix.',
  'Authentication header was set, but token is missing.',
]);

const PUBLIC_MESSAGES: Partial<Record<GatewayErrorCode, string>> = {
  UNAUTHENTICATED: INVALID_TOKEN_MESSAGE,
  TIMEOUT: 'A service this request needs did not answer in time; retry later',
  SERVICE_UNAVAILABLE: 'A service this request needs is unavailable; retry later',
  INTERNAL_SERVER_ERROR: 'Internal server error',
};

function codeOf(error: GraphQLError): { code: string; mapped: boolean } {
  const code = error.extensions?.code;
  if (typeof code === 'string') {
    const mapped = FOREIGN_CODES[code];
    return mapped ? { code: mapped, mapped: true } : { code, mapped: false };
  }
  if (JWT_PLUGIN_MESSAGES.has(error.message)) return { code: 'UNAUTHENTICATED', mapped: true };
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  if (status === 413) return { code: 'PAYLOAD_TOO_LARGE', mapped: true };
  if (status !== undefined && status >= 400 && status < 500) return { code: 'BAD_REQUEST', mapped: true };
  return { code: 'INTERNAL_SERVER_ERROR', mapped: true };
}

/** Whether a GraphQLError wraps something that is not one (a thrown Error, a failed fetch). */
function wrapsUnexpected(error: GraphQLError): boolean {
  let cause: unknown = error.originalError;
  while (cause instanceof GraphQLError) cause = cause.originalError;
  return cause != null;
}

export interface ErrorLog {
  warn(attributes: Record<string, unknown>, message: string): void;
}

/**
 * Yoga's `maskError` for the gateway: called for every error of every result and for errors that end a
 * request early. A GraphQLError gets our code, `retryable` and nothing else, and is returned as the same
 * object, so Yoga neither wraps it nor logs it as unexpected (a flood of bad tokens must not flood the
 * log); Yoga's own validation plugin amends errors in place the same way. Anything unexpected becomes
 * INTERNAL_SERVER_ERROR with a fixed message and Yoga logs the original on the gateway's logger, whose
 * production redaction removes subgraph request bodies (gateway/logging.ts). A subgraph that cannot be
 * reached or times out is logged here at warn, once per failed subgraph request (Hive Gateway repeats
 * the same error, sharing one extensions object, for every entity that request was for).
 */
export function createErrorMasker(log: ErrorLog): (error: unknown) => GraphQLError {
  const logged = new WeakSet<object>();
  return (thrown) => {
    if (!(thrown instanceof GraphQLError)) return internalError(undefined);
    const error = subgraphSubscriptionError(thrown) ?? thrown;
    const { code, mapped } = codeOf(error);
    if (wrapsUnexpected(error) && !RETRYABLE_CODES.has(code)) return internalError(error.path);
    const original = error.extensions as Record<string, unknown>;
    if (mapped && RETRYABLE_CODES.has(code) && !logged.has(original)) {
      logged.add(original);
      log.warn(
        { code, path: error.path?.join('.'), cause: (error.originalError ?? error).message },
        'a subgraph request failed',
      );
    }
    const retryable =
      typeof original.retryable === 'boolean' ? original.retryable : RETRYABLE_CODES.has(code);
    const extensions: Record<string, unknown> = { code, retryable };
    for (const key of SAFE_EXTENSIONS) if (original[key] !== undefined) extensions[key] = original[key];
    // Before execution (no path) the code decides the HTTP status; a field's error leaves the response at
    // 200 with its siblings' data, as the subgraphs answer (GraphQL over HTTP, partial results).
    const known: GatewayCode | undefined = GATEWAY_ERROR_CODES[code as GatewayErrorCode];
    if (error.path === undefined && known) setHttpStatus(extensions, known.httpStatus);
    // A new object, not an edit: several errors may share the original one.
    (error as { extensions: Record<string, unknown> }).extensions = extensions;
    const publicMessage = mapped ? PUBLIC_MESSAGES[code as GatewayErrorCode] : undefined;
    if (publicMessage) error.message = publicMessage;
    return error;
  };
}

/**
 * A subgraph refuses a subscription before it starts (FORBIDDEN, TOO_MANY_SUBSCRIPTIONS, an expired token)
 * with a graphql-ws `error` message; graphql-ws's client throws that message's payload, an array of
 * formatted errors, which Yoga wraps as the originalError of a GraphQLError. It is the subgraph's typed
 * refusal, not an unexpected failure: pass its code on instead of INTERNAL_SERVER_ERROR.
 */
function subgraphSubscriptionError(error: GraphQLError): GraphQLError | undefined {
  const payload: unknown = error.originalError;
  if (!Array.isArray(payload)) return undefined;
  const first = payload[0] as { message?: unknown; extensions?: Record<string, unknown> } | undefined;
  const code = first?.extensions?.code;
  if (typeof first?.message !== 'string' || typeof code !== 'string') return undefined;
  return new GraphQLError(first.message, {
    path: error.path,
    extensions: { code, retryable: first.extensions?.retryable === true },
  });
}

function internalError(path: GraphQLError['path']): GraphQLError {
  return new GraphQLError(PUBLIC_MESSAGES.INTERNAL_SERVER_ERROR!, {
    path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: false },
  });
}

/**
 * A document that fails validation (limits included) is refused with HTTP 400 whatever the Accept header,
 * as the subgraph (Apollo Server) refuses it, and carries `retryable: false` like every other error. Yoga
 * follows GraphQL over HTTP's legacy rule for `Accept: application/json` (200 for such errors) by marking
 * them `http.spec`; its own plugin runs last and keeps the mark set here. Errors thrown earlier (parse,
 * token limit, bad token) go through the masker above, which sets their status the same way.
 */
export const validationErrorsAreRefusals: GatewayPlugin = {
  onValidate() {
    return ({ valid, result }) => {
      if (valid) return;
      for (const error of result) {
        const extensions = error.extensions as Record<string, unknown>;
        extensions.code ??= 'GRAPHQL_VALIDATION_FAILED';
        extensions.retryable ??= false;
        setHttpStatus(extensions, GATEWAY_ERROR_CODES.GRAPHQL_VALIDATION_FAILED.httpStatus);
      }
    };
  },
};

/** A complete JSON response for refusals outside GraphQL execution (the request deadline). */
export function errorResponse(code: GatewayErrorCode, message: string): Response {
  return new Response(
    JSON.stringify({
      errors: [{ message, extensions: { code, retryable: GATEWAY_ERROR_CODES[code].retryable } }],
    }),
    {
      status: GATEWAY_ERROR_CODES[code].httpStatus,
      headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' },
    },
  );
}
