import type { CombinedError } from 'urql';
import { panelError, type PanelError } from '../../../errors';
import { formatMoney } from '../../../format';
import type { QuickBooksDifferenceClass } from '../../../generated/graphql';

/** How an invoice differs, in a bookkeeper's words (the server's class stays visible to tests as data-class). */
export const CLASS_WORDS: Record<QuickBooksDifferenceClass, string> = {
  MISSING_IN_QUICKBOOKS: 'Missing in QuickBooks',
  EXTRA_IN_QUICKBOOKS: 'Only in QuickBooks',
  STATUS: 'Voided or deleted on one side',
  AMOUNT: 'Amount differs',
  TAX_RECOMPUTED: 'Tax changed in QuickBooks',
  ROUNDING: 'Tax rounded differently',
  BALANCE: 'Payments differ',
};

/** The order the summary lists the classes in: the same as the server ranks a row's findings. */
export const CLASS_ORDER = Object.keys(CLASS_WORDS) as QuickBooksDifferenceClass[];

/** Which figure a finding compares, so both sides' numbers say what they are. */
export const FIGURE_WORDS: Record<QuickBooksDifferenceClass, string> = {
  MISSING_IN_QUICKBOOKS: 'Total',
  EXTRA_IN_QUICKBOOKS: 'Total',
  STATUS: 'Status',
  AMOUNT: 'Before tax',
  TAX_RECOMPUTED: 'Tax',
  ROUNDING: 'Tax',
  BALANCE: 'Paid',
};

/** The rounding rule that reproduces QuickBooks' tax (a ROUNDING finding's `rule`). */
const RULE_WORDS: Record<string, string> = {
  PER_LINE_HALF_UP: 'tax rounded on each line, halves rounded up',
  PER_LINE_HALF_EVEN: "tax rounded on each line, halves rounded to even (banker's rounding)",
  PER_RATE_SUBTOTAL_HALF_UP: 'tax rounded once per tax rate on its subtotal, halves rounded up',
  PER_RATE_SUBTOTAL_HALF_EVEN:
    "tax rounded once per tax rate on its subtotal, halves rounded to even (banker's rounding)",
  PER_COMPONENT_HALF_UP:
    'tax rounded once per tax component (e.g. state and district rate, GST and QST) on the subtotal it taxes, halves up',
  PER_LINE_PER_COMPONENT_HALF_UP:
    'tax rounded on each line for each tax component (e.g. GST and QST), halves up',
  PER_LINE_PER_COMPONENT_HALF_EVEN:
    "tax rounded on each line for each tax component (e.g. GST and QST), halves rounded to even (banker's rounding)",
};

export function ruleWords(rule: string): string {
  return RULE_WORDS[rule] ?? rule;
}

/** Integer cents from the server in the tenant's currency; without a currency, a plain decimal. */
export function formatCents(cents: number, currency: string | null): string {
  // Cents are integers, so dividing by 100 and fixing two decimals is exact.
  const amount = (cents / 100).toFixed(2);
  return currency ? formatMoney(amount, currency) : amount;
}

/** A figure of one side of a finding; null means that side has no such figure. */
export function formatFigure(cents: number | null, currency: string | null): string {
  return cents === null ? '—' : formatCents(cents, currency);
}

/** Why a run did not start, in words, with the server's code kept for support and tests. */
export function runErrorWords(error: CombinedError): PanelError {
  const { code, message } = panelError(error);
  switch (code) {
    case 'QUICKBOOKS_RECONCILIATION_RUNNING':
      return {
        code,
        message: 'A reconciliation is already running. Its results appear on this page when it finishes.',
      };
    case 'QUICKBOOKS_NOT_CONNECTED':
      return { code, message: 'QuickBooks is not connected. Connect it on the QuickBooks page first.' };
    case 'BAD_USER_INPUT':
      return {
        code,
        message: `Those dates do not make a period to compare: "From" must be a date on or before "To" (${message}).`,
      };
    default:
      return { code, message };
  }
}

/** Today in UTC: the server compares invoices by their issue date, which the platform writes in UTC. */
export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The default period: the last 31 days ending today, as the nightly run compares. */
export function defaultWindow(now = new Date()): { from: string; to: string } {
  const from = new Date(now.getTime() - 30 * 86_400_000);
  return { from: todayUtc(from), to: todayUtc(now) };
}

/** The reason's limits on the server (3 to 500 characters, trimmed). */
export const REASON_MIN = 3;
