import type {
  QuickBooksBackfillState,
  QuickBooksConnectionStatus,
  QuickBooksUnmatchedReason,
} from '../../../generated/graphql';

/**
 * The `code` the API's OAuth callback puts on the return URL (`?quickbooks=error&code=…`), in words. The
 * API has the same sentences (CALLBACK_ERRORS in src/services/connect/connect-service.ts); the code stays
 * visible next to them for support.
 */
export const CALLBACK_ERROR_WORDS: Record<string, string> = {
  ACCESS_DENIED: 'QuickBooks access was not granted: the connection was cancelled on the QuickBooks page.',
  STATE_INVALID: 'The connect link was not valid. Start again with "Connect to QuickBooks".',
  STATE_EXPIRED: 'The connect link expired (it lasts 10 minutes). Start again with "Connect to QuickBooks".',
  STATE_USED: 'This connect link was already used. Start again with "Connect to QuickBooks".',
  INVALID_CALLBACK: 'QuickBooks sent an incomplete answer. Start again with "Connect to QuickBooks".',
  REALM_IN_USE:
    'This QuickBooks company is already connected to another account. Disconnect it there first, or choose another company.',
  QUICKBOOKS_CONFIGURATION:
    'The QuickBooks app is misconfigured (client id, secret or redirect address). Contact support.',
  QUICKBOOKS_UNAVAILABLE: 'QuickBooks could not be reached. Try again in a few minutes.',
};

export function callbackErrorWords(code: string | null): string {
  return (code && CALLBACK_ERROR_WORDS[code]) ?? 'Connecting to QuickBooks did not finish.';
}

/** What to say (aria-live) when the connection changes under the person's eyes. */
export function connectionChangeWords(status: QuickBooksConnectionStatus, isAdmin: boolean): string {
  switch (status) {
    case 'CONNECTED':
      return 'QuickBooks is now connected';
    case 'DISCONNECTED':
      return 'QuickBooks is now disconnected';
    case 'NEEDS_REAUTH':
      return isAdmin ? 'QuickBooks needs you to reconnect' : 'QuickBooks needs an admin to reconnect';
    case 'ERROR':
      return 'QuickBooks is refusing calls for this company';
  }
}

export const BACKFILL_STATE_WORDS: Record<QuickBooksBackfillState, string> = {
  PLANNING: 'Listing the invoices to send',
  RUNNING: 'Sending invoices to QuickBooks',
  COMPLETED: 'Finished',
  CANCELLED: 'Stopped before its invoices were sent',
};

/** Five-year limit: warn when fewer days than this remain. */
export const HARD_EXPIRY_WARNING_DAYS = 30;

/** Why a QuickBooks payment pays nothing sent from here, in a bookkeeper's words. */
export const UNMATCHED_REASON_WORDS: Record<QuickBooksUnmatchedReason, string> = {
  NOT_PUSHED_INVOICE: 'It pays invoices entered in QuickBooks, not sent from here.',
  UNAPPLIED: 'It pays no invoice: QuickBooks holds it as credit for the customer.',
};

/** The unmatched list's headline; `shown` is the most the list reads. */
export function unmatchedHeadline(count: number, shown: number): string {
  if (count === 0) return 'Every payment brought back from QuickBooks pays an invoice sent from here.';
  const many = count >= shown ? `The ${count} newest` : String(count);
  return count === 1
    ? "1 payment in QuickBooks doesn't pay any invoice sent from here"
    : `${many} payments in QuickBooks don't pay any invoice sent from here`;
}

/** The company's automated sales tax as the server reports it (ON, NOT_SET_UP, OFF), in words. */
const AUTOMATED_SALES_TAX_WORDS: Record<string, string> = {
  ON: 'on',
  NOT_SET_UP: 'on without sales tax set up',
  OFF: 'off',
};

export function automatedSalesTaxWords(state: string): string {
  return AUTOMATED_SALES_TAX_WORDS[state] ?? state;
}
