import { ACCOUNT_ID } from '../../company/seed.js';
import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { getArray, getNumber, getRefValue, getString, isDoc, round2 } from '../../util/json.js';
import { isDateOnly } from '../../util/time.js';
import type { ChangedEntity, EntityContext, EntityDefinition } from './context.js';
import { checkLength } from './context.js';
import type { LinkedType } from './receivables.js';
import {
  adjustCustomerBalance,
  applyPaymentLinks,
  creditMemoRemaining,
  invoiceOpenBalance,
  paymentLinksOf,
} from './receivables.js';

/**
 * "This transaction has been deposited. If you want to change or delete it, you must edit the deposit it
 * appears on and remove it first" (6540, handling-common-errors; swarmbox/quickbooks-mcp saw every update
 * refused, sparse or full). The Payment reference adds for void: "If funds for the payment have been
 * deposited, you must delete the associated deposit object before voiding the payment object."
 */
function assertNotDeposited(ctx: EntityContext, payment: Doc): void {
  const id = getString(payment, 'Id');
  if (id !== undefined && ctx.realm.depositLinks.has(id)) throw Faults.depositedTransaction();
}

function buildPayment(ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc {
  if (existing) assertNotDeposited(ctx, existing);
  const doc: Doc = { ...input };
  const realm = ctx.realm;
  ctx.resolveRef('Customer', doc, 'CustomerRef', true);
  const customerId = getRefValue(doc, 'CustomerRef');
  const total = getNumber(doc, 'TotalAmt');
  if (total === undefined) throw Faults.requiredParam('TotalAmt');
  if (total < 0) throw Faults.businessValidation('Business Validation Error: TotalAmt cannot be negative.');
  const paymentId = getString(existing ?? {}, 'Id');

  const lines: Doc[] = [];
  for (const raw of getArray(doc, 'Line') ?? []) {
    if (!isDoc(raw)) throw Faults.requestMalformed('Line');
    const amount = getNumber(raw, 'Amount');
    if (amount === undefined) throw Faults.requiredParam('Line.Amount');
    if (amount < 0)
      throw Faults.businessValidation('Business Validation Error: Line.Amount cannot be negative.');
    const linkedTxn: Doc[] = [];
    for (const linked of getArray(raw, 'LinkedTxn') ?? []) {
      if (!isDoc(linked)) throw Faults.requestMalformed('LinkedTxn');
      const txnId =
        getString(linked, 'TxnId') ?? (typeof linked.TxnId === 'number' ? String(linked.TxnId) : undefined);
      const txnType = getString(linked, 'TxnType');
      if (txnId === undefined) throw Faults.requiredParam('LinkedTxn.TxnId');
      if (txnType === undefined) throw Faults.requiredParam('LinkedTxn.TxnType');
      // The Payment reference also lists JournalEntry, Expense, Check and CreditCardCredit, which this
      // emulator does not model.
      if (txnType !== 'Invoice' && txnType !== 'CreditMemo') throw Faults.invalidReference('LinkedTxn');
      const target = realm.get(txnType, txnId);
      if (!target) {
        throw realm.tombstones.get(txnType)?.has(txnId)
          ? Faults.deletedTransaction()
          : Faults.invalidReference('LinkedTxn');
      }
      // A payment may only apply its own customer's invoices and credits: 620 otherwise (§6.5).
      if (getRefValue(target, 'CustomerRef') !== customerId) {
        throw Faults.cannotLink(`${txnType} ${txnId} belongs to a different customer than the payment.`);
      }
      linkedTxn.push({ TxnId: txnId, TxnType: txnType });
    }
    lines.push({ ...raw, Amount: round2(amount), LinkedTxn: linkedTxn });
  }
  doc.Line = lines;

  // What this payment applies, summed over its lines, may not exceed what is open on each invoice or left
  // on each credit memo (other payments' applications excluded).
  const links = paymentLinksOf(doc);
  for (const [type, map] of [
    ['Invoice', links.invoices],
    ['CreditMemo', links.credits],
  ] as [LinkedType, Map<string, number>][]) {
    for (const [txnId, amount] of map) {
      const target = realm.get(type, txnId) ?? {};
      const open =
        type === 'Invoice'
          ? invoiceOpenBalance(ctx, target, paymentId)
          : creditMemoRemaining(ctx, target, paymentId);
      if (amount > open + 0.004) {
        const what = type === 'Invoice' ? 'open balance' : 'remaining credit';
        throw Faults.businessValidation(
          `Business Validation Error: The amount applied to ${type} ${txnId} (${amount}) is more than its ${what} (${open}).`,
        );
      }
    }
  }
  // TotalAmt = Σ invoice lines − Σ credit-memo lines + UnappliedAmt: the Payment reference's sample applies a
  // 300 credit memo to a 300 invoice with TotalAmt 0 and UnappliedAmt 0.
  const applied = round2(sum(links.invoices) - sum(links.credits));
  if (applied < 0) {
    throw Faults.businessValidation(
      `Business Validation Error: The credits applied (${sum(links.credits)}) are more than the amount applied to invoices (${sum(links.invoices)}).`,
    );
  }
  if (applied > total + 0.004) {
    throw Faults.businessValidation(
      `Business Validation Error: The amount applied (${applied}) is more than the payment total (${total}).`,
    );
  }
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
  // The Deposit link is set by the Deposit that takes the payment; a client cannot write it.
  delete doc.LinkedTxn;
  return doc;
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const amount of map.values()) total += amount;
  return round2(total);
}

/**
 * Intuit's void sample answers `TotalAmt: 0`, `UnappliedAmt: 0`, `Line: []` and "Voided" in PrivateNote
 * (Payment reference, "Void a payment"): everything it applied goes back to the invoices and credit memos.
 */
function voidPayment(ctx: EntityContext, existing: Doc): Doc {
  assertNotDeposited(ctx, existing);
  ctx.assertOpenPeriod(getString(existing, 'TxnDate'));
  const note = getString(existing, 'PrivateNote');
  return {
    ...existing,
    Line: [],
    TotalAmt: 0,
    UnappliedAmt: 0,
    PrivateNote: note ? `Voided - ${note}` : 'Voided',
  };
}

/**
 * A payment linked through Line[].LinkedTxn reduces each invoice's Balance and each credit memo's Balance /
 * RemainingCredit and bumps their SyncToken; they get a reciprocal LinkedTxn, and all of it moves
 * Customer.Balance (§6.5). Runs on create, update, void and delete, from the old and the new links.
 */
function afterPaymentWrite(
  ctx: EntityContext,
  previous: Doc | undefined,
  next: Doc | undefined,
): ChangedEntity[] {
  const paymentId = getString(next ?? previous ?? {}, 'Id');
  if (paymentId === undefined) return [];
  const changed = applyPaymentLinks(ctx, paymentId, paymentLinksOf(previous), paymentLinksOf(next));
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
    assertNotDeposited(ctx, existing);
    ctx.assertOpenPeriod(getString(existing, 'TxnDate'));
  },
  afterWrite: afterPaymentWrite,
};
