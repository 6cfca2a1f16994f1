import { addDays, isDateOnly } from '../../util/time.js';

export interface DateWindow {
  start: string;
  end: string;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function parts(date: string): { y: number; m: number; d: number } {
  return { y: Number(date.slice(0, 4)), m: Number(date.slice(5, 7)), d: Number(date.slice(8, 10)) };
}

function ymd(y: number, m: number, d: number): string {
  // Date.UTC normalises month overflow (m = 13 is January of the next year, day 0 the last of the month before).
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}

/** `date` plus whole months, clamped to the last day of the target month (Jan 31 + 1 month = Feb 28). */
export function addMonths(date: string, months: number): string {
  const { y, m, d } = parts(date);
  const last = Number(ymd(y, m + months + 1, 0).slice(8, 10));
  return ymd(y, m + months, Math.min(d, last));
}

type Unit = 'Week' | 'Month' | 'Quarter' | 'Year';

function periodOf(today: string, unit: Unit, fiscalStartMonth: number): DateWindow {
  const { y, m } = parts(today);
  switch (unit) {
    case 'Week': {
      // QuickBooks weeks start on Sunday (en-US companies).
      const start = addDays(today, -new Date(`${today}T00:00:00Z`).getUTCDay());
      return { start, end: addDays(start, 6) };
    }
    case 'Month':
      return { start: ymd(y, m, 1), end: ymd(y, m + 1, 0) };
    case 'Quarter': {
      const offset = (((m - fiscalStartMonth) % 3) + 3) % 3;
      const start = ymd(y, m - offset, 1);
      return { start, end: addDays(addMonths(start, 3), -1) };
    }
    case 'Year': {
      const startYear = m >= fiscalStartMonth ? y : y - 1;
      const start = ymd(startYear, fiscalStartMonth, 1);
      return { start, end: addDays(addMonths(start, 12), -1) };
    }
  }
}

function shift(window: DateWindow, unit: Unit, by: number): DateWindow {
  if (unit === 'Week') return { start: addDays(window.start, 7 * by), end: addDays(window.end, 7 * by) };
  const months = unit === 'Month' ? 1 : unit === 'Quarter' ? 3 : 12;
  const start = addMonths(window.start, months * by);
  return { start, end: addDays(addMonths(start, months), -1) };
}

const MACRO =
  /^(This|Last|Next) (Week|Month|Fiscal Quarter|Calendar Quarter|Fiscal Year|Calendar Year)(-to-date)?$/i;

/**
 * Intuit's `date_macro` values (TransactionList reference, docs/research/reports-and-tax.md §1.1): Today, Yesterday, This/Last/Next
 * Week|Month|Fiscal Quarter|Fiscal Year (and Calendar …), each with `-to-date`, and Next 4 Weeks. "Last X-to-date"
 * is the last period cut at today's position in it. Undefined for anything else.
 */
export function resolveDateMacro(
  macro: string,
  today: string,
  fiscalYearStartMonth: string | undefined,
): DateWindow | undefined {
  const normalized = macro.trim().replace(/\s+/g, ' ');
  const lower = normalized.toLowerCase();
  if (lower === 'today') return { start: today, end: today };
  if (lower === 'yesterday') return { start: addDays(today, -1), end: addDays(today, -1) };
  if (lower === 'next 4 weeks') return { start: today, end: addDays(today, 27) };
  const match = MACRO.exec(normalized);
  if (!match) return undefined;
  const [, which = '', what = '', toDate] = match;
  const fiscal = what.toLowerCase().startsWith('fiscal');
  const unit = (what.split(' ').at(-1) ?? 'Month').replace(/^./, (c) => c.toUpperCase()) as Unit;
  const startMonth = fiscal ? Math.max(1, MONTHS.indexOf(fiscalYearStartMonth ?? 'January') + 1) : 1;
  const current = periodOf(today, unit, startMonth);
  const by = which.toLowerCase() === 'last' ? -1 : which.toLowerCase() === 'next' ? 1 : 0;
  const period = by === 0 ? current : shift(current, unit, by);
  if (!toDate) return period;
  const elapsed = Math.round((Date.parse(today) - Date.parse(current.start)) / 86_400_000);
  const cut = addDays(period.start, elapsed);
  return { start: period.start, end: cut < period.end ? cut : period.end };
}

export function validDate(value: string | undefined): string | undefined {
  return value !== undefined && isDateOnly(value) ? value : undefined;
}
