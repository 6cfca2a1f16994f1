import type { Realm } from '../../company/realm.js';
import { QboFault } from '../../errors.js';
import type { ReportSettings, SandboxSettings } from '../../settings.js';
import type { Doc } from '../../util/json.js';
import { getArray, getDoc, getRefValue, getString, isDoc, sumMoney } from '../../util/json.js';
import { formatQboDate, formatQboTime } from '../../util/time.js';

/**
 * The report JSON Intuit answers on /v3/company/{realmId}/reports/{name} (report-entities reference pages,
 * docs/research/reports-and-tax.md §1.3): `{Header, Columns, Rows}` at the top level, without the `time` wrapper of entity
 * responses. Columns carry the data type in ColType and the key in MetaData ColKey, the form every real
 * capture since 2017 shows (teixeirab/algo-backend qb_transaction_list.js); clients must find columns by
 * ColKey because ColTitle is localized.
 */

export type ReportQuery = Record<string, string | undefined>;

export interface ReportContext {
  realm: Realm;
  settings: SandboxSettings;
  now: number;
  query: ReportQuery;
}

export type ColType = 'Date' | 'String' | 'Money' | 'Boolean' | 'TimeStamp' | 'Integer';

export interface Cell {
  value: string;
  id?: string;
}

/** One report column: its key, default (en-US) title, data type, and how a row fills it. */
export interface ColumnSpec<T> {
  key: string;
  title: string;
  type: ColType;
  cell(row: T): Cell;
  /** What sort_by compares: a number for Money/Integer, a string otherwise. */
  sortValue?(row: T): string | number;
  /** Money columns are summed in section and report Summary rows. */
  money?(row: T): number | undefined;
}

export interface ReportRow {
  type: 'Data' | 'Section';
  ColData?: Cell[];
  Header?: { ColData: Cell[] };
  Rows?: { Row: ReportRow[] } | Record<string, never>;
  Summary?: { ColData: Cell[] };
}

/**
 * Intuit appends this sentence as a row and answers 200 when a report passes 400,000 cells (3P notes quoting
 * Intuit's "Reports API best practices" blog, docs/research/reports-and-tax.md §3; ETL taps search the body for it).
 */
export const TRUNCATED_TEXT = 'Unable to display more data. Please reduce the date range.';

/**
 * Money cells are strings with two decimals. A captured TransactionList shows a zero open balance as ".00"
 * (teixeirab/algo-backend, docs/research/reports-and-tax.md §1.4), while Intuit's samples show "47.60"; `reports.zeroMoney` picks the
 * zero form. Whether other amounts below 1 also lose the leading 0 (".50") is UNCONFIRMED: they keep it here.
 */
export function formatMoney(value: number, settings: ReportSettings): string {
  const cents = Math.round(value * 100);
  if (cents === 0) return settings.zeroMoney;
  return (cents / 100).toFixed(2);
}

/** A Date cell with no date: "0-00-00" in the captured TransactionList (docs/research/reports-and-tax.md §1.4). */
export const EMPTY_DATE = '0-00-00';

export function columnsOf<T>(specs: ColumnSpec<T>[]): Doc {
  return {
    Column: specs.map((spec) => ({
      ColTitle: spec.title,
      ColType: spec.type,
      MetaData: [{ Name: 'ColKey', Value: spec.key }],
    })),
  };
}

/**
 * `columns=a,b,c`: known keys in the order asked (the order Intuit returns is UNCONFIRMED), unknown keys
 * ignored (no source says Intuit rejects them); nothing usable gives the report's default set.
 */
