import type { InvoiceSyncStatusFieldsFragment, QuickBooksSyncState } from '../../generated/graphql';
import { SYNC_STATE_LABEL } from '../../components/StatusPill';
import { syncErrorWords } from '../../sync-errors';

export type SyncStatus = InvoiceSyncStatusFieldsFragment;

/** The states in which a push stopped and an admin may retry or dismiss it. */
export const ERROR_STATES: ReadonlySet<QuickBooksSyncState> = new Set(['FAILED', 'DEAD', 'ACTION_REQUIRED']);

export function isErrorState(state: QuickBooksSyncState | null | undefined): boolean {
  return state != null && ERROR_STATES.has(state);
}

/** The code of the STOP tax setting's hold (src/services/invoice-push/failures.ts, TAX_DIFFERENCE_HOLD). */
export const TAX_DIFFERENCE_HOLD = 'QUICKBOOKS_TAX_DIFFERENCE';

/** The STOP tax setting holds this invoice: QuickBooks has it, with a tax an admin has to accept or undo. */
export function isTaxHold(status: SyncStatus): boolean {
  return status.state === 'ACTION_REQUIRED' && status.lastError?.code === TAX_DIFFERENCE_HOLD;
}

/**
 * The difference to show, if any. The server keeps `taxDifference` through a re-push's QUEUED and SYNCING
 * (until the push settles), so it is shown only in the two states it describes.
 */
export function shownTaxDifference(status: SyncStatus): NonNullable<SyncStatus['taxDifference']> | null {
  if (status.state !== 'SYNCED_WITH_DIFFERENCES' && !isTaxHold(status)) return null;
  return status.taxDifference ?? null;
}

/**
 * Of two readings of one invoice's status (a query result and a pushed change, or a mutation's answer),
 * the later one by `updatedAt`; on a tie the second (the pushed or mutated one), which arrived later.
 */
export function newerStatus(
  a: SyncStatus | null | undefined,
  b: SyncStatus | null | undefined,
): SyncStatus | null {
  if (!a) return b ?? null;
  if (!b) return a;
  const at = a.updatedAt ? Date.parse(a.updatedAt) : 0;
  const bt = b.updatedAt ? Date.parse(b.updatedAt) : 0;
  return at > bt ? a : b;
}

/** Integer cents as a plain amount ("21.04"): the announcement has no currency at hand. */
const centsText = (cents: number): string => (cents / 100).toFixed(2);

/** What a screen reader hears when an invoice's state changes by itself; null when not worth saying. */
export function announcement(number: string, status: SyncStatus): string | null {
  switch (status.state) {
    case 'SYNCED':
      return `Invoice ${number} is now in QuickBooks.`;
    case 'SYNCED_WITH_DIFFERENCES': {
      const difference = status.taxDifference;
      return difference
        ? `Invoice ${number} is now in QuickBooks, but its tax there is ${centsText(difference.theirsCents)} where the platform billed ${centsText(difference.oursCents)}.`
        : `Invoice ${number} is now in QuickBooks, with another tax than the platform's.`;
    }
    case 'ACTION_REQUIRED':
    case 'DEAD':
    case 'FAILED': {
      const words = status.lastError
        ? syncErrorWords(status.lastError.code, status.lastError.message).title
        : '';
      return `Invoice ${number}: ${SYNC_STATE_LABEL[status.state].label}. ${words}`.trim();
    }
    case 'NOT_SYNCED':
      return `Invoice ${number} is not in QuickBooks.`;
    default:
      return null;
  }
}
