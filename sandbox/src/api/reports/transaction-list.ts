import type { EntityName, Realm } from '../../company/realm.js';
import type { Doc } from '../../util/json.js';
import { getArray, getDoc, getNumber, getRefValue, getString, isDoc } from '../../util/json.js';
import type { DateWindow } from './dates.js';
import { addMonths, resolveDateMacro, validDate } from './dates.js';
import type { Cell, ColumnSpec, ReportContext, ReportRow } from './report.js';
import {
  CellBudget,
  EMPTY_DATE,
  accountCell,
  baseHeader,
  columnsOf,
  companyToday,
  compareValues,
  customerCell,
  dataRow,
  emptyRows,
  formatMoney,
  idList,
  labelCells,
  numericId,
  receivableAccountId,
  reportParameterFault,
  salesSplitCell,
  selectColumns,
  summaryCells,
  truncationRow,
} from './report.js';

type TxnEntity = Extract<EntityName, 'Invoice' | 'CreditMemo' | 'Payment' | 'Deposit'>;

/** One transaction as the report sees it; every column reads from here. */
interface TxnRow {
  entity: TxnEntity;
  id: string;
  date: string;
  docNum: string;
  customer: Cell;
  memo: string;
  account: Cell;
  split: Cell;
  /** Signed as the report shows it (credits negative). */
  amount: number;
  tax: number | undefined;
  openBalance: number | undefined;
  dueDate: string | undefined;
  createTime: string;
  lastModified: string;
}

/**
 * `transaction_type` values of the TransactionList reference that this emulator models, and the label of the
 * txn_type cell ("Credit Memo" and "Payment" as QuickBooks names them in its report UI; UNCONFIRMED for the API).
 */
const TYPES: Record<string, { entity: TxnEntity; label: string }> = {
  Invoice: { entity: 'Invoice', label: 'Invoice' },
  CreditMemo: { entity: 'CreditMemo', label: 'Credit Memo' },
  ReceivePayment: { entity: 'Payment', label: 'Payment' },
  Deposit: { entity: 'Deposit', label: 'Deposit' },
};
const LABEL: Record<TxnEntity, string> = {
  Invoice: 'Invoice',
  CreditMemo: 'Credit Memo',
  Payment: 'Payment',
  Deposit: 'Deposit',
};

/** Default columns: the ones the reference marks with * (docs/research/reports-and-tax.md §1.2; dept_name only with locations). */
const DEFAULT_COLUMNS = [
  'tx_date',
  'txn_type',
  'doc_num',
  'is_no_post',
  'name',
  'memo',
  'account_name',
  'other_account',
  'subt_nat_amount',
];

const money = (value: number | undefined, ctx: ReportContext): Cell => ({
  value: value === undefined ? '' : formatMoney(value, ctx.settings.reports),
});

