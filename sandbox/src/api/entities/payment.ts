import { ACCOUNT_ID } from '../../company/seed.js';
import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { getArray, getNumber, getRefValue, getString, isDoc, round2 } from '../../util/json.js';
import { formatQboTime, isDateOnly } from '../../util/time.js';
import type { ChangedEntity, EntityContext, EntityDefinition } from './context.js';
import { checkLength, touch } from './context.js';
import { adjustCustomerBalance, applyCustomerDelta, invoiceLinkedTxn, paidOnInvoice } from './receivables.js';

/** invoiceId -> amount this payment applies to it. */
function linksOf(payment: Doc | undefined): Map<string, number> {
  const links = new Map<string, number>();
  if (!payment) return links;
  for (const line of getArray(payment, 'Line') ?? []) {
    if (!isDoc(line)) continue;
    const amount = getNumber(line, 'Amount') ?? 0;
    for (const linked of getArray(line, 'LinkedTxn') ?? []) {
      if (!isDoc(linked) || linked.TxnType !== 'Invoice') continue;
      const id = getString(linked, 'TxnId');
      if (id !== undefined) links.set(id, round2((links.get(id) ?? 0) + amount));
    }
  }
  // A voided payment keeps its lines at zero: zero links apply nothing.
  for (const [id, amount] of links) if (amount === 0) links.delete(id);
  return links;
}

