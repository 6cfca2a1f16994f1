import { describe, expect, it } from '@jest/globals';
import { Big } from 'big.js';
import type { JudgedMapping } from '../../../src/services/mappings/mapping-service.js';
import type {
  ReferenceSnapshot,
  QuickBooksCompanyFacts,
} from '../../../src/services/reference-data/types.js';
import {
  buildQuickBooksInvoice,
  previewOf,
  type BuildInvoiceInput,
} from '../../../src/sync/build-invoice.js';
import type { PlatformInvoice, PlatformInvoiceLine } from '../../../src/sync/platform-invoice.js';

const AT = new Date('2026-11-01T00:00:00Z');

function snapshot(facts: Partial<QuickBooksCompanyFacts> = {}): ReferenceSnapshot {
  return {
    realmId: 'realm-1',
    asOf: AT,
    facts: {
      companyName: 'Plumbing LLC',
      country: 'US',
      taxModel: 'US',
      automatedSalesTax: false,
      customTxnNumbers: false,
      homeCurrency: 'USD',
      multiCurrencyEnabled: false,
      ...facts,
    },
    accounts: [],
    items: [],
    taxCodes: [],
    classes: [],
    terms: [],
  };
}

function mapping(
  kind: JudgedMapping['kind'],
  sourceKey: string,
  targetId: string,
  targetName: string,
): JudgedMapping {
  return { kind, sourceKey, targetId, targetName, updatedAt: AT, updatedBy: 'admin', status: 'OK' };
}

function broken(entry: JudgedMapping, reason = 'the item is inactive in QuickBooks'): JudgedMapping {
  return { ...entry, status: 'BROKEN', problem: 'TARGET_INACTIVE', reason };
}

const line = (overrides: Partial<PlatformInvoiceLine> = {}): PlatformInvoiceLine => ({
  id: 'l1',
  description: 'Labor',
  itemKind: 'LABOR',
  serviceCode: null,
  quantity: '2',
  unitPrice: '60',
  taxRate: '0',
  amount: '120.00',
  taxAmount: '0.00',
  ...overrides,
});

function invoice(overrides: Partial<PlatformInvoice> = {}): PlatformInvoice {
  const lines = overrides.lines ?? [line()];
  const subtotal = lines.reduce((sum, l) => sum.plus(l.amount), new Big(0));
  const tax = lines.reduce((sum, l) => sum.plus(l.taxAmount), new Big(0));
  return {
    id: 'inv-1',
    tenantId: 'tenant-1',
    number: 'INV-1001',
    status: 'FINALIZED',
    currency: 'USD',
    issueDate: '2026-11-20',
    dueDate: '2026-12-20',
    billTo: { name: 'Amy', email: 'amy@example.com' },
    lines,
    totals: { subtotal: subtotal.toFixed(2), tax: tax.toFixed(2), total: subtotal.plus(tax).toFixed(2) },
    memo: null,
    version: 1,
    ...overrides,
  };
}

const LABOR = mapping('ITEM', 'ITEM_KIND:LABOR', '2', 'Hours');
const MATERIAL = mapping('ITEM', 'ITEM_KIND:MATERIAL', '13', 'Soil');
const TAX_825 = mapping('TAX_CODE', 'TAX_RATE:0.0825', '3', 'San Pablo');

function build(overrides: Partial<BuildInvoiceInput> = {}) {
  return buildQuickBooksInvoice({
    invoice: invoice(),
    mappings: [LABOR, MATERIAL, TAX_825],
    snapshot: snapshot(),
    settings: {},
    customerId: '58',
    ...overrides,
  });
}

