import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { getArray, getDoc, getNumber, getRefValue, getString, isDoc, round2 } from '../../util/json.js';
import type { EntityContext } from './context.js';

/**
 * Accounts-receivable bookkeeping shared by invoices, payments and credits: what is applied to an invoice,
 * its reciprocal LinkedTxn, open balances, Customer.Balance, and the rules for voiding or deleting an
 * invoice that has money applied to it.
 */
/** Total already applied to an invoice by payments, optionally leaving one payment out. */
export function paidOnInvoice(ctx: EntityContext, invoiceId: string, exceptPaymentId?: string): number {
  let paid = 0;
  for (const [paymentId, amount] of ctx.realm.paymentLinks.get(invoiceId) ?? []) {
    if (paymentId !== exceptPaymentId) paid += amount;
  }
  return round2(paid);
}

/** Invoice.LinkedTxn: what the client sent (other than payments) plus one entry per linked payment (§6.5). */
export function invoiceLinkedTxn(ctx: EntityContext, invoiceId: string | undefined, current: unknown): Doc[] {
  const kept = (Array.isArray(current) ? current : []).filter(
    (entry): entry is Doc => isDoc(entry) && entry.TxnType !== 'Payment',
  );
  if (!ctx.settings.api.reciprocalLinkedTxn || invoiceId === undefined) return kept;
  const payments = [...(ctx.realm.paymentLinks.get(invoiceId)?.keys() ?? [])];
  return [...kept, ...payments.map((id) => ({ TxnId: id, TxnType: 'Payment' }))];
}

export function invoiceOpenBalance(ctx: EntityContext, invoice: Doc): number {
  const id = getString(invoice, 'Id');
  const total = getNumber(invoice, 'TotalAmt') ?? 0;
  const deposit = getNumber(invoice, 'Deposit') ?? 0;
  return round2(total - deposit - (id === undefined ? 0 : paidOnInvoice(ctx, id)));
}

/** Voiding zeroes every amount and quantity, zeroes Balance and prefixes the private note (§3.3). */
export function voidInvoice(ctx: EntityContext, existing: Doc): Doc {
  ctx.assertOpenPeriod(getString(existing, 'TxnDate'));
  assertNoPayments(ctx, existing, 'void');
  const lines = (getArray(existing, 'Line') ?? []).filter(isDoc).map((line) => {
    const copy: Doc = { ...line, Amount: 0 };
    const detail = getDoc(line, 'SalesItemLineDetail');
    if (detail) copy.SalesItemLineDetail = { ...detail, Qty: 0, UnitPrice: 0 };
    return copy;
  });
  const note = getString(existing, 'PrivateNote');
  return {
    ...existing,
    Line: lines,
    TxnTaxDetail: { ...(getDoc(existing, 'TxnTaxDetail') ?? {}), TotalTax: 0, TaxLine: [] },
    TotalAmt: 0,
    Balance: 0,
    Deposit: 0,
    PrivateNote: note ? `Voided - ${note}` : 'Voided',
  };
}

/** "Linked transactions must be unlinked first" (§3.3): the payment has to go before the invoice. */
export function assertInvoiceDeletable(ctx: EntityContext, invoice: Doc): void {
  ctx.assertOpenPeriod(getString(invoice, 'TxnDate'));
  assertNoPayments(ctx, invoice, 'delete');
}

function assertNoPayments(ctx: EntityContext, invoice: Doc, action: string): void {
  const id = getString(invoice, 'Id');
  if (id !== undefined && (ctx.realm.paymentLinks.get(id)?.size ?? 0) > 0) {
    throw Faults.businessValidation(
      `Business Validation Error: You can't ${action} this transaction because it has payments linked to it. Unlink the payments first.`,
    );
  }
}

export function adjustCustomerBalance(
  ctx: EntityContext,
  txn: Doc | undefined,
  sign: 1 | -1,
  field = 'Balance',
): void {
  if (!txn) return;
  const customerId = getRefValue(txn, 'CustomerRef');
  const amount = getNumber(txn, field) ?? 0;
  if (customerId === undefined || amount === 0) return;
  applyCustomerDelta(ctx, customerId, sign * amount);
}

export function applyCustomerDelta(ctx: EntityContext, customerId: string, delta: number): void {
  const customer = ctx.realm.get('Customer', customerId);
  if (!customer) return;
  customer.Balance = round2((getNumber(customer, 'Balance') ?? 0) + delta);
  customer.BalanceWithJobs = round2((getNumber(customer, 'BalanceWithJobs') ?? 0) + delta);
  const parentId = getRefValue(customer, 'ParentRef');
  const parent = parentId === undefined ? undefined : ctx.realm.get('Customer', parentId);
  if (parent) parent.BalanceWithJobs = round2((getNumber(parent, 'BalanceWithJobs') ?? 0) + delta);
}
