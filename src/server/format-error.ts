import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../logger.js';
import {
  ERROR_CODES,
  ErrorCode,
  isClientCode,
  isDependencyTimeout,
  isRetryable,
} from '../resolvers/errors.js';
import { tokenLimitOf } from './query-limits.js';

/**
 * Extensions a client may see besides `code` and `retryable`; anything else (http, stacktrace) is dropped.
 * The QuickBooks ones come from toGraphQLErrorExtensions (src/quickbooks/error-shapes.ts): Intuit's
 * transaction id for support, Intuit's error code and the element it named; `problems` lists every bad
 * entry of a refused bulk input (`{ field, message }`). Never a token.
 */
const SAFE_EXTENSIONS = ['field', 'problems', 'intuitTid', 'quickbooksCode', 'element'] as const;

function clientError(
  formatted: GraphQLFormattedError,
  code: string,
  message = formatted.message,
): GraphQLFormattedError {
  const extensions: Record<string, unknown> = { code, retryable: isRetryable(code) };
  for (const key of SAFE_EXTENSIONS) {
    if (formatted.extensions?.[key] !== undefined) extensions[key] = formatted.extensions[key];
  }
  return {
    message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions,
  };
}

/**
 * Apollo Server's formatError: every error leaves with a code from src/resolvers/errors.ts and its
 * `retryable` flag, and nothing else. Client errors are passed on as they are; a database or Redis call
 * that timed out becomes TIMEOUT (logged at warn, without the driver's message); anything else is a bug,
 * logged in full here and answered as INTERNAL_SERVER_ERROR with a generic message.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    // Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED; the limits' own code is kept
    // on the original error (src/server/query-limits.ts).
    if (
      error instanceof GraphQLError &&
      error.originalError instanceof GraphQLError &&
      error.originalError.extensions.code === ErrorCode.QUERY_TOO_COMPLEX
    ) {
      return clientError(formatted, ErrorCode.QUERY_TOO_COMPLEX);
    }
    if (code === ErrorCode.GRAPHQL_PARSE_FAILED) {
      const limit = tokenLimitOf(formatted);
      if (limit !== undefined) {
        return clientError(formatted, ErrorCode.QUERY_TOO_COMPLEX, `Token limit of ${limit} exceeded.`);
      }
    }
    const cause = unwrapResolverError(error);
    if (isDependencyTimeout(cause)) {
      logger.warn({ path: formatted.path, cause: (cause as Error).name }, 'dependency timed out');
      return clientError(formatted, ErrorCode.TIMEOUT, 'A data source did not answer in time; retry later');
    }
    // Apollo also labels unexpected resolver exceptions INTERNAL_SERVER_ERROR, with their raw message.
    if (isClientCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) return clientError(formatted, code);
    logger.error({ err: cause, path: formatted.path }, 'unexpected GraphQL error');
    return clientError(formatted, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
  };
}

/** The body of a response refused before GraphQL ran (HTTP layer: body, deadline, unknown route). */
export function requestErrorBody(code: keyof typeof ERROR_CODES, message: string) {
  return { errors: [{ message, extensions: { code, retryable: ERROR_CODES[code].retryable } }] };
}
