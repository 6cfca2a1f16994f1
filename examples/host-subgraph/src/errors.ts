import { GraphQLError } from 'graphql';

/** Every `extensions.code` the demo host answers with on purpose. */
export const HostErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  INVALID_STATE_TRANSITION: 'INVALID_STATE_TRANSITION',
  /** Over a depth, cost, alias, directive or token limit (HTTP 400); refused before anything ran */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** Not a GraphQL request: malformed JSON, unsupported encoding (HTTP 400 or 415) */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Body larger than the limit (HTTP 413) */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
} as const;

export function unauthenticated(reason?: string): GraphQLError {
  return new GraphQLError('Authentication required: send a valid bearer token', {
    extensions: { code: HostErrorCode.UNAUTHENTICATED, ...(reason ? { reason } : {}) },
  });
}

export function forbidden(message = 'You may not act for this customer'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: HostErrorCode.FORBIDDEN } });
}

export function notFound(what: string, id: string): GraphQLError {
  return new GraphQLError(`${what} ${id} does not exist`, {
    extensions: { code: HostErrorCode.NOT_FOUND, id },
  });
}

/** `field` is the input path of the offending value, e.g. `input.lines[0].quantity`. */
export function badUserInput(
  message: string,
  field?: string,
  extra: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: HostErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}), ...extra },
  });
}

export function invalidTransition(invoiceId: string, status: string, action: string): GraphQLError {
  return new GraphQLError(`Cannot ${action} invoice ${invoiceId}: it is ${status}`, {
    extensions: { code: HostErrorCode.INVALID_STATE_TRANSITION, invoiceId, status, action },
  });
}

export function queryTooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: HostErrorCode.QUERY_TOO_COMPLEX } });
}