describe('buildQuickBooksInvoice: the payload', () => {
  it('sends the customer, dates, e-mail, note and lines with the exact host amounts', () => {
    const result = build({
      invoice: invoice({
        memo: 'Thanks for your business',
        lines: [line({ quantity: '1.5', unitPrice: '33.33', amount: '50.00' })],
      }),
    });
    expect(result.problems).toEqual([]);
    expect(result.payload).toEqual({
      CustomerRef: { value: '58' },
      TxnDate: '2026-11-20',
      DueDate: '2026-12-20',
      BillEmail: { Address: 'amy@example.com' },
      PrivateNote: 'Platform invoice INV-1001 (inv-1)',
      CustomerMemo: { value: 'Thanks for your business' },
      Line: [
        {
          DetailType: 'SalesItemLineDetail',
          Description: 'Labor',
          Amount: 50,
          SalesItemLineDetail: {
            ItemRef: { value: '2', name: 'Hours' },
            Qty: 1.5,
            UnitPrice: 33.33,
            TaxCodeRef: { value: 'NON' },
          },
        },
      ],
    });
  });

  it('keeps cents exact where binary floats would drift (0.1 × 3 is 0.30)', () => {
    const result = build({
      invoice: invoice({ lines: [line({ quantity: '3', unitPrice: '0.1', amount: '0.30' })] }),
    });
    expect(result.problems).toEqual([]);
    expect(result.payload.Line[0]!.Amount).toBe(0.3);
  });

  it('leaves DocNumber to QuickBooks when custom numbers are off, and says so', () => {
    const result = build();
    expect(result.payload.DocNumber).toBeUndefined();
    expect(result.decisions).toContainEqual(
      expect.objectContaining({ field: 'DocNumber', reason: expect.stringContaining('not sent') }),
    );
  });

  it('sends the platform number as DocNumber when the company takes custom numbers', () => {
    const result = build({ snapshot: snapshot({ customTxnNumbers: true }) });
    expect(result.payload.DocNumber).toBe('INV-1001');
  });

  it('sends the DocNumber chosen by the existing-number policy instead of the platform number', () => {
    const result = build({
      snapshot: snapshot({ customTxnNumbers: true }),
      options: { docNumber: 'INV-1001-2' },
    });
    expect(result.payload.DocNumber).toBe('INV-1001-2');
    expect(result.decisions).toContainEqual(
      expect.objectContaining({ field: 'DocNumber', reason: expect.stringContaining('existing-number') }),
    );
  });

  it('refuses a DocNumber longer than QuickBooks allows', () => {
    const result = build({
      snapshot: snapshot({ customTxnNumbers: true }),
      invoice: invoice({ number: 'X'.repeat(22) }),
    });
    expect(result.problems.map((p) => p.code)).toEqual(['DOC_NUMBER_TOO_LONG']);
  });

  it('omits BillEmail, CustomerMemo and DueDate when the host has none', () => {
    const result = build({ invoice: invoice({ billTo: { name: 'Cash' }, memo: '  ', dueDate: null }) });
    expect(result.payload).not.toHaveProperty('BillEmail');
    expect(result.payload).not.toHaveProperty('CustomerMemo');
    expect(result.payload).not.toHaveProperty('DueDate');
  });

  it('sends the default terms, and lets QuickBooks derive the due date from them when the host has none', () => {
    const result = build({ settings: { defaultTermsId: '4' }, invoice: invoice({ dueDate: null }) });
    expect(result.payload.SalesTermRef).toEqual({ value: '4' });
    expect(result.payload).not.toHaveProperty('DueDate');
    expect(result.decisions).toContainEqual(
      expect.objectContaining({ field: 'DueDate', reason: expect.stringContaining('default terms') }),
    );
  });

  it('sends CurrencyRef when the company has multicurrency on', () => {
    const result = build({
      snapshot: snapshot({ multiCurrencyEnabled: true }),
      invoice: invoice({ currency: 'CAD' }),
    });
    expect(result.problems).toEqual([]);
    expect(result.payload.CurrencyRef).toEqual({ value: 'CAD' });
  });

  it('does not send CurrencyRef without multicurrency', () => {
    expect(build().payload).not.toHaveProperty('CurrencyRef');
  });
});

