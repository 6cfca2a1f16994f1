import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { getArray, getDoc, getNumber, getRefValue, getString, isDoc, round2 } from '../../util/json.js';
import { formatQboTime } from '../../util/time.js';
import type { ChangedEntity, EntityContext } from './context.js';
import { touch } from './context.js';

/**
 * Accounts-receivable bookkeeping shared by invoices, credit memos and payments: what a payment applies to
 * each invoice and takes from each credit memo, the reciprocal LinkedTxn, open balances, Customer.Balance,
 * and what happens to payments when an invoice or credit memo they link is voided or deleted.
 *
 * Customer.Balance is kept incrementally (never by scanning): open invoice balances add to it; a payment's
 * UnappliedAmt and a credit memo's unapplied Balance subtract from it.
 */

export type LinkedType = 'Invoice' | 'CreditMemo';

/** What one payment applies: invoiceId -> amount paid, creditMemoId -> credit taken. */
export interface PaymentLinks {
  invoices: Map<string, number>;
  credits: Map<string, number>;
}

/**
 * Intuit's Payment reference links invoices and credit memos through `Line[].LinkedTxn`; its full-update
 * sample applies a 300 credit memo to a 300 invoice with `TotalAmt` 0 as two lines (one per LinkedTxn).
 * Integrations also send one line with both LinkedTxn: the line's Amount then counts for each.
 */
export function paymentLinksOf(payment: Doc | undefined): PaymentLinks {
  const links: PaymentLinks = { invoices: new Map(), credits: new Map() };
  for (const line of getArray(payment ?? {}, 'Line') ?? []) {
    if (!isDoc(line)) continue;
    const amount = getNumber(line, 'Amount') ?? 0;
    for (const linked of getArray(line, 'LinkedTxn') ?? []) {
      if (!isDoc(linked)) continue;
      const map =
        linked.TxnType === 'Invoice'
          ? links.invoices
          : linked.TxnType === 'CreditMemo'
            ? links.credits
            : null;
      const id = getString(linked, 'TxnId');
      if (map && id !== undefined) map.set(id, round2((map.get(id) ?? 0) + amount));
    }
  }
  // A line at zero applies nothing.
  for (const map of [links.invoices, links.credits])
    for (const [id, amount] of map) if (amount === 0) map.delete(id);
  return links;
}

function sumExcept(links: Map<string, number> | undefined, exceptPaymentId?: string): number {
  let sum = 0;
  for (const [paymentId, amount] of links ?? []) if (paymentId !== exceptPaymentId) sum += amount;
  return round2(sum);
}

/** Total already applied to an invoice by payments, optionally leaving one payment out. */
export function paidOnInvoice(ctx: EntityContext, invoiceId: string, exceptPaymentId?: string): number {
  return sumExcept(ctx.realm.paymentLinks.get(invoiceId), exceptPaymentId);
}

/** Credit already taken from a credit memo by payments, optionally leaving one payment out. */
export function creditUsed(ctx: EntityContext, creditMemoId: string, exceptPaymentId?: string): number {
  return sumExcept(ctx.realm.creditLinks.get(creditMemoId), exceptPaymentId);
}

function linksTo(ctx: EntityContext, type: LinkedType): Map<string, Map<string, number>> {
  return type === 'Invoice' ? ctx.realm.paymentLinks : ctx.realm.creditLinks;
}

function isLinked(ctx: EntityContext, type: LinkedType, id: string | undefined): boolean {
  return id !== undefined && (linksTo(ctx, type).get(id)?.size ?? 0) > 0;
}

/** LinkedTxn: what the client sent (other than payments) plus one entry per linked payment (§6.5). */
function reciprocalLinkedTxn(
  ctx: EntityContext,
  type: LinkedType,
  id: string | undefined,
  current: unknown,
): Doc[] {
  const kept = (Array.isArray(current) ? current : []).filter(
    (entry): entry is Doc => isDoc(entry) && entry.TxnType !== 'Payment',
  );
  if (!ctx.settings.api.reciprocalLinkedTxn || id === undefined) return kept;
  const payments = [...(linksTo(ctx, type).get(id)?.keys() ?? [])];
  return [...kept, ...payments.map((paymentId) => ({ TxnId: paymentId, TxnType: 'Payment' }))];
}