function columns(ctx: ReportContext): Map<string, ColumnSpec<TxnRow>> {
  const specs: ColumnSpec<TxnRow>[] = [
    {
      key: 'tx_date',
      title: 'Date',
      type: 'Date',
      cell: (r) => ({ value: r.date }),
      sortValue: (r) => r.date,
    },
    {
      key: 'txn_type',
      title: 'Transaction Type',
      type: 'String',
      // The cell's id is the transaction Id: how a reader joins a row to the entity (docs/research/reports-and-tax.md §1.2).
      cell: (r) => ({ value: LABEL[r.entity], id: r.id }),
      sortValue: (r) => LABEL[r.entity],
    },
    {
      key: 'doc_num',
      title: 'Num',
      type: 'String',
      cell: (r) => ({ value: r.docNum }),
      sortValue: (r) => r.docNum,
    },
    // "Posting" Yes/No: every modelled transaction posts.
    { key: 'is_no_post', title: 'Posting', type: 'Boolean', cell: () => ({ value: 'Yes' }) },
    {
      key: 'name',
      title: 'Name',
      type: 'String',
      cell: (r) => r.customer,
      sortValue: (r) => r.customer.value,
    },
    { key: 'memo', title: 'Memo/Description', type: 'String', cell: (r) => ({ value: r.memo }) },
    {
      key: 'account_name',
      title: 'Account',
      type: 'String',
      cell: (r) => r.account,
      sortValue: (r) => r.account.value,
    },
    { key: 'other_account', title: 'Split', type: 'String', cell: (r) => r.split },
    {
      key: 'subt_nat_amount',
      title: 'Amount',
      type: 'Money',
      cell: (r) => money(r.amount, ctx),
      sortValue: (r) => r.amount,
      money: (r) => r.amount,
    },
    {
      key: 'tax_amount',
      title: 'Tax Amount',
      type: 'Money',
      cell: (r) => money(r.tax, ctx),
      sortValue: (r) => r.tax ?? 0,
      money: (r) => r.tax,
    },
    {
      key: 'nat_open_bal',
      title: 'Open Balance',
      type: 'Money',
      cell: (r) => money(r.openBalance, ctx),
      sortValue: (r) => r.openBalance ?? 0,
      money: (r) => r.openBalance,
    },
    {
      key: 'due_date',
      title: 'Due Date',
      type: 'Date',
      cell: (r) => ({ value: r.dueDate ?? EMPTY_DATE }),
      sortValue: (r) => r.dueDate ?? '',
    },
    {
      // Title by analogy with the captured "A/P Paid"; the values Paid/Unpaid are UNCONFIRMED (docs/research/reports-and-tax.md §1.2).
      key: 'is_ar_paid',
      title: 'A/R Paid',
      type: 'String',
      cell: (r) => ({ value: arPaid(r) ?? '' }),
    },
    {
      key: 'create_date',
      title: 'Create Date',
      type: 'TimeStamp',
      cell: (r) => ({ value: r.createTime }),
      sortValue: (r) => r.createTime,
    },
    {
      key: 'last_mod_date',
      title: 'Last Modified',
      type: 'TimeStamp',
      cell: (r) => ({ value: r.lastModified }),
      sortValue: (r) => r.lastModified,
    },
  ];
  return new Map(specs.map((spec) => [spec.key, spec]));
}

function arPaid(row: TxnRow): 'Paid' | 'Unpaid' | undefined {
  if (row.entity !== 'Invoice' && row.entity !== 'CreditMemo') return undefined;
  return row.openBalance === 0 ? 'Paid' : 'Unpaid';
}

/**
 * The report window: start_date/end_date, else date_macro, else `reports.defaultDateMacro`. An unreadable
 * date or macro falls back to the default window without an error, as a developer saw Intuit do
 * (mcohen01/node-quickbooks#62, docs/research/reports-and-tax.md §3). A missing half takes the default window's half.
 */
function reportWindow(ctx: ReportContext, today: string): DateWindow {
  const fiscalStart = getString(
    getDoc(ctx.realm.table('Preferences').values().next().value ?? {}, 'AccountingInfoPrefs') ?? {},
    'FiscalYearStartMonth',
  );
  const fallback = resolveDateMacro(ctx.settings.reports.defaultDateMacro, today, fiscalStart) ?? {
    start: today,
    end: today,
  };
  const macro =
    ctx.query.date_macro === undefined
      ? undefined
      : resolveDateMacro(ctx.query.date_macro, today, fiscalStart);
  const base = macro ?? fallback;
  const start = validDate(ctx.query.start_date);
  const end = validDate(ctx.query.end_date);
  if (start === undefined && end === undefined) return base;
  return { start: start ?? base.start, end: end ?? base.end };
}

function memoOf(txn: Doc): string {
  return getString(txn, 'PrivateNote') ?? '';
}

function isVoided(txn: Doc): boolean {
  // A void zeroes the amounts and prefixes PrivateNote with "Voided" (Invoice and Payment references).
  return (getNumber(txn, 'TotalAmt') ?? 0) === 0 && memoOf(txn).startsWith('Voided');
}

