import type { Realm } from '../../company/realm.js';
import type { Doc } from '../../util/json.js';
import { getDoc, getNumber, getRefValue, getString, round2, sumMoney } from '../../util/json.js';
import { validDate } from './dates.js';
import type { Cell, ColumnSpec, ReportContext, ReportRow } from './report.js';
import {
  CellBudget,
  EMPTY_DATE,
  baseHeader,
  columnsOf,
  companyToday,
  compareValues,
  customerCell,
  daysBetween,
  dataRow,
  emptyRows,
  formatMoney,
  idList,
  labelCells,
  numericId,
  selectColumns,
  summaryCells,
  truncationRow,
} from './report.js';

/** One open A/R item: an invoice with an open balance, or a credit (payment or credit memo) still unapplied. */
interface AgingRow {
  entity: 'Invoice' | 'CreditMemo' | 'Payment';
  id: string;
  date: string;
  docNum: string;
  customer: Cell;
  dueDate: string | undefined;
  memo: string;
  term: string;
  /** Signed: credits negative. */
  amount: number;
  openBalance: number;
  daysPastDue: number;
}

const LABEL = { Invoice: 'Invoice', CreditMemo: 'Credit Memo', Payment: 'Payment' } as const;

/** Default columns (* in the AgedReceivableDetail reference, docs/research/reports-and-tax.md §2; dept_name only with locations). */
const DEFAULT_COLUMNS = [
  'tx_date',
  'txn_type',
  'doc_num',
  'cust_name',
  'due_date',
  'subt_amount',
  'subt_open_bal',
];