export function invoiceLinkedTxn(ctx: EntityContext, invoiceId: string | undefined, current: unknown): Doc[] {
  return reciprocalLinkedTxn(ctx, 'Invoice', invoiceId, current);
}

/** Like Invoice.LinkedTxn; not shown in Intuit's CreditMemo samples, so it follows `api.reciprocalLinkedTxn`. */
export function creditMemoLinkedTxn(
  ctx: EntityContext,
  creditMemoId: string | undefined,
  current: unknown,
): Doc[] {
  return reciprocalLinkedTxn(ctx, 'CreditMemo', creditMemoId, current);
}

/** Invoice.Balance: TotalAmt less Deposit and payments (§6.5), optionally leaving one payment out. */
export function invoiceOpenBalance(ctx: EntityContext, invoice: Doc, exceptPaymentId?: string): number {
  const id = getString(invoice, 'Id');
  const total = getNumber(invoice, 'TotalAmt') ?? 0;
  const deposit = getNumber(invoice, 'Deposit') ?? 0;
  return round2(total - deposit - (id === undefined ? 0 : paidOnInvoice(ctx, id, exceptPaymentId)));
}

/** CreditMemo.RemainingCredit, "the total credit amount still available to apply" (CreditMemo reference). */
export function creditMemoRemaining(ctx: EntityContext, creditMemo: Doc, exceptPaymentId?: string): number {
  const id = getString(creditMemo, 'Id');
  const used = id === undefined ? 0 : creditUsed(ctx, id, exceptPaymentId);
  return round2((getNumber(creditMemo, 'TotalAmt') ?? 0) - used);
}

/**
 * Records a payment's new links and brings every invoice and credit memo whose applied amount changed up
 * to date: Balance (and RemainingCredit), reciprocal LinkedTxn, SyncToken, Customer.Balance, and an Update
 * event for each. `skipId` is a transaction being voided right now, whose own write follows.
 */
export function applyPaymentLinks(
  ctx: EntityContext,
  paymentId: string,
  before: PaymentLinks,
  after: PaymentLinks,
  skipId?: string,
): ChangedEntity[] {
  const changed: ChangedEntity[] = [];
  const stamp = formatQboTime(ctx.now, ctx.realm.offsetMinutes, false);
  for (const type of ['Invoice', 'CreditMemo'] as const) {
    const oldLinks = type === 'Invoice' ? before.invoices : before.credits;
    const newLinks = type === 'Invoice' ? after.invoices : after.credits;
    const index = linksTo(ctx, type);
    for (const id of new Set([...oldLinks.keys(), ...newLinks.keys()])) {
      const oldAmount = oldLinks.get(id);
      const newAmount = newLinks.get(id);
      let links = index.get(id);
      if (newAmount === undefined) links?.delete(paymentId);
      else {
        links ??= new Map();
        links.set(paymentId, newAmount);
        index.set(id, links);
      }
      if (links && links.size === 0) index.delete(id);
      const target = ctx.realm.get(type, id);
      if (!target || id === skipId || oldAmount === newAmount) continue;
      const updated =
        type === 'Invoice' ? withInvoiceBalance(ctx, target) : withCreditMemoBalance(ctx, target);
      ctx.realm.put(type, touch(updated, stamp), target);
      // An invoice's open balance adds to what the customer owes; a credit memo's unapplied balance lowers it.
      const delta = (getNumber(updated, 'Balance') ?? 0) - (getNumber(target, 'Balance') ?? 0);
      const customerId = getRefValue(target, 'CustomerRef');
      if (customerId !== undefined) applyCustomerDelta(ctx, customerId, type === 'Invoice' ? delta : -delta);
      changed.push({ entity: type, id, operation: 'Update' });
    }
  }
  return changed;
}

function withInvoiceBalance(ctx: EntityContext, invoice: Doc): Doc {
  const id = getString(invoice, 'Id');
  return {
    ...invoice,
    Balance: invoiceOpenBalance(ctx, invoice),
    LinkedTxn: invoiceLinkedTxn(ctx, id, invoice.LinkedTxn),
  };
}