export function selectColumns<T>(
  raw: string | undefined,
  all: ReadonlyMap<string, ColumnSpec<T>>,
  defaults: readonly string[],
): ColumnSpec<T>[] {
  const wanted = (raw ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  const chosen: ColumnSpec<T>[] = [];
  for (const key of wanted.length > 0 ? wanted : defaults) {
    const spec = all.get(key);
    if (spec && !chosen.includes(spec)) chosen.push(spec);
  }
  if (chosen.length > 0) return chosen;
  return defaults.map((key) => all.get(key)).filter((spec): spec is ColumnSpec<T> => spec !== undefined);
}

export function dataRow<T>(specs: ColumnSpec<T>[], row: T): ReportRow {
  return { ColData: specs.map((spec) => spec.cell(row)), type: 'Data' };
}

/** A label in the first cell, money totals under the money columns, empty cells elsewhere. */
export function summaryCells<T>(
  specs: ColumnSpec<T>[],
  label: string,
  rows: T[],
  settings: ReportSettings,
): Cell[] {
  return specs.map((spec, index) => {
    if (index === 0) return { value: label };
    const money = spec.money;
    if (!money) return { value: '' };
    return { value: formatMoney(sumMoney(rows.map((row) => money(row) ?? 0)), settings) };
  });
}

export function labelCells(width: number, label: string): Cell[] {
  return Array.from({ length: width }, (_, index) => ({ value: index === 0 ? label : '' }));
}

export function truncationRow(width: number): ReportRow {
  return { ColData: labelCells(width, TRUNCATED_TEXT), type: 'Data' };
}

/** Counts the cells a report emits (rows × columns, headers and summaries included) against `maxCells`. */
export class CellBudget {
  private used = 0;
  truncated = false;

  constructor(private readonly max: number | null) {}

  /** False (and truncated) when `cells` more would pass the cap. */
  take(cells: number): boolean {
    if (this.truncated) return false;
    if (this.max !== null && this.used + cells > this.max) {
      this.truncated = true;
      return false;
    }
    this.used += cells;
    return true;
  }
}

export function emptyRows(rows: ReportRow[]): ReportRow['Rows'] {
  return rows.length === 0 ? {} : { Row: rows };
}

/** Header fields every report carries (ReportName, Time, ReportBasis, Currency, Option NoReportData). */
export function baseHeader(
  ctx: ReportContext,
  name: string,
  extra: Doc,
  options: Doc[],
  hasData: boolean,
): Doc {
  const basis = ctx.query.accounting_method === 'Cash' ? 'Cash' : 'Accrual';
  return {
    Time: formatQboTime(ctx.now, ctx.realm.offsetMinutes, false),
    ReportName: name,
    ReportBasis: basis,
    ...extra,
    Currency: homeCurrency(ctx.realm),
    Option: [...options, { Name: 'NoReportData', Value: hasData ? 'false' : 'true' }],
  };
}

function homeCurrency(realm: Realm): string {
  const preferences = realm.table('Preferences').values().next().value ?? {};
  const home = getRefValue(getDoc(preferences, 'CurrencyPrefs') ?? {}, 'HomeCurrency');
  return home ?? 'USD';
}

export function companyToday(ctx: ReportContext): string {
  return formatQboDate(ctx.now, ctx.realm.offsetMinutes);
}

/** Comma-separated Ids of a filter parameter (`customer=1,2`), or undefined when absent. */
export function idList(raw: string | undefined): Set<string> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return new Set(
    raw
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  );
}

/** Name cell of a customer as QuickBooks lists it now: the fully qualified name (Parent:Child). */
export function customerCell(realm: Realm, customerId: string | undefined, fallback?: string): Cell {
  if (customerId === undefined) return { value: '', id: '' };
  const customer = realm.get('Customer', customerId);
  const name = customer
    ? (getString(customer, 'FullyQualifiedName') ?? getString(customer, 'DisplayName'))
    : fallback;
  return { value: name ?? '', id: customerId };
}

export function accountCell(realm: Realm, accountId: string | undefined): Cell {
  if (accountId === undefined) return { value: '', id: '' };
  const account = realm.get('Account', accountId);
  const name = account ? (getString(account, 'FullyQualifiedName') ?? getString(account, 'Name')) : undefined;
  return { value: name ?? '', id: accountId };
}

export function receivableAccountId(realm: Realm): string | undefined {
  for (const account of realm.table('Account').values()) {
    if (account.AccountType === 'Accounts Receivable') return getString(account, 'Id');
  }
  return undefined;
}

/** Income accounts of an invoice's item lines, plus tax: more than one is "-Split-" as in Intuit's sample. */
export function salesSplitCell(realm: Realm, txn: Doc, hasTax: boolean): Cell {
  const accounts = new Set<string>();
  for (const line of getArray(txn, 'Line') ?? []) {
    if (!isDoc(line) || line.DetailType !== 'SalesItemLineDetail') continue;
    const itemId = getRefValue(getDoc(line, 'SalesItemLineDetail') ?? {}, 'ItemRef');
    const item = itemId === undefined ? undefined : realm.get('Item', itemId);
    const income = item ? getRefValue(item, 'IncomeAccountRef') : undefined;
    if (income !== undefined) accounts.add(income);
  }
  if (accounts.size + (hasTax ? 1 : 0) > 1) return { value: '-Split-', id: '' };
  return accountCell(realm, [...accounts][0]);
}

/** 400 ValidationFault raised by report parameters; Intuit's codes for these are UNCONFIRMED (docs/research/reports-and-tax.md §3). */
export function reportParameterFault(parameter: string, detail: string): QboFault {
  return new QboFault({
    status: 400,
    code: '2010',
    message: 'Request has invalid or unsupported property',
    detail: `Property Name:${parameter}: ${detail}`,
    type: 'ValidationFault',
    element: parameter,
  });
}

/** Whole days from `from` to `to` (yyyy-MM-dd). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

export function numericId(id: string): number {
  const n = Number(id);
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}