describe('buildQuickBooksInvoice: items', () => {
  it("takes the service code's item over the kind's, with the reason", () => {
    const result = build({
      mappings: [LABOR, mapping('ITEM', 'SERVICE_CODE:HVAC-H', '7', 'Installation')],
      invoice: invoice({ lines: [line(), line({ id: 'l2', serviceCode: 'HVAC-H' })] }),
    });
    expect(result.problems).toEqual([]);
    expect(result.payload.Line.map((l) => l.SalesItemLineDetail.ItemRef?.value)).toEqual(['2', '7']);
    expect(result.decisions).toContainEqual({
      field: 'Line[1].SalesItemLineDetail.ItemRef',
      reason: "line 2: item 'Installation' from SERVICE_CODE:HVAC-H",
      sourceKey: 'SERVICE_CODE:HVAC-H',
    });
  });

  it('falls back to the kind when the service code is not mapped, and says the code was not mapped', () => {
    const result = build({ invoice: invoice({ lines: [line({ serviceCode: 'HVAC-H' })] }) });
    expect(result.payload.Line[0]!.SalesItemLineDetail.ItemRef).toEqual({ value: '2', name: 'Hours' });
    expect(result.decisions[0]!.reason).toContain('service code HVAC-H is not mapped');
  });

  it('stops with ACTION_REQUIRED naming the kind key when no item is mapped', () => {
    const result = build({ mappings: [], invoice: invoice({ lines: [line({ serviceCode: 'HVAC-H' })] }) });
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'MAPPING_MISSING',
        sourceKey: 'ITEM_KIND:LABOR',
        mappingKind: 'ITEM',
        lineId: 'l1',
        message: expect.stringContaining('SERVICE_CODE:HVAC-H'),
      }),
    ]);
    expect(previewOf(result).ready).toBe(false);
  });

  it('stops on a broken service code mapping instead of silently using the kind', () => {
    const result = build({
      mappings: [LABOR, broken(mapping('ITEM', 'SERVICE_CODE:HVAC-H', '7', 'Installation'))],
      invoice: invoice({ lines: [line({ serviceCode: 'HVAC-H' })] }),
    });
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'MAPPING_BROKEN',
        sourceKey: 'SERVICE_CODE:HVAC-H',
        message: expect.stringContaining('inactive'),
      }),
    ]);
  });

  it('stops on a broken kind mapping', () => {
    const result = build({ mappings: [broken(LABOR)] });
    expect(result.problems.map((p) => [p.code, p.sourceKey])).toEqual([
      ['MAPPING_BROKEN', 'ITEM_KIND:LABOR'],
    ]);
  });
});