function withCreditMemoBalance(ctx: EntityContext, creditMemo: Doc): Doc {
  const id = getString(creditMemo, 'Id');
  const remaining = creditMemoRemaining(ctx, creditMemo);
  return {
    ...creditMemo,
    Balance: remaining,
    RemainingCredit: remaining,
    LinkedTxn: creditMemoLinkedTxn(ctx, id, creditMemo.LinkedTxn),
  };
}

/**
 * Takes a voided or deleted invoice or credit memo out of every payment that applies it, as the QuickBooks UI
 * does when it voids an invoice that has a payment: the lines that link it go, money paid on an invoice
 * becomes the payment's UnappliedAmt (after giving back any credit-memo credit that helped pay it), and
 * credit taken from a credit memo goes back to it, re-opening the invoices it paid. Each changed payment,
 * invoice and credit memo gets its own Update event.
 */
export function unlinkFromPayments(ctx: EntityContext, type: LinkedType, txnId: string): ChangedEntity[] {
  const changed: ChangedEntity[] = [];
  const stamp = formatQboTime(ctx.now, ctx.realm.offsetMinutes, false);
  for (const paymentId of [...(linksTo(ctx, type).get(txnId)?.keys() ?? [])]) {
    const payment = ctx.realm.get('Payment', paymentId);
    if (!payment) continue;
    const lines = (getArray(payment, 'Line') ?? []).filter(
      (line) =>
        !(isDoc(line) && linkedTo(line).some((link) => link.TxnType === type && link.TxnId === txnId)),
    );
    const next = touch(rebalance({ ...payment, Line: lines }), stamp);
    ctx.realm.put('Payment', next, payment);
    adjustCustomerBalance(ctx, payment, 1, 'UnappliedAmt');
    adjustCustomerBalance(ctx, next, -1, 'UnappliedAmt');
    changed.push({ entity: 'Payment', id: paymentId, operation: 'Update' });
    changed.push(...applyPaymentLinks(ctx, paymentId, paymentLinksOf(payment), paymentLinksOf(next), txnId));
  }
  return changed;
}

function linkedTo(line: Doc): Doc[] {
  return (getArray(line, 'LinkedTxn') ?? []).filter(isDoc);
}

/**
 * Restores TotalAmt = Σ invoice lines − Σ credit-memo lines + UnappliedAmt after lines were removed: surplus
 * credit is given back to the credit memos, and invoice applications beyond the money received shrink
 * (latest lines first). Lines that link both an invoice and a credit memo are money-neutral and stay.
 */
function rebalance(payment: Doc): Doc {
  const total = getNumber(payment, 'TotalAmt') ?? 0;
  const lines = (getArray(payment, 'Line') ?? []).filter(isDoc).map((line) => ({ ...line }));
  const kindOf = (line: Doc): 'invoice' | 'credit' | 'both' | 'none' => {
    const types = new Set(linkedTo(line).map((link) => link.TxnType));
    const invoice = types.has('Invoice');
    const credit = types.has('CreditMemo');
    return invoice && credit ? 'both' : invoice ? 'invoice' : credit ? 'credit' : 'none';
  };
  const sum = (kind: 'invoice' | 'credit') =>
    lines
      .filter((line) => kindOf(line) === kind)
      .reduce((acc, line) => acc + (getNumber(line, 'Amount') ?? 0), 0);
  const shrink = (kind: 'invoice' | 'credit', by: number) => {
    let left = round2(by);
    for (let i = lines.length - 1; i >= 0 && left > 0; i--) {
      const line = lines[i];
      if (!line || kindOf(line) !== kind) continue;
      const amount = getNumber(line, 'Amount') ?? 0;
      const cut = Math.min(amount, left);
      line.Amount = round2(amount - cut);
      left = round2(left - cut);
    }
  };
  const applied = round2(sum('invoice') - sum('credit'));
  if (applied < 0) shrink('credit', -applied);
  else if (applied > total) shrink('invoice', applied - total);
  const kept = lines.filter((line) => (getNumber(line, 'Amount') ?? 0) !== 0);
  const net = round2(
    kept.reduce((acc, line) => {
      const kind = kindOf(line);
      const amount = getNumber(line, 'Amount') ?? 0;
      return kind === 'invoice' ? acc + amount : kind === 'credit' ? acc - amount : acc;
    }, 0),
  );
  return { ...payment, Line: kept, UnappliedAmt: round2(total - net) };
}

