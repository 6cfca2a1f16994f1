/**
 * The platform (host) as the payment pull writes to it: the documented, idempotent hook through which the
 * platform learns what QuickBooks says was paid on an invoice we pushed (docs/platform-payment-hook.md).
 *
 * A call states the amount one QuickBooks payment applies to one invoice *now* (absolute, never a delta),
 * keyed by `externalId` (`quickbooks:<realmId>:<Payment Id>`) with a `revision` that only grows. The host
 * keeps the highest revision per (invoice, source, externalId) and ignores a call with a lower or equal one,
 * so a retried, duplicated or overtaken call cannot apply anything twice or bring back an older state.
 * An amount of "0.00" means the payment no longer applies to the invoice (unapplied, voided, deleted).
 */
export interface HostPaymentRecord {
  tenantId: string;
  /** The host invoice id. */
  invoiceId: string;
  /** Which system the payment comes from; always "quickbooks" here. */
  source: 'quickbooks';
  /** `quickbooks:<realmId>:<Payment Id>`: stable for the payment's life. */
  externalId: string;
  /** Grows with every change we report for this payment; the host keeps the highest. */
  revision: number;
  /** Decimal string with two places: what the payment applies to this invoice now. */
  amount: string;
  /** YYYY-MM-DD, QuickBooks' TxnDate. */
  receivedOn: string | null;
  /** Payment method as QuickBooks names it ("Check", "Credit Card"), or "Credit memo" for applied credit. */
  method: string | null;
  /** QuickBooks PaymentRefNum (check number, processor reference). */
  reference: string | null;
}

export type HostPaymentStatus = 'UNPAID' | 'PARTIALLY_PAID' | 'PAID';

export interface HostPaymentOutcome {
  /** False when the host already held this revision or a newer one (a replay: nothing changed). */
  applied: boolean;
  paymentStatus: HostPaymentStatus;
  /** Decimal strings, as the host computes them after the call. */
  amountPaid: string;
  balance: string;
}

export interface HostPaymentSink {
  /**
   * Records one payment's application to one invoice. Throws HostPaymentError: `retryable` when the same
   * call may work later (host down, 5xx, 429, timeout), not when the host refused it (credentials, unknown
   * invoice, invalid input).
   */
  record(payment: HostPaymentRecord): Promise<HostPaymentOutcome>;
}

/** The host could not take a payment record. Neither the token nor the host's raw answer is in the message. */
export class HostPaymentError extends Error {
  override readonly name = 'HostPaymentError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code: 'HOST_UNAVAILABLE' | 'HOST_REFUSED' | 'HOST_INVOICE_NOT_FOUND' | 'HOST_INVALID',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