describe('buildQuickBooksInvoice: tax', () => {
  const taxedLines = [
    line({ id: 'l1', taxRate: '8.25', taxAmount: '9.90' }),
    line({
      id: 'l2',
      description: 'Soil',
      itemKind: 'MATERIAL',
      quantity: '1',
      unitPrice: '10',
      amount: '10.00',
    }),
  ];

  it('US: TAX and NON on the lines and the mapped group as the transaction tax code', () => {
    const result = build({ invoice: invoice({ lines: taxedLines }) });
    expect(result.problems).toEqual([]);
    expect(result.payload.Line.map((l) => l.SalesItemLineDetail.TaxCodeRef?.value)).toEqual(['TAX', 'NON']);
    expect(result.payload.TxnTaxDetail).toEqual({
      TxnTaxCodeRef: { value: '3', name: 'San Pablo' },
      TotalTax: 9.9,
    });
    expect(result.payload).not.toHaveProperty('GlobalTaxCalculation');
    expect(result.decisions).toContainEqual(expect.objectContaining({ sourceKey: 'TAX_RATE:0.0825' }));
  });

  it("US: sends the host's per-line rounded tax, which can differ by a cent from tax on the sum", () => {
    const result = build({
      invoice: invoice({
        lines: [
          line({ quantity: '3', unitPrice: '95.50', amount: '286.50', taxRate: '8.25', taxAmount: '23.64' }),
          line({
            id: 'l2',
            quantity: '4',
            unitPrice: '12.35',
            amount: '49.40',
            taxRate: '8.25',
            taxAmount: '4.08',
          }),
        ],
      }),
    });
    expect(result.problems).toEqual([]);
    // 8.25 % of 335.90 is 27.71; the host billed 27.72.
    expect(result.payload.TxnTaxDetail?.TotalTax).toBe(27.72);
  });

  describe('the mapped code must charge the host rate', () => {
    const codes: ReferenceSnapshot['taxCodes'] = [
      {
        id: '3',
        name: 'San Pablo',
        active: true,
        usableOnSales: true,
        taxable: true,
        salesRates: [
          { id: '1', name: 'California', ratePercent: 7.25 },
          { id: '2', name: 'San Pablo City', ratePercent: 1 },
        ],
      },
      {
        id: '2',
        name: 'California',
        active: true,
        usableOnSales: true,
        taxable: true,
        salesRates: [{ id: '1', name: 'California', ratePercent: 7.25 }],
      },
      { id: '9', name: 'Exempt', active: true, usableOnSales: true, taxable: false, salesRates: [] },
    ];

    it('accepts a group whose rates add up to the host rate (7.25 % + 1 % = 8.25 %)', () => {
      const result = build({
        snapshot: { ...snapshot(), taxCodes: codes },
        invoice: invoice({ lines: taxedLines }),
      });
      expect(result.problems).toEqual([]);
    });

    it('refuses a code with another rate, naming the key to map again', () => {
      const result = build({
        snapshot: { ...snapshot(), taxCodes: codes },
        mappings: [LABOR, MATERIAL, mapping('TAX_CODE', 'TAX_RATE:0.0825', '2', 'California')],
        invoice: invoice({ lines: taxedLines }),
      });
      expect(result.problems).toEqual([
        expect.objectContaining({
          code: 'TAX_CODE_RATE_MISMATCH',
          sourceKey: 'TAX_RATE:0.0825',
          message: expect.stringContaining('7.25 %'),
        }),
      ]);
      expect(result.payload).not.toHaveProperty('TxnTaxDetail');
    });

    it('non-US: a zero rate may use a code that charges nothing', () => {
      const result = build({
        snapshot: { ...snapshot({ taxModel: 'NON_US' }), taxCodes: codes },
        mappings: [LABOR, mapping('TAX_CODE', 'TAX_RATE:0', '9', 'Exempt')],
      });
      expect(result.problems).toEqual([]);
      expect(result.payload.Line[0]!.SalesItemLineDetail.TaxCodeRef).toEqual({ value: '9', name: 'Exempt' });
    });
  });

  it('US: no transaction tax code when nothing is taxed', () => {
    const result = build();
    expect(result.payload).not.toHaveProperty('TxnTaxDetail');
    expect(result.problems).toEqual([]);
  });

  it('US: a taxed rate without a mapping stops the push naming the rate key', () => {
    const result = build({ mappings: [LABOR, MATERIAL], invoice: invoice({ lines: taxedLines }) });
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'MAPPING_MISSING',
        sourceKey: 'TAX_RATE:0.0825',
        mappingKind: 'TAX_CODE',
      }),
    ]);
    expect(result.payload).not.toHaveProperty('TxnTaxDetail');
  });

  it('US: a broken tax mapping stops the push', () => {
    const result = build({
      mappings: [LABOR, MATERIAL, broken(TAX_825)],
      invoice: invoice({ lines: taxedLines }),
    });
    expect(result.problems.map((p) => [p.code, p.sourceKey])).toEqual([
      ['MAPPING_BROKEN', 'TAX_RATE:0.0825'],
    ]);
  });

  it('US: two different tax rates on one invoice cannot be one QuickBooks invoice', () => {
    const result = build({
      invoice: invoice({ lines: [taxedLines[0]!, { ...taxedLines[1]!, taxRate: '7.25' }] }),
    });
    expect(result.problems.map((p) => p.code)).toEqual(['US_MIXED_TAX_RATES']);
  });

  it('US: rates written differently but equal ("8.25" and "8.250") are one rate', () => {
    const result = build({
      invoice: invoice({ lines: [taxedLines[0]!, { ...taxedLines[1]!, taxRate: '8.250' }] }),
    });
    expect(result.problems).toEqual([]);
  });

  it('US with AST, ACCEPT: no transaction tax detail, untaxed lines NON, taxed lines left to QuickBooks', () => {
    const result = build({
      snapshot: snapshot({ automatedSalesTax: true }),
      mappings: [LABOR, MATERIAL],
      invoice: invoice({ lines: taxedLines }),
      settings: { taxDifferences: 'ACCEPT' },
    });
    expect(result.problems).toEqual([]);
    expect(result.payload).not.toHaveProperty('TxnTaxDetail');
    expect(result.payload.Line[0]!.SalesItemLineDetail).not.toHaveProperty('TaxCodeRef');
    expect(result.payload.Line[1]!.SalesItemLineDetail.TaxCodeRef).toEqual({ value: 'NON' });
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        field: 'TxnTaxDetail',
        reason: expect.stringContaining('automated sales tax'),
      }),
    );
  });

  it("US with AST, OVERRIDE (the default): the platform's tax as TotalTax on a placeholder code AST replaces", () => {
    const unmapped = build({
      snapshot: snapshot({ automatedSalesTax: true }),
      mappings: [LABOR, MATERIAL],
      invoice: invoice({ lines: taxedLines }),
    });
    expect(unmapped.problems).toEqual([]);
    expect(unmapped.payload.TxnTaxDetail).toEqual({ TxnTaxCodeRef: { value: 'TAX' }, TotalTax: 9.9 });
    expect(unmapped.payload.Line[1]!.SalesItemLineDetail.TaxCodeRef).toEqual({ value: 'NON' });
    expect(unmapped.decisions).toContainEqual(
      expect.objectContaining({ field: 'TxnTaxDetail.TotalTax', reason: expect.stringContaining('9.90') }),
    );
    // A mapped code for the rate is the carrier when there is one.
    const mapped = build({
      snapshot: snapshot({ automatedSalesTax: true }),
      invoice: invoice({ lines: taxedLines }),
    });
    expect(mapped.payload.TxnTaxDetail).toEqual({
      TxnTaxCodeRef: { value: '3', name: 'San Pablo' },
      TotalTax: 9.9,
    });
    // Nothing taxed: nothing to keep, so nothing is sent.
    const untaxed = build({ snapshot: snapshot({ automatedSalesTax: true }) });
    expect(untaxed.payload).not.toHaveProperty('TxnTaxDetail');
  });

  it('US manual, ACCEPT or STOP: the code without TotalTax, so QuickBooks computes the tax itself', () => {
    for (const taxDifferences of ['ACCEPT', 'STOP'] as const) {
      const result = build({ invoice: invoice({ lines: taxedLines }), settings: { taxDifferences } });
      expect(result.payload.TxnTaxDetail).toEqual({ TxnTaxCodeRef: { value: '3', name: 'San Pablo' } });
      expect(result.decisions).toContainEqual(
        expect.objectContaining({
          field: 'TxnTaxDetail.TotalTax',
          reason: expect.stringContaining(`not sent: the tax setting is ${taxDifferences}`),
        }),
      );
    }
  });

  describe('non-US, OVERRIDE', () => {
    const codes: ReferenceSnapshot['taxCodes'] = [
      {
        id: '5',
        name: 'HST ON',
        active: true,
        usableOnSales: true,
        taxable: true,
        salesRates: [{ id: '51', name: 'HST', ratePercent: 13 }],
      },
      {
        id: '7',
        name: 'GST/QST QC',
        active: true,
        usableOnSales: true,
        taxable: true,
        salesRates: [
          { id: '71', name: 'GST', ratePercent: 5 },
          { id: '72', name: 'QST', ratePercent: 9.975 },
        ],
      },
    ];
    const canada = (taxCodes = codes) => ({
      ...snapshot({ country: 'CA', taxModel: 'NON_US', homeCurrency: 'CAD' }),
      taxCodes,
    });

    it("sends the platform's tax per QuickBooks rate when every code has one rate", () => {
      const result = build({
        snapshot: canada(),
        invoice: invoice({
          currency: 'CAD',
          lines: [
            line({ taxRate: '13', amount: '120.00', taxAmount: '15.60' }),
            line({
              id: 'l2',
              quantity: '1',
              unitPrice: '0.5',
              amount: '0.50',
              taxRate: '13',
              taxAmount: '0.07',
            }),
          ],
        }),
        mappings: [LABOR, mapping('TAX_CODE', 'TAX_RATE:0.13', '5', 'HST ON')],
      });
      expect(result.problems).toEqual([]);
      expect(result.payload.TxnTaxDetail).toEqual({
        TotalTax: 15.67,
        TaxLine: [
          {
            Amount: 15.67,
            DetailType: 'TaxLineDetail',
            TaxLineDetail: {
              TaxRateRef: { value: '51' },
              PercentBased: true,
              TaxPercent: 13,
              NetAmountTaxable: 120.5,
            },
          },
        ],
      });
    });

    it('sends only the total when a code has several rates (the platform does not split GST and QST)', () => {
      const result = build({
        snapshot: canada(),
        invoice: invoice({
          currency: 'CAD',
          lines: [line({ taxRate: '14.975', amount: '120.00', taxAmount: '17.97' })],
        }),
        mappings: [LABOR, mapping('TAX_CODE', 'TAX_RATE:0.14975', '7', 'GST/QST QC')],
      });
      expect(result.problems).toEqual([]);
      expect(result.payload.TxnTaxDetail).toEqual({ TotalTax: 17.97 });
    });
  });

  it('non-US: the mapped code on every line, taxes excluded from the amounts', () => {
    const result = build({
      snapshot: snapshot({ country: 'CA', taxModel: 'NON_US', homeCurrency: 'CAD' }),
      invoice: invoice({
        currency: 'CAD',
        lines: [line({ taxRate: '13' }), line({ id: 'l2', taxRate: '0' })],
      }),
      mappings: [
        LABOR,
        mapping('TAX_CODE', 'TAX_RATE:0.13', '5', 'HST ON'),
        mapping('TAX_CODE', 'TAX_RATE:0', '2', 'Exempt'),
      ],
    });
    expect(result.problems).toEqual([]);
    expect(result.payload.GlobalTaxCalculation).toBe('TaxExcluded');
    expect(result.payload).not.toHaveProperty('TxnTaxDetail');
    expect(result.payload.Line.map((l) => l.SalesItemLineDetail.TaxCodeRef?.value)).toEqual(['5', '2']);
  });

  it('non-US: a zero rate needs a mapping too (QuickBooks refuses a line without a code, 6000)', () => {
    const result = build({
      snapshot: snapshot({ country: 'GB', taxModel: 'NON_US', homeCurrency: 'GBP' }),
      invoice: invoice({ currency: 'GBP' }),
    });
    expect(result.problems).toEqual([
      expect.objectContaining({ code: 'MAPPING_MISSING', sourceKey: 'TAX_RATE:0', lineId: 'l1' }),
    ]);
  });
});

