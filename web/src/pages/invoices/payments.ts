import type { InvoicePaymentsChangedSubscription, InvoicePaymentsQuery } from '../../generated/graphql';
import { formatMoney } from '../../format';

/** One reading of an invoice's payments: the platform's fields and QuickBooks' payments and balance. */
export type PaymentsReading = NonNullable<InvoicePaymentsQuery['invoice']>;
type Payments = PaymentsReading;

/** An event in the query's shape: its QuickBooks side is the event's own, read as it was sent. */
export function readingOf(
  change: InvoicePaymentsChangedSubscription['quickbooksInvoicePaymentsChanged'],
): PaymentsReading {
  return { ...change.invoice, quickbooksPayments: change.payments, quickbooksBalance: change.balance };
}

/**
 * The latest moment a reading of an invoice's payments reflects. The QuickBooks balance's readAt leads: the
 * pull re-reads the invoice whenever a payment touches it, so it moves even when a payment disappears (and
 * with it its updatedAt).
 */
function readingTime(reading: Payments): number {
  const times = [
    reading.quickbooksBalance?.readAt,
    ...(reading.quickbooksPayments ?? []).map((payment) => payment.updatedAt),
    ...reading.payments.map((payment) => payment.recordedAt),
  ]
    .map((iso) => (iso ? Date.parse(iso) : 0))
    .filter((time) => !Number.isNaN(time));
  return Math.max(0, ...times);
}

/**
 * Of two readings of one invoice's payments (the query's and an event's), the later one; on a tie the
 * second, which arrived later. Events are read by the server as it sends them, but two of them may be
 * resolved concurrently and arrive out of order.
 */
export function newerPayments(
  a: Payments | null | undefined,
  b: Payments | null | undefined,
): Payments | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return readingTime(a) > readingTime(b) ? a : b;
}

/** What a screen reader hears when the invoice's payments change by themselves; null when nothing did. */
export function paymentAnnouncement(before: Payments | null, after: Payments): string | null {
  if (before && before.paymentStatus === after.paymentStatus && before.amountPaid === after.amountPaid) {
    return null;
  }
  const money = (amount: string) => formatMoney(amount, after.currency);
  switch (after.paymentStatus) {
    case 'PAID':
      return `Invoice ${after.number} is paid: ${money(after.amountPaid)} received, balance ${money(after.balance)}.`;
    case 'PARTIALLY_PAID':
      return `Invoice ${after.number} is partially paid: ${money(after.amountPaid)} received, ${money(after.balance)} still due.`;
    case 'UNPAID':
      return `Invoice ${after.number} is unpaid: no payment applies to it now.`;
  }
}
