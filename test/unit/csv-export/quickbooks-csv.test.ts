import { describe, expect, it } from '@jest/globals';
import { Big } from 'big.js';
import { parse } from 'csv-parse/sync';
import {
  buildQuickBooksCsv,
  CsvExportInputError,
  DEFAULT_LIMITS,
  INVOICE_HEADERS,
  type CsvExportOptions,
} from '../../../src/services/csv-export/quickbooks-csv.js';
import { importNameFor } from '../../../src/services/csv-export/import-names.js';
import type { PlatformInvoice, PlatformInvoiceLine } from '../../../src/sync/platform-invoice.js';

const line = (overrides: Partial<PlatformInvoiceLine> = {}): PlatformInvoiceLine => ({
  id: 'l1',
  description: 'Boiler service',
  itemKind: 'SERVICE',
  serviceCode: null,
  quantity: '2',
  unitPrice: '60',
  taxRate: '20',
  amount: '120.00',
  taxAmount: '24.00',
  ...overrides,
});

let sequence = 0;
function invoice(overrides: Partial<PlatformInvoice> = {}): PlatformInvoice {
  sequence += 1;
  const lines = overrides.lines ?? [line()];
  const subtotal = lines.reduce((sum, l) => sum.plus(l.amount), new Big(0));
  const tax = lines.reduce((sum, l) => sum.plus(l.taxAmount), new Big(0));
  return {
    id: `inv-${sequence}`,
    tenantId: 'tenant-1',
    number: `INV-${1000 + sequence}`,
    status: 'FINALIZED',
    currency: 'GBP',
    issueDate: '2026-11-03',
    dueDate: '2026-12-03',
    billTo: { name: 'Amy Pond', email: 'amy@example.com', phone: '020 7946 0000' },
    lines,
    totals: { subtotal: subtotal.toFixed(2), tax: tax.toFixed(2), total: subtotal.plus(tax).toFixed(2) },
    memo: 'Thank you',
    version: 1,
    ...overrides,
  };
}

const UK: CsvExportOptions = { dateFormat: 'DD_MM_YYYY', taxMode: 'EXCLUSIVE', taxModel: 'NON_US' };
const MAPPED = new Map([
  ['ITEM_KIND:SERVICE', 'Servicing'],
  ['ITEM_KIND:LABOR', 'Hours'],
  ['TAX_RATE:0.2', '20.0% S'],
]);

