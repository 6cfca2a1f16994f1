/**
 * Exact fixed-point decimals for money, as scaled bigints: `{ units: 12345n, scale: 2 }` is 123.45.
 * Invoice amounts never pass through binary floating point (1.5 × 129.99 is 194.985 here, not
 * 194.98499999999998), so rounding is exactly "half up" as documented in the README.
 */
export interface Fixed {
  units: bigint;
  scale: number;
}

const DECIMAL_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parses "123", "-0.5", "129.99"; undefined for anything else (no exponents, no thousands separators). */
export function parseDecimal(text: string): Fixed | undefined {
  const match = DECIMAL_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, sign, integer = '0', fraction = ''] = match;
  const units = BigInt(`${integer}${fraction}`);
  return { units: sign ? -units : units, scale: fraction.length };
}

/** Like parseDecimal, for values already validated by the Decimal scalar. */
export function decimal(text: string): Fixed {
  const value = parseDecimal(text);
  if (!value) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  return value;
}

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

/** Changes the scale; when digits are dropped, rounds half up (half away from zero for negatives). */
export function roundTo(value: Fixed, scale: number): Fixed {
  if (scale >= value.scale) return { units: value.units * pow10(scale - value.scale), scale };
  const divisor = pow10(value.scale - scale);
  const magnitude = value.units < 0n ? -value.units : value.units;
  const rounded = (magnitude + divisor / 2n) / divisor;
  return { units: value.units < 0n ? -rounded : rounded, scale };
}

export function multiply(a: Fixed, b: Fixed): Fixed {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** Divides by 100 exactly (a percentage to a fraction). */
export function percentOf(amount: Fixed, ratePercent: Fixed): Fixed {
  const product = multiply(amount, ratePercent);
  return { units: product.units, scale: product.scale + 2 };
}

/** a ÷ b to `scale` decimals, rounded half up (half away from zero); b must not be zero. */
export function divide(a: Fixed, b: Fixed, scale: number): Fixed {
  // a / b × 10^scale = a.units × 10^(scale + b.scale − a.scale) / b.units
  const shift = scale + b.scale - a.scale;
  const numerator = shift >= 0 ? a.units * pow10(shift) : a.units;
  const denominator = shift >= 0 ? b.units : b.units * pow10(-shift);
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const rounded = (2n * n + d) / (2n * d);
  return { units: negative ? -rounded : rounded, scale };
}

export function add(a: Fixed, b: Fixed): Fixed {
  const scale = Math.max(a.scale, b.scale);
  return { units: roundTo(a, scale).units + roundTo(b, scale).units, scale };
}

export function compare(a: Fixed, b: Fixed): number {
  const scale = Math.max(a.scale, b.scale);
  const diff = roundTo(a, scale).units - roundTo(b, scale).units;
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

/** Number of digits before the decimal point (ignoring sign and leading zeros). */
export function integerDigits(value: Fixed): number {
  const magnitude = value.units < 0n ? -value.units : value.units;
  const integer = magnitude / pow10(value.scale);
  return integer === 0n ? 0 : integer.toString().length;
}

/** Formats with at least `minFraction` decimals; trailing zeros beyond that are dropped. */
export function formatDecimal(value: Fixed, minFraction = 0): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  const integer = digits.slice(0, digits.length - value.scale);
  let fraction = digits.slice(digits.length - value.scale);
  while (fraction.length > minFraction && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  fraction = fraction.padEnd(minFraction, '0');
  const text = fraction ? `${integer}.${fraction}` : integer;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/** Money is held to 2 decimals: every currency the demo host seeds (USD, NOK, GBP) has 2 minor digits. */
export const MONEY_SCALE = 2;

export function formatMoney(value: Fixed): string {
  return formatDecimal(roundTo(value, MONEY_SCALE), MONEY_SCALE);
}

export interface LineAmounts {
  /** The line's amount before tax, to 2 decimals (see lineAmounts) */
  amount: string;
  /** The line's tax, to 2 decimals; tax is computed per line, then summed */
  taxAmount: string;
}

const HUNDRED: Fixed = { units: 100n, scale: 0 };

/**
 * Tax exclusive (the default): amount = quantity × unitPrice and taxAmount = amount × taxRate / 100, each
 * rounded half up to 2 decimals. Tax inclusive (`pricesIncludeTax`): quantity × unitPrice, rounded, is what
 * the client pays for the line (the gross); amount = gross × 100 / (100 + taxRate) rounded half up, and
 * taxAmount = gross − amount, so the line still adds up to the gross to the cent.
 */
export function lineAmounts(
  line: { quantity: string; unitPrice: string; taxRate: string },
  pricesIncludeTax = false,
): LineAmounts {
  const product = roundTo(multiply(decimal(line.quantity), decimal(line.unitPrice)), MONEY_SCALE);
  const rate = decimal(line.taxRate);
  if (pricesIncludeTax) {
    const net = divide(multiply(product, HUNDRED), add(HUNDRED, rate), MONEY_SCALE);
    const tax = add(product, { units: -net.units, scale: net.scale });
    return { amount: formatMoney(net), taxAmount: formatMoney(tax) };
  }
  const tax = roundTo(percentOf(product, rate), MONEY_SCALE);
  return { amount: formatMoney(product), taxAmount: formatMoney(tax) };
}

export interface Totals {
  subtotal: string;
  tax: string;
  total: string;
}

/** Subtotal and tax are the sums of the rounded line amounts; total = subtotal + tax. */
export function invoiceTotals(
  lines: ReadonlyArray<{ quantity: string; unitPrice: string; taxRate: string }>,
  pricesIncludeTax = false,
): Totals {
  let subtotal: Fixed = { units: 0n, scale: MONEY_SCALE };
  let tax: Fixed = { units: 0n, scale: MONEY_SCALE };
  for (const line of lines) {
    const amounts = lineAmounts(line, pricesIncludeTax);
    subtotal = add(subtotal, decimal(amounts.amount));
    tax = add(tax, decimal(amounts.taxAmount));
  }
  return { subtotal: formatMoney(subtotal), tax: formatMoney(tax), total: formatMoney(add(subtotal, tax)) };
}