function columns(ctx: ReportContext): Map<string, ColumnSpec<AgingRow>> {
  const money = (value: number): Cell => ({ value: formatMoney(value, ctx.settings.reports) });
  const specs: ColumnSpec<AgingRow>[] = [
    { key: 'tx_date', title: 'Date', type: 'Date', cell: (r) => ({ value: r.date }) },
    {
      key: 'txn_type',
      title: 'Transaction Type',
      type: 'String',
      cell: (r) => ({ value: LABEL[r.entity], id: r.id }),
    },
    // "No." is the live title a 3P parser recorded (docs/research/reports-and-tax.md §2); titles are localized anyway.
    { key: 'doc_num', title: 'No.', type: 'String', cell: (r) => ({ value: r.docNum }) },
    { key: 'cust_name', title: 'Customer', type: 'String', cell: (r) => r.customer },
    { key: 'due_date', title: 'Due Date', type: 'Date', cell: (r) => ({ value: r.dueDate ?? EMPTY_DATE }) },
    { key: 'memo', title: 'Memo/Description', type: 'String', cell: (r) => ({ value: r.memo }) },
    { key: 'term_name', title: 'Terms', type: 'String', cell: (r) => ({ value: r.term }) },
    { key: 'past_due', title: 'Past Due', type: 'Integer', cell: (r) => ({ value: String(r.daysPastDue) }) },
    {
      key: 'subt_amount',
      title: 'Amount',
      type: 'Money',
      cell: (r) => money(r.amount),
      money: (r) => r.amount,
    },
    {
      key: 'subt_open_bal',
      title: 'Open Balance',
      type: 'Money',
      cell: (r) => money(r.openBalance),
      money: (r) => r.openBalance,
    },
  ];
  return new Map(specs.map((spec) => [spec.key, spec]));
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Applied by payments dated on or before `asOf` (later payments did not exist yet on the report date). */
function appliedBy(realm: Realm, links: Map<string, number> | undefined, asOf: string): number {
  let sum = 0;
  for (const [paymentId, amount] of links ?? []) {
    const payment = realm.get('Payment', paymentId);
    if ((getString(payment ?? {}, 'TxnDate') ?? '') <= asOf) sum += amount;
  }
  return round2(sum);
}

function termName(realm: Realm, txn: Doc): string {
  const id = getRefValue(txn, 'SalesTermRef');
  const term = id === undefined ? undefined : realm.get('Term', id);
  return getString(term ?? {}, 'Name') ?? '';
}

/**
 * Open A/R as of `reportDate`: invoices with an open balance, credit memos with credit left and payments with
 * an unapplied amount, each counted only if dated on or before the report date and with the payments known
 * by then. Credits have no due date: they age from their transaction date (an inference, UNCONFIRMED).
 */
function openItems(ctx: ReportContext, reportDate: string, ageFrom: string): AgingRow[] {
  const { realm } = ctx;
  const rows: AgingRow[] = [];
  const push = (entity: AgingRow['entity'], txn: Doc, amount: number, open: number, dueDate?: string) => {
    if (open === 0) return;
    const date = getString(txn, 'TxnDate') ?? '';
    const customerId = getRefValue(txn, 'CustomerRef');
    rows.push({
      entity,
      id: getString(txn, 'Id') ?? '',
      date,
      docNum: getString(txn, 'DocNumber') ?? getString(txn, 'PaymentRefNum') ?? '',
      customer: customerCell(realm, customerId, getString(getDoc(txn, 'CustomerRef') ?? {}, 'name')),
      dueDate,
      memo: getString(txn, 'PrivateNote') ?? '',
      term: termName(realm, txn),
      amount,
      openBalance: open,
      daysPastDue: daysBetween(dueDate ?? date, ageFrom),
    });
  };
  for (const invoice of realm.table('Invoice').values()) {
    if ((getString(invoice, 'TxnDate') ?? '') > reportDate) continue;
    const id = getString(invoice, 'Id') ?? '';
    const total = getNumber(invoice, 'TotalAmt') ?? 0;
    const paid = appliedBy(realm, realm.paymentLinks.get(id), reportDate);
    const open = sumMoney([total, -(getNumber(invoice, 'Deposit') ?? 0), -paid]);
    push('Invoice', invoice, total, open, getString(invoice, 'DueDate'));
  }
  for (const memo of realm.table('CreditMemo').values()) {
    if ((getString(memo, 'TxnDate') ?? '') > reportDate) continue;
    const id = getString(memo, 'Id') ?? '';
    const total = getNumber(memo, 'TotalAmt') ?? 0;
    const used = appliedBy(realm, realm.creditLinks.get(id), reportDate);
    push('CreditMemo', memo, -total, -sumMoney([total, -used]));
  }
  for (const payment of realm.table('Payment').values()) {
    if ((getString(payment, 'TxnDate') ?? '') > reportDate) continue;
    push(
      'Payment',
      payment,
      -(getNumber(payment, 'TotalAmt') ?? 0),
      -(getNumber(payment, 'UnappliedAmt') ?? 0),
    );
  }
  return rows;
}

/**
 * GET /reports/AgedReceivableDetail (docs/research/reports-and-tax.md §2): one Section per aging bucket, oldest first ("91 or more
 * days past due" … "Current"), only non-empty ones, each with a "Total for <bucket>" Summary, then a final
 * Section holding only the report's "TOTAL" Summary. Buckets come from aging_period (30) and num_periods (4);
 * days past due run from the due date to report_date, or to today with aging_method=Current.
 */
export function agedReceivableDetail(ctx: ReportContext): Doc {
  const { query, settings } = ctx;
  const today = companyToday(ctx);
  // An unreadable date falls back to the default (today), as Intuit does for other reports (docs/research/reports-and-tax.md §3).
  const reportDate = validDate(query.report_date) ?? today;
  const ageFrom = query.aging_method?.toLowerCase() === 'current' ? today : reportDate;
  const period = positiveInt(query.aging_period, 30);
  const periods = positiveInt(query.num_periods, 4);
  const pastDue = query.past_due === undefined ? undefined : Number(query.past_due);
  const customers = idList(query.customer);
  const dueFrom = validDate(query.start_duedate);
  const dueTo = validDate(query.end_duedate);

  const rows = openItems(ctx, reportDate, ageFrom).filter((row) => {
    if (customers && !customers.has(row.customer.id ?? '')) return false;
    if (pastDue !== undefined && Number.isFinite(pastDue) && row.daysPastDue < pastDue) return false;
    const due = row.dueDate ?? row.date;
    if (dueFrom !== undefined && due < dueFrom) return false;
    if (dueTo !== undefined && due > dueTo) return false;
    return true;
  });
  rows.sort((a, b) => compareValues(a.date, b.date) || numericId(a.id) - numericId(b.id));

  // Bucket 0 is Current; bucket k (1 … periods) is past due, the last one open-ended.
  const bucketOf = (days: number) => (days <= 0 ? 0 : Math.min(periods, Math.ceil(days / period)));
  const label = (bucket: number) => {
    if (bucket === 0) return 'Current';
    const from = (bucket - 1) * period + 1;
    return bucket === periods
      ? `${from} or more days past due`
      : `${from} - ${bucket * period} days past due`;
  };
  const buckets = new Map<number, AgingRow[]>();
  for (const row of rows) {
    const bucket = bucketOf(row.daysPastDue);
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), row]);
  }

  const specs = selectColumns(query.columns, columns(ctx), DEFAULT_COLUMNS);
  const width = specs.length;
  const budget = new CellBudget(settings.reports.maxCells);
  const out: ReportRow[] = [];
  for (let bucket = periods; bucket >= 0; bucket--) {
    const group = buckets.get(bucket);
    if (!group) continue;
    if (!budget.take(width)) break;
    const inner: ReportRow[] = [];
    for (const row of group) {
      if (!budget.take(width)) break;
      inner.push(dataRow(specs, row));
    }
    const header = { ColData: labelCells(width, label(bucket)) };
    if (budget.truncated) {
      inner.push(truncationRow(width));
      out.push({ Header: header, Rows: { Row: inner }, type: 'Section' });
      break;
    }
    budget.take(width);
    const summary = summaryCells(specs, `Total for ${label(bucket)}`, group, settings.reports);
    out.push({ Header: header, Rows: { Row: inner }, Summary: { ColData: summary }, type: 'Section' });
  }
  if (budget.truncated) {
    if (out.length === 0 || out.at(-1)?.Summary) out.push(truncationRow(width));
  } else if (rows.length > 0) {
    out.push({ Summary: { ColData: summaryCells(specs, 'TOTAL', rows, settings.reports) }, type: 'Section' });
  }

  const echo: Doc = {};
  if (query.customer !== undefined) echo.Customer = query.customer;
  return {
    Header: baseHeader(
      ctx,
      'AgedReceivableDetail',
      { EndPeriod: reportDate, ...echo },
      [{ Name: 'report_date', Value: reportDate }],
      rows.length > 0,
    ),
    Columns: columnsOf(specs),
    Rows: emptyRows(out),
  };
}
