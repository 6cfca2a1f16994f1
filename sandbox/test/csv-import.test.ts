import { describe, expect, it } from '@jest/globals';
import { control, GB_REALM, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox({ realmId: GB_REALM });

const HEADER =
  'Invoice number,Customer,Invoice date,Due date,Terms,Memo,Item (Product/Service),Item Description,Item Quantity,Item Rate,Item Amount,Item tax code,Service Date';

function importFile(body: Record<string, unknown>, realmId = GB_REALM) {
  return control(t.sandbox, 'POST', `/realms/${realmId}/import`, body);
}

const customersCsv = (...rows: string[]) =>
  ['Name,Email,Phone,Street,City,State,ZIP code,Country', ...rows].join('\r\n');

describe('the import wizard (CSV import control)', () => {
  it('creates customers, refusing names and fields QuickBooks refuses, each row on its own', async () => {
    const response = await importFile({
      kind: 'customers',
      csv: customersCsv(
        'Amy Pond,amy@example.com,020 7946 0000,1 High St,Leadworth,,GL1 1AA,GB',
        '"Smith: The Plumbers",,,,,,,',
        `${'x'.repeat(101)},,,,,,,`,
        'Rory,,+44 (0) 20 7946 0000 ext. 1234,,,,,',
        'amy pond,,,,,,,',
        'River Song,river song@example.com,,,,,,',
        'Clara,clara@localhost,,,,,,',
        `Donna,,,,${'L'.repeat(256)},,,`,
        `Martha,,,${'S'.repeat(2001)},,,,`,
      ),
    });
    expect(response.status).toBe(200);
    expect(response.json.created).toEqual([{ entity: 'Customer', id: expect.any(String), name: 'Amy Pond' }]);
    expect(response.json.errors).toEqual([
      { rows: [2], message: 'Name cannot include a tab, newline, colon or quotation mark' },
      { rows: [3], message: 'Name is longer than 100 characters' },
      { rows: [4], message: 'Phone is longer than 21 characters' },
      // Names are unique however they are cased: the API's own duplicate-name check (6240).
      { rows: [5], message: expect.stringMatching(/^6240: /) },
      { rows: [6], message: 'Email cannot contain spaces, and must contain an @ and a period' },
      { rows: [7], message: 'Email cannot contain spaces, and must contain an @ and a period' },
      { rows: [8], message: 'City is longer than 255 characters' },
      { rows: [9], message: 'Street is longer than 2000 characters' },
    ]);
    const amy = t.sandbox.control.getEntity(GB_REALM, 'Customer', response.json.created[0].id);
    expect(amy).toMatchObject({
      DisplayName: 'Amy Pond',
      PrimaryEmailAddr: { Address: 'amy@example.com' },
      BillAddr: { Line1: '1 High St', City: 'Leadworth', PostalCode: 'GL1 1AA', Country: 'GB' },
    });
  });

  it('creates invoices from their rows with the chosen date format, inclusive of tax, and reports the rest', async () => {
    t.sandbox.control.setCompanyPreferences(GB_REALM, { customTxnNumbers: true });
    await importFile({ kind: 'customers', csv: customersCsv('Amy Pond,,,,,,,') });
    const csv = [
      HEADER,
      // 1.23 gross at 20 %: 1.03 before tax (half up), VAT 0.20.
      "INV-1,Amy Pond,03/11/2026,03/12/2026,,Thanks,Soil,'=Fuse,1,1.23,1.23,20.0% S,",
      'INV-1,Amy Pond,03/11/2026,03/12/2026,,Thanks,Hours,Labour,3,9.99,29.97,20.0% S,',
      'INV-2,Nobody,03/11/2026,03/12/2026,,,Hours,Labour,1,10,10.00,20.0% S,',
      'INV-3,Amy Pond,11/31/2026,03/12/2026,,,Hours,Labour,1,10,10.00,20.0% S,',
      'INV-4,Amy Pond,03/11/2026,03/12/2026,,,Hours,Refund,1,-10,-10.00,20.0% S,',
      'INV-5,Amy Pond,03/11/2026,03/12/2026,,,Widgets,Thing,1,10,10.00,20.0% S,',
    ].join('\r\n');
    const exclusive = await importFile({
      kind: 'invoices',
      csv: [HEADER, 'INV-6,Amy Pond,03/11/2026,03/12/2026,,,Hours,Labour,2,ten,20.00,20.0% S,'].join('\r\n'),
      dateFormat: 'DD_MM_YYYY',
    });
    expect(exclusive.json.errors).toEqual([
      { rows: [1], invoiceNumber: 'INV-6', message: 'Item Rate "ten" is not a number' },
    ]);
    const response = await importFile({
      kind: 'invoices',
      csv,
      dateFormat: 'DD_MM_YYYY',
      taxMode: 'INCLUSIVE',
    });
    expect(response.status).toBe(200);
    expect(response.json.created).toEqual([{ entity: 'Invoice', id: expect.any(String), name: 'INV-1' }]);
    expect(response.json.errors).toEqual([
      { rows: [3], invoiceNumber: 'INV-2', message: 'no customer named "Nobody"' },
      { rows: [4], invoiceNumber: 'INV-3', message: expect.stringContaining('the dates are not DD/MM/YYYY') },
      { rows: [5], invoiceNumber: 'INV-4', message: 'Item Amount cannot be negative' },
      { rows: [6], invoiceNumber: 'INV-5', message: 'no product or service named "Widgets"' },
    ]);
    const invoice = t.sandbox.control.getEntity(GB_REALM, 'Invoice', response.json.created[0].id) as Record<
      string,
      unknown
    > & {
      Line: { Amount: number; Description?: string; SalesItemLineDetail?: { TaxInclusiveAmt?: number } }[];
    };
    expect(invoice).toMatchObject({
      DocNumber: 'INV-1',
      TxnDate: '2026-11-03',
      DueDate: '2026-12-03',
      GlobalTaxCalculation: 'TaxInclusive',
      TotalAmt: 31.2,
      TxnTaxDetail: { TotalTax: 5.19 },
    });
    const sales = invoice.Line.filter((line) => line.SalesItemLineDetail);
    expect(sales.map((line) => [line.Amount, line.SalesItemLineDetail?.TaxInclusiveAmt])).toEqual([
      [1.03, 1.23],
      [24.98, 29.97],
    ]);
    // The spreadsheet-safety quote is the writer's, not part of the description.
    expect(sales[0]!.Description).toBe('=Fuse');
  });

  it('without custom transaction numbers QuickBooks numbers the invoices itself', async () => {
    t.sandbox.control.setCompanyPreferences(GB_REALM, { customTxnNumbers: false });
    await importFile({ kind: 'customers', csv: customersCsv('Amy Pond,,,,,,,') });
    const response = await importFile({
      kind: 'invoices',
      csv: [HEADER, 'INV-9,Amy Pond,2026-11-03,2026-12-03,,,Hours,Labour,1,10,10.00,20.0% S,'].join('\n'),
      dateFormat: 'YYYY_MM_DD',
    });
    expect(response.json.errors).toEqual([]);
    expect(response.json.created[0].name).not.toBe('INV-9');
  });

  it("a US file: a taxable line names the sales tax rate, which becomes the invoice's; two rates are refused", async () => {
    t.sandbox.control.setCompanyPreferences(US_REALM, { customTxnNumbers: true });
    await importFile({ kind: 'customers', csv: customersCsv('Amy Pond,,,,,,,') }, US_REALM);
    const response = await importFile(
      {
        kind: 'invoices',
        csv: [
          HEADER,
          'US-1,Amy Pond,11/03/2026,12/03/2026,,,Hours,Labour,3,33.33,99.99,San Pablo,',
          'US-1,Amy Pond,11/03/2026,12/03/2026,,,Hours,Travel,1,10,10.00,NON,',
          'US-2,Amy Pond,11/03/2026,12/03/2026,,,Hours,Labour,1,10,10.00,San Pablo,',
          'US-2,Amy Pond,11/03/2026,12/03/2026,,,Hours,Labour,1,10,10.00,Tucson,',
          'US-3,Amy Pond,11/03/2026,12/03/2026,,,Hours,Labour,1,10,10.00,Nowhere,',
        ].join('\n'),
      },
      US_REALM,
    );
    expect(response.json.errors).toEqual([
      { rows: [3, 4], invoiceNumber: 'US-2', message: 'an invoice takes one sales tax rate' },
      { rows: [5], invoiceNumber: 'US-3', message: 'no sales tax rate named "Nowhere"' },
    ]);
    const invoice = t.sandbox.control.getEntity(US_REALM, 'Invoice', response.json.created[0].id) as {
      Line: { DetailType: string; SalesItemLineDetail?: { TaxCodeRef?: { value: string } } }[];
      TxnTaxDetail: { TxnTaxCodeRef: { value: string }; TotalTax: number };
      TotalAmt: number;
    };
    const sales = invoice.Line.filter((line) => line.DetailType === 'SalesItemLineDetail');
    expect(sales.map((line) => line.SalesItemLineDetail?.TaxCodeRef?.value)).toEqual(['TAX', 'NON']);
    // San Pablo (tax code 3): California 7.25 % + San Pablo City 1 % of the taxable 99.99.
    expect(invoice.TxnTaxDetail.TxnTaxCodeRef.value).toBe('3');
    expect(invoice.TxnTaxDetail.TotalTax).toBe(8.25);
    expect(invoice.TotalAmt).toBe(118.24);
  });

  it('takes a customer file larger than an invoice file may be (lists are allowed 2 MB)', async () => {
    // 200 customers with streets of 2,000 characters: about 400 KB.
    const csv = customersCsv(
      ...Array.from({ length: 200 }, (_, i) => `Listed ${i},,,${'s'.repeat(2000)},,,,`),
    );
    expect(Buffer.byteLength(csv)).toBeGreaterThan(350_000);
    const response = await importFile({ kind: 'customers', csv });
    expect(response.status).toBe(200);
    expect(response.json.errors).toEqual([]);
    expect(response.json.created).toHaveLength(200);
  });

  it('refuses a whole file it cannot read: missing columns, too many invoices, too many bytes, inclusive tax in the US', async () => {
    const missing = await importFile({ kind: 'invoices', csv: 'Invoice number,Customer\r\nINV-1,Amy' });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.json)).toContain(
      'required columns missing: Invoice date, Due date, Item Amount',
    );
    const many = [
      HEADER,
      ...Array.from(
        { length: 101 },
        (_, i) => `N-${i},Amy Pond,03/11/2026,03/12/2026,,,Hours,L,1,1,1.00,20.0% S,`,
      ),
    ];
    const tooMany = await importFile({ kind: 'invoices', csv: many.join('\n'), dateFormat: 'DD_MM_YYYY' });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.json)).toContain('the import takes 100');
    // Over 2 MB within the row limit and Intuit's field limits: 600 customers, streets of 2,000 two-byte characters.
    const large = customersCsv(
      ...Array.from({ length: 600 }, (_, i) => `Customer ${i},,,${'é'.repeat(2000)},,,,`),
    );
    const tooLarge = await importFile({ kind: 'customers', csv: large });
    expect(tooLarge.status).toBe(400);
    expect(JSON.stringify(tooLarge.json)).toContain('the customers import takes 2000000');
    const names = t.sandbox.control.listEntities(GB_REALM, 'Customer').map((doc) => doc.DisplayName);
    expect(names).not.toContain('Customer 0');
    // An invoice file is a transaction file: 350 KB. One invoice of 100 rows with 3,600-character descriptions.
    const bulky = [
      HEADER,
      ...Array.from(
        { length: 100 },
        () => `N-BULKY,Amy Pond,03/11/2026,03/12/2026,,,Hours,${'d'.repeat(3600)},1,1,1.00,20.0% S,`,
      ),
    ].join('\r\n');
    expect(Buffer.byteLength(bulky)).toBeGreaterThan(350_000);
    const tooBulky = await importFile({ kind: 'invoices', csv: bulky, dateFormat: 'DD_MM_YYYY' });
    expect(tooBulky.status).toBe(400);
    expect(JSON.stringify(tooBulky.json)).toContain('the invoices import takes 350000');
    const numbers = t.sandbox.control.listEntities(GB_REALM, 'Invoice').map((doc) => doc.DocNumber);
    expect(numbers).not.toContain('N-BULKY');
    const us = await importFile({ kind: 'invoices', csv: HEADER, taxMode: 'INCLUSIVE' }, US_REALM);
    expect(us.status).toBe(400);
    expect(JSON.stringify(us.json)).toContain('US companies have no tax-inclusive amounts');
  });
});
