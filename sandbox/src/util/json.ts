import Big from 'big.js';
/** Entities are schemaless JSON documents, as on the wire; these helpers narrow them safely. */
export type Doc = Record<string, unknown>;

export function isDoc(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function getString(doc: Doc, key: string): string | undefined {
  const value = doc[key];
  return typeof value === 'string' ? value : undefined;
}

export function getNumber(doc: Doc, key: string): number | undefined {
  const value = doc[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

export function getDoc(doc: Doc, key: string): Doc | undefined {
  const value = doc[key];
  return isDoc(value) ? value : undefined;
}

export function getArray(doc: Doc, key: string): unknown[] | undefined {
  const value = doc[key];
  return Array.isArray(value) ? value : undefined;
}

export function getBoolean(doc: Doc, key: string): boolean | undefined {
  const value = doc[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** `{"value":"1","name":"..."}` reference types. */
export function getRefValue(doc: Doc, key: string): string | undefined {
  const ref = getDoc(doc, key);
  if (!ref) return undefined;
  const value = ref.value;
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * Money arithmetic on the decimal a number stands for, not on its binary float: JSON `1.005` is the decimal
 * 1.005 (big.js reads the shortest text that round-trips the double), so it rounds to 1.01, and exact halves
 * go away from zero (-0.125 -> -0.13), as Intuit's BigDecimal amounts do. Products are exact; quotients are
 * cut (not rounded) at 40 places before the one final rounding, so no half is created or lost on the way.
 */
const Decimal = Big();
Decimal.DP = 40;
Decimal.RM = Big.roundDown;

function toNumber(value: Big): number {
  return value.toNumber() || 0;
}

/** Decimals in the number as written (JSON 10.50 and 10.5 both have one). */
export function decimalPlaces(value: number): number {
  const decimal = new Decimal(value);
  return Math.max(0, decimal.c.length - decimal.e - 1);
}

/** Rounds half away from zero to `places` decimals. */
export function roundTo(value: number, places: number): number {
  if (!Number.isFinite(value)) return value;
  return toNumber(new Decimal(value).round(places, Big.roundHalfUp));
}

export function round2(value: number): number {
  return roundTo(value, 2);
}

/** a × b ÷ 10^shift, exactly, then rounded half away from zero (percentOf is shift 2). */
export function multiplyRound(a: number, b: number, places: number, shift = 0): number {
  return toNumber(
    new Decimal(a)
      .times(b)
      .div(10 ** shift)
      .round(places, Big.roundHalfUp),
  );
}

/** amount × percent / 100 to the cent. */
export function percentOf(amount: number, percent: number): number {
  return multiplyRound(amount, percent, 2, 2);
}

/** a × 10^shift ÷ b, then rounded half away from zero. Throws on division by zero. */
export function divideRound(a: number, b: number, places: number, shift = 0): number {
  return toNumber(
    new Decimal(a)
      .times(10 ** shift)
      .div(b)
      .round(places, Big.roundHalfUp),
  );
}

/** a × b ÷ c, then rounded half away from zero (a discount factor applied to one line). */
export function multiplyDivideRound(a: number, b: number, c: number, places: number): number {
  return toNumber(new Decimal(a).times(b).div(c).round(places, Big.roundHalfUp));
}

/** Exact sum of decimals (tax percentages such as 9.975 + 5, amounts at the cent). */
export function sumDecimal(values: Iterable<number>): number {
  let total = new Decimal(0);
  for (const value of values) total = total.plus(value);
  return toNumber(total);
}

/** Sum of amounts already at the cent, without float dust. */
export function sumMoney(values: Iterable<number>): number {
  return sumDecimal(values);
}

/** Reads a dotted path (`MetaData.LastUpdatedTime`, `CustomerRef`) the way the query language does. */
export function readPath(doc: Doc, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (!isDoc(current)) return undefined;
    current = findKey(current, part);
  }
  if (isDoc(current) && 'value' in current) return current.value;
  return current;
}

function findKey(doc: Doc, key: string): unknown {
  if (key in doc) return doc[key];
  const lower = key.toLowerCase();
  for (const [candidate, value] of Object.entries(doc)) {
    if (candidate.toLowerCase() === lower) return value;
  }
  return undefined;
}