function buildPayment(ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc {
  const doc: Doc = { ...input };
  const realm = ctx.realm;
  ctx.resolveRef('Customer', doc, 'CustomerRef', true);
  const customerId = getRefValue(doc, 'CustomerRef');
  const total = getNumber(doc, 'TotalAmt');
  if (total === undefined) throw Faults.requiredParam('TotalAmt');
  if (total < 0) throw Faults.businessValidation('Business Validation Error: TotalAmt cannot be negative.');
  const paymentId = getString(existing ?? {}, 'Id');

  const lines: Doc[] = [];
  let applied = 0;
  for (const raw of getArray(doc, 'Line') ?? []) {
    if (!isDoc(raw)) throw Faults.requestMalformed('Line');
    const amount = getNumber(raw, 'Amount');
    if (amount === undefined) throw Faults.requiredParam('Line.Amount');
    const linkedTxn: Doc[] = [];
    for (const linked of getArray(raw, 'LinkedTxn') ?? []) {
      if (!isDoc(linked)) throw Faults.requestMalformed('LinkedTxn');
      const txnId =
        getString(linked, 'TxnId') ?? (typeof linked.TxnId === 'number' ? String(linked.TxnId) : undefined);
      const txnType = getString(linked, 'TxnType');
      if (txnId === undefined) throw Faults.requiredParam('LinkedTxn.TxnId');
      if (txnType === undefined) throw Faults.requiredParam('LinkedTxn.TxnType');
      if (txnType !== 'Invoice') {
        // CreditMemo, JournalEntry, … exist in QuickBooks but not in this emulator.
        throw Faults.invalidReference('LinkedTxn');
      }
      const invoice = realm.get('Invoice', txnId);
      if (!invoice) {
        throw realm.tombstones.get('Invoice')?.has(txnId)
          ? Faults.deletedTransaction()
          : Faults.invalidReference('LinkedTxn');
      }
      // A payment may only pay its own customer's invoices: 620 otherwise (§6.5).
      if (getRefValue(invoice, 'CustomerRef') !== customerId) {
        throw Faults.cannotLink(`Invoice ${txnId} belongs to a different customer than the payment.`);
      }
      const open = round2(
        (getNumber(invoice, 'TotalAmt') ?? 0) -
          (getNumber(invoice, 'Deposit') ?? 0) -
          paidOnInvoice(ctx, txnId, paymentId),
      );
      if (amount > open + 0.004) {
        throw Faults.businessValidation(
          `Business Validation Error: The payment amount applied to invoice ${txnId} (${amount}) is more than its open balance (${open}).`,
        );
      }
      linkedTxn.push({ TxnId: txnId, TxnType: 'Invoice' });
    }
    applied += amount;
    lines.push({ ...raw, Amount: round2(amount), LinkedTxn: linkedTxn });
  }
  applied = round2(applied);
  if (applied > total + 0.004) {
    throw Faults.businessValidation(
      `Business Validation Error: The amount applied (${applied}) is more than the payment total (${total}).`,
    );
  }
  doc.Line = lines;
  doc.TotalAmt = round2(total);
  // A payment with no lines, or lines short of the total, is an unapplied credit (§6.5).
  doc.UnappliedAmt = round2(total - applied);

  // DepositToAccountRef defaults to Undeposited Funds and must be Bank or Other Current Asset (§6.5).
  if (getRefValue(doc, 'DepositToAccountRef') === undefined) {
    doc.DepositToAccountRef = { value: ACCOUNT_ID.undepositedFunds };
  }
  const account = ctx.resolveRef('Account', doc, 'DepositToAccountRef', true) ?? {};
  if (account.AccountType !== 'Bank' && account.AccountType !== 'Other Current Asset') {
    throw Faults.businessValidation(
      'Business Validation Error: DepositToAccountRef must be a Bank or Other Current Asset account.',
    );
  }
  if (getRefValue(doc, 'ARAccountRef') !== undefined) ctx.resolveRef('Account', doc, 'ARAccountRef', true);

  const txnDate = getString(doc, 'TxnDate') ?? ctx.today;
  if (!isDateOnly(txnDate)) throw Faults.requestMalformed(`TxnDate: ${txnDate} is not a yyyy-MM-dd date`);
  doc.TxnDate = txnDate;
  ctx.assertOpenPeriod(txnDate);
  if (existing) ctx.assertOpenPeriod(getString(existing, 'TxnDate'));
  checkLength(doc, 'PaymentRefNum', 21);
  checkLength(doc, 'PrivateNote', 4000);
  doc.CurrencyRef = existing?.CurrencyRef ?? doc.CurrencyRef ?? ctx.homeCurrency();
  doc.ProcessPayment ??= false;
  return doc;
}

function voidPayment(ctx: EntityContext, existing: Doc): Doc {
  ctx.assertOpenPeriod(getString(existing, 'TxnDate'));
  const lines = (getArray(existing, 'Line') ?? []).filter(isDoc).map((line) => ({ ...line, Amount: 0 }));
  const note = getString(existing, 'PrivateNote');
  return {
    ...existing,
    Line: lines,
    TotalAmt: 0,
    UnappliedAmt: 0,
    PrivateNote: note ? `Voided - ${note}` : 'Voided',
  };
}

/**
 * A payment linked through Line[].LinkedTxn reduces each invoice's Balance and bumps its SyncToken; the
 * invoice gets a reciprocal LinkedTxn, and both move Customer.Balance (§6.5). Runs on create, update,
 * void and delete, from the difference between the old and the new links.
 */
function afterPaymentWrite(
  ctx: EntityContext,
  previous: Doc | undefined,
  next: Doc | undefined,
): ChangedEntity[] {
  const realm = ctx.realm;
  const paymentId = getString(next ?? previous ?? {}, 'Id');
  if (paymentId === undefined) return [];
  const before = linksOf(previous);
  const after = linksOf(next);
  const affected = new Set([...before.keys(), ...after.keys()]);
  const changed: ChangedEntity[] = [];
  const lastUpdated = formatQboTime(ctx.now, realm.offsetMinutes, false);

  for (const invoiceId of affected) {
    const oldAmount = before.get(invoiceId);
    const newAmount = after.get(invoiceId);
    let links = realm.paymentLinks.get(invoiceId);
    if (newAmount === undefined) links?.delete(paymentId);
    else {
      links ??= new Map();
      links.set(paymentId, newAmount);
      realm.paymentLinks.set(invoiceId, links);
    }
    if (links && links.size === 0) realm.paymentLinks.delete(invoiceId);
    const invoice = realm.get('Invoice', invoiceId);
    if (!invoice || oldAmount === newAmount) continue;
    const balance = round2(
      (getNumber(invoice, 'TotalAmt') ?? 0) -
        (getNumber(invoice, 'Deposit') ?? 0) -
        paidOnInvoice(ctx, invoiceId),
    );
    const updated = touch(
      { ...invoice, Balance: balance, LinkedTxn: invoiceLinkedTxn(ctx, invoiceId, invoice.LinkedTxn) },
      lastUpdated,
    );
    realm.put('Invoice', updated, invoice);
    const customerId = getRefValue(invoice, 'CustomerRef');
    if (customerId !== undefined)
      applyCustomerDelta(ctx, customerId, balance - (getNumber(invoice, 'Balance') ?? 0));
    changed.push({ entity: 'Invoice', id: invoiceId, operation: 'Update' });
  }
  // Unapplied credit lowers what the customer owes.
  adjustCustomerBalance(ctx, previous, 1, 'UnappliedAmt');
  adjustCustomerBalance(ctx, next, -1, 'UnappliedAmt');
  return changed;
}

export const PAYMENT_DEFINITION: EntityDefinition = {
  name: 'Payment',
  path: 'payment',
  kind: 'transaction',
  build: buildPayment,
  voided: voidPayment,
  assertDeletable(ctx, existing) {
    ctx.assertOpenPeriod(getString(existing, 'TxnDate'));
  },
  afterWrite: afterPaymentWrite,
};