// Changes to other entities made while building or voiding a transaction, emitted by its afterWrite.
const deferred = new WeakMap<EntityContext, ChangedEntity[]>();

function defer(ctx: EntityContext, changes: ChangedEntity[]): void {
  deferred.set(ctx, [...(deferred.get(ctx) ?? []), ...changes]);
}

function takeDeferred(ctx: EntityContext, more: ChangedEntity[] = []): ChangedEntity[] {
  const all = [...(deferred.get(ctx) ?? []), ...more];
  deferred.delete(ctx);
  const seen = new Set<string>();
  return all.filter((change) => {
    const key = `${change.entity}:${change.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Voiding zeroes every amount and quantity, zeroes Balance and prefixes the private note (§3.3). Payments
 * applied to the invoice are unlinked first (`api.voidInvoiceWithPayments`: the API's answer is UNCONFIRMED;
 * the QuickBooks UI voids and leaves the money as unapplied credit) or the void is refused with 6000.
 */
export function voidInvoice(ctx: EntityContext, existing: Doc): Doc {
  ctx.assertOpenPeriod(getString(existing, 'TxnDate'));
  const id = getString(existing, 'Id');
  if (id !== undefined && isLinked(ctx, 'Invoice', id)) {
    if (ctx.settings.api.voidInvoiceWithPayments === 'reject') throw linkedFault('void');
    defer(ctx, unlinkFromPayments(ctx, 'Invoice', id));
  }
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
    LinkedTxn: invoiceLinkedTxn(ctx, id, existing.LinkedTxn),
    PrivateNote: note ? `Voided - ${note}` : 'Voided',
  };
}

/**
 * "You must unlink any linked transactions associated with the invoice object before deleting it" (Invoice
 * reference, §3.3): refused with 6000 unless `api.deleteLinkedTransaction` is `unapply`.
 */
export function assertInvoiceDeletable(ctx: EntityContext, invoice: Doc): void {
  assertDeletable(ctx, 'Invoice', invoice);
}

export function assertCreditMemoDeletable(ctx: EntityContext, creditMemo: Doc): void {
  assertDeletable(ctx, 'CreditMemo', creditMemo);
}

function assertDeletable(ctx: EntityContext, type: LinkedType, txn: Doc): void {
  ctx.assertOpenPeriod(getString(txn, 'TxnDate'));
  if (ctx.settings.api.deleteLinkedTransaction === 'reject' && isLinked(ctx, type, getString(txn, 'Id'))) {
    throw linkedFault('delete');
  }
}

// The fault Intuit returns here is not captured: 6000 is the business-validation catch-all (§5.4).
function linkedFault(action: 'void' | 'delete') {
  return Faults.businessValidation(
    `Business Validation Error: You can't ${action} this transaction because it has payments linked to it. Unlink the payments first.`,
  );
}

/**
 * Customer.Balance is open A/R: it follows every change of an invoice's Balance. A deleted invoice that
 * payments still linked (allowed by `api.deleteLinkedTransaction: 'unapply'`) is unlinked from them here.
 */
export function afterInvoiceWrite(
  ctx: EntityContext,
  previous: Doc | undefined,
  next: Doc | undefined,
): ChangedEntity[] {
  adjustCustomerBalance(ctx, previous, -1);
  adjustCustomerBalance(ctx, next, 1);
  return takeDeferred(ctx, afterDelete(ctx, 'Invoice', previous, next));
}

/** An unapplied credit memo lowers what the customer owes by its Balance. */
export function afterCreditMemoWrite(
  ctx: EntityContext,
  previous: Doc | undefined,
  next: Doc | undefined,
): ChangedEntity[] {
  adjustCustomerBalance(ctx, previous, 1);
  adjustCustomerBalance(ctx, next, -1);
  return takeDeferred(ctx, afterDelete(ctx, 'CreditMemo', previous, next));
}

function afterDelete(ctx: EntityContext, type: LinkedType, previous: Doc | undefined, next: Doc | undefined) {
  const id = getString(previous ?? {}, 'Id');
  if (next || id === undefined || !isLinked(ctx, type, id)) return [];
  return unlinkFromPayments(ctx, type, id);
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
