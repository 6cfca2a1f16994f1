import { Big } from 'big.js';
import type { InvoicePaymentsChangedEvent, PaymentEvents } from '../../events/payment-events.js';
import type { Models } from '../../models/index.js';
import type { PaymentStanding, StoredApplication, UnmatchedReason } from '../../sync/payment-application.js';
import type { InvoiceKey } from '../sync-status.js';

/** One QuickBooks payment as it applies to one of our invoices now. */
export interface InvoicePaymentView {
  quickbooksPaymentId: string;
  /** What it applies to this invoice (decimal, two places). */
  amount: string;
  /** The payment's whole amount in QuickBooks (it may pay other invoices too). */
  totalAmount: string;
  receivedOn: string | null;
  method: string | null;
  reference: string | null;
  standing: PaymentStanding;
  /** Credit from a credit memo, applied through the payment. */
  creditMemoApplied: boolean;
  updatedAt: Date;
}

export type InvoicePaymentStatus = 'UNPAID' | 'PARTIALLY_PAID' | 'PAID';

export interface InvoiceBalanceView {
  total: string;
  balance: string;
  amountPaid: string;
  paymentStatus: InvoicePaymentStatus;
  /** When QuickBooks was last read for this invoice. */
  readAt: Date;
}

export interface UnmatchedPaymentView {
  quickbooksPaymentId: string;
  reason: UnmatchedReason;
  totalAmount: string;
  unappliedAmount: string;
  receivedOn: string | null;
  method: string | null;
  reference: string | null;
  quickbooksCustomerId: string | null;
  /** QuickBooks invoice Ids it pays that we did not push. */
  quickbooksInvoiceIds: string[];
  updatedAt: Date;
}

interface StoredPaymentRow {
  paymentId: string;
  standing: PaymentStanding;
  totalAmount: string;
  unappliedAmount: string;
  txnDate: string | null;
  method: string | null;
  reference: string | null;
  quickbooksCustomerId: string | null;
  creditMemoIds: string[];
  applications: StoredApplication[];
  unmatchedReason: UnmatchedReason | null;
  updatedAt: Date;
}

const keyOf = (key: InvoiceKey) => `${key.tenantId}\u0000${key.invoiceId}`;

/** What QuickBooks says was paid, as the GraphQL surface reads it; every read is keyed by tenant. */
export class PaymentViewService {
  constructor(
    private readonly deps: {
      models: Pick<Models, 'payments' | 'invoiceBalances'>;
      events: Pick<PaymentEvents, 'subscribe'>;
    },
  ) {}

  /** The payments applied now to each invoice, newest first; batched per request by the loader. */
  async paymentsOf(keys: readonly InvoiceKey[]): Promise<InvoicePaymentView[][]> {
    const byTenant = groupByTenant(keys);
    const found = new Map<string, InvoicePaymentView[]>();
    for (const [tenantId, invoiceIds] of byTenant) {
      const rows = await this.deps.models.payments
        .find({ tenantId, 'applications.invoiceId': { $in: invoiceIds } })
        .lean<StoredPaymentRow[]>();
      for (const row of rows) {
        for (const application of row.applications) {
          if (!application.invoiceId || application.amount === '0.00') continue;
          const key = keyOf({ tenantId, invoiceId: application.invoiceId });
          const views = found.get(key) ?? [];
          views.push({
            quickbooksPaymentId: row.paymentId,
            amount: application.amount,
            totalAmount: row.totalAmount,
            receivedOn: row.txnDate,
            method: row.method,
            reference: row.reference,
            standing: row.standing,
            creditMemoApplied: row.creditMemoIds.length > 0,
            updatedAt: row.updatedAt,
          });
          found.set(key, views);
        }
      }
    }
    return keys.map((key) =>
      (found.get(keyOf(key)) ?? []).sort(
        (a, b) =>
          (b.receivedOn ?? '').localeCompare(a.receivedOn ?? '') ||
          Number(b.quickbooksPaymentId) - Number(a.quickbooksPaymentId),
      ),
    );
  }

  /** QuickBooks' balance of each invoice as last read; null before the pull first read it. */
  async balancesOf(keys: readonly InvoiceKey[]): Promise<(InvoiceBalanceView | null)[]> {
    const found = new Map<string, InvoiceBalanceView>();
    for (const [tenantId, invoiceIds] of groupByTenant(keys)) {
      const rows = await this.deps.models.invoiceBalances
        .find({ tenantId, invoiceId: { $in: invoiceIds } })
        .lean<{ invoiceId: string; total: string; balance: string; readAt: Date }[]>();
      for (const row of rows) found.set(keyOf({ tenantId, invoiceId: row.invoiceId }), balanceView(row));
    }
    return keys.map((key) => found.get(keyOf(key)) ?? null);
  }

  /** Payments that pay nothing we pushed, newest change first: the admin decides what they are. */
  async unmatched(tenantId: string, limit: number): Promise<UnmatchedPaymentView[]> {
    const rows = await this.deps.models.payments
      .find({ tenantId, unmatchedReason: { $ne: null } })
      .sort({ updatedAt: -1, _id: -1 })
      .limit(limit)
      .lean<StoredPaymentRow[]>();
    return rows.map((row) => ({
      quickbooksPaymentId: row.paymentId,
      reason: row.unmatchedReason!,
      totalAmount: row.totalAmount,
      unappliedAmount: row.unappliedAmount,
      receivedOn: row.txnDate,
      method: row.method,
      reference: row.reference,
      quickbooksCustomerId: row.quickbooksCustomerId,
      quickbooksInvoiceIds: row.applications
        .filter((application) => application.invoiceId === null && application.amount !== '0.00')
        .map((application) => application.quickbooksInvoiceId),
      updatedAt: row.updatedAt,
    }));
  }

  subscribe(tenantId: string, invoiceId?: string): AsyncIterableIterator<InvoicePaymentsChangedEvent> {
    return this.deps.events.subscribe([tenantId], (event) => !invoiceId || event.invoiceId === invoiceId);
  }
}

function groupByTenant(keys: readonly InvoiceKey[]): Map<string, string[]> {
  const byTenant = new Map<string, string[]>();
  for (const key of keys) byTenant.set(key.tenantId, [...(byTenant.get(key.tenantId) ?? []), key.invoiceId]);
  return byTenant;
}

/** PAID at a zero balance (QuickBooks: "A Balance of 0 indicates the invoice is fully paid"). */
export function balanceView(row: { total: string; balance: string; readAt: Date }): InvoiceBalanceView {
  const total = new Big(row.total);
  const balance = new Big(row.balance);
  const amountPaid = total.minus(balance);
  const paymentStatus: InvoicePaymentStatus =
    balance.lte(0) && total.gt(0) ? 'PAID' : amountPaid.gt(0) ? 'PARTIALLY_PAID' : 'UNPAID';
  return {
    total: total.toFixed(2),
    balance: balance.toFixed(2),
    amountPaid: amountPaid.toFixed(2),
    paymentStatus,
    readAt: row.readAt,
  };
}
