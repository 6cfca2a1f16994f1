import { GraphQLError } from 'graphql';
import { isReferenceDataError, type ReferenceDataError } from '../services/reference-data/errors.js';
import { quickbooksNotConnected, quickbooksReauthRequired, quickbooksUnavailable } from './errors.js';

/**
 * A failure to read the company's reference data, as the GraphQL error every QuickBooks panel query answers
 * with: not connected, reconnect needed, or QuickBooks unavailable (with Intuit's transaction id when one
 * came back, and the read's own retryable flag).
 */
export function referenceDataGraphQLError(error: ReferenceDataError): GraphQLError {
  switch (error.failure) {
    case 'not_connected':
      return quickbooksNotConnected(error.message);
    case 'reauth_required':
      return quickbooksReauthRequired(error.message);
    case 'unavailable': {
      const unavailable = quickbooksUnavailable();
      return new GraphQLError(unavailable.message, {
        extensions: {
          ...unavailable.extensions,
          retryable: error.retryable,
          ...(error.intuitTid ? { intuitTid: error.intuitTid } : {}),
        },
      });
    }
  }
}

/** Runs a read and turns a reference-data failure into its GraphQL error; other errors pass unchanged. */
export async function withReferenceDataErrors<T>(
  run: () => Promise<T>,
  translate: (error: unknown) => unknown = () => undefined,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const translated = translate(error);
    if (translated !== undefined) throw translated;
    if (isReferenceDataError(error)) throw referenceDataGraphQLError(error);
    throw error;
  }
}
