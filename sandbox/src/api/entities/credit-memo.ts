import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { getNumber, getString, round2 } from '../../util/json.js';
import type { EntityContext, EntityDefinition } from './context.js';
import { buildInvoice } from './invoice.js';
import {
  afterCreditMemoWrite,
  assertCreditMemoDeletable,
  creditMemoLinkedTxn,
  creditUsed,
} from './receivables.js';

/**
 * CreditMemo (Intuit's CreditMemo reference, developer.intuit.com/.../all-entities/creditmemo): CustomerRef
 * and Line are required; lines, discounts and tax are an Invoice's (SalesItemLine, DiscountLine,
 * DescriptionOnly, SubTotalLine, TxnTaxDetail), so they are built by the invoice rules. There is no DueDate
 * or Deposit. `Balance` and `RemainingCredit` (both read-only) start at TotalAmt and fall as payments apply
 * the credit (`Line[].LinkedTxn` with TxnType CreditMemo). Operations are create, read, full/sparse update,
 * delete, query, send, pdf; not void: "The Operation Void for CreditMemo is not supported for Quickbooks
 * Online" (Intuit engineer in intuit/QuickBooks-V3-PHP-SDK#133), so a void answers Unsupported Operation.
 */
function buildCreditMemo(ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc {
  const doc = buildInvoice(ctx, input, existing, 'CreditMemo');
  if (doc.DocNumber === undefined) delete doc.DocNumber;
  delete doc.DueDate;
  delete doc.Deposit;
  // SalesTermRef is a CreditMemo field, but it is not defaulted from the customer as an invoice's is.
  if (input.SalesTermRef === undefined || input.SalesTermRef === null) delete doc.SalesTermRef;

  const id = getString(existing ?? {}, 'Id');
  const total = getNumber(doc, 'TotalAmt') ?? 0;
  const used = id === undefined ? 0 : creditUsed(ctx, id);
  if (total + 0.004 < used) {
    throw Faults.businessValidation(
      `Business Validation Error: The credit memo total (${total}) is less than the credit already applied (${used}).`,
    );
  }
  // "Balance ... Initially set to the value of TotalAmt"; RemainingCredit is "the total credit amount still
  // available to apply": Intuit's samples show the two equal (50/50 unapplied, 0/0 applied).
  doc.Balance = round2(total - used);
  doc.RemainingCredit = doc.Balance;
  doc.LinkedTxn = creditMemoLinkedTxn(ctx, id, doc.LinkedTxn);
  return doc;
}

export const CREDIT_MEMO_DEFINITION: EntityDefinition = {
  name: 'CreditMemo',
  path: 'creditmemo',
  kind: 'transaction',
  build: buildCreditMemo,
  assertDeletable: assertCreditMemoDeletable,
  afterWrite: afterCreditMemoWrite,
};