describe('buildQuickBooksInvoice: prices including tax', () => {
  const vat: ReferenceSnapshot['taxCodes'] = [
    {
      id: '9',
      name: '20.0% S',
      active: true,
      usableOnSales: true,
      taxable: true,
      salesRates: [{ id: '91', name: '20% S', ratePercent: 20 }],
    },
  ];
  const britain = { ...snapshot({ country: 'GB', taxModel: 'NON_US', homeCurrency: 'GBP' }), taxCodes: vat };
  // 3 × 9.99 = 29.97 paid; before tax 29.97 × 100 / 120 = 24.975 → 24.98, VAT 4.99.
  const inclusiveLine = line({
    quantity: '3',
    unitPrice: '9.99',
    taxRate: '20',
    amount: '24.98',
    taxAmount: '4.99',
  });
  const inclusive = (lines = [inclusiveLine]) => invoice({ currency: 'GBP', pricesIncludeTax: true, lines });
  const VAT_20 = mapping('TAX_CODE', 'TAX_RATE:0.2', '9', '20.0% S');

  it('non-US: TaxInclusive, each line with its amount before tax, the net unit price and its gross', () => {
    const result = build({
      snapshot: britain,
      invoice: inclusive(),
      mappings: [LABOR, VAT_20],
      settings: { taxDifferences: 'ACCEPT' },
    });
    expect(result.problems).toEqual([]);
    expect(result.payload.GlobalTaxCalculation).toBe('TaxInclusive');
    expect(result.payload.Line[0]).toMatchObject({
      Amount: 24.98,
      SalesItemLineDetail: {
        Qty: 3,
        UnitPrice: 8.3266667,
        TaxInclusiveAmt: 29.97,
        TaxCodeRef: { value: '9' },
      },
    });
    expect(result.payload).not.toHaveProperty('TxnTaxDetail');
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        field: 'GlobalTaxCalculation',
        reason: expect.stringContaining('TaxInclusive'),
      }),
    );
  });

  it("non-US, OVERRIDE: the platform's tax per rate goes as well", () => {
    const result = build({ snapshot: britain, invoice: inclusive(), mappings: [LABOR, VAT_20] });
    expect(result.problems).toEqual([]);
    expect(result.payload.GlobalTaxCalculation).toBe('TaxInclusive');
    expect(result.payload.TxnTaxDetail).toMatchObject({
      TotalTax: 4.99,
      TaxLine: [{ Amount: 4.99, TaxLineDetail: { TaxRateRef: { value: '91' }, NetAmountTaxable: 24.98 } }],
    });
  });

  it('US: no tax-inclusive invoices there, so lines go before tax with the tax on top', () => {
    const us = line({
      quantity: '3',
      unitPrice: '9.99',
      taxRate: '8.25',
      amount: '27.69',
      taxAmount: '2.28',
    });
    const result = build({ invoice: invoice({ pricesIncludeTax: true, lines: [us] }) });
    expect(result.problems).toEqual([]);
    expect(result.payload).not.toHaveProperty('GlobalTaxCalculation');
    expect(result.payload.Line[0]).toMatchObject({
      Amount: 27.69,
      SalesItemLineDetail: { Qty: 3, UnitPrice: 9.23 },
    });
    expect(result.payload.Line[0]!.SalesItemLineDetail).not.toHaveProperty('TaxInclusiveAmt');
    expect(result.payload.TxnTaxDetail).toMatchObject({ TotalTax: 2.28 });
  });

  it('refuses a line whose amount and tax do not add up to quantity × unit price', () => {
    const result = build({
      snapshot: britain,
      invoice: inclusive([{ ...inclusiveLine, amount: '24.97', taxAmount: '4.99' }]),
      mappings: [LABOR, VAT_20],
    });
    expect(result.problems).toContainEqual(
      expect.objectContaining({
        code: 'LINE_AMOUNT_MISMATCH',
        lineId: 'l1',
        message: expect.stringContaining('prices include tax'),
      }),
    );
  });
});

