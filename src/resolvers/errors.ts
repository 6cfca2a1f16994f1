import { GraphQLError } from 'graphql';

export interface ErrorCodeInfo {
  /** What the client should understand, in one line (the README's error table repeats these). */
  meaning: string;
  /**
   * The HTTP status when this error ends the request before execution (refused token, body, parse,
   * validation, limits, the request deadline). Errors raised while fields execute travel with HTTP 200 and
   * whatever sibling data survived, as GraphQL over HTTP describes partial results.
   */
  httpStatus: number;
  /** Whether sending the same request again, unchanged and after a back-off, may succeed. */
  retryable: boolean;
}

/**
 * The one list of error codes this subgraph answers with, over HTTP and graphql-ws alike. Every error a
 * client sees carries `extensions.code` (one of these) and `extensions.retryable`; messages never carry
 * internals (stack, file paths, queries, tokens). Apollo Server's own request codes are kept as they are.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: {
    meaning:
      'No bearer token where a field needs a caller (HTTP 200), or a token that is malformed, forged, expired or lacks `exp` (HTTP 401, nothing runs)',
    httpStatus: 401,
    retryable: false,
  },
  FORBIDDEN: {
    meaning:
      "The caller may not act for this customer: another tenant's, or one the token does not name (unknown and foreign look the same); or a member asked for what only an admin of this customer may do",
    httpStatus: 200,
    retryable: false,
  },
  BAD_USER_INPUT: {
    meaning:
      'An argument, variable or entity representation is invalid; the message says which (HTTP 400 when a variable does not match its type, before anything runs)',
    httpStatus: 200,
    retryable: false,
  },
  NOT_FOUND: {
    meaning: "The object does not exist within the caller's tenants",
    httpStatus: 200,
    retryable: false,
  },
  BAD_REQUEST: {
    meaning:
      'The HTTP request is not a GraphQL request: malformed JSON, no query, unsupported method, content type or encoding',
    httpStatus: 400,
    retryable: false,
  },
  PAYLOAD_TOO_LARGE: {
    meaning: 'The request body exceeds `HTTP_MAX_BODY_BYTES`',
    httpStatus: 413,
    retryable: false,
  },
  GRAPHQL_PARSE_FAILED: {
    meaning: 'The query is not valid GraphQL syntax',
    httpStatus: 400,
    retryable: false,
  },
  GRAPHQL_VALIDATION_FAILED: {
    meaning: 'The query does not match the schema (or asks for introspection where it is disabled)',
    httpStatus: 400,
    retryable: false,
  },
  QUERY_TOO_COMPLEX: {
    meaning: 'The operation exceeds a depth, cost, alias, directive or token limit (`GRAPHQL_MAX_*`)',
    httpStatus: 400,
    retryable: false,
  },
  TOO_MANY_SUBSCRIPTIONS: {
    meaning:
      'This graphql-ws connection already runs `SUBSCRIPTION_MAX_PER_CONNECTION` operations; complete one first (one `quickbooksSyncActivity` serves a whole invoice list)',
    httpStatus: 429,
    retryable: false,
  },
  TIMEOUT: {
    meaning:
      'A deadline passed: the whole request (`REQUEST_TIMEOUT_MS`, HTTP 504) or one database or Redis call (that field is null, HTTP 200)',
    httpStatus: 504,
    retryable: true,
  },
  INTERNAL_SERVER_ERROR: {
    meaning: 'An unexpected failure; details are in the server log only',
    httpStatus: 500,
    retryable: false,
  },
  // Product codes: raised while fields run, so they travel with HTTP 200 and the sibling data.
  QUICKBOOKS_NOT_CONNECTED: {
    meaning: 'This customer has no QuickBooks company connected; an admin must connect one first',
    httpStatus: 200,
    retryable: false,
  },
  QUICKBOOKS_REAUTH_REQUIRED: {
    meaning:
      "QuickBooks no longer accepts this customer's authorization (expired or revoked); an admin must reconnect",
    httpStatus: 200,
    retryable: false,
  },
  QUICKBOOKS_REALM_IN_USE: {
    meaning:
      'That QuickBooks company is already connected to another customer; it must be disconnected there first',
    httpStatus: 200,
    retryable: false,
  },
  QUICKBOOKS_REJECTED: {
    meaning:
      "QuickBooks refused the data (a validation rule, a duplicate, a missing or inactive reference); the message carries Intuit's detail, `quickbooksCode` and `element` say which",
    httpStatus: 200,
    retryable: false,
  },
  QUICKBOOKS_CONFLICT: {
    meaning:
      'The object changed in QuickBooks at the same time (stale SyncToken); retrying re-reads it first',
    httpStatus: 200,
    retryable: true,
  },
  CONFLICT: {
    meaning:
      'Another change to the same data was saved at the same moment and kept winning; send the request again',
    httpStatus: 200,
    retryable: true,
  },
  QUICKBOOKS_UNAVAILABLE: {
    meaning: 'QuickBooks Online could not be reached or failed to answer; retry later',
    httpStatus: 200,
    retryable: true,
  },
  QUICKBOOKS_BACKFILL_RUNNING: {
    meaning:
      "A backfill of this customer's invoices is still running; read it with `quickbooksBackfill`, follow it with `quickbooksBackfillProgress`, and start another once it has finished",
    httpStatus: 200,
    retryable: false,
  },
  QUICKBOOKS_RECONCILIATION_RUNNING: {
    meaning:
      'A reconciliation of this customer is still running; read it with `quickbooksReconciliation` and start another once it has finished',
    httpStatus: 200,
    retryable: false,
  },
  HOST_UNAVAILABLE: {
    meaning:
      "The platform's invoice API (read through the gateway) could not be reached or failed to answer; retry later",
    httpStatus: 200,
    retryable: true,
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes by name, for `extensions.code` comparisons without string literals. */
export const ErrorCode = Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, code])) as {
  readonly [K in ErrorCode]: K;
};

