import { isQuickBooksError } from '../../quickbooks/errors.js';

/**
 * Why a tenant's reference data cannot be had, in terms the GraphQL layer maps to its codes
 * (QUICKBOOKS_NOT_CONNECTED, QUICKBOOKS_REAUTH_REQUIRED, QUICKBOOKS_UNAVAILABLE) and a job would map to
 * its own: the service knows nothing of either.
 */
export type ReferenceDataFailure = 'not_connected' | 'reauth_required' | 'unavailable';

export class ReferenceDataError extends Error {
  override readonly name = 'ReferenceDataError';
  readonly retryable: boolean;
  /** Intuit's transaction id, when QuickBooks answered: quote it to Intuit support. */
  readonly intuitTid?: string;

  constructor(
    readonly failure: ReferenceDataFailure,
    message: string,
    options: { retryable?: boolean; intuitTid?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.intuitTid = options.intuitTid;
  }
}

export function isReferenceDataError(error: unknown): error is ReferenceDataError {
  return error instanceof ReferenceDataError;
}

/**
 * A failed read from QuickBooks as a ReferenceDataError: a grant that is gone (or a token for another
 * company, or a missing scope) needs an admin to reconnect; anything else is QuickBooks not answering
 * what we need right now, retryable as QuickBooks's own classification says. Other errors pass through.
 */
export function fromQuickBooksFailure(error: unknown): unknown {
  if (!isQuickBooksError(error)) return error;
  const reconnect =
    error.kind === 'reauthorization' || error.kind === 'wrong_realm' || error.kind === 'scope';
  return reconnect
    ? new ReferenceDataError(
        'reauth_required',
        'QuickBooks no longer accepts this connection; an admin must reconnect',
        { intuitTid: error.intuitTid, cause: error },
      )
    : new ReferenceDataError(
        'unavailable',
        'QuickBooks did not answer the reference data read; retry later',
        {
          retryable: error.retryable,
          intuitTid: error.intuitTid,
          cause: error,
        },
      );
}
