import { beforeEach, describe, expect, it } from '@jest/globals';
import type { ApiResponse } from './helpers.js';
import { control, salesLine, useSandbox } from './helpers.js';

const t = useSandbox();

// Company wall clock (US, -08:00): 2026-03-15 10:00.
const NOW = '2026-03-15T18:00:00Z';
const BILL = '2'; // Bill's Windsurf Shop
const COOL_CARS = '3';
const TRUNCATED = 'Unable to display more data. Please reduce the date range.';

beforeEach(() => {
  t.sandbox.control.setClock(NOW);
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function report(name: string, params: Record<string, string> = {}): Promise<ApiResponse> {
  const query = new URLSearchParams({ ...params, minorversion: '75' });
  return t.qbo.get(`/reports/${name}?${query.toString()}`);
}

async function okReport(name: string, params: Record<string, string> = {}): Promise<Json> {
  const response = await report(name, params);
  expect(response.status).toBe(200);
  return response.json;
}

const keys = (json: Json): string[] => json.Columns.Column.map((c: Json) => c.MetaData[0].Value);

/** Every Data row, sections flattened, as objects keyed by ColKey. */
function rowsOf(json: Json): Record<string, { value: string; id?: string }>[] {
  const columnKeys = keys(json);
  const out: Record<string, { value: string; id?: string }>[] = [];
  const walk = (rows: Json[] | undefined) => {
    for (const row of rows ?? []) {
      if (row.type === 'Section') walk(row.Rows?.Row);
      else out.push(Object.fromEntries(columnKeys.map((key, i) => [key, row.ColData[i]])));
    }
  };
  walk(json.Rows.Row);
  return out;
}

const cents = (value: string) => Math.round(Number(value) * 100);
const toCents = (value: number) => Math.round(value * 100);
const sumCents = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function invoice(customer: string, body: Record<string, unknown> = {}): Promise<Json> {
  const response = await t.qbo.post('/invoice', {
    CustomerRef: { value: customer },
    Line: [salesLine(100)],
    ...body,
  });
  expect(response.status).toBe(200);
  return response.json.Invoice;
}

async function post(path: string, body: Record<string, unknown>): Promise<Json> {
  const response = await t.qbo.post(path, body);
  expect(response.status).toBe(200);
  return response.json;
}

const link = (amount: number, txnId: string, txnType: 'Invoice' | 'CreditMemo') => ({
  Amount: amount,
  LinkedTxn: [{ TxnId: txnId, TxnType: txnType }],
});

const LIST_COLUMNS =
  'tx_date,txn_type,doc_num,name,memo,subt_nat_amount,tax_amount,nat_open_bal,due_date,is_ar_paid';

describe('TransactionList', () => {
  it("answers Intuit's report shape: Header, Columns with ColKey, flat Data rows with ids", async () => {
    const inv = await invoice(BILL, {
      TxnDate: '2026-03-02',
      PrivateNote: 'Spring service',
      Line: [salesLine(200, '3', { TaxCodeRef: { value: 'TAX' } })],
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' } },
    });
    const json = await okReport('TransactionList', {
      start_date: '2026-03-01',
      end_date: '2026-03-31',
      columns: LIST_COLUMNS,
    });
    expect(Object.keys(json).sort()).toEqual(['Columns', 'Header', 'Rows']);
    expect(json.Header).toMatchObject({
      ReportName: 'TransactionList',
      ReportBasis: 'Accrual',
      StartPeriod: '2026-03-01',
      EndPeriod: '2026-03-31',
      Currency: 'USD',
      Option: [{ Name: 'NoReportData', Value: 'false' }],
    });
    expect(json.Header.Time).toMatch(/^2026-03-15T10:00:\d\d-08:00$/);
    expect(json.Columns.Column[0]).toEqual({
      ColTitle: 'Date',
      ColType: 'Date',
      MetaData: [{ Name: 'ColKey', Value: 'tx_date' }],
    });
    expect(keys(json)).toEqual(LIST_COLUMNS.split(','));
    expect(json.Columns.Column.find((c: Json) => c.MetaData[0].Value === 'nat_open_bal').ColType).toBe(
      'Money',
    );
    expect(json.Rows.Row).toHaveLength(1);
    expect(json.Rows.Row[0].type).toBe('Data');
    expect(json.Rows.Row[0].ColData).toHaveLength(LIST_COLUMNS.split(',').length);
    expect(rowsOf(json)[0]).toEqual({
      tx_date: { value: '2026-03-02' },
      txn_type: { value: 'Invoice', id: inv.Id },
      doc_num: { value: inv.DocNumber },
      name: { value: "Bill's Windsurf Shop", id: BILL },
      memo: { value: 'Spring service' },
      subt_nat_amount: { value: '214.50' },
      tax_amount: { value: '14.50' },
      nat_open_bal: { value: '214.50' },
      due_date: { value: inv.DueDate },
      is_ar_paid: { value: 'Unpaid' },
    });
  });

  it('uses the default columns without `columns`, and an empty window says NoReportData', async () => {
    await invoice(BILL, { TxnDate: '2026-03-02' });
    const json = await okReport('TransactionList', { start_date: '2026-03-01', end_date: '2026-03-31' });
    expect(keys(json)).toEqual([
      'tx_date',
      'txn_type',
      'doc_num',
      'is_no_post',
      'name',
      'memo',
      'account_name',
      'other_account',
      'subt_nat_amount',
    ]);
    expect(rowsOf(json)[0]).toMatchObject({
      is_no_post: { value: 'Yes' },
      account_name: { value: 'Accounts Receivable (A/R)' },
      subt_nat_amount: { value: '100.00' },
    });

    const empty = await okReport('TransactionList', { start_date: '2025-01-01', end_date: '2025-01-31' });
    expect(empty.Header.Option).toEqual([{ Name: 'NoReportData', Value: 'true' }]);
    expect(empty.Rows).toEqual({});
    expect(empty.Columns.Column.length).toBeGreaterThan(0);
  });

  it('windows by start_date/end_date and date_macro; no dates or unreadable ones give This Month-to-date', async () => {
    await invoice(BILL, { TxnDate: '2026-02-28' });
    await invoice(BILL, { TxnDate: '2026-03-01' });
    await invoice(BILL, { TxnDate: '2026-03-15' });
    await invoice(BILL, { TxnDate: '2026-03-20' });
    const dates = async (params: Record<string, string>) => {
      const json = await okReport('TransactionList', { columns: 'tx_date', ...params });
      return {
        period: [json.Header.StartPeriod, json.Header.EndPeriod],
        dates: rowsOf(json).map((r) => r.tx_date?.value),
      };
    };
    expect(await dates({ start_date: '2026-02-28', end_date: '2026-03-01' })).toEqual({
      period: ['2026-02-28', '2026-03-01'],
      dates: ['2026-02-28', '2026-03-01'],
    });
    expect(await dates({})).toEqual({
      period: ['2026-03-01', '2026-03-15'],
      dates: ['2026-03-01', '2026-03-15'],
    });
    expect(await dates({ date_macro: 'This Month' })).toEqual({
      period: ['2026-03-01', '2026-03-31'],
      dates: ['2026-03-01', '2026-03-15', '2026-03-20'],
    });
    expect((await dates({ date_macro: 'Last Month' })).period).toEqual(['2026-02-01', '2026-02-28']);
    expect((await dates({ date_macro: 'This Fiscal Quarter' })).period).toEqual(['2026-01-01', '2026-03-31']);
    expect((await dates({ date_macro: 'Last Fiscal Year-to-date' })).period).toEqual([
      '2025-01-01',
      '2025-03-15',
    ]);
    expect((await dates({ date_macro: 'This Week' })).period).toEqual(['2026-03-15', '2026-03-21']);
    expect((await dates({ start_date: '15/03/2026', end_date: 'soon' })).period).toEqual([
      '2026-03-01',
      '2026-03-15',
    ]);
  });

  it('filters by transaction_type, customer and arpaid, and sorts by sort_by/sort_order', async () => {
    const small = await invoice(BILL, { TxnDate: '2026-03-02', Line: [salesLine(50)] });
    const large = await invoice(BILL, { TxnDate: '2026-03-03', Line: [salesLine(300)] });
    const other = await invoice(COOL_CARS, { TxnDate: '2026-03-04', Line: [salesLine(75)] });
    const cm = (
      await post('/creditmemo', {
        CustomerRef: { value: BILL },
        TxnDate: '2026-03-05',
        Line: [salesLine(20)],
      })
    ).CreditMemo;
    const pay = (
      await post('/payment', {
        CustomerRef: { value: BILL },
        TxnDate: '2026-03-06',
        TotalAmt: 50,
        Line: [link(50, small.Id, 'Invoice')],
      })
    ).Payment;
    const window = { start_date: '2026-03-01', end_date: '2026-03-31', columns: LIST_COLUMNS };
    const types = async (params: Record<string, string>) =>
      rowsOf(await okReport('TransactionList', { ...window, ...params })).map((r) => [
        r.txn_type?.value,
        r.txn_type?.id,
      ]);

    expect(await types({})).toEqual([
      ['Invoice', small.Id],
      ['Invoice', large.Id],
      ['Invoice', other.Id],
      ['Credit Memo', cm.Id],
      ['Payment', pay.Id],
    ]);
    expect(await types({ transaction_type: 'Invoice' })).toEqual([
      ['Invoice', small.Id],
      ['Invoice', large.Id],
      ['Invoice', other.Id],
    ]);
    expect(await types({ transaction_type: 'ReceivePayment' })).toEqual([['Payment', pay.Id]]);
    expect(await types({ transaction_type: 'CreditMemo' })).toEqual([['Credit Memo', cm.Id]]);
    expect(await types({ transaction_type: 'Bill' })).toEqual([]);
    expect(await types({ transaction_type: 'Invoice', customer: COOL_CARS })).toEqual([
      ['Invoice', other.Id],
    ]);
    expect(await types({ transaction_type: 'Invoice', arpaid: 'Paid' })).toEqual([['Invoice', small.Id]]);
    expect(
      await types({ transaction_type: 'Invoice', sort_by: 'subt_nat_amount', sort_order: 'descend' }),
    ).toEqual([
      ['Invoice', large.Id],
      ['Invoice', other.Id],
      ['Invoice', small.Id],
    ]);

    const filtered = await okReport('TransactionList', { ...window, customer: COOL_CARS });
    expect(filtered.Header.Customer).toBe(COOL_CARS);

    // Credits are negative; a paid invoice's zero open balance reads ".00" as in the captured report.
    const rows = rowsOf(await okReport('TransactionList', window));
    expect(rows[0]).toMatchObject({ nat_open_bal: { value: '.00' }, is_ar_paid: { value: 'Paid' } });
    expect(rows[3]).toMatchObject({
      subt_nat_amount: { value: '-20.00' },
      nat_open_bal: { value: '-20.00' },
    });
    expect(rows[4]).toMatchObject({ subt_nat_amount: { value: '50.00' }, nat_open_bal: { value: '.00' } });
    expect(rows[4]?.due_date?.value).toBe('0-00-00');

    t.sandbox.control.updateSettings({ reports: { zeroMoney: '0.00' } });
    expect(rowsOf(await okReport('TransactionList', window))[0]?.nat_open_bal?.value).toBe('0.00');
  });

  it('groups by customer with a Summary per section (group_by=Customer)', async () => {
    await invoice(BILL, { TxnDate: '2026-03-02', Line: [salesLine(10.1)] });
    await invoice(BILL, { TxnDate: '2026-03-03', Line: [salesLine(20.2)] });
    await invoice(COOL_CARS, { TxnDate: '2026-03-04', Line: [salesLine(5)] });
    const json = await okReport('TransactionList', {
      start_date: '2026-03-01',
      end_date: '2026-03-31',
      columns: 'txn_type,subt_nat_amount',
      group_by: 'Customer',
    });
    expect(json.Rows.Row).toHaveLength(2);
    const [bill, cool] = json.Rows.Row;
    expect(bill).toMatchObject({
      type: 'Section',
      Header: { ColData: [{ value: "Bill's Windsurf Shop", id: BILL }, { value: '' }] },
    });
    expect(bill.Rows.Row).toHaveLength(2);
    expect(bill.Summary.ColData).toEqual([{ value: "Total for Bill's Windsurf Shop" }, { value: '30.30' }]);
    expect(cool.Summary.ColData).toEqual([{ value: 'Total for Cool Cars' }, { value: '5.00' }]);
  });

  it('lists a voided invoice at .00 (or leaves it out by setting) and never a deleted one', async () => {
    const voided = await invoice(BILL, { TxnDate: '2026-03-02' });
    const deleted = await invoice(BILL, { TxnDate: '2026-03-03' });
    await post('/invoice?operation=void', { Id: voided.Id, SyncToken: voided.SyncToken });
    await post('/invoice?operation=delete', { Id: deleted.Id, SyncToken: deleted.SyncToken });
    const window = { start_date: '2026-03-01', end_date: '2026-03-31', columns: LIST_COLUMNS };
    const rows = rowsOf(await okReport('TransactionList', window));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      txn_type: { value: 'Invoice', id: voided.Id },
      memo: { value: 'Voided' },
      subt_nat_amount: { value: '.00' },
      tax_amount: { value: '.00' },
      nat_open_bal: { value: '.00' },
    });
    t.sandbox.control.updateSettings({ reports: { voidedTransactions: 'exclude' } });
    expect(rowsOf(await okReport('TransactionList', window))).toEqual([]);
  });

  it('ends a report past reports.maxCells with the "Unable to display more data" row, still 200', async () => {
    for (let i = 0; i < 5; i++) await invoice(BILL, { TxnDate: '2026-03-02' });
    const params = { start_date: '2026-03-01', end_date: '2026-03-31', columns: 'txn_type,subt_nat_amount' };
    expect((await okReport('TransactionList', params)).Rows.Row).toHaveLength(5);

    t.sandbox.control.updateSettings({ reports: { maxCells: 6 } });
    const json = await okReport('TransactionList', params);
    expect(json.Rows.Row).toHaveLength(4);
    expect(json.Rows.Row.slice(0, 3).every((row: Json) => row.ColData[0].value === 'Invoice')).toBe(true);
    expect(json.Rows.Row[3]).toEqual({ ColData: [{ value: TRUNCATED }, { value: '' }], type: 'Data' });
  });

  it('refuses a window longer than reports.maxWindowMonths with a 400 fault; no limit by default', async () => {
    const params = { start_date: '2026-01-01', end_date: '2026-07-01' };
    expect((await report('TransactionList', params)).status).toBe(200);
    t.sandbox.control.updateSettings({ reports: { maxWindowMonths: 6 } });
    expect((await report('TransactionList', { ...params, end_date: '2026-06-30' })).status).toBe(200);
    const refused = await report('TransactionList', params);
    expect(refused.status).toBe(400);
    expect(refused.json.Fault).toMatchObject({ type: 'ValidationFault', Error: [{ code: '2010' }] });
    expect(refused.json.Fault.Error[0].Detail).toContain('Please reduce the date range');
  });
});

