import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { getString } from '../../util/json.js';
import type { EntityContext } from './context.js';

/**
 * Invoice.DocNumber, per Intuit's Invoice reference (§6.1): with `Preferences.SalesFormsPrefs.
 * CustomTxnNumbers` on, the client's value is used and none means none; off, QuickBooks numbers the invoice
 * itself (last + 1) and "do not send a value as it can lead to unwanted duplicates": an older version of the
 * page said a supplied duplicate "is stored even if it is a duplicate" (§6.1). So by default 6140 only
 * guards companies that use custom numbers; `api.duplicateDocNumberWhenAutoNumbered: 'reject'` checks
 * auto-numbering companies too. Which company preference turns the check on is UNCONFIRMED, hence the
 * per-company `duplicateDocNumberCheck` switch; `include=allowduplicatedocnum` (REST) or
 * `optionsData: ["allowduplicatedocnum"]` (batch) skips it for one request (§3.3, DotNet-SDK#175).
 *
 * CreditMemo.DocNumber follows the same rule (CreditMemo reference) from the same sales-form sequence
 * (Intuit's samples number credit memos among the invoices, UNCONFIRMED); duplicates count per entity.
 *
 * A voided invoice keeps its number (voiding zeroes amounts but the document stays, §3.3), so its number
 * is still taken; a deleted invoice's number is free again.
 */
export function assignDocNumber(
  ctx: EntityContext,
  entity: 'Invoice' | 'CreditMemo',
  doc: Doc,
  existing: Doc | undefined,
): string | undefined {
  const custom = ctx.salesFormsPrefs().CustomTxnNumbers === true;
  let docNumber = getString(doc, 'DocNumber')?.trim() || undefined;
  if (docNumber === undefined) {
    docNumber = getString(existing ?? {}, 'DocNumber') ?? (custom ? undefined : ctx.realm.nextDocNumber());
  }
  if (docNumber === undefined) return undefined;
  if (docNumber.length > 21) throw Faults.stringTooLong('DocNumber', 21);
  if (checksDuplicates(ctx, custom)) {
    const selfId = getString(existing ?? {}, 'Id');
    for (const id of ctx.realm.findByDocNumber(entity, docNumber) ?? []) {
      if (id !== selfId) throw Faults.duplicateDocNumber();
    }
  }
  ctx.realm.noteDocNumber(docNumber);
  return docNumber;
}

function checksDuplicates(ctx: EntityContext, customNumbers: boolean): boolean {
  if (!ctx.realm.duplicateDocNumberCheck || ctx.options.allowDuplicateDocNumber) return false;
  return customNumbers || ctx.settings.api.duplicateDocNumberWhenAutoNumbered === 'reject';
}
