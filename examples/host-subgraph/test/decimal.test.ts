import { describe, expect, it } from '@jest/globals';
import { formatDecimal, invoiceTotals, lineAmounts, parseDecimal, roundTo } from '../src/decimal.js';

describe('decimal money arithmetic', () => {
  it('parses and formats plain decimals exactly', () => {
    expect(parseDecimal('129.99')).toEqual({ units: 12999n, scale: 2 });
    expect(parseDecimal('-0.5')).toEqual({ units: -5n, scale: 1 });
    expect(parseDecimal('1e3')).toBeUndefined();
    expect(parseDecimal('1,000.00')).toBeUndefined();
    expect(formatDecimal({ units: 250n, scale: 2 })).toBe('2.5');
    expect(formatDecimal({ units: 125n, scale: 0 }, 2)).toBe('125.00');
  });

  it('rounds half up, not half to even and not through binary floating point', () => {
    expect(formatDecimal(roundTo({ units: 2505n, scale: 3 }, 2), 2)).toBe('2.51');
    expect(formatDecimal(roundTo({ units: 2515n, scale: 3 }, 2), 2)).toBe('2.52');
    expect(formatDecimal(roundTo({ units: 2504n, scale: 3 }, 2), 2)).toBe('2.50');
    expect(formatDecimal(roundTo({ units: -2505n, scale: 3 }, 2), 2)).toBe('-2.51');
    // 1.5 * 129.99 is 194.98499999999998 in doubles; exactly 194.985 here.
    expect(lineAmounts({ quantity: '1.5', unitPrice: '129.99', taxRate: '8.25' })).toEqual({
      amount: '194.99',
      taxAmount: '16.09',
    });
  });

  it('backs the tax out of prices that include it, half up on the amount before tax', () => {
    // 1.23 × 100 / 120 = 1.025 exactly: the amount rounds up and the tax takes the rest.
    expect(lineAmounts({ quantity: '1', unitPrice: '1.23', taxRate: '20' }, true)).toEqual({
      amount: '1.03',
      taxAmount: '0.20',
    });
    // Quebec's 14.975 %: 114.98 is 100.00 before tax.
    expect(lineAmounts({ quantity: '2', unitPrice: '57.49', taxRate: '14.975' }, true)).toEqual({
      amount: '100.00',
      taxAmount: '14.98',
    });
    expect(lineAmounts({ quantity: '1.5', unitPrice: '10', taxRate: '0' }, true)).toEqual({
      amount: '15.00',
      taxAmount: '0.00',
    });
    const line = { quantity: '3', unitPrice: '9.99', taxRate: '20' };
    // The total is what the client pays: quantity × unit price, per line.
    expect(invoiceTotals([line, line], true)).toEqual({ subtotal: '49.96', tax: '9.98', total: '59.94' });
  });

  it('computes tax per line and sums rounded line amounts', () => {
    // Three lines each with 0.005 of tax: per-line rounding gives 0.03, rounding the sum would give 0.02.
    const line = { quantity: '1', unitPrice: '0.02', taxRate: '25' };
    expect(invoiceTotals([line, line, line])).toEqual({ subtotal: '0.06', tax: '0.03', total: '0.09' });
    expect(invoiceTotals([])).toEqual({ subtotal: '0.00', tax: '0.00', total: '0.00' });
  });
});