describe('report totals agree with the entities to the cent', () => {
  it('amounts, tax and open balances after payments and credit memos', async () => {
    const taxed = (amount: number) => salesLine(amount, '3', { TaxCodeRef: { value: 'TAX' } });
    const a = await invoice(BILL, {
      TxnDate: '2026-03-02',
      Line: [taxed(123.45), taxed(0.07), salesLine(19.99)],
      TxnTaxDetail: { TxnTaxCodeRef: { value: '3' } },
    });
    const b = await invoice(COOL_CARS, {
      TxnDate: '2026-03-03',
      Line: [taxed(1001.01)],
      TxnTaxDetail: { TxnTaxCodeRef: { value: '4' } },
    });
    const c = await invoice(BILL, {
      TxnDate: '2026-03-04',
      Line: [taxed(77.77)],
      TxnTaxDetail: { TxnTaxCodeRef: { value: '2' }, TotalTax: 5.55 },
    });
    await invoice(COOL_CARS, { TxnDate: '2026-03-05', Line: [salesLine(33.33)] });
    // A partial payment, a credit memo applied through a zero payment, and a payment left unapplied.
    await post('/payment', {
      CustomerRef: { value: BILL },
      TxnDate: '2026-03-06',
      TotalAmt: 50.01,
      Line: [link(50.01, a.Id, 'Invoice')],
    });
    const cm = (
      await post('/creditmemo', {
        CustomerRef: { value: BILL },
        TxnDate: '2026-03-07',
        Line: [salesLine(12.34)],
      })
    ).CreditMemo;
    await post('/payment', {
      CustomerRef: { value: BILL },
      TxnDate: '2026-03-08',
      TotalAmt: 0,
      Line: [link(10, c.Id, 'Invoice'), link(10, cm.Id, 'CreditMemo')],
    });
    await post('/payment', { CustomerRef: { value: COOL_CARS }, TxnDate: '2026-03-09', TotalAmt: 15.5 });
    await post('/payment', {
      CustomerRef: { value: COOL_CARS },
      TxnDate: '2026-03-10',
      TotalAmt: 1000,
      Line: [link(1000, b.Id, 'Invoice')],
    });

    const invoices: Json[] = (await t.qbo.query('select * from Invoice')).json.QueryResponse.Invoice;
    const json = await okReport('TransactionList', {
      start_date: '2026-03-01',
      end_date: '2026-03-31',
      transaction_type: 'Invoice',
      columns: 'txn_type,subt_nat_amount,tax_amount,nat_open_bal',
    });
    const rows = rowsOf(json);
    expect(rows).toHaveLength(invoices.length);
    for (const inv of invoices) {
      const row = rows.find((r) => r.txn_type?.id === inv.Id);
      expect(row && cents(row.subt_nat_amount?.value ?? '')).toBe(toCents(inv.TotalAmt));
      expect(row && cents(row.tax_amount?.value ?? '')).toBe(toCents(inv.TxnTaxDetail.TotalTax));
      expect(row && cents(row.nat_open_bal?.value ?? '')).toBe(toCents(inv.Balance));
    }
    expect(sumCents(rows.map((r) => cents(r.subt_nat_amount?.value ?? '')))).toBe(
      sumCents(invoices.map((inv) => toCents(inv.TotalAmt))),
    );
    expect(sumCents(rows.map((r) => cents(r.nat_open_bal?.value ?? '')))).toBe(
      sumCents(invoices.map((inv) => toCents(inv.Balance))),
    );

    // A/R: open invoices less unapplied payments and remaining credit = what the customers owe.
    const aging = await okReport('AgedReceivableDetail', { report_date: '2026-03-15' });
    const total = aging.Rows.Row.at(-1);
    expect(total.Header).toBeUndefined();
    expect(total.Summary.ColData[0].value).toBe('TOTAL');
    const openIdx = keys(aging).indexOf('subt_open_bal');
    const customers = [BILL, COOL_CARS].map(
      async (id) => (await t.qbo.get(`/customer/${id}`)).json.Customer.Balance,
    );
    const owed = sumCents((await Promise.all(customers)).map(toCents));
    expect(cents(total.Summary.ColData[openIdx].value)).toBe(owed);
    const detailSum = sumCents(rowsOf(aging).map((r) => cents(r.subt_open_bal?.value ?? '')));
    expect(detailSum).toBe(owed);
  });
});

