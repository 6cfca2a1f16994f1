import { beforeAll, describe, expect, it } from '@jest/globals';
import { salesLine, useSandbox } from './helpers.js';

const t = useSandbox({ resetEachTest: false });

beforeAll(async () => {
  for (const [customer, amount, date] of [
    ['1', 100, '2026-02-01'],
    ['1', 250, '2026-02-10'],
    ['2', 40, '2026-03-05'],
  ] as const) {
    await t.qbo.post('/invoice', {
      CustomerRef: { value: customer },
      TxnDate: date,
      Line: [salesLine(amount)],
    });
  }
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const rows = (response: { json: any }, entity: string) => response.json.QueryResponse[entity] ?? [];

describe('query language', () => {
  it('finds a customer by DisplayName with a backslash-escaped quote', async () => {
    const response = await t.qbo.query("select * from Customer where DisplayName = 'Amy\\'s Bird Sanctuary'");
    expect(rows(response, 'Customer').map((c: { Id: string }) => c.Id)).toEqual(['1']);
    expect(response.json.QueryResponse).toMatchObject({ startPosition: 1, maxResults: 1 });
    expect(response.json.QueryResponse.totalCount).toBeUndefined();
  });

  it('also accepts POST with the statement as application/text', async () => {
    const response = await t.qbo.request('POST', '/query', "SELECT * FROM Item WHERE Name = 'Design'", {
      'content-type': 'application/text',
    });
    expect(rows(response, 'Item')[0].Name).toBe('Design');
  });

  it('supports =, <, >, IN, LIKE and AND on nested and reference fields', async () => {
    // Invoice.TotalAmt is not filterable (query-strictness.test.ts); Balance is, and equals it while unpaid.
    const byRef = await t.qbo.query("select * from Invoice where CustomerRef = '1' and Balance > '150'");
    expect(rows(byRef, 'Invoice').map((i: { TotalAmt: number }) => i.TotalAmt)).toEqual([250]);
    const byDate = await t.qbo.query("select * from Invoice where TxnDate < '2026-03-01'");
    expect(rows(byDate, 'Invoice')).toHaveLength(2);
    const byIn = await t.qbo.query("select * from Customer where Id in ('1', '3', '999')");
    expect(rows(byIn, 'Customer').map((c: { Id: string }) => c.Id)).toEqual(['1', '3']);
    const like = await t.qbo.query("select * from Customer where DisplayName like 'Bill%'");
    expect(rows(like, 'Customer')[0].DisplayName).toBe("Bill's Windsurf Shop");
    const contains = await t.qbo.query("select * from Customer where DisplayName like '%sporting%'");
    expect(rows(contains, 'Customer')).toHaveLength(1);
    const meta = await t.qbo.query("select * from Invoice where MetaData.LastUpdatedTime > '2026-01-01'");
    expect(rows(meta, 'Invoice')).toHaveLength(3);
    const byDoc = await t.qbo.query("select * from Invoice where DocNumber = '1002'");
    expect(rows(byDoc, 'Invoice')[0].TotalAmt).toBe(250);
  });

  it('counts with COUNT(*) and returns totalCount only there', async () => {
    const response = await t.qbo.query("select count(*) from Invoice where CustomerRef = '1'");
    expect(response.json.QueryResponse).toEqual({ totalCount: 2 });
  });

  it('orders and pages with ORDERBY, STARTPOSITION (1-based) and MAXRESULTS', async () => {
    const ordered = await t.qbo.query('select * from Invoice orderby TotalAmt desc');
    expect(rows(ordered, 'Invoice').map((i: { TotalAmt: number }) => i.TotalAmt)).toEqual([250, 100, 40]);
    const page = await t.qbo.query('select * from Customer orderby DisplayName startposition 3 maxresults 2');
    expect(page.json.QueryResponse).toMatchObject({ startPosition: 3, maxResults: 2 });
    expect(rows(page, 'Customer').map((c: { DisplayName: string }) => c.DisplayName)).toEqual([
      "Amy's Bird Sanctuary",
      'Barnett Design',
    ]);
  });

  it('defaults to 100 rows and caps MAXRESULTS at 1000', async () => {
    const all = await t.qbo.query('select * from Account');
    expect(all.json.QueryResponse.maxResults).toBeLessThanOrEqual(100);
    const capped = await t.qbo.query('select * from Account maxresults 5000');
    expect(capped.status).toBe(200);
    t.sandbox.control.updateSettings({ query: { overMaxResults: 'error' } });
    expect((await t.qbo.query('select * from Account maxresults 5000')).status).toBe(400);
    t.sandbox.control.updateSettings({ query: { overMaxResults: 'cap' } });
  });

  it('answers no match with an empty QueryResponse', async () => {
    const response = await t.qbo.query("select * from Customer where DisplayName = 'Nobody Here'");
    expect(response.json.QueryResponse).toEqual({});
  });

  it('returns only active name-list records unless Active is mentioned', async () => {
    const created = (await t.qbo.post('/customer', { DisplayName: 'Gone Fishing' })).json.Customer;
    await t.qbo.post('/customer', { Id: created.Id, SyncToken: '0', sparse: true, Active: false });
    const hidden = await t.qbo.query("select * from Customer where DisplayName = 'Gone Fishing'");
    expect(hidden.json.QueryResponse).toEqual({});
    const shown = await t.qbo.query(
      "select * from Customer where DisplayName = 'Gone Fishing' and Active = false",
    );
    expect(rows(shown, 'Customer')).toHaveLength(1);
    const both = await t.qbo.query(
      "select * from Customer where Active in (true, false) and DisplayName = 'Gone Fishing'",
    );
    expect(rows(both, 'Customer')).toHaveLength(1);
  });

  it.each([
    [
      "select * from Customer where DisplayName = 'Amy's Bird Sanctuary'",
      'unescaped quote',
      /^QueryParserError: Encountered " <IDENTIFIER> "s "" at line 1, column 49\.\nWas expecting one of:/,
    ],
    [
      'select * from Customer where DisplayName = ’Amy’',
      'curly quote outside a string',
      /^QueryParserError: Invalid content\. Lexical error at line 1, column 44\. {2}Encountered: "\\u2019" \(8217\), after : ""$/,
    ],
    [
      "select * from Customer where DisplayName = 'a' or Id = '1'",
      'OR',
      /^QueryParserError: Encountered " <OR> /,
    ],
    [
      'select Id from Customer',
      'projection',
      /^QueryParserError: Encountered " <IDENTIFIER> "Id "" at line 1/,
    ],
    [
      "select * from Customer where DisplayName = 'open",
      'unterminated string',
      /^QueryParserError: Invalid content\. Lexical error at line 1, column 49\. {2}Encountered: <EOF> after : "\\'open"$/,
    ],
    [
      'select * from Nonsense',
      'unknown entity',
      /^QueryParserError: Invalid context declaration : Nonsense$/,
    ],
    [
      'delete from Customer',
      'not a select',
      /^QueryParserError: Encountered " <IDENTIFIER> "delete "" at line 1/,
    ],
  ])('rejects %s (%s) with code 4000', async (sql, _why, detail) => {
    const response = await t.qbo.query(sql);
    expect(response.status).toBe(400);
    expect(response.json.Fault.Error[0]).toMatchObject({ code: '4000', Message: 'Error parsing query' });
    expect(response.json.Fault.Error[0].Detail).toMatch(detail);
  });
});