function toRow(realm: Realm, entity: TxnEntity, txn: Doc, receivable: string | undefined): TxnRow {
  const customerId = getRefValue(txn, 'CustomerRef');
  const metaData = getDoc(txn, 'MetaData') ?? {};
  const total = getNumber(txn, 'TotalAmt') ?? 0;
  const base = {
    entity,
    id: getString(txn, 'Id') ?? '',
    date: getString(txn, 'TxnDate') ?? '',
    docNum: getString(txn, 'DocNumber') ?? getString(txn, 'PaymentRefNum') ?? '',
    customer: customerCell(realm, customerId, getString(getDoc(txn, 'CustomerRef') ?? {}, 'name')),
    memo: memoOf(txn),
    createTime: getString(metaData, 'CreateTime') ?? '',
    lastModified: getString(metaData, 'LastUpdatedTime') ?? '',
  };
  const totalTax = getNumber(getDoc(txn, 'TxnTaxDetail') ?? {}, 'TotalTax') ?? 0;
  switch (entity) {
    case 'Invoice':
      return {
        ...base,
        account: accountCell(realm, receivable),
        split: salesSplitCell(realm, txn, totalTax !== 0),
        amount: total,
        // tax_amount = TxnTaxDetail.TotalTax is an inference (docs/research/reports-and-tax.md §1.5, UNCONFIRMED).
        tax: totalTax,
        openBalance: getNumber(txn, 'Balance') ?? 0,
        dueDate: getString(txn, 'DueDate'),
      };
    case 'CreditMemo':
      // Credits reduce A/R, so their amounts are negative (sign UNCONFIRMED for the API).
      return {
        ...base,
        account: accountCell(realm, receivable),
        split: salesSplitCell(realm, txn, totalTax !== 0),
        amount: -total,
        tax: -totalTax,
        openBalance: -(getNumber(txn, 'Balance') ?? 0),
        dueDate: undefined,
      };
    case 'Payment':
      // Money received is positive in its deposit account; what is not applied stays open as a credit.
      return {
        ...base,
        account: accountCell(realm, getRefValue(txn, 'DepositToAccountRef')),
        split: accountCell(realm, receivable),
        amount: total,
        tax: undefined,
        openBalance: -(getNumber(txn, 'UnappliedAmt') ?? 0),
        dueDate: undefined,
      };
    case 'Deposit': {
      const accounts = new Set<string>();
      for (const line of getArray(txn, 'Line') ?? []) {
        if (!isDoc(line)) continue;
        const account = getRefValue(getDoc(line, 'DepositLineDetail') ?? {}, 'AccountRef');
        if (account !== undefined) accounts.add(account);
        else if ((getArray(line, 'LinkedTxn') ?? []).length > 0) accounts.add('4'); // Undeposited Funds
      }
      return {
        ...base,
        account: accountCell(realm, getRefValue(txn, 'DepositToAccountRef')),
        split: accounts.size > 1 ? { value: '-Split-', id: '' } : accountCell(realm, [...accounts][0]),
        amount: total,
        tax: undefined,
        openBalance: undefined,
        dueDate: undefined,
      };
    }
  }
}

/**
 * GET /reports/TransactionList (docs/research/reports-and-tax.md §1): one Data row per transaction dated in the window, filtered by
 * transaction_type, customer/name, docnum and arpaid, sorted by sort_by/sort_order, flat or grouped by
 * customer (group_by=Customer|Name). Deleted transactions are gone from QuickBooks reports; voided ones stay
 * at 0.00 unless `reports.voidedTransactions` is `exclude` (UNCONFIRMED for the API).
 */
