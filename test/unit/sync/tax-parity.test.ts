import { describe, expect, it } from '@jest/globals';
import type {
  QuickBooksCompanyFacts,
  ReferenceSnapshot,
} from '../../../src/services/reference-data/types.js';
import type { QuickBooksInvoicePayload } from '../../../src/sync/build-invoice.js';
import type { PlatformInvoiceLine } from '../../../src/sync/platform-invoice.js';
import { predictTaxParity, taxDifferenceOf } from '../../../src/sync/tax-parity.js';

const facts = (overrides: Partial<QuickBooksCompanyFacts> = {}): QuickBooksCompanyFacts => ({
  companyName: 'Plumbing LLC',
  country: 'US',
  taxModel: 'US',
  automatedSalesTax: false,
  customTxnNumbers: false,
  homeCurrency: 'USD',
  multiCurrencyEnabled: false,
  ...overrides,
});

const AST_ON = { automatedSalesTax: true, automatedSalesTaxState: 'ON' as const };

const line = (overrides: Partial<PlatformInvoiceLine>): PlatformInvoiceLine => ({
  id: 'l1',
  description: 'Labor',
  itemKind: 'LABOR',
  quantity: '1',
  unitPrice: '0',
  amount: '0.00',
  taxRate: '0',
  taxAmount: '0.00',
  ...overrides,
});

// 8.25 % per line: 23.64 + 4.08 = 27.72; once on the subtotal 335.90: 27.71.
const PER_LINE = {
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
  totals: { subtotal: '335.90', tax: '27.72', total: '363.62' },
};

describe('taxDifferenceOf: the push compares the write answer with the platform', () => {
  it('finds nothing when QuickBooks holds our tax to the cent', () => {
    expect(taxDifferenceOf(PER_LINE, { TxnTaxDetail: { TotalTax: 27.72 } }, facts(), 'OVERRIDE')).toBeNull();
  });

  it("classifies QuickBooks' subtotal rounding as ROUNDING, naming the rule", () => {
    const difference = taxDifferenceOf(
      PER_LINE,
      {
        TxnTaxDetail: {
          TotalTax: 27.71,
          TaxLine: [
            {
              Amount: 27.71,
              TaxLineDetail: {
                TaxRateRef: { value: '3', name: 'San Pablo' },
                TaxPercent: 8.25,
                NetAmountTaxable: 335.9,
              },
            },
          ],
        },
      },
      facts(),
      'ACCEPT',
    );
    expect(difference).toMatchObject({
      class: 'ROUNDING',
      oursCents: 2772,
      theirsCents: 2771,
      rule: 'PER_RATE_SUBTOTAL_HALF_UP',
      policy: 'ACCEPT',
      platformTaxLines: [{ ratePercent: '8.25', netCents: 33590, taxCents: 2772 }],
      quickbooksTaxLines: [{ ratePercent: '8.25', name: 'San Pablo', netCents: 33590, taxCents: 2771 }],
    });
    expect(difference!.explanation).toContain(
      'The tax setting is ACCEPT, so QuickBooks computed the tax itself',
    );
  });

  it("names a tax group's components from QuickBooks' tax lines: San Pablo 8.25 % is 7.25 % + 1 %", () => {
    // 10.70 at 8.25 % is 0.88 (0.88275); QuickBooks rounds 7.25 % (0.77575 -> 0.78) and 1 % (0.107 -> 0.11).
    const groupLine = line({ amount: '10.70', taxRate: '8.25', taxAmount: '0.88' });
    const invoice = { lines: [groupLine], totals: { subtotal: '10.70', tax: '0.88', total: '11.58' } };
    const rate = (value: string, percent: number, amount: number) => ({
      Amount: amount,
      TaxLineDetail: { TaxRateRef: { value }, TaxPercent: percent, NetAmountTaxable: 10.7 },
    });
    const written = {
      TxnTaxDetail: { TotalTax: 0.89, TaxLine: [rate('1', 7.25, 0.78), rate('2', 1, 0.11)] },
    };
    const difference = taxDifferenceOf(invoice, written, facts(), 'ACCEPT');
    expect(difference).toMatchObject({
      class: 'ROUNDING',
      rule: 'PER_COMPONENT_HALF_UP',
      oursCents: 88,
      theirsCents: 89,
    });
    expect(difference!.explanation).toContain('8.25 % is 7.25 % + 1 % in QuickBooks');
    // Without the tax lines nothing says 8.25 % is two rates: no rule gives 0.89.
    expect(taxDifferenceOf(invoice, { TxnTaxDetail: { TotalTax: 0.89 } }, facts(), 'ACCEPT')).toMatchObject({
      class: 'TAX_RECOMPUTED',
    });
  });

  it('says automated sales tax recomputed it, and that our tax was not kept under OVERRIDE', () => {
    const difference = taxDifferenceOf(
      PER_LINE,
      { TxnTaxDetail: { TotalTax: 32.75 } },
      facts(AST_ON),
      'OVERRIDE',
    );
    expect(difference).toMatchObject({ class: 'TAX_RECOMPUTED', oursCents: 2772, theirsCents: 3275 });
    expect(difference!.explanation).toContain("QuickBooks did not keep the platform's tax we sent");
    expect(difference!.explanation).toContain('automated sales tax');
  });

  it('names sales tax turned off when QuickBooks stored no tax at all', () => {
    const difference = taxDifferenceOf(
      PER_LINE,
      { TxnTaxDetail: { TotalTax: 0 } },
      facts({ usingSalesTax: false }),
      'OVERRIDE',
    );
    expect(difference).toMatchObject({ class: 'TAX_RECOMPUTED', theirsCents: 0 });
    expect(difference!.explanation).toContain('sales tax is turned off');
  });

  it('reads a missing TxnTaxDetail as no tax', () => {
    expect(
      taxDifferenceOf(PER_LINE, {}, facts({ automatedSalesTaxState: 'NOT_SET_UP' }), 'OVERRIDE'),
    ).toMatchObject({
      theirsCents: 0,
      explanation: expect.stringContaining('no sales tax is set up'),
    });
  });
});

