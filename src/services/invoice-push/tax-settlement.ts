import type { TaxDifferencePolicy } from '../../models/customer.js';
import { taxDifferenceOf, type TaxDifference, type WrittenInvoiceTax } from '../../sync/tax-parity.js';
import type { PlatformInvoice } from '../../sync/platform-invoice.js';
import type { QuickBooksCompanyFacts } from '../reference-data/types.js';
import type {
  InvoiceKey,
  SyncErrorInfo,
  SyncStatusService,
  TransitionHint,
  WrittenInvoice,
} from '../sync-status.js';
import { taxDifferenceHold } from './failures.js';

export interface WrittenEntity extends WrittenInvoiceTax {
  Id: string;
  SyncToken: string;
  DocNumber?: string;
}

export interface TaxCheck {
  invoice: Pick<PlatformInvoice, 'number' | 'lines' | 'totals'>;
  facts: QuickBooksCompanyFacts;
  policy: TaxDifferencePolicy;
}

export type Settlement =
  | { outcome: 'SYNCED'; taxDifference?: TaxDifference }
  /** The STOP tax setting holds the invoice QuickBooks now holds. */
  | { outcome: 'HELD'; error: SyncErrorInfo; taxDifference: TaxDifference };

/**
 * Records what a write left in QuickBooks, the single push's and the backfill's alike. QuickBooks' tax is
 * compared with the platform's on the write's own answer (src/sync/tax-parity.ts): equal is SUCCEEDED; a
 * difference is SUCCEEDED_WITH_DIFFERENCES, or under the STOP tax setting NEEDS_ACTION with QuickBooks'
 * invoice recorded, so a retry updates that invoice instead of creating another. `check` absent: the
 * entity is not a full answer (an id we already held), so there is nothing to compare.
 */
export async function settleWrite(
  syncStatus: Pick<SyncStatusService, 'transition'>,
  key: InvoiceKey,
  entity: WrittenEntity,
  check: TaxCheck | undefined,
  options: { hint?: TransitionHint; intuitTid?: string } = {},
): Promise<Settlement> {
  const written: WrittenInvoice = {
    quickbooksInvoiceId: entity.Id,
    quickbooksSyncToken: entity.SyncToken,
    ...(entity.DocNumber ? { quickbooksDocNumber: entity.DocNumber } : {}),
  };
  const hint = options.hint ? { hint: options.hint } : {};
  const taxDifference = check ? taxDifferenceOf(check.invoice, entity, check.facts, check.policy) : null;
  if (!taxDifference) {
    await syncStatus.transition(key, 'SUCCEEDED', written, hint);
    return { outcome: 'SYNCED' };
  }
  if (taxDifference.policy === 'STOP') {
    const error = taxDifferenceHold(check!.invoice, taxDifference, options.intuitTid);
    await syncStatus.transition(key, 'NEEDS_ACTION', { error, written, taxDifference }, hint);
    return { outcome: 'HELD', error, taxDifference };
  }
  await syncStatus.transition(key, 'SUCCEEDED_WITH_DIFFERENCES', { ...written, taxDifference }, hint);
  return { outcome: 'SYNCED', taxDifference };
}
