import { Big } from 'big.js';

/**
 * What a QuickBooks Payment applies, read from the Payment as QuickBooks answers it now (a read, or a CDC
 * row). Pure: no I/O, no clock. The payment pull (src/services/payments) stores the result per
 * (realm, Payment Id) and compares it with what it stored before.
 */

/** A Payment as far as the pull reads it (Intuit's field names, §6.5 of the notes). */
export interface QuickBooksPaymentDoc {
  Id: string;
  SyncToken: string;
  TxnDate?: unknown;
  TotalAmt?: unknown;
  UnappliedAmt?: unknown;
  PaymentRefNum?: unknown;
  PrivateNote?: unknown;
  PaymentMethodRef?: unknown;
  CurrencyRef?: unknown;
  CustomerRef?: unknown;
  Line?: unknown;
  MetaData?: unknown;
  [field: string]: unknown;
}

/** QuickBooks' own word for how the payment stands. Deleted payments are not readable: the pull says so. */
export type PaymentStanding = 'APPLIED' | 'UNAPPLIED' | 'VOIDED' | 'DELETED';

export interface PaymentFacts {
  paymentId: string;
  /** SyncToken as a number: it only grows, so a lower one is an older state of the same payment. */
  syncToken: number;
  standing: PaymentStanding;
  /** YYYY-MM-DD. */
  txnDate: string | null;
  totalAmount: string;
  unappliedAmount: string;
  reference: string | null;
  /** PaymentMethodRef's name when QuickBooks gives it, its id otherwise. */
  method: string | null;
  methodId: string | null;
  quickbooksCustomerId: string | null;
  /** QuickBooks invoice Id -> amount applied, two decimals, amounts > 0 only. */
  invoiceAmounts: Map<string, string>;
  /** Credit memos whose credit this payment uses (a credit memo applied to an invoice, §6.5). */
  creditMemoIds: string[];
  /** MetaData.LastUpdatedTime, as QuickBooks wrote it. */
  lastUpdatedTime: string | null;
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

/** Intuit answers amounts as JSON numbers; anything else (missing, NaN) is zero, never a float sum. */
function money(value: unknown): Big {
  if (typeof value === 'number' && Number.isFinite(value)) return new Big(value);
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return new Big(value.trim());
  return new Big(0);
}

export const formatMoney = (value: Big): string => value.toFixed(2);

function refOf(value: unknown): { id: string | null; name: string | null } {
  if (typeof value !== 'object' || value === null) return { id: null, name: null };
  const ref = value as { value?: unknown; name?: unknown };
  return { id: text(ref.value), name: text(ref.name) };
}

function syncTokenOf(value: string): number {
  const parsed = Number.parseInt(value, 10);
  return Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : 0;
}

/**
 * Intuit's void answers `TotalAmt: 0`, `UnappliedAmt: 0`, no lines and "Voided" at the start of the
 * PrivateNote (Payment reference, "Void a payment"); a zero payment without that note is just unapplied.
 */
function isVoided(payment: QuickBooksPaymentDoc, total: Big, lines: unknown[]): boolean {
  const note = text(payment.PrivateNote);
  return total.eq(0) && lines.length === 0 && note !== null && /^voided\b/i.test(note);
}

/**
 * The facts of a Payment: per linked invoice the sum of its lines' Amount (a line may link several
 * transactions: its Amount counts for each, as QuickBooks applies it), and the credit memos it draws on.
 */
export function paymentFactsOf(payment: QuickBooksPaymentDoc): PaymentFacts {
  const lines = Array.isArray(payment.Line) ? payment.Line : [];
  const invoiceTotals = new Map<string, Big>();
  const creditMemoIds = new Set<string>();
  for (const line of lines) {
    if (typeof line !== 'object' || line === null) continue;
    const { Amount, LinkedTxn } = line as { Amount?: unknown; LinkedTxn?: unknown };
    const amount = money(Amount);
    for (const linked of Array.isArray(LinkedTxn) ? LinkedTxn : []) {
      if (typeof linked !== 'object' || linked === null) continue;
      const { TxnId, TxnType } = linked as { TxnId?: unknown; TxnType?: unknown };
      const id = text(TxnId);
      if (id === null) continue;
      if (TxnType === 'Invoice') invoiceTotals.set(id, (invoiceTotals.get(id) ?? new Big(0)).plus(amount));
      else if (TxnType === 'CreditMemo') creditMemoIds.add(id);
    }
  }
  const invoiceAmounts = new Map<string, string>();
  for (const [id, amount] of invoiceTotals) if (amount.gt(0)) invoiceAmounts.set(id, formatMoney(amount));

  const total = money(payment.TotalAmt);
  const method = refOf(payment.PaymentMethodRef);
  const standing: PaymentStanding = isVoided(payment, total, lines)
    ? 'VOIDED'
    : invoiceAmounts.size > 0
      ? 'APPLIED'
      : 'UNAPPLIED';
  const metaData = payment.MetaData as { LastUpdatedTime?: unknown } | undefined;
  return {
    paymentId: payment.Id,
    syncToken: syncTokenOf(payment.SyncToken),
    standing,
    txnDate: text(payment.TxnDate),
    totalAmount: formatMoney(total),
    unappliedAmount: formatMoney(money(payment.UnappliedAmt)),
    reference: text(payment.PaymentRefNum),
    method: method.name ?? (creditMemoIds.size > 0 && total.eq(0) ? 'Credit memo' : null),
    methodId: method.id,
    quickbooksCustomerId: refOf(payment.CustomerRef).id,
    invoiceAmounts,
    creditMemoIds: [...creditMemoIds].sort(),
    lastUpdatedTime: text(metaData?.LastUpdatedTime),
  };
}

/** A payment QuickBooks no longer has (read answers 610, or a CDC row with status "Deleted"). */
export function deletedPaymentFacts(paymentId: string, lastKnownSyncToken: number): PaymentFacts {
  return {
    paymentId,
    syncToken: lastKnownSyncToken,
    standing: 'DELETED',
    txnDate: null,
    totalAmount: '0.00',
    unappliedAmount: '0.00',
    reference: null,
    method: null,
    methodId: null,
    quickbooksCustomerId: null,
    invoiceAmounts: new Map(),
    creditMemoIds: [],
    lastUpdatedTime: null,
  };
}

/** One payment's application to one QuickBooks invoice, as stored. */
export interface StoredApplication {
  quickbooksInvoiceId: string;
  /** The platform invoice we pushed as that QuickBooks invoice; null when it is not one of ours. */
  invoiceId: string | null;
  amount: string;
  /** The payment revision at which this amount was set. */
  revision: number;
  /** The highest revision the platform acknowledged (0: never told). */
  deliveredRevision: number;
}

/**
 * Whether `incoming` is newer than what is stored. A deletion is final (Intuit never reuses an Id);
 * otherwise a higher SyncToken wins, and the same SyncToken is the same state.
 */
export function isNewer(
  stored: { syncToken: number; standing: PaymentStanding } | null,
  incoming: PaymentFacts,
): boolean {
  if (!stored) return true;
  if (stored.standing === 'DELETED') return false;
  if (incoming.standing === 'DELETED') return true;
  return incoming.syncToken > stored.syncToken;
}

/**
 * The applications after a change: every invoice the payment applies to now at its amount, and every
 * invoice it applied to before but no longer does at "0.00" (the platform must hear that too). An
 * application whose amount or owner did not change keeps its revision, so it is not re-announced.
 */
export function nextApplications(
  before: readonly StoredApplication[],
  facts: PaymentFacts,
  revision: number,
  ourInvoices: ReadonlyMap<string, string>,
): StoredApplication[] {
  const previous = new Map(before.map((application) => [application.quickbooksInvoiceId, application]));
  const next: StoredApplication[] = [];
  const ids = new Set([...previous.keys(), ...facts.invoiceAmounts.keys()]);
  for (const quickbooksInvoiceId of [...ids].sort()) {
    const old = previous.get(quickbooksInvoiceId);
    const amount = facts.invoiceAmounts.get(quickbooksInvoiceId) ?? '0.00';
    const invoiceId = ourInvoices.get(quickbooksInvoiceId) ?? old?.invoiceId ?? null;
    if (old && old.amount === amount && old.invoiceId === invoiceId) {
      next.push(old);
      continue;
    }
    next.push({
      quickbooksInvoiceId,
      invoiceId,
      amount,
      revision,
      deliveredRevision: old?.deliveredRevision ?? 0,
    });
  }
  return next;
}

/** Applications the platform has not acknowledged yet (only ours: the platform knows no other invoice). */
export function undelivered(applications: readonly StoredApplication[]): StoredApplication[] {
  return applications.filter(
    (application) => application.invoiceId !== null && application.deliveredRevision < application.revision,
  );
}

/** Why a payment is listed for the admin: it pays nothing we pushed. Null when it does. */
export type UnmatchedReason = 'NOT_PUSHED_INVOICE' | 'UNAPPLIED';

export function unmatchedReasonOf(
  facts: PaymentFacts,
  applications: readonly StoredApplication[],
): UnmatchedReason | null {
  if (facts.standing === 'VOIDED' || facts.standing === 'DELETED') return null;
  if (applications.some((application) => application.invoiceId !== null && application.amount !== '0.00'))
    return null;
  return facts.invoiceAmounts.size === 0 ? 'UNAPPLIED' : 'NOT_PUSHED_INVOICE';
}