describe('predictTaxParity: the preview says whether QuickBooks will keep our tax', () => {
  const taxable = {
    id: '2',
    name: 'Hours',
    fullyQualifiedName: 'Hours',
    type: 'Service',
    active: true,
    sellable: true,
  };
  const snapshot = (
    overrides: Partial<QuickBooksCompanyFacts> = {},
    items: ReferenceSnapshot['items'] = [{ ...taxable, taxable: true }],
    taxCodes: ReferenceSnapshot['taxCodes'] = [],
  ) => ({ facts: facts(overrides), items, taxCodes });
  const payload = (taxCode?: string): Pick<QuickBooksInvoicePayload, 'Line' | 'TxnTaxDetail'> => ({
    Line: [
      {
        DetailType: 'SalesItemLineDetail',
        Amount: 286.5,
        SalesItemLineDetail: {
          ItemRef: { value: '2' },
          Qty: 3,
          UnitPrice: 95.5,
          ...(taxCode ? { TaxCodeRef: { value: taxCode } } : {}),
        },
      },
      {
        DetailType: 'SalesItemLineDetail',
        Amount: 49.4,
        SalesItemLineDetail: {
          ItemRef: { value: '2' },
          Qty: 4,
          UnitPrice: 12.35,
          ...(taxCode ? { TaxCodeRef: { value: taxCode } } : {}),
        },
      },
    ],
    TxnTaxDetail: { TxnTaxCodeRef: { value: '3' } },
  });
  const address = {
    line1: '1 Main St',
    city: 'San Francisco',
    region: 'CA',
    postalCode: '94105',
    country: 'US',
  };
  const invoice = (withAddress = true) => ({
    ...PER_LINE,
    billTo: { name: 'Amy', ...(withAddress ? { address } : {}) },
  });

  it('HIGH when sales tax is off in QuickBooks: it would store 0.00', () => {
    const prediction = predictTaxParity({
      invoice: invoice(),
      payload: payload(),
      snapshot: snapshot({ usingSalesTax: false }),
      policy: 'OVERRIDE',
    });
    expect(prediction).toMatchObject({ risk: 'HIGH', expectedQuickBooksTax: '0.00', platformTax: '27.72' });
    expect(prediction.reasons[0]).toContain('sales tax is turned off');
  });

  it('HIGH when automated sales tax is on but not set up', () => {
    expect(
      predictTaxParity({
        invoice: invoice(),
        payload: payload(),
        snapshot: snapshot({ automatedSalesTaxState: 'NOT_SET_UP' }),
        policy: 'OVERRIDE',
      }),
    ).toMatchObject({ risk: 'HIGH', expectedQuickBooksTax: '0.00' });
  });

  it('AST, OVERRIDE: LOW (kept if the destination is set up), naming the address and the placeholder code', () => {
    const prediction = predictTaxParity({
      invoice: invoice(),
      payload: payload(),
      snapshot: snapshot(AST_ON),
      policy: 'OVERRIDE',
    });
    expect(prediction).toMatchObject({ risk: 'LOW', expectedQuickBooksTax: '27.72' });
    expect(prediction.reasons[0]).toContain('San Francisco CA 94105');
    expect(prediction.reasons[0]).toContain('placeholder tax code');
    const noAddress = predictTaxParity({
      invoice: invoice(false),
      payload: payload(),
      snapshot: snapshot(AST_ON),
      policy: 'OVERRIDE',
    });
    expect(noAddress.reasons).toContainEqual(expect.stringContaining('company address'));
  });

  it('AST: HIGH when no taxed line maps to a taxable QuickBooks item', () => {
    const prediction = predictTaxParity({
      invoice: invoice(),
      payload: payload(),
      snapshot: snapshot(AST_ON, [{ ...taxable, taxable: false }]),
      policy: 'OVERRIDE',
    });
    expect(prediction).toMatchObject({ risk: 'HIGH', expectedQuickBooksTax: '0.00' });
    expect(prediction.reasons[0]).toContain('taxable');
  });

  it("AST, ACCEPT: HIGH, QuickBooks' figure cannot be predicted", () => {
    expect(
      predictTaxParity({
        invoice: invoice(),
        payload: payload(),
        snapshot: snapshot(AST_ON),
        policy: 'ACCEPT',
      }),
    ).toMatchObject({ risk: 'HIGH', expectedQuickBooksTax: null });
  });

  it('US manual: NONE under OVERRIDE; under ACCEPT the subtotal rounding QuickBooks will apply', () => {
    const code = {
      id: '3',
      name: 'San Pablo',
      active: true,
      usableOnSales: true,
      taxable: true,
      salesRates: [{ id: '30', name: 'SP', ratePercent: 8.25 }],
    };
    const manual = snapshot({}, [], [code]);
    expect(
      predictTaxParity({ invoice: invoice(), payload: payload(), snapshot: manual, policy: 'OVERRIDE' }),
    ).toMatchObject({ risk: 'NONE', expectedQuickBooksTax: '27.72' });
    expect(
      predictTaxParity({ invoice: invoice(), payload: payload(), snapshot: manual, policy: 'ACCEPT' }),
    ).toMatchObject({ risk: 'LOW', expectedQuickBooksTax: '27.71' });
  });

  it('US manual, ACCEPT: a tax group rounds each of its rates on the subtotal', () => {
    const group = {
      id: '3',
      name: 'San Pablo',
      active: true,
      usableOnSales: true,
      taxable: true,
      salesRates: [
        { id: '1', name: 'California', ratePercent: 7.25 },
        { id: '2', name: 'San Pablo District', ratePercent: 1 },
      ],
    };
    const small = {
      lines: [line({ amount: '10.70', taxRate: '8.25', taxAmount: '0.88' })],
      totals: { subtotal: '10.70', tax: '0.88', total: '11.58' },
      billTo: { name: 'Amy', address },
    };
    const prediction = predictTaxParity({
      invoice: small,
      payload: payload(),
      snapshot: snapshot({}, [], [group]),
      policy: 'ACCEPT',
    });
    expect(prediction).toMatchObject({ risk: 'LOW', expectedQuickBooksTax: '0.89' });
    expect(prediction.reasons[0]).toContain('once per rate of its code');
  });

  it('non-US, ACCEPT: QuickBooks per line and rate; NONE when that is the platform figure', () => {
    const hst = {
      id: '5',
      name: 'HST ON',
      active: true,
      usableOnSales: true,
      taxable: true,
      salesRates: [{ id: '51', name: 'HST', ratePercent: 8.25 }],
    };
    const canada = snapshot({ country: 'CA', taxModel: 'NON_US' }, [], [hst]);
    expect(
      predictTaxParity({ invoice: invoice(), payload: payload('5'), snapshot: canada, policy: 'ACCEPT' }),
    ).toMatchObject({ risk: 'NONE', expectedQuickBooksTax: '27.72' });
    const roundedOnce = { ...invoice(), totals: { ...PER_LINE.totals, tax: '27.71' } };
    expect(
      predictTaxParity({ invoice: roundedOnce, payload: payload('5'), snapshot: canada, policy: 'ACCEPT' }),
    ).toMatchObject({ risk: 'LOW', expectedQuickBooksTax: '27.72' });
    // Prices including tax: each line's gross fixes its tax in QuickBooks, whatever it would round to.
    const inclusive = { ...roundedOnce, pricesIncludeTax: true };
    const prediction = predictTaxParity({
      invoice: inclusive,
      payload: payload('5'),
      snapshot: canada,
      policy: 'ACCEPT',
    });
    expect(prediction).toMatchObject({ risk: 'NONE', expectedQuickBooksTax: '27.71' });
    expect(prediction.reasons[0]).toContain('prices include tax');
  });
});
