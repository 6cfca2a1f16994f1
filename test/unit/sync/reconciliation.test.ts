import { describe, expect, it } from '@jest/globals';
import {
  compareInvoice,
  componentsOf,
  taxUnderRules,
  type PlatformSide,
  type QuickBooksSide,
} from '../../../src/sync/reconciliation.js';

const platform = (overrides: Partial<PlatformSide> = {}): PlatformSide => ({
  invoiceId: 'inv-1',
  number: 'INV-1',
  status: 'FINALIZED',
  lines: [
    { amount: '286.50', taxRate: '8.25', taxAmount: '23.64' },
    { amount: '49.40', taxRate: '8.25', taxAmount: '4.08' },
  ],
  totals: { subtotal: '335.90', tax: '27.72', total: '363.62' },
  amountPaid: '0.00',
  ...overrides,
});

const quickbooks = (overrides: Partial<QuickBooksSide> = {}): QuickBooksSide => ({
  quickbooksInvoiceId: '42',
  docNumber: 'INV-1',
  state: 'ACTIVE',
  totalAmt: '363.62',
  totalTax: '27.72',
  balance: '363.62',
  ...overrides,
});

describe('compareInvoice', () => {
  it('finds nothing when both sides agree to the cent', () => {
    expect(compareInvoice(platform(), quickbooks())).toEqual({ class: null, findings: [], atStakeCents: 0 });
  });

  it('explains a cent of tax by the rule that reproduces it (8.25 % per line vs once on the subtotal)', () => {
    const result = compareInvoice(
      platform(),
      quickbooks({ totalTax: '27.71', totalAmt: '363.61', balance: '363.61' }),
    );
    expect(result.class).toBe('ROUNDING');
    expect(result.findings).toEqual([
      expect.objectContaining({
        class: 'ROUNDING',
        ours: 2772,
        theirs: 2771,
        rule: 'PER_RATE_SUBTOTAL_HALF_UP',
      }),
    ]);
    expect(result.atStakeCents).toBe(1);
  });

  it("names banker's rounding when only half-to-even gives QuickBooks' figure", () => {
    const lines = [{ amount: '2.50', taxRate: '5', taxAmount: '0.13' }];
    const result = compareInvoice(
      platform({ lines, totals: { subtotal: '2.50', tax: '0.13', total: '2.63' } }),
      quickbooks({ totalTax: '0.12', totalAmt: '2.62', balance: '2.62' }),
    );
    expect(result.findings[0]).toMatchObject({ class: 'ROUNDING', rule: 'PER_LINE_HALF_EVEN' });
  });

  it('QST 9.975 % on 4,495.16: QuickBooks 448.39 against a platform that billed 448.40 is rounding', () => {
    const lines = [{ amount: '4495.16', taxRate: '9.975', taxAmount: '448.40' }];
    const result = compareInvoice(
      platform({ lines, totals: { subtotal: '4495.16', tax: '448.40', total: '4943.56' } }),
      quickbooks({ totalTax: '448.39', totalAmt: '4943.55', balance: '4943.55' }),
    );
    expect(result.findings[0]).toMatchObject({ class: 'ROUNDING', ours: 44840, theirs: 44839 });
  });

  it('a compound rate rounded per component is named as such', () => {
    const lines = [{ amount: '10.10', taxRate: '14.975', taxAmount: '1.51', components: ['5', '9.975'] }];
    expect(taxUnderRules(lines)).toMatchObject({ PER_LINE_HALF_UP: 151, PER_COMPONENT_HALF_UP: 152 });
    const result = compareInvoice(
      platform({ lines, totals: { subtotal: '10.10', tax: '1.51', total: '11.61' } }),
      quickbooks({ totalTax: '1.52', totalAmt: '11.62', balance: '11.62' }),
    );
    expect(result.findings[0]).toMatchObject({ class: 'ROUNDING', rule: 'PER_COMPONENT_HALF_UP' });
  });

  it("QuickBooks' tax lines split a compound rate: Quebec rounded per line and per component", () => {
    // Two lines of 10.10 at GST 5 % + QST 9.975 %: per line at 14.975 % 1.51 each (3.02, the platform);
    // QuickBooks rounds GST 0.505 -> 0.51 and QST 1.007475 -> 1.01 on each line (3.04).
    const lines = [
      { amount: '10.10', taxRate: '14.975', taxAmount: '1.51' },
      { amount: '10.10', taxRate: '14.975', taxAmount: '1.51' },
    ];
    const ours = platform({ lines, totals: { subtotal: '20.20', tax: '3.02', total: '23.22' } });
    const theirs = quickbooks({ totalTax: '3.04', totalAmt: '23.24', balance: '23.24' });
    expect(compareInvoice(ours, { ...theirs, taxRatePercents: ['5', '9.975'] }).findings[0]).toMatchObject({
      class: 'ROUNDING',
      rule: 'PER_LINE_PER_COMPONENT_HALF_UP',
      explanation: expect.stringContaining('14.975 % is 5 % + 9.975 % in QuickBooks'),
    });
    // Without QuickBooks' tax lines (a report row) nothing says 14.975 % is two rates.
    expect(compareInvoice(ours, theirs).class).toBe('TAX_RECOMPUTED');
  });

  it("rates QuickBooks' tax lines do not add up to are not split: another jurisdiction is TAX_RECOMPUTED", () => {
    const lines = [{ amount: '10.70', taxRate: '8.25', taxAmount: '0.88' }];
    const result = compareInvoice(
      platform({ lines, totals: { subtotal: '10.70', tax: '0.88', total: '11.58' } }),
      quickbooks({
        totalTax: '0.92',
        totalAmt: '11.62',
        balance: '11.62',
        taxRatePercents: ['7.25', '1.375'],
      }),
    );
    expect(result.class).toBe('TAX_RECOMPUTED');
  });

  it('a tax no rounding rule explains is TAX_RECOMPUTED, with the rate QuickBooks effectively applied', () => {
    const lines = [{ amount: '100.00', taxRate: '8.25', taxAmount: '8.25' }];
    const result = compareInvoice(
      platform({ lines, totals: { subtotal: '100.00', tax: '8.25', total: '108.25' } }),
      quickbooks({ totalTax: '9.00', totalAmt: '109.00', balance: '109.00' }),
    );
    expect(result.class).toBe('TAX_RECOMPUTED');
    expect(result.findings[0]!.explanation).toContain('about 9 %');
    // The balance moved with the total, not with a payment: no BALANCE finding on top.
    expect(result.findings.map((finding) => finding.class)).toEqual(['TAX_RECOMPUTED']);
  });

  it('an amount edited in QuickBooks is AMOUNT, with both figures in cents', () => {
    const result = compareInvoice(
      platform(),
      quickbooks({ totalAmt: '400.00', totalTax: '27.72', balance: '400.00' }),
    );
    expect(result.findings).toEqual([
      expect.objectContaining({ class: 'AMOUNT', ours: 33590, theirs: 37228 }),
    ]);
  });

  it('payments that differ are BALANCE', () => {
    const result = compareInvoice(platform({ amountPaid: '100.00' }), quickbooks({ balance: '313.62' }));
    expect(result.findings).toEqual([
      expect.objectContaining({ class: 'BALANCE', ours: 10000, theirs: 5000 }),
    ]);
    expect(result.atStakeCents).toBe(5000);
  });

  it('missing, extra and status rows', () => {
    expect(compareInvoice(platform(), null)).toMatchObject({
      class: 'MISSING_IN_QUICKBOOKS',
      atStakeCents: 36362,
    });
    expect(compareInvoice(null, quickbooks())).toMatchObject({ class: 'EXTRA_IN_QUICKBOOKS' });
    expect(compareInvoice(platform(), quickbooks({ state: 'VOIDED' })).findings[0]!.explanation).toContain(
      'voided in QuickBooks',
    );
    expect(compareInvoice(platform({ status: 'VOID' }), quickbooks()).class).toBe('STATUS');
    expect(compareInvoice(platform({ status: 'VOID' }), quickbooks({ state: 'DELETED' })).class).toBeNull();
  });
});

describe('componentsOf', () => {
  it("splits a rate into the fewest of QuickBooks' rates that add up to it", () => {
    expect(componentsOf('8.25', ['7.25', '1'])).toEqual(['7.25', '1']);
    expect(componentsOf('14.975', ['13', '5', '9.975'])).toEqual(['5', '9.975']);
    expect(componentsOf('10', ['2.5', '7.5', '4', '3.5', '2'])).toEqual(['2.5', '7.5']);
  });

  it('leaves a rate QuickBooks taxes as itself, a zero rate, and a rate nothing adds up to', () => {
    expect(componentsOf('8.25', ['8.25', '7.25', '1'])).toBeUndefined();
    expect(componentsOf('0', ['5', '9.975'])).toBeUndefined();
    expect(componentsOf('9', ['7.25', '1.375'])).toBeUndefined();
    expect(componentsOf('8.25', [])).toBeUndefined();
  });
});