describe('AgedReceivableDetail', () => {
  async function agingFixture() {
    const current = await invoice(BILL, {
      TxnDate: '2026-03-10',
      DueDate: '2026-03-20',
      Line: [salesLine(100)],
    });
    const late14 = await invoice(BILL, {
      TxnDate: '2026-02-01',
      DueDate: '2026-03-01',
      Line: [salesLine(200)],
    });
    const late44 = await invoice(COOL_CARS, {
      TxnDate: '2026-01-01',
      DueDate: '2026-01-30',
      Line: [salesLine(300)],
    });
    const late104 = await invoice(BILL, {
      TxnDate: '2025-11-01',
      DueDate: '2025-12-01',
      Line: [salesLine(400)],
    });
    const paid = await invoice(BILL, { TxnDate: '2026-01-05', DueDate: '2026-02-04', Line: [salesLine(60)] });
    await post('/payment', {
      CustomerRef: { value: BILL },
      TxnDate: '2026-03-01',
      TotalAmt: 60,
      Line: [link(60, paid.Id, 'Invoice')],
    });
    const unapplied = (
      await post('/payment', { CustomerRef: { value: BILL }, TxnDate: '2026-03-10', TotalAmt: 25 })
    ).Payment;
    const credit = (
      await post('/creditmemo', {
        CustomerRef: { value: COOL_CARS },
        TxnDate: '2026-03-15',
        Line: [salesLine(40)],
      })
    ).CreditMemo;
    return { current, late14, late44, late104, paid, unapplied, credit };
  }

  const labels = (json: Json) =>
    json.Rows.Row.map(
      (section: Json) => section.Header?.ColData[0].value ?? section.Summary.ColData[0].value,
    );

  it('one Section per non-empty bucket, oldest first, each with a Summary, then the TOTAL', async () => {
    const f = await agingFixture();
    const json = await okReport('AgedReceivableDetail', {});
    expect(json.Header).toMatchObject({
      ReportName: 'AgedReceivableDetail',
      EndPeriod: '2026-03-15',
      Currency: 'USD',
      Option: [
        { Name: 'report_date', Value: '2026-03-15' },
        { Name: 'NoReportData', Value: 'false' },
      ],
    });
    expect(keys(json)).toEqual([
      'tx_date',
      'txn_type',
      'doc_num',
      'cust_name',
      'due_date',
      'subt_amount',
      'subt_open_bal',
    ]);
    expect(labels(json)).toEqual([
      '91 or more days past due',
      '31 - 60 days past due',
      '1 - 30 days past due',
      'Current',
      'TOTAL',
    ]);
    const ids = (section: Json) => section.Rows.Row.map((row: Json) => row.ColData[1].id);
    const [over90, days31, days1, current, total] = json.Rows.Row;
    expect(ids(over90)).toEqual([f.late104.Id]);
    expect(ids(days31)).toEqual([f.late44.Id]);
    // The unapplied payment ages from its date (5 days); the paid invoice is gone.
    expect(ids(days1)).toEqual([f.late14.Id, f.unapplied.Id]);
    expect(ids(current)).toEqual([f.current.Id, f.credit.Id]);
    expect(days1.Rows.Row[1].ColData).toEqual([
      { value: '2026-03-10' },
      { value: 'Payment', id: f.unapplied.Id },
      { value: '' },
      { value: "Bill's Windsurf Shop", id: BILL },
      { value: '0-00-00' },
      { value: '-25.00' },
      { value: '-25.00' },
    ]);
    expect(current.Rows.Row[1].ColData[1]).toEqual({ value: 'Credit Memo', id: f.credit.Id });
    expect(current.Rows.Row[1].ColData[6]).toEqual({ value: '-40.00' });
    expect(days1.Summary.ColData).toEqual([
      { value: 'Total for 1 - 30 days past due' },
      ...Array(4).fill({ value: '' }),
      { value: '175.00' },
      { value: '175.00' },
    ]);
    expect(total).toEqual({
      Summary: {
        ColData: [
          { value: 'TOTAL' },
          ...Array(4).fill({ value: '' }),
          { value: '935.00' },
          { value: '935.00' },
        ],
      },
      type: 'Section',
    });
  });

  it('report_date ages as of that day and ignores later transactions and payments', async () => {
    const f = await agingFixture();
    const json = await okReport('AgedReceivableDetail', { report_date: '2026-02-15' });
    expect(json.Header.EndPeriod).toBe('2026-02-15');
    const rows = rowsOf(json);
    expect(rows.map((r) => r.txn_type?.id)).toEqual([f.late104.Id, f.late44.Id, f.paid.Id, f.late14.Id]);
    // Paid on 2026-03-01: still open on 2026-02-15, 11 days past due.
    expect(labels(json)).toEqual(['61 - 90 days past due', '1 - 30 days past due', 'Current', 'TOTAL']);
    const asOfToday = await okReport('AgedReceivableDetail', {
      report_date: '2026-02-15',
      aging_method: 'Current',
    });
    expect(labels(asOfToday)[0]).toBe('91 or more days past due');
  });

  it('aging_period, num_periods, past_due, customer and columns shape the buckets and rows', async () => {
    const f = await agingFixture();
    const custom = await okReport('AgedReceivableDetail', { aging_period: '15', num_periods: '2' });
    expect(labels(custom)).toEqual(['16 or more days past due', '1 - 15 days past due', 'Current', 'TOTAL']);

    const overdue = await okReport('AgedReceivableDetail', { past_due: '31' });
    expect(rowsOf(overdue).map((r) => r.txn_type?.id)).toEqual([f.late104.Id, f.late44.Id]);

    const cool = await okReport('AgedReceivableDetail', {
      customer: COOL_CARS,
      columns: 'txn_type,cust_name,subt_open_bal,past_due',
    });
    expect(keys(cool)).toEqual(['txn_type', 'cust_name', 'subt_open_bal', 'past_due']);
    expect(cool.Header.Customer).toBe(COOL_CARS);
    expect(rowsOf(cool)).toEqual([
      {
        txn_type: { value: 'Invoice', id: f.late44.Id },
        cust_name: { value: 'Cool Cars', id: COOL_CARS },
        subt_open_bal: { value: '300.00' },
        past_due: { value: '44' },
      },
      {
        txn_type: { value: 'Credit Memo', id: f.credit.Id },
        cust_name: { value: 'Cool Cars', id: COOL_CARS },
        subt_open_bal: { value: '-40.00' },
        past_due: { value: '0' },
      },
    ]);
  });

  it('cuts a section short at the cell cap: no Summary, no TOTAL, the truncation row last', async () => {
    await agingFixture();
    t.sandbox.control.updateSettings({ reports: { maxCells: 4 * 2 } });
    const json = await okReport('AgedReceivableDetail', { columns: 'txn_type,subt_open_bal' });
    // 91+ header, row, summary (6 cells), then the 31-60 header (8): its row does not fit.
    expect(labels(json)).toEqual(['91 or more days past due', '31 - 60 days past due']);
    const last = json.Rows.Row.at(-1);
    expect(last.Summary).toBeUndefined();
    expect(last.Rows.Row).toEqual([{ ColData: [{ value: TRUNCATED }, { value: '' }], type: 'Data' }]);
  });

  it('an empty A/R says NoReportData with Rows {}', async () => {
    const json = await okReport('AgedReceivableDetail', {});
    expect(json.Header.Option.at(-1)).toEqual({ Name: 'NoReportData', Value: 'true' });
    expect(json.Rows).toEqual({});
  });
});