describe('buildQuickBooksInvoice: blocking problems', () => {
  it.each(['DRAFT', 'VOID'] as const)('refuses a %s invoice', (status) => {
    expect(build({ invoice: invoice({ status }) }).problems.map((p) => p.code)).toEqual([
      'INVOICE_NOT_FINALIZED',
    ]);
  });

  it('refuses an invoice without lines', () => {
    const result = build({ invoice: invoice({ lines: [] }) });
    expect(result.problems.map((p) => p.code)).toEqual(['NO_LINES']);
  });

  it('says "books closed" for an invoice dated on the closing date, and not for the day after', () => {
    const onClose = build({ snapshot: snapshot({ bookCloseDate: '2026-11-20' }) });
    expect(onClose.problems).toEqual([
      expect.objectContaining({ code: 'BOOKS_CLOSED', message: expect.stringContaining('books closed') }),
    ]);
    expect(build({ snapshot: snapshot({ bookCloseDate: '2026-11-19' }) }).problems).toEqual([]);
  });

  it('refuses a foreign currency when the company has no multicurrency', () => {
    const result = build({ invoice: invoice({ currency: 'EUR' }) });
    expect(result.problems).toEqual([
      expect.objectContaining({ code: 'CURRENCY_NOT_ENABLED', message: expect.stringContaining('EUR') }),
    ]);
  });

  it('refuses a line whose amount is not quantity × unit price (QuickBooks 6070)', () => {
    const result = build({ invoice: invoice({ lines: [line({ amount: '121.00' })] }) });
    expect(result.problems).toEqual([
      expect.objectContaining({
        code: 'LINE_AMOUNT_MISMATCH',
        lineId: 'l1',
        message: expect.stringContaining('120.00'),
      }),
    ]);
  });

  it('accepts the half-up rounding the host uses (2.5 × 0.333 = 0.8325 → 0.83)', () => {
    const result = build({
      invoice: invoice({ lines: [line({ quantity: '2.5', unitPrice: '0.333', amount: '0.83' })] }),
    });
    expect(result.problems).toEqual([]);
    expect(result.payload.Line[0]!.SalesItemLineDetail.UnitPrice).toBe(0.333);
  });

  it('refuses amounts with more than two decimals and numbers that are not decimals', () => {
    const subCent = build({ invoice: invoice({ lines: [line({ amount: '120.001' })] }) });
    expect(subCent.problems.map((p) => p.code)).toEqual(['UNREADABLE_AMOUNT']);
    const garbage = build({ invoice: invoice({ lines: [line({ quantity: 'two' })] }) });
    expect(garbage.problems.map((p) => p.code)).toEqual(['UNREADABLE_AMOUNT']);
    expect(garbage.payload.Line).toEqual([]);
  });

  it('refuses an unreadable tax rate', () => {
    const result = build({ invoice: invoice({ lines: [line({ taxRate: '-1' })] }) });
    expect(result.problems.map((p) => p.code)).toEqual(['UNREADABLE_AMOUNT']);
  });

  it('refuses a host invoice whose subtotal is not the sum of its lines', () => {
    const base = invoice();
    const result = build({ invoice: { ...base, totals: { ...base.totals, subtotal: '119.99' } } });
    expect(result.problems.map((p) => p.code)).toEqual(['HOST_TOTALS_MISMATCH']);
  });

  it('refuses a host invoice whose tax or total is not the sum of its lines', () => {
    const base = invoice({ lines: [line({ taxRate: '8.25', taxAmount: '9.90' })] });
    const wrongTax = build({ invoice: { ...base, totals: { ...base.totals, tax: '9.89' } } });
    expect(wrongTax.problems.map((p) => p.code)).toEqual(['HOST_TOTALS_MISMATCH']);
    const wrongTotal = build({ invoice: { ...base, totals: { ...base.totals, total: '129.89' } } });
    expect(wrongTotal.problems.map((p) => p.code)).toEqual(['HOST_TOTALS_MISMATCH']);
  });

  it('refuses a memo longer than QuickBooks prints', () => {
    const result = build({ invoice: invoice({ memo: 'm'.repeat(1001) }) });
    expect(result.problems.map((p) => p.code)).toEqual(['MEMO_TOO_LONG']);
  });

  it('lists every problem at once, so the admin can fix them in one go', () => {
    const result = build({
      mappings: [],
      snapshot: snapshot({ bookCloseDate: '2026-12-31' }),
      invoice: invoice({ status: 'DRAFT', lines: [line({ taxRate: '8.25' })] }),
    });
    expect(result.problems.map((p) => p.code).sort()).toEqual(
      ['BOOKS_CLOSED', 'INVOICE_NOT_FINALIZED', 'MAPPING_MISSING', 'MAPPING_MISSING'].sort(),
    );
  });
});

