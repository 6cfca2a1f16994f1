import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { getArray, getDoc, getNumber, getRefValue, getString, isDoc, round2 } from '../../util/json.js';
import { formatQboTime, isDateOnly } from '../../util/time.js';
import type { ChangedEntity, EntityContext, EntityDefinition } from './context.js';
import { checkLength, touch } from './context.js';

/**
 * Deposit (Intuit's Deposit reference, developer.intuit.com/.../all-entities/deposit): a bank deposit that
 * moves customer payments out of Undeposited Funds ("Any transaction that funds the Undeposited Funds account
 * can be linked to a Deposit object with a Deposit.Line.LinkedTxn element"), or records a direct deposit
 * (`DetailType: DepositLineDetail` with `DepositLineDetail.AccountRef`). `DepositToAccountRef` and at least
 * one line are required; TotalAmt is computed. Operations: create, read, update, delete, query; no void.
 *
 * A payment linked here is deposited: until the deposit is deleted or the line removed, the payment cannot
 * be updated, voided or deleted (6540, see payment.ts). Of the linkable types (Transfer, Payment,
 * SalesReceipt, RefundReceipt, JournalEntry) only Payment exists in this emulator.
 */
function buildDeposit(ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc {
  const doc: Doc = { ...input };
  const account = ctx.resolveRef('Account', doc, 'DepositToAccountRef', true) ?? {};
  // "Account.AccountType is Other Current Asset or Bank" (Deposit reference); money cannot be deposited
  // back into Undeposited Funds. Wording seen by a client in routablehq/python-quickbooks#391.
  if (
    (account.AccountType !== 'Bank' && account.AccountType !== 'Other Current Asset') ||
    account.AccountSubType === 'UndepositedFunds'
  ) {
    throw Faults.businessValidation('Business Validation Error: Select a bank account for this deposit.');
  }
  const rawLines = getArray(doc, 'Line');
  // "There must be at least one line item included in a create request" (Deposit reference).
  if (!rawLines || rawLines.length === 0) throw Faults.requiredParam('Line');

  const depositId = getString(existing ?? {}, 'Id');
  const existingLineIds = new Set(
    (getArray(existing ?? {}, 'Line') ?? []).map((line) => (isDoc(line) ? getString(line, 'Id') : undefined)),
  );
  let nextLineId =
    Math.max(0, ...[...existingLineIds].map((id) => Number(id)).filter((n) => Number.isFinite(n))) + 1;
  const taken = new Set<string>();
  const lines: Doc[] = [];
  let total = 0;
  for (const raw of rawLines) {
    if (!isDoc(raw)) throw Faults.requestMalformed('Line');
    const amount = getNumber(raw, 'Amount');
    if (amount === undefined) throw Faults.requiredParam('Line.Amount');
    const linked = (getArray(raw, 'LinkedTxn') ?? []).filter(isDoc);
    const line: Doc = { ...raw, Amount: round2(amount) };
    // A LinkedTxn line sent with DetailType DepositLineDetail still needs an AccountRef: "Required parameter
    // Line.DepositLineDetail.AccountRef is missing in the request" (routablehq/python-quickbooks#329).
    if (raw.DetailType === 'DepositLineDetail' || linked.length === 0) {
      if (raw.DetailType !== 'DepositLineDetail') throw Faults.requiredParam('Line.DetailType');
      const detail: Doc = { ...(getDoc(raw, 'DepositLineDetail') ?? {}) };
      if (getRefValue(detail, 'AccountRef') === undefined) {
        throw Faults.requiredParam('Line.DepositLineDetail.AccountRef');
      }
      ctx.resolveRef('Account', detail, 'AccountRef', true);
      line.DepositLineDetail = detail;
      const suppliedId = getString(raw, 'Id');
      line.Id =
        suppliedId !== undefined && existingLineIds.has(suppliedId) ? suppliedId : String(nextLineId++);
    }
    if (linked.length > 0) line.LinkedTxn = linked.map((link) => linkPayment(ctx, link, depositId, taken));
    total += amount;
    lines.push(line);
  }
  doc.Line = lines;
  // "Calculated by QuickBooks business logic; any value you supply is over-written" (Deposit reference).
  doc.TotalAmt = round2(total);

  const txnDate = getString(doc, 'TxnDate') ?? ctx.today;
  if (!isDateOnly(txnDate)) throw Faults.requestMalformed(`TxnDate: ${txnDate} is not a yyyy-MM-dd date`);
  doc.TxnDate = txnDate;
  ctx.assertOpenPeriod(txnDate);
  if (existing) ctx.assertOpenPeriod(getString(existing, 'TxnDate'));
  checkLength(doc, 'PrivateNote', 4000);
  doc.CurrencyRef = existing?.CurrencyRef ?? doc.CurrencyRef ?? ctx.homeCurrency();
  return doc;
}

function linkPayment(ctx: EntityContext, link: Doc, depositId: string | undefined, taken: Set<string>): Doc {
  const realm = ctx.realm;
  const txnId = getString(link, 'TxnId') ?? (typeof link.TxnId === 'number' ? String(link.TxnId) : undefined);
  const txnType = getString(link, 'TxnType');
  if (txnId === undefined) throw Faults.requiredParam('Line.LinkedTxn.TxnId');
  if (txnType === undefined) throw Faults.requiredParam('Line.LinkedTxn.TxnType');
  if (txnType !== 'Payment') throw Faults.invalidReference('Line.LinkedTxn');
  const payment = realm.get('Payment', txnId);
  if (!payment) {
    throw realm.tombstones.get('Payment')?.has(txnId)
      ? Faults.deletedTransaction()
      : Faults.invalidReference('Line.LinkedTxn');
  }
  // "Select UndepositedFunds account on the existing transaction to make it available for the Deposit"
  // (Deposit reference). The fault for the other cases below is UNCONFIRMED: 6000.
  const from = realm.get('Account', getRefValue(payment, 'DepositToAccountRef') ?? '');
  if (from?.AccountSubType !== 'UndepositedFunds') {
    throw Faults.businessValidation(
      `Business Validation Error: Payment ${txnId} is not in Undeposited Funds, so it cannot be deposited.`,
    );
  }
  const depositedBy = realm.depositLinks.get(txnId);
  if ((depositedBy !== undefined && depositedBy !== depositId) || taken.has(txnId)) {
    throw Faults.businessValidation(
      `Business Validation Error: Payment ${txnId} has already been deposited.`,
    );
  }
  taken.add(txnId);
  // Intuit's samples link the payment's line 0.
  return { TxnId: txnId, TxnType: 'Payment', TxnLineId: getString(link, 'TxnLineId') ?? '0' };
}

function depositedPayments(deposit: Doc | undefined): Set<string> {
  const ids = new Set<string>();
  for (const line of getArray(deposit ?? {}, 'Line') ?? []) {
    if (!isDoc(line)) continue;
    for (const link of getArray(line, 'LinkedTxn') ?? []) {
      const id = isDoc(link) && link.TxnType === 'Payment' ? getString(link, 'TxnId') : undefined;
      if (id !== undefined) ids.add(id);
    }
  }
  return ids;
}

/**
 * Marks payments deposited or released. A deposited payment reads back with a LinkedTxn of type Deposit
 * (swarmbox/quickbooks-mcp docs/quickbooks-api-limitations.md: "the giveaway is a LinkedTxn entry of type
 * Deposit"); like the invoice's reciprocal LinkedTxn it follows `api.reciprocalLinkedTxn`, and writing it
 * bumps the payment's SyncToken and sends a payment Update.
 */
function afterDepositWrite(
  ctx: EntityContext,
  previous: Doc | undefined,
  next: Doc | undefined,
): ChangedEntity[] {
  const depositId = getString(next ?? previous ?? {}, 'Id');
  if (depositId === undefined) return [];
  const before = depositedPayments(previous);
  const after = depositedPayments(next);
  const changed: ChangedEntity[] = [];
  const stamp = formatQboTime(ctx.now, ctx.realm.offsetMinutes, false);
  for (const paymentId of new Set([...before, ...after])) {
    const deposited = after.has(paymentId);
    if (deposited === before.has(paymentId)) continue;
    if (deposited) ctx.realm.depositLinks.set(paymentId, depositId);
    else if (ctx.realm.depositLinks.get(paymentId) === depositId) ctx.realm.depositLinks.delete(paymentId);
    const payment = ctx.realm.get('Payment', paymentId);
    if (!payment || !ctx.settings.api.reciprocalLinkedTxn) continue;
    const others = (getArray(payment, 'LinkedTxn') ?? []).filter(
      (link) => !(isDoc(link) && link.TxnType === 'Deposit'),
    );
    const linkedTxn = deposited ? [...others, { TxnId: depositId, TxnType: 'Deposit' }] : others;
    const updated: Doc = { ...payment, LinkedTxn: linkedTxn };
    if (linkedTxn.length === 0) delete updated.LinkedTxn;
    ctx.realm.put('Payment', touch(updated, stamp), payment);
    changed.push({ entity: 'Payment', id: paymentId, operation: 'Update' });
  }
  return changed;
}

export const DEPOSIT_DEFINITION: EntityDefinition = {
  name: 'Deposit',
  path: 'deposit',
  kind: 'transaction',
  build: buildDeposit,
  assertDeletable(ctx, existing) {
    ctx.assertOpenPeriod(getString(existing, 'TxnDate'));
  },
  afterWrite: afterDepositWrite,
};
