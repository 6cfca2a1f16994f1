/**
 * The codes a QuickBooks push can end with (the stored `lastError.code` of an invoice, the `error.code` of a
 * sync log entry), in a bookkeeper's words: what went wrong and what to do about it. The server's own
 * message stays available for support; these sentences are what the panel leads with.
 *
 * Where they come from (src/): the push's build problems (src/sync/build-invoice.ts), its own stops
 * (src/services/invoice-push/invoice-push-service.ts, failures.ts), the backfill (backfill-runner.ts,
 * backfill.worker.ts), the worker (PUSH_STALLED) and the customer step (CUSTOMER_<kind>).
 */

/** Where the person goes to fix it, if anywhere in the panel (the sync settings live on the mapping page). */
export type SyncErrorFix = 'mapping' | 'connection' | 'settings' | null;

export interface SyncErrorWords {
  /** One line: what is wrong. */
  title: string;
  /** What to do next. */
  action: string;
  fix: SyncErrorFix;
}

const RETRY_LATER = 'It is tried again by itself; press Retry to try now.';

const WORDS: Record<string, SyncErrorWords> = {
  // Mappings: something on the invoice has no QuickBooks counterpart, or it no longer works.
  MAPPING_MISSING: {
    title: 'Something on this invoice is not mapped to QuickBooks yet.',
    action: 'Map the item kind, service code or tax rate named below, then press Retry.',
    fix: 'mapping',
  },
  MAPPING_BROKEN: {
    title:
      'A mapping this invoice needs no longer works in QuickBooks (deleted, inactive or another company).',
    action: 'Map it again on the mapping page, then press Retry.',
    fix: 'mapping',
  },
  TAX_CODE_RATE_MISMATCH: {
    title: "The QuickBooks tax code mapped for this invoice's tax rate charges a different rate.",
    action: 'Map the tax rate to a QuickBooks tax code with the same rate, then press Retry.',
    fix: 'mapping',
  },
  QUICKBOOKS_BAD_REFERENCE: {
    title:
      'QuickBooks refused an item, tax code or customer the invoice points to: it is missing or inactive.',
    action: 'Check the mappings (and the customer in QuickBooks), then press Retry.',
    fix: 'mapping',
  },
  // The books, the number, the invoice itself.
  BOOKS_CLOSED: {
    title: 'The books are closed in QuickBooks for the date of this invoice.',
    action: 'Move the closing date in QuickBooks (or the invoice date), then press Retry.',
    fix: null,
  },
  QUICKBOOKS_TAX_DIFFERENCE: {
    title:
      "QuickBooks holds this invoice with another tax than the platform's, and the tax setting holds it.",
    action:
      "Accept QuickBooks' tax, or change the tax setting to send the platform's tax (or fix the tax setup in QuickBooks), then push it again.",
    fix: 'settings',
  },
  DOC_NUMBER_EXISTS: {
    title: 'QuickBooks already has an invoice with this number.',
    action:
      'Renumber one of them, or change "When the invoice number already exists" in the QuickBooks settings, then press Retry.',
    fix: null,
  },
  CSV_COPY_AMBIGUOUS: {
    title: 'This invoice was imported into QuickBooks from a CSV export more than once.',
    action:
      'Delete the extra copies in QuickBooks (same customer, date and amount), then press Retry: the one left is linked, nothing is sent twice.',
    fix: null,
  },
  DOC_NUMBER_TOO_LONG: {
    title: 'The invoice number is longer than the 21 characters QuickBooks allows.',
    action: 'Give the invoice a shorter number, then press Retry.',
    fix: null,
  },
  MEMO_TOO_LONG: {
    title: 'The memo is longer than QuickBooks prints.',
    action: 'Shorten the memo, then press Retry.',
    fix: null,
  },
  QUICKBOOKS_INVOICE_DELETED: {
    title: 'This invoice was deleted in QuickBooks, so the latest change could not be sent.',
    action: 'Press Retry to create it in QuickBooks again, or Dismiss to leave it deleted.',
    fix: null,
  },
  QUICKBOOKS_VALIDATION: {
    title: 'QuickBooks refused the invoice: one of its values breaks a QuickBooks rule.',
    action: "Read QuickBooks' reason below, correct the invoice or QuickBooks, then press Retry.",
    fix: null,
  },
  CURRENCY_NOT_ENABLED: {
    title: "The invoice's currency needs multicurrency, which is off in QuickBooks.",
    action: 'Turn on multicurrency in QuickBooks, then press Retry.',
    fix: null,
  },
  US_MIXED_TAX_RATES: {
    title: 'QuickBooks charges one sales tax rate per US invoice, and this invoice uses several.',
    action: 'Give every taxed line the same rate, then press Retry.',
    fix: null,
  },
  UNREADABLE_AMOUNT: {
    title: 'A quantity, price or tax rate on this invoice is not a number QuickBooks can take.',
    action: 'Correct the line, then press Retry.',
    fix: null,
  },
  LINE_AMOUNT_MISMATCH: {
    title: "A line's amount is not its quantity times its price, which QuickBooks refuses.",
    action: 'Correct the line, then press Retry.',
    fix: null,
  },
  HOST_TOTALS_MISMATCH: {
    title: "The invoice's totals are not the sum of its lines.",
    action: 'Correct the invoice, then press Retry. Contact support if it keeps happening.',
    fix: null,
  },
  NO_LINES: {
    title: 'The invoice has no lines, and QuickBooks needs at least one.',
    action: 'Add a line, then press Retry.',
    fix: null,
  },
  BILL_TO_MISSING: {
    title: 'The invoice has no bill-to customer, so there is nobody to bill in QuickBooks.',
    action: 'Add a bill-to customer to the invoice, then press Retry.',
    fix: null,
  },
  INVOICE_NOT_FINALIZED: {
    title: 'The invoice is still a draft; only finalized invoices go to QuickBooks.',
    action: 'Finalize it; it is then sent by itself.',
    fix: null,
  },
  INVOICE_VOIDED: {
    title: 'The invoice was voided while it was being sent.',
    action: 'Press Retry so the void reaches QuickBooks.',
    fix: null,
  },
  INVOICE_NOT_FOUND: {
    title: 'The invoice no longer exists here; nothing was sent to QuickBooks.',
    action: 'Dismiss this error if the invoice was deleted.',
    fix: null,
  },
  // The QuickBooks customer the invoice bills.
  CUSTOMER_LINK_INACTIVE: {
    title: "The QuickBooks customer this invoice's bill-to is linked to was made inactive.",
    action: 'Make the customer active again in QuickBooks, then press Retry.',
    fix: null,
  },
  CUSTOMER_LINK_MISSING: {
    title: "The QuickBooks customer this invoice's bill-to is linked to no longer exists.",
    action: 'Contact support to relink the customer, then press Retry.',
    fix: null,
  },
  CUSTOMER_LINK_CONFLICT: {
    title: 'The matching QuickBooks customer is already used for another of your customers.',
    action: "Make the two customers' names or e-mails distinct, then press Retry.",
    fix: null,
  },
  CUSTOMER_DISPLAY_NAME_EXHAUSTED: {
    title: 'QuickBooks already has too many customers with this name.',
    action: "Rename the bill-to customer or clean up QuickBooks' customers, then press Retry.",
    fix: null,
  },
  // The connection.
  QUICKBOOKS_REAUTH_REQUIRED: {
    title: 'QuickBooks needs to be reconnected. Sending is paused, nothing is lost.',
    action: 'An admin reconnects QuickBooks in the QuickBooks settings; sending resumes by itself.',
    fix: 'connection',
  },
  QUICKBOOKS_CONNECTION_ERROR: {
    title: 'QuickBooks refused this connection (wrong company or missing access).',
    action: 'Reconnect QuickBooks in the QuickBooks settings, then press Retry.',
    fix: 'connection',
  },
  QUICKBOOKS_WRONG_COMPANY: {
    title: 'The QuickBooks authorization belongs to another company.',
    action: 'Reconnect QuickBooks to the right company, then press Retry.',
    fix: 'connection',
  },
  QUICKBOOKS_NOT_AUTHORIZED: {
    title: 'The app may not use QuickBooks accounting in this company.',
    action: 'Reconnect QuickBooks and grant accounting access, then press Retry.',
    fix: 'connection',
  },
  QUICKBOOKS_CONFIGURATION: {
    title: 'The QuickBooks app is misconfigured on our side.',
    action: 'Contact support with the details below.',
    fix: null,
  },
  QUICKBOOKS_NOT_FOUND: {
    title: 'QuickBooks no longer has something this invoice needs.',
    action: "Read QuickBooks' reason below, fix it in QuickBooks, then press Retry.",
    fix: null,
  },
  QUICKBOOKS_OBJECT_NOT_FOUND: {
    title: 'QuickBooks no longer has something this invoice needs.',
    action: "Read QuickBooks' reason below, fix it in QuickBooks, then press Retry.",
    fix: null,
  },
  // Passing trouble: retried by itself.
  QUICKBOOKS_UNAVAILABLE: {
    title: 'QuickBooks did not answer.',
    action: RETRY_LATER,
    fix: null,
  },
  QUICKBOOKS_OUTCOME_UNKNOWN: {
    title: 'QuickBooks did not confirm whether it saved the invoice; it is checked before sending again.',
    action: RETRY_LATER,
    fix: null,
  },
  QUICKBOOKS_AUTHENTICATION_FAILED: {
    title: 'QuickBooks did not accept our authorization this time.',
    action: RETRY_LATER,
    fix: null,
  },
  QUICKBOOKS_STALE_OBJECT: {
    title: 'The invoice was changed in QuickBooks at the same moment.',
    action: RETRY_LATER,
    fix: null,
  },
  QUICKBOOKS_THROTTLED: {
    title: 'QuickBooks asked us to slow down.',
    action: 'It waits and continues by itself.',
    fix: null,
  },
  HOST_UNAVAILABLE: {
    title: 'The invoice could not be read from the platform just now.',
    action: RETRY_LATER,
    fix: null,
  },
  HOST_REFUSED: {
    title: 'The platform refused to hand the invoice to the QuickBooks sync.',
    action: 'Contact support with the details below.',
    fix: null,
  },
  CREATE_IN_FLIGHT: {
    title: 'Another send of this invoice was under way.',
    action: RETRY_LATER,
    fix: null,
  },
  PUSH_CONTEXT_CHANGED: {
    title: 'The mappings or settings changed while the invoice was being sent.',
    action: RETRY_LATER,
    fix: null,
  },
  PUSH_FAILED: {
    title: 'Sending failed unexpectedly.',
    action: RETRY_LATER,
    fix: null,
  },
  PUSH_STALLED: {
    title: 'Sending was interrupted several times.',
    action: 'Press Retry.',
    fix: null,
  },
  BACKFILL_STALLED: {
    title: 'The sync of existing invoices was interrupted before this invoice was sent.',
    action: 'Press Retry.',
    fix: null,
  },
  BACKFILL_ABANDONED: {
    title: 'The sync of existing invoices gave up before this invoice was sent.',
    action: 'Press Retry.',
    fix: null,
  },
};

/** A code in words; an unknown code falls back to the server's own message. */
export function syncErrorWords(code: string, serverMessage: string): SyncErrorWords {
  return (
    WORDS[code] ?? {
      title: serverMessage || 'Sending to QuickBooks failed.',
      action: 'Press Retry; contact support with the details below if it keeps failing.',
      fix: null,
    }
  );
}