describe('the reports endpoint', () => {
  it('answers an unknown or wrongly cased report name with a 400 fault', async () => {
    for (const name of ['NoSuchReport', 'transactionlist']) {
      const response = await report(name);
      expect(response.status).toBe(400);
      expect(response.json.Fault.Error[0]).toMatchObject({ code: '10000' });
      expect(response.json.Fault.Error[0].Detail).toContain(`/reports/${name}`);
    }
  });

  it('is logged as operation `report` and takes injected faults by that operation', async () => {
    t.sandbox.control.injectFault({
      match: { operation: 'report' },
      action: { type: 'status', status: 503 },
    });
    expect((await t.qbo.get('/companyinfo/9341455130166501')).status).toBe(200);
    expect((await report('TransactionList')).status).toBe(503);
    expect((await report('TransactionList')).status).toBe(200);
    const logged = t.sandbox.control.requests().filter((entry) => entry.path.includes('/reports/'));
    expect(logged.map((entry) => [entry.operation, entry.status])).toEqual([
      ['report', 503],
      ['report', 200],
    ]);
  });

  it('counts against the per-minute limit like a read', async () => {
    t.sandbox.control.updateSettings({ limits: { perMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await report('AgedReceivableDetail')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('takes its settings through the control surface', async () => {
    const response = await control(t.sandbox, 'PATCH', '/settings', {
      reports: { maxCells: 10, zeroMoney: '0.00' },
    });
    expect(response.status).toBe(200);
    expect(response.json.reports).toMatchObject({ maxCells: 10, zeroMoney: '0.00', maxWindowMonths: null });
    const wrong = await control(t.sandbox, 'PATCH', '/settings', { reports: { maxCells: 'many' } });
    expect(wrong.status).toBe(400);
  });
});
