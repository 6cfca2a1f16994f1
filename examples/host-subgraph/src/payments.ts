import { add, compare, decimal, formatMoney, MONEY_SCALE, type Fixed } from './decimal.js';
import type { InvoicePaymentRecord, InvoicePaymentStatus } from './model.js';

export interface InvoicePaymentSummary {
  paymentStatus: InvoicePaymentStatus;
  /** Sum of what every recorded payment applies now, 2 decimals */
  amountPaid: string;
  /** total - amountPaid, 2 decimals; negative when the payments exceed the total */
  balance: string;
  /** The payments that apply something (amount > 0), in the order first recorded */
  payments: InvoicePaymentRecord[];
}

const ZERO: Fixed = { units: 0n, scale: MONEY_SCALE };

/**
 * An invoice's payment position from its total and the payments recorded against it. The invoice's own
 * `status` (DRAFT, FINALIZED, VOID) is a separate axis: a VOID invoice can still show what was paid on it.
 */
export function paymentSummary(
  total: string,
  payments: readonly InvoicePaymentRecord[],
): InvoicePaymentSummary {
  const applying = payments.filter((p) => compare(decimal(p.amount), ZERO) > 0);
  const paid = applying.reduce((sum, p) => add(sum, decimal(p.amount)), ZERO);
  const invoiceTotal = decimal(total);
  const paymentStatus: InvoicePaymentStatus =
    compare(invoiceTotal, ZERO) > 0 && compare(paid, invoiceTotal) >= 0
      ? 'PAID'
      : compare(paid, ZERO) > 0 && compare(paid, invoiceTotal) < 0
        ? 'PARTIALLY_PAID'
        : 'UNPAID';
  const minusPaid: Fixed = { units: -paid.units, scale: paid.scale };
  return {
    paymentStatus,
    amountPaid: formatMoney(paid),
    balance: formatMoney(add(invoiceTotal, minusPaid)),
    payments: applying,
  };
}