/** Apollo Server's own codes for requests it refuses before execution; they keep their names. */
const APOLLO_REQUEST_CODES: Record<string, ErrorCode> = {
  PERSISTED_QUERY_NOT_FOUND: 'BAD_REQUEST',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_REQUEST',
  OPERATION_RESOLUTION_FAILURE: 'BAD_REQUEST',
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The `retryable` flag of a code; unknown codes are not retryable. */
export function isRetryable(code: string): boolean {
  if (isErrorCode(code)) return ERROR_CODES[code].retryable;
  const mapped = APOLLO_REQUEST_CODES[code];
  return mapped ? ERROR_CODES[mapped].retryable : false;
}

/** Whether a code is part of the client-facing vocabulary (ours or Apollo's request codes). */
export function isClientCode(code: unknown): code is string {
  return isErrorCode(code) || (typeof code === 'string' && Object.hasOwn(APOLLO_REQUEST_CODES, code));
}

function typedError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code, retryable: ERROR_CODES[code].retryable, ...extra },
  });
}

/** For a field that needs a caller and got none: HTTP 200, siblings keep their data. */
export function unauthenticated(
  message = 'Authentication required: send a valid bearer token',
): GraphQLError {
  return typedError('UNAUTHENTICATED', message);
}

/** For a token that was sent but does not verify: the whole request is refused with HTTP 401. */
export function invalidToken(): GraphQLError {
  return typedError(
    'UNAUTHENTICATED',
    'Authentication failed: the bearer token is malformed, invalid or expired',
    { http: { status: ERROR_CODES.UNAUTHENTICATED.httpStatus } },
  );
}

export function forbidden(message = 'You may not act for this customer'): GraphQLError {
  return typedError('FORBIDDEN', message);
}

export function quickbooksNotConnected(
  message = 'No QuickBooks company is connected to this customer; an admin must connect one first',
): GraphQLError {
  return typedError('QUICKBOOKS_NOT_CONNECTED', message);
}

export function quickbooksReauthRequired(
  message = 'QuickBooks no longer accepts this connection; an admin must reconnect',
): GraphQLError {
  return typedError('QUICKBOOKS_REAUTH_REQUIRED', message);
}

/** Names no other customer: the caller learns only that the company is taken. */
export function quickbooksRealmInUse(
  message = 'This QuickBooks company is already connected to another customer',
): GraphQLError {
  return typedError('QUICKBOOKS_REALM_IN_USE', message);
}

export function quickbooksUnavailable(
  message = 'QuickBooks Online is not answering right now; retry later',
): GraphQLError {
  return typedError('QUICKBOOKS_UNAVAILABLE', message);
}

/** The platform's own GraphQL API did not answer a read this field needs. */
export function hostUnavailable(
  message = "The platform's invoice API is not answering right now; retry later",
  retryable = true,
): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'HOST_UNAVAILABLE', retryable } });
}

export function badUserInput(message: string, field?: string): GraphQLError {
  return typedError('BAD_USER_INPUT', message, field ? { field } : {});
}

export function notFound(message: string): GraphQLError {
  return typedError('NOT_FOUND', message);
}

export function queryTooComplex(message: string): GraphQLError {
  return typedError('QUERY_TOO_COMPLEX', message, {
    http: { status: ERROR_CODES.QUERY_TOO_COMPLEX.httpStatus },
  });
}

export function timeout(message = 'The request took too long; retry later'): GraphQLError {
  return typedError('TIMEOUT', message);
}

export function tooManySubscriptions(limit: number): GraphQLError {
  return typedError(
    'TOO_MANY_SUBSCRIPTIONS',
    `This connection already runs ${limit} subscriptions, the most it may; complete one first`,
  );
}

/**
 * A dependency that did not answer in time, recognised by the error classes of the MongoDB driver,
 * mongoose and ioredis. Connection refusals surface as server-selection timeouts in the driver, so a
 * database that is down or paused maps here too.
 */
export function isDependencyTimeout(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  switch (error.name) {
    case 'MongoServerSelectionError':
    case 'MongoNetworkTimeoutError':
    case 'MongoOperationTimeoutError':
    case 'MongoWaitQueueTimeoutError':
      return true;
    case 'MongoServerError':
      // 50 MaxTimeMSExpired: the server enforced maxTimeMS.
      return (error as { code?: unknown }).code === 50;
    case 'MongooseError':
      // Mongoose queues commands while disconnected and gives up after bufferTimeoutMS.
      return /buffering timed out/.test(error.message);
    default:
      // ioredis rejects a command that outlives `commandTimeout` with this plain Error.
      return error.message === 'Command timed out';
  }
}

export function conflict(
  message = 'Another change to the same data was saved at the same moment; send the request again',
): GraphQLError {
  return typedError('CONFLICT', message);
}

/** One reconciliation per customer at a time: `quickbooksReconciliation(customerId)` reads it. */
export function reconciliationRunning(message: string): GraphQLError {
  return typedError('QUICKBOOKS_RECONCILIATION_RUNNING', message);
}

/** One backfill per customer at a time: `quickbooksBackfill(customerId)` reads the running one. */
export function backfillRunning(message: string): GraphQLError {
  return typedError('QUICKBOOKS_BACKFILL_RUNNING', message);
}