describe('buildQuickBooksInvoice: classes', () => {
  const CLASS = mapping('CLASS', 'BUSINESS_UNIT:north', '1', 'North');

  it('sends the mapped class for the business unit', () => {
    const result = build({ mappings: [LABOR, CLASS], options: { businessUnitId: 'north' } });
    expect(result.payload.ClassRef).toEqual({ value: '1', name: 'North' });
  });

  it('sends no class, without blocking, when the business unit is not mapped', () => {
    const result = build({ options: { businessUnitId: 'south' } });
    expect(result.problems).toEqual([]);
    expect(result.payload).not.toHaveProperty('ClassRef');
    expect(result.decisions).toContainEqual(
      expect.objectContaining({ field: 'ClassRef', sourceKey: 'BUSINESS_UNIT:south' }),
    );
  });

  it('blocks on a broken class mapping', () => {
    const result = build({ mappings: [LABOR, broken(CLASS)], options: { businessUnitId: 'north' } });
    expect(result.problems.map((p) => p.code)).toEqual(['MAPPING_BROKEN']);
  });
});

describe('previewOf', () => {
  it('is ready with the payload and decisions when nothing blocks', () => {
    const result = build();
    expect(previewOf(result)).toEqual({
      ready: true,
      payload: result.payload,
      decisions: result.decisions,
      problems: [],
    });
  });

  it('is the same for the same input: the preview and the push agree', () => {
    expect(JSON.stringify(previewOf(build()))).toBe(JSON.stringify(previewOf(build())));
  });
});