export function transactionList(ctx: ReportContext): Doc {
  const { realm, query, settings } = ctx;
  const today = companyToday(ctx);
  const window = reportWindow(ctx, today);
  const maxMonths = settings.reports.maxWindowMonths;
  if (maxMonths !== null && window.end >= addMonths(window.start, maxMonths)) {
    // Intuit only advises six months (run-reports page); the fault for a longer window is an emulator choice.
    throw reportParameterFault(
      'start_date',
      `the report date range ${window.start} to ${window.end} is longer than ${maxMonths} months. Please reduce the date range.`,
    );
  }

  const types = (query.transaction_type ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  // A documented type the emulator does not model (Bill, Check, …) matches nothing.
  const entities: TxnEntity[] =
    types.length === 0
      ? ['Invoice', 'CreditMemo', 'Payment', 'Deposit']
      : types.flatMap((t) => {
          const known = TYPES[t];
          return known ? [known.entity] : [];
        });
  const customers = idList(query.customer) ?? idList(query.name);
  const docNums = idList(query.docnum);
  const arpaid = query.arpaid?.toLowerCase();
  const receivable = receivableAccountId(realm);

  const rows: TxnRow[] = [];
  for (const entity of new Set(entities)) {
    for (const txn of realm.table(entity).values()) {
      const date = getString(txn, 'TxnDate') ?? '';
      if (date < window.start || date > window.end) continue;
      if (settings.reports.voidedTransactions === 'exclude' && isVoided(txn)) continue;
      const row = toRow(realm, entity, txn, receivable);
      if (customers && !customers.has(row.customer.id ?? '')) continue;
      if (docNums && !docNums.has(row.docNum)) continue;
      if (arpaid === 'paid' && arPaid(row) !== 'Paid') continue;
      if (arpaid === 'unpaid' && arPaid(row) !== 'Unpaid') continue;
      rows.push(row);
    }
  }

  const all = columns(ctx);
  const specs = selectColumns(query.columns, all, DEFAULT_COLUMNS);
  const sortSpec = all.get(query.sort_by ?? 'tx_date') ?? all.get('tx_date');
  const direction = query.sort_order?.toLowerCase() === 'descend' ? -1 : 1;
  const sortValue = sortSpec?.sortValue;
  rows.sort((a, b) => {
    const primary = sortValue ? compareValues(sortValue(a), sortValue(b)) : 0;
    return direction * (primary || compareValues(a.date, b.date) || numericId(a.id) - numericId(b.id));
  });

  const budget = new CellBudget(settings.reports.maxCells);
  const width = specs.length;
  const groupBy = query.group_by?.toLowerCase();
  const grouped = groupBy === 'customer' || groupBy === 'name';
  const out: ReportRow[] = [];
  if (!grouped) {
    for (const row of rows) {
      if (!budget.take(width)) break;
      out.push(dataRow(specs, row));
    }
    if (budget.truncated) out.push(truncationRow(width));
  } else {
    const groups = new Map<string, TxnRow[]>();
    for (const row of rows) {
      const key = row.customer.id ?? '';
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const ordered = [...groups.values()].sort((a, b) =>
      compareValues(a[0]?.customer.value ?? '', b[0]?.customer.value ?? ''),
    );
    for (const group of ordered) {
      const first = group[0];
      if (!first || !budget.take(width)) break;
      const header = labelCells(width, first.customer.value);
      if (header[0]) header[0] = { value: first.customer.value, id: first.customer.id ?? '' };
      const inner: ReportRow[] = [];
      for (const row of group) {
        if (!budget.take(width)) break;
        inner.push(dataRow(specs, row));
      }
      if (budget.truncated) {
        // A cut-off group never reaches its Summary (docs/research/reports-and-tax.md §3: how one parser detects truncation).
        inner.push(truncationRow(width));
        out.push({ Header: { ColData: header }, Rows: { Row: inner }, type: 'Section' });
        break;
      }
      const summary = summaryCells(specs, `Total for ${first.customer.value}`, group, settings.reports);
      budget.take(width);
      out.push({
        Header: { ColData: header },
        Rows: { Row: inner },
        Summary: { ColData: summary },
        type: 'Section',
      });
    }
    if (budget.truncated && (out.length === 0 || out.at(-1)?.Summary)) out.push(truncationRow(width));
  }

  const echo: Doc = {};
  if (query.customer !== undefined) echo.Customer = query.customer;
  if (query.date_macro !== undefined) echo.DateMacro = query.date_macro;
  return {
    Header: baseHeader(
      ctx,
      'TransactionList',
      { StartPeriod: window.start, EndPeriod: window.end, ...echo },
      [],
      rows.length > 0,
    ),
    Columns: columnsOf(specs),
    Rows: emptyRows(out),
  };
}
