import { describe, expect, it } from '@jest/globals';
import { parseReport, reportDate, reportMoney } from '../../../src/quickbooks/reports.js';

describe('parseReport', () => {
  it('reads columns by ColKey and flattens grouped sections (TransactionList grouped by customer)', () => {
    const report = parseReport({
      Header: {
        ReportName: 'TransactionList',
        Option: [{ Name: 'NoReportData', Value: 'false' }],
        StartPeriod: '2016-06-01',
        EndPeriod: '2016-07-31',
        Currency: 'USD',
      },
      Columns: {
        Column: [
          { ColTitle: 'Date', ColType: 'Date', MetaData: [{ Name: 'ColKey', Value: 'tx_date' }] },
          {
            ColTitle: 'Transaction Type',
            ColType: 'String',
            MetaData: [{ Name: 'ColKey', Value: 'txn_type' }],
          },
          { ColTitle: 'Num', ColType: 'String', MetaData: [{ Name: 'ColKey', Value: 'doc_num' }] },
          {
            ColTitle: 'Open Balance',
            ColType: 'Money',
            MetaData: [{ Name: 'ColKey', Value: 'nat_open_bal' }],
          },
        ],
      },
      Rows: {
        Row: [
          {
            type: 'Section',
            Header: { ColData: [{ id: '1', value: "Amy's Bird Sanctuary" }] },
            Rows: {
              Row: [
                {
                  type: 'Data',
                  ColData: [
                    { value: '2016-06-14' },
                    { id: '151', value: 'Invoice' },
                    { value: '1040' },
                    { value: '.00' },
                  ],
                },
              ],
            },
            Summary: { ColData: [{ value: "Total for Amy's Bird Sanctuary" }, { value: '505.95' }] },
          },
        ],
      },
    });
    expect(report).toMatchObject({
      name: 'TransactionList',
      startPeriod: '2016-06-01',
      endPeriod: '2016-07-31',
      empty: false,
      truncated: false,
      columns: ['tx_date', 'txn_type', 'doc_num', 'nat_open_bal'],
    });
    expect(report.rows).toEqual([
      {
        sections: ["Amy's Bird Sanctuary"],
        cells: {
          tx_date: { value: '2016-06-14' },
          txn_type: { value: 'Invoice', id: '151' },
          doc_num: { value: '1040' },
          nat_open_bal: { value: '.00' },
        },
      },
    ]);
  });

  it("reads the 2016 form (key in ColType), an empty report, and QuickBooks' truncation row", () => {
    const old = parseReport({
      Header: { Option: [{ Name: 'NoReportData', Value: 'true' }] },
      Columns: { Column: [{ ColType: 'tx_date', ColTitle: 'Date' }] },
      Rows: {},
    });
    expect(old).toMatchObject({ empty: true, columns: ['tx_date'], rows: [] });
    const cut = parseReport({
      Columns: { Column: [{ ColType: 'Date', MetaData: [{ Name: 'ColKey', Value: 'tx_date' }] }] },
      Rows: {
        Row: [
          { type: 'Data', ColData: [{ value: '2026-01-02' }] },
          {
            type: 'Data',
            ColData: [{ value: 'Unable to display more data. Please reduce the date range.' }],
          },
        ],
      },
    });
    expect(cut.truncated).toBe(true);
    expect(cut.rows).toHaveLength(1);
  });
});

describe('report cells', () => {
  it('money: ".00" is 0.00, blanks and separators are not guessed', () => {
    expect(reportMoney('.00')).toBe('0.00');
    expect(reportMoney('-12.50')).toBe('-12.50');
    expect(reportMoney('')).toBeNull();
    expect(reportMoney('1,234.00')).toBeNull();
  });
  it("dates: Intuit's 0-00-00 is no date", () => {
    expect(reportDate('2026-12-01')).toBe('2026-12-01');
    expect(reportDate('0-00-00')).toBeNull();
  });
});
