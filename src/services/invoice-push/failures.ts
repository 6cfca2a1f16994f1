import { HostInvoiceError } from '../../host/graphql-host-invoices.js';
import { isQuickBooksError, QuickBooksError } from '../../quickbooks/errors.js';
import { ReferenceDataError } from '../reference-data/errors.js';
import { CustomerUpsertError } from '../../sync/customer-upsert.js';
import type { BuildProblem } from '../../sync/build-invoice.js';
import type { SyncErrorInfo } from '../sync-status.js';
import type { TaxDifference } from '../../sync/tax-parity.js';
import type { PlatformInvoice } from '../../sync/platform-invoice.js';
import type { CsvExportedInvoice } from '../csv-export/exported-invoices.js';
import type { CsvCopyAmbiguous } from './lookup.js';

/** Intuit's "Account Period Closed" validation fault (§ error codes: 6210, not 6140). */
export const BOOKS_CLOSED_FAULT = '6210';
/** Intuit's "Duplicate Document Number Error". */
export const DUPLICATE_DOC_NUMBER_FAULT = '6140';

/**
 * A reason the push stops that only a person can fix (map something, reopen the books, pick another
 * number). Not retryable: the worker records ACTION_REQUIRED and fails the job with UnrecoverableError.
 */
export class PushActionRequired extends Error {
  override readonly name = 'PushActionRequired';
  readonly retryable = false;
  constructor(
    readonly code: string,
    message: string,
    readonly intuitTid?: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/**
 * Another writer (a backfill chunk) holds this invoice's pending create and may be sending it right now.
 * Retryable: the next attempt finds that pending create and looks it up instead of creating a second one.
 */
export class CreateInFlight extends Error {
  override readonly name = 'CreateInFlight';
  readonly retryable = true;
  constructor() {
    super(
      'Another create of this invoice is in flight (a backfill); the push looks it up on its next attempt',
    );
  }
}

/**
 * A refusal of what the push built from its cached mappings, settings or reference data, which changed
 * since: the admin may have fixed it already, so the attempt is retried (with them fresh) instead of
 * declared ACTION_REQUIRED.
 */
export class PushContextChanged extends Error {
  override readonly name = 'PushContextChanged';
  readonly retryable = true;
  constructor(readonly refusal: unknown) {
    super('The mappings or settings changed during the push; it is retried with the current ones', {
      cause: refusal,
    });
  }
}

/** The STOP tax setting's hold of an invoice whose tax QuickBooks changed (src/sync/tax-parity.ts). */
export const TAX_DIFFERENCE_HOLD = 'QUICKBOOKS_TAX_DIFFERENCE';

export function taxDifferenceHold(
  invoice: { number: string },
  difference: TaxDifference,
  intuitTid: string | undefined,
): SyncErrorInfo {
  return info(
    TAX_DIFFERENCE_HOLD,
    `QuickBooks holds invoice ${invoice.number} with tax ${(difference.theirsCents / 100).toFixed(2)} where the platform billed ${(difference.oursCents / 100).toFixed(2)}: ${difference.explanation} The tax setting is STOP: accept QuickBooks' tax, or change the setting to OVERRIDE (or fix the tax setup in QuickBooks) and retry.`,
    false,
    intuitTid,
  );
}

/** What the push does with a failure. */
export type FailureClass =
  | { kind: 'action'; error: SyncErrorInfo; detail?: string }
  | { kind: 'retry'; error: SyncErrorInfo; detail?: string }
  | { kind: 'throttled'; error: SyncErrorInfo; retryAfterMs?: number }
  | { kind: 'park'; error: SyncErrorInfo };

export function actionFromProblems(problems: readonly BuildProblem[]): PushActionRequired {
  // Every problem's message names what to fix; the first one's code classifies the entry.
  const message = problems.map((problem) => problem.message).join(' ');
  return new PushActionRequired(problems[0]!.code, message);
}

function info(code: string, message: string, retryable: boolean, intuitTid?: string): SyncErrorInfo {
  return intuitTid === undefined ? { code, message, retryable } : { code, message, retryable, intuitTid };
}

function fromQuickBooks(error: QuickBooksError): FailureClass {
  const tid = error.intuitTid;
  const detail = error.detail;
  const intuit = error.code ? ` (QuickBooks ${error.code}${detail ? `: ${detail}` : ''})` : '';
  switch (error.kind) {
    case 'reauthorization':
      return {
        kind: 'park',
        error: info(
          'QUICKBOOKS_REAUTH_REQUIRED',
          'QuickBooks needs to be reconnected; the push resumes when an admin reconnects.',
          true,
          tid,
        ),
      };
    case 'throttled':
      return {
        kind: 'throttled',
        retryAfterMs: error.retryAfterMs,
        error: info(
          'QUICKBOOKS_THROTTLED',
          'QuickBooks asked us to slow down; the push waits and resumes.',
          true,
          tid,
        ),
      };
    case 'validation':
      if (error.code === BOOKS_CLOSED_FAULT) {
        return {
          kind: 'action',
          detail,
          error: info(
            'BOOKS_CLOSED',
            `books closed: QuickBooks refused the invoice because its date is in a closed period${intuit}. Change the closing date in QuickBooks or the invoice date.`,
            false,
            tid,
          ),
        };
      }
      return {
        kind: 'action',
        detail,
        error: info('QUICKBOOKS_VALIDATION', `QuickBooks refused the invoice${intuit}.`, false, tid),
      };
    case 'bad_reference':
      return {
        kind: 'action',
        detail,
        error: info(
          'QUICKBOOKS_BAD_REFERENCE',
          `QuickBooks refused a reference in the invoice (a mapped item, tax code or the customer is missing or inactive)${intuit}. Check the mappings.`,
          false,
          tid,
        ),
      };
    case 'wrong_realm':
    case 'scope':
    case 'configuration':
      return {
        kind: 'action',
        detail,
        error: info(
          'QUICKBOOKS_CONNECTION_ERROR',
          `QuickBooks refused this connection (${error.kind})${intuit}. Reconnect QuickBooks, then retry.`,
          false,
          tid,
        ),
      };
    case 'not_found':
      return {
        kind: 'action',
        detail,
        error: info(
          'QUICKBOOKS_NOT_FOUND',
          `QuickBooks no longer has an object the invoice needs${intuit}.`,
          false,
          tid,
        ),
      };
    case 'authentication':
    case 'stale_object':
    case 'transient':
    case 'ambiguous':
      return {
        kind: 'retry',
        detail,
        error: info(
          'QUICKBOOKS_UNAVAILABLE',
          `QuickBooks did not complete the request (${error.kind}${error.status ? `, HTTP ${error.status}` : ''}); retrying with backoff.`,
          true,
          tid,
        ),
      };
  }
}

/**
 * The error the push classifies: a reference-data failure is QuickBooks's own error underneath (a 429
 * keeps its Retry-After that way), and "not connected" is the vault's `reauthorization`, which parks.
 */
export function underlyingFailure(error: unknown): unknown {
  if (!(error instanceof ReferenceDataError)) return error;
  if (isQuickBooksError(error.cause)) return error.cause;
  if (error.failure === 'unavailable') return error;
  return new QuickBooksError({
    kind: 'reauthorization',
    code: error.failure,
    message: error.message,
    cause: error,
  });
}

/** Every failure of a push, classified once: the service records it, the worker maps it to BullMQ. */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof PushActionRequired) {
    return {
      kind: 'action',
      detail: error.detail,
      error: info(error.code, error.message, false, error.intuitTid),
    };
  }
  if (isQuickBooksError(error)) return fromQuickBooks(error);
  if (error instanceof CreateInFlight) {
    return { kind: 'retry', error: info('CREATE_IN_FLIGHT', error.message, true) };
  }
  if (error instanceof PushContextChanged) {
    return { kind: 'retry', error: info('PUSH_CONTEXT_CHANGED', error.message, true) };
  }
  if (error instanceof CustomerUpsertError) {
    return {
      kind: 'action',
      error: info(`CUSTOMER_${error.kind.toUpperCase()}`, error.message, false),
    };
  }
  if (error instanceof HostInvoiceError) {
    return error.retryable
      ? { kind: 'retry', error: info('HOST_UNAVAILABLE', `${error.message}; retrying with backoff.`, true) }
      : {
          kind: 'action',
          error: info(
            'HOST_REFUSED',
            `${error.message}; check the service credentials (HOST_SERVICE_TOKEN / AUTH_JWT_SECRET).`,
            false,
          ),
        };
  }
  if (error instanceof ReferenceDataError) {
    return {
      kind: 'retry',
      error: info(
        'QUICKBOOKS_UNAVAILABLE',
        `${error.message}; retrying with backoff.`,
        true,
        error.intuitTid,
      ),
    };
  }
  // Anything else (the database or Redis for a moment, a bug) is retried; its text stays in the logs.
  return {
    kind: 'retry',
    error: info('PUSH_FAILED', 'The push failed unexpectedly; retrying with backoff.', true),
  };
}

/** Several QuickBooks invoices look like the import of one exported invoice (a file imported twice?). */
export function csvCopyAmbiguous(
  invoice: PlatformInvoice,
  exported: CsvExportedInvoice,
  error: CsvCopyAmbiguous,
): PushActionRequired {
  return new PushActionRequired(
    'CSV_COPY_AMBIGUOUS',
    `Invoice ${invoice.number} left in the CSV export of ${exported.exportedAt.toISOString().slice(0, 10)}, and QuickBooks invoices ${error.candidateIds.join(', ')} all look like its import (same customer, date and total). Nothing was sent. Delete the extra copies in QuickBooks, then retry: the one left is linked.`,
  );
}