const rowsOf = (content: string): Record<string, string>[] =>
  parse(content, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

const file = (result: ReturnType<typeof buildQuickBooksCsv>, name: string) =>
  result.files.find((candidate) => candidate.name === name);

describe('buildQuickBooksCsv', () => {
  it("writes one row per line under the wizard's headers, with the mapped names and the chosen date format", () => {
    const result = buildQuickBooksCsv({
      invoices: [
        invoice({
          lines: [
            line(),
            line({
              id: 'l2',
              description: 'Labour',
              itemKind: 'LABOR',
              quantity: '1.5',
              unitPrice: '45',
              amount: '67.50',
              taxAmount: '13.50',
            }),
          ],
        }),
      ],
      mappedNames: MAPPED,
      options: UK,
    });
    const invoices = file(result, 'invoices-01.csv')!;
    expect(invoices.content.split('\r\n')[0]).toBe(INVOICE_HEADERS.join(','));
    expect(rowsOf(invoices.content)).toEqual([
      expect.objectContaining({
        'Invoice number': expect.stringMatching(/^INV-/),
        Customer: 'Amy Pond',
        'Invoice date': '03/11/2026',
        'Due date': '03/12/2026',
        Memo: 'Thank you',
        'Item (Product/Service)': 'Servicing',
        'Item Quantity': '2',
        'Item Rate': '60',
        'Item Amount': '120.00',
        'Item tax code': '20.0% S',
      }),
      expect.objectContaining({
        'Item (Product/Service)': 'Hours',
        'Item Amount': '67.50',
        'Item Rate': '45',
      }),
    ]);
    expect(rowsOf(file(result, 'customers-01.csv')!.content)).toEqual([
      {
        Name: 'Amy Pond',
        Email: 'amy@example.com',
        Phone: '020 7946 0000',
        Street: '',
        City: '',
        State: '',
        'ZIP code': '',
        Country: '',
      },
    ]);
    expect(result.warnings).toEqual([]);
    expect(file(result, 'warnings.csv')).toBeUndefined();
    expect(result.counts).toEqual({ invoices: 1, lines: 2, customers: 1, invoiceFiles: 1 });
  });

  it("cleans names to QuickBooks' rules, keeps them unique and reports every change", () => {
    const result = buildQuickBooksCsv({
      invoices: [
        invoice({ billTo: { name: 'Smith: "The" Plumbers', email: 'a@example.com' } }),
        invoice({ billTo: { name: 'Smith  The  Plumbers', email: 'b@example.com' } }),
        // The same party again: the same customer, not a third.
        invoice({ billTo: { name: 'Smith: "The" Plumbers', email: 'A@example.com' } }),
      ],
      mappedNames: MAPPED,
      options: UK,
    });
    expect(rowsOf(file(result, 'customers-01.csv')!.content).map((row) => row.Name)).toEqual([
      'Smith The Plumbers',
      'Smith The Plumbers (2)',
    ]);
    expect(rowsOf(file(result, 'invoices-01.csv')!.content).map((row) => row.Customer)).toEqual([
      'Smith The Plumbers',
      'Smith The Plumbers (2)',
      'Smith The Plumbers',
    ]);
    expect(result.nameChanges).toEqual([
      {
        original: 'Smith: "The" Plumbers',
        written: 'Smith The Plumbers',
        reasons: ['a tab, newline, colon or quotation mark became a space'],
      },
      {
        original: 'Smith  The  Plumbers',
        written: 'Smith The Plumbers (2)',
        reasons: ['another customer already has this name'],
      },
    ]);
    expect(rowsOf(file(result, 'warnings.csv')!.content)).toHaveLength(2);
    const long = importNameFor('x'.repeat(150), 3);
    expect([...long.name]).toHaveLength(100);
    expect(long.name.endsWith(' (3)')).toBe(true);
  });

  it('escapes a cell a spreadsheet would run as a formula', () => {
    const result = buildQuickBooksCsv({
      invoices: [invoice({ lines: [line({ description: '=HYPERLINK("http://evil.example","Pay")' })] })],
      mappedNames: MAPPED,
      options: UK,
    });
    const [row] = rowsOf(file(result, 'invoices-01.csv')!.content);
    expect(row!['Item Description']).toBe('\'=HYPERLINK("http://evil.example","Pay")');
    // An international phone number is no formula: its "+" stays, or QuickBooks would import the quote.
    const phones = buildQuickBooksCsv({
      invoices: [
        invoice({ billTo: { name: 'Amy', phone: '+44 20 7946 0000' } }),
        invoice({ billTo: { name: 'Bob', phone: '+cmd|calc' } }),
      ],
      mappedNames: MAPPED,
      options: UK,
    });
    expect(rowsOf(file(phones, 'customers-01.csv')!.content).map((customer) => customer.Phone)).toEqual([
      '+44 20 7946 0000',
      "'+cmd|calc",
    ]);
  });

  it('splits files at the invoice and row limits, never inside an invoice', () => {
    const three = (n: number) =>
      invoice({ lines: [line({ id: `a${n}` }), line({ id: `b${n}` }), line({ id: `c${n}` })] });
    const byInvoices = buildQuickBooksCsv({
      invoices: [three(1), three(2), three(3)],
      mappedNames: MAPPED,
      options: { ...UK, limits: { ...DEFAULT_LIMITS, invoicesPerFile: 2 } },
    });
    expect(byInvoices.files.filter((f) => f.name.startsWith('invoices-')).map((f) => f.rows)).toEqual([6, 3]);
    const byRows = buildQuickBooksCsv({
      invoices: [three(4), three(5), three(6)],
      mappedNames: MAPPED,
      options: { ...UK, limits: { ...DEFAULT_LIMITS, rowsPerFile: 7 } },
    });
    const parts = byRows.files.filter((f) => f.name.startsWith('invoices-'));
    expect(parts.map((f) => f.name)).toEqual(['invoices-01.csv', 'invoices-02.csv']);
    expect(parts.map((f) => f.rows)).toEqual([6, 3]);
    for (const part of parts) {
      const numbers = rowsOf(part.content).map((row) => row['Invoice number']);
      expect(numbers.length % 3).toBe(0);
    }
  });

  it('splits at the byte limit too, and the customers at the row and byte limits', () => {
    const people = ['Amy Pond', 'Rory Williams', 'Clara Oswald', 'Donna Noble', 'Martha Jones'];
    const invoices = people.map((name, n) =>
      invoice({
        billTo: { name, email: `${n}@example.com` },
        lines: [line({ id: `a${n}` }), line({ id: `b${n}`, description: 'Ünïcödé parts '.repeat(20) })],
      }),
    );
    const whole = buildQuickBooksCsv({ invoices, mappedNames: MAPPED, options: UK });
    const invoiceBytes = bytes(file(whole, 'invoices-01.csv')!.content);
    // Room for a little over two invoices' rows in UTF-8 bytes (more than their characters).
    const bytesPerFile = Math.ceil((invoiceBytes * 2.4) / people.length);
    const result = buildQuickBooksCsv({
      invoices,
      mappedNames: MAPPED,
      options: { ...UK, limits: { ...DEFAULT_LIMITS, rowsPerFile: 2, invoiceFileBytes: bytesPerFile } },
    });
    const parts = result.files.filter((f) => f.name.startsWith('invoices-'));
    expect(parts.map((f) => f.rows)).toEqual([2, 2, 2, 2, 2]);
    const bySize = buildQuickBooksCsv({
      invoices,
      mappedNames: MAPPED,
      options: { ...UK, limits: { ...DEFAULT_LIMITS, invoiceFileBytes: bytesPerFile } },
    });
    const sized = bySize.files.filter((f) => f.name.startsWith('invoices-'));
    expect(sized.map((f) => f.rows)).toEqual([4, 4, 2]);
    for (const part of sized) expect(bytes(part.content)).toBeLessThanOrEqual(bytesPerFile);
    // Every file is a CSV of its own, with the header, and together they hold every invoice once.
    expect(sized.flatMap((f) => rowsOf(f.content).map((row) => row['Invoice number']))).toEqual(
      invoices.flatMap((each) => [each.number, each.number]),
    );
    // Five customers, two rows a file: three customer files, each imported on its own.
    const customers = result.files.filter((f) => f.name.startsWith('customers-'));
    expect(customers.map((f) => [f.name, f.rows])).toEqual([
      ['customers-01.csv', 2],
      ['customers-02.csv', 2],
      ['customers-03.csv', 1],
    ]);
    expect(customers.flatMap((f) => rowsOf(f.content).map((row) => row.Name))).toEqual(people);
    expect(result.counts).toMatchObject({ invoices: 5, customers: 5, invoiceFiles: 5 });
    // A byte short of the one customer file: the customers split at their own byte limit, the invoices not.
    const customerFileBytes = bytes(file(whole, 'customers-01.csv')!.content) - 1;
    const byCustomerBytes = buildQuickBooksCsv({
      invoices,
      mappedNames: MAPPED,
      options: { ...UK, limits: { ...DEFAULT_LIMITS, customerFileBytes } },
    });
    const customerParts = byCustomerBytes.files.filter((f) => f.name.startsWith('customers-'));
    expect(customerParts.map((f) => f.rows)).toEqual([4, 1]);
    for (const part of customerParts) expect(bytes(part.content)).toBeLessThanOrEqual(customerFileBytes);
    expect(customerParts.flatMap((f) => rowsOf(f.content).map((row) => row.Name))).toEqual(people);
    expect(byCustomerBytes.counts.invoiceFiles).toBe(1);
  });

  it('keeps invoice files within 350 KB and customer files within 2 MB by default', () => {
    expect(DEFAULT_LIMITS).toMatchObject({ invoiceFileBytes: 350_000, customerFileBytes: 2_000_000 });
    // 60 invoices of 10 lines with 1,000-character descriptions: about 660 KB, within 100 invoices and 1,000 rows.
    const invoices = Array.from({ length: 60 }, (_, n) =>
      invoice({
        number: `INV-${n}`,
        lines: Array.from({ length: 10 }, (_, l) => line({ id: `${n}-${l}`, description: 'w'.repeat(1000) })),
      }),
    );
    const result = buildQuickBooksCsv({ invoices, mappedNames: MAPPED, options: UK });
    const parts = result.files.filter((f) => f.name.startsWith('invoices-'));
    expect(parts.length).toBe(2);
    for (const part of parts) expect(bytes(part.content)).toBeLessThanOrEqual(350_000);
    expect(parts.reduce((sum, part) => sum + part.rows, 0)).toBe(600);
  });

  it('sends an invoice larger than a file may be to manual entry, without its row warnings', () => {
    const huge = invoice({
      number: 'INV-HUGE',
      dueDate: null,
      billTo: { name: 'Only In Huge' },
      lines: [
        line({ id: 'h1', description: 'x'.repeat(3000) }),
        line({ id: 'h2', quantity: '3', amount: '100.00' }),
      ],
    });
    const fine = invoice();
    const result = buildQuickBooksCsv({
      invoices: [huge, fine],
      mappedNames: MAPPED,
      options: { ...UK, limits: { ...DEFAULT_LIMITS, invoiceFileBytes: 2000 } },
    });
    expect(result.manualEntry).toEqual([
      expect.objectContaining({ invoiceNumber: 'INV-HUGE', reason: expect.stringContaining('2000 bytes') }),
    ]);
    expect(rowsOf(file(result, 'invoices-01.csv')!.content).map((row) => row['Invoice number'])).toEqual([
      fine.number,
    ]);
    expect(rowsOf(file(result, 'customers-01.csv')!.content).map((row) => row.Name)).toEqual(['Amy Pond']);
    expect(result.warnings.filter((warning) => warning.invoiceNumber === 'INV-HUGE')).toEqual([]);
    expect(result.exported.map((each) => [each.docNumber, each.route])).toEqual([
      ['INV-HUGE', 'MANUAL'],
      [fine.number, 'IMPORT'],
    ]);
  });

  it('lists what the import cannot carry for manual entry instead of dropping it', () => {
    const negative = invoice({
      lines: [
        line(),
        line({ id: 'd', description: 'Goodwill discount', unitPrice: '-10', amount: '-20.00' }),
      ],
    });
    const longNumber = invoice({ number: 'INV-2026-NOVEMBER-000001' });
    const noParty = invoice({ billTo: null });
    const fine = invoice();
    const result = buildQuickBooksCsv({
      invoices: [negative, longNumber, noParty, fine, invoice({ status: 'VOID' })],
      mappedNames: MAPPED,
      options: UK,
    });
    expect(rowsOf(file(result, 'invoices-01.csv')!.content).map((row) => row['Invoice number'])).toEqual([
      fine.number,
    ]);
    expect(result.manualEntry.map((entry) => [entry.invoiceNumber, entry.reason])).toEqual([
      [negative.number, expect.stringContaining('"Goodwill discount" is negative')],
      [longNumber.number, expect.stringContaining('21 characters')],
      [noParty.number, expect.stringContaining('no bill-to party')],
    ]);
    expect(rowsOf(file(result, 'manual-entry.csv')!.content)[0]).toMatchObject({
      'Invoice number': negative.number,
      Total: negative.totals.total,
    });
  });

  it("writes the platform's own name where nothing is mapped, with one warning per key", () => {
    const result = buildQuickBooksCsv({
      invoices: [
        invoice({ lines: [line({ itemKind: 'MATERIAL', taxRate: '5', taxAmount: '6.00' })] }),
        invoice({
          lines: [line({ itemKind: 'MATERIAL', serviceCode: 'KIT-1', taxRate: '5', taxAmount: '6.00' })],
        }),
        invoice({ lines: [line({ itemKind: 'MATERIAL', taxRate: '5', taxAmount: '6.00' })] }),
      ],
      mappedNames: MAPPED,
      options: UK,
    });
    expect(
      rowsOf(file(result, 'invoices-01.csv')!.content).map((row) => [
        row['Item (Product/Service)'],
        row['Item tax code'],
      ]),
    ).toEqual([
      ['Materials', '5%'],
      ['KIT-1', '5%'],
      ['Materials', '5%'],
    ]);
    expect(result.warnings.map((warning) => warning.message)).toEqual([
      expect.stringContaining('ITEM_KIND:MATERIAL is not mapped: written as "Materials"'),
      expect.stringContaining('TAX_RATE:0.05 is not mapped: written as "5%"'),
      expect.stringContaining('SERVICE_CODE:KIT-1 is not mapped: written as "KIT-1"'),
    ]);
  });

  it('writes amounts as the tax mode reads them, whichever way the platform priced the invoice', () => {
    // Priced including tax: 3 × 9.99 = 29.97 paid, 24.98 before tax.
    const inclusive = invoice({
      pricesIncludeTax: true,
      lines: [line({ quantity: '3', unitPrice: '9.99', amount: '24.98', taxAmount: '4.99' })],
    });
    const exclusive = invoice({
      lines: [line({ quantity: '3', unitPrice: '10', amount: '30.00', taxAmount: '6.00' })],
    });
    const cells = (taxMode: CsvExportOptions['taxMode']) =>
      rowsOf(
        file(
          buildQuickBooksCsv({
            invoices: [inclusive, exclusive],
            mappedNames: MAPPED,
            options: { ...UK, taxMode },
          }),
          'invoices-01.csv',
        )!.content,
      ).map((row) => [row['Item Quantity'], row['Item Rate'], row['Item Amount']]);
    expect(cells('INCLUSIVE')).toEqual([
      ['3', '9.99', '29.97'],
      ['3', '12', '36.00'],
    ]);
    expect(cells('EXCLUSIVE')).toEqual([
      ['3', '8.3266667', '24.98'],
      ['3', '10', '30.00'],
    ]);
  });

  it("US: taxable lines name the invoice's one sales tax rate, others NON; no tax-inclusive export", () => {
    const options: CsvExportOptions = { dateFormat: 'MM_DD_YYYY', taxMode: 'EXCLUSIVE', taxModel: 'US' };
    const mapped = new Map([...MAPPED, ['TAX_RATE:0.0825', 'San Pablo']]);
    const result = buildQuickBooksCsv({
      invoices: [
        invoice({
          number: '1001',
          lines: [
            line({ taxRate: '8.25', taxAmount: '9.90' }),
            line({ id: 'x', taxRate: '0', taxAmount: '0.00' }),
          ],
        }),
        invoice({ id: 'inv-2', number: '1002', lines: [line({ taxRate: '6', taxAmount: '7.20' })] }),
        invoice({
          id: 'inv-3',
          number: '1003',
          lines: [
            line({ taxRate: '8.25', taxAmount: '9.90' }),
            line({ id: 'y', taxRate: '6', taxAmount: '7.20' }),
          ],
        }),
      ],
      mappedNames: mapped,
      options,
    });
    expect(
      rowsOf(file(result, 'invoices-01.csv')!.content).map((row) => [
        row['Invoice number'],
        row['Invoice date'],
        row['Item tax code'],
      ]),
    ).toEqual([
      ['1001', '11/03/2026', 'San Pablo'],
      ['1001', '11/03/2026', 'NON'],
      // Unmapped: the rate, for the wizard's tax step, with a warning.
      ['1002', '11/03/2026', '6%'],
    ]);
    expect(result.warnings).toContainEqual(expect.objectContaining({ field: 'Item tax code' }));
    expect(result.manualEntry).toEqual([
      expect.objectContaining({
        invoiceNumber: '1003',
        reason: 'its lines carry 8.25 % and 6 %, and a US invoice takes one sales tax rate',
      }),
    ]);
    expect(() =>
      buildQuickBooksCsv({
        invoices: [],
        mappedNames: MAPPED,
        options: { ...options, taxMode: 'INCLUSIVE' },
      }),
    ).toThrow(CsvExportInputError);
  });

  it('leaves out contact details longer than QuickBooks takes, saying so', () => {
    const result = buildQuickBooksCsv({
      invoices: [
        invoice({
          billTo: {
            name: 'Rory Williams',
            phone: '+44 (0) 20 7946 0000 ext. 1234',
            address: {
              line1: '1 High St',
              line2: 'Flat 2',
              city: 'Leadworth',
              postalCode: 'GL1 1AA',
              country: 'GB',
            },
          },
        }),
      ],
      mappedNames: MAPPED,
      options: UK,
    });
    expect(rowsOf(file(result, 'customers-01.csv')!.content)[0]).toMatchObject({
      Phone: '',
      Street: '1 High St, Flat 2',
      City: 'Leadworth',
      'ZIP code': 'GL1 1AA',
      Country: 'GB',
    });
    expect(result.warnings).toEqual([
      expect.objectContaining({ field: 'Customer Phone', message: expect.stringContaining('21 characters') }),
    ]);
  });

  it("leaves out an e-mail QuickBooks refuses and address parts past Intuit's limits", () => {
    const result = buildQuickBooksCsv({
      invoices: [
        invoice({
          billTo: {
            name: 'Rory Williams',
            email: 'rory at leadworth',
            address: { line1: '1 High St', city: 'L'.repeat(256), region: 'Glos', country: 'GB' },
          },
        }),
        invoice({
          billTo: {
            name: 'Amy Pond',
            email: 'amy@pond.example',
            address: { line1: 'S'.repeat(2001), city: 'Leadworth', country: 'GB' },
          },
        }),
        invoice({ billTo: { name: 'River Song', email: 'river song@example.com' } }),
      ],
      mappedNames: MAPPED,
      options: UK,
    });
    expect(
      rowsOf(file(result, 'customers-01.csv')!.content).map(({ Name, Email, Street, City, State }) => ({
        Name,
        Email,
        Street,
        City,
        State,
      })),
    ).toEqual([
      { Name: 'Rory Williams', Email: '', Street: '1 High St', City: '', State: 'Glos' },
      { Name: 'Amy Pond', Email: 'amy@pond.example', Street: '', City: 'Leadworth', State: '' },
      { Name: 'River Song', Email: '', Street: '', City: '', State: '' },
    ]);
    expect(result.warnings.map((warning) => [warning.field, warning.message.split(':')[0]])).toEqual([
      ['Customer Email', 'Rory Williams'],
      ['Customer City', 'Rory Williams'],
      ['Customer Street', 'Amy Pond'],
      ['Customer Email', 'River Song'],
    ]);
    expect(result.warnings[1]!.message).toContain('255 characters');
    expect(result.warnings[2]!.message).toContain('2000 characters');
  });
});
