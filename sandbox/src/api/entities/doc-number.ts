import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { getString } from '../../util/json.js';
import type { EntityContext } from './context.js';

/**
 * CustomTxnNumbers on: the client's DocNumber is used (none means none). Off: the system numbers
 * invoices (last + 1), yet a supplied value is still stored, which is how integrations make duplicates
 * (§6.1). Duplicates fail with 6140 unless the company does not check or the request opts out (§3.3).
 */
export function assignDocNumber(ctx: EntityContext, doc: Doc, existing: Doc | undefined): string | undefined {
  let docNumber = getString(doc, 'DocNumber')?.trim() || undefined;
  if (docNumber === undefined) {
    const custom = ctx.salesFormsPrefs().CustomTxnNumbers === true;
    docNumber = getString(existing ?? {}, 'DocNumber') ?? (custom ? undefined : ctx.realm.nextDocNumber());
  }
  if (docNumber === undefined) return undefined;
  if (docNumber.length > 21) throw Faults.stringTooLong('DocNumber', 21);
  if (ctx.realm.duplicateDocNumberCheck && !ctx.options.allowDuplicateDocNumber) {
    const selfId = getString(existing ?? {}, 'Id');
    for (const id of ctx.realm.findByDocNumber('Invoice', docNumber) ?? []) {
      if (id !== selfId) throw Faults.duplicateDocNumber();
    }
  }
  ctx.realm.noteDocNumber(docNumber);
  return docNumber;
}
