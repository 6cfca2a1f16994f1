import type { MappingKind } from '../../models/mapping-set.js';

/**
 * The platform side of a mapping, as one string per concept (decision for issue 10):
 * `ITEM_KIND:<SERVICE|MATERIAL|LABOR|FEE>` and `SERVICE_CODE:<code>` (a service code wins over its kind)
 * map to an Item; `TAX_RATE:<rate>` to a TaxCode; `BUSINESS_UNIT:<id>` to a Class; the singletons
 * `INCOME_ACCOUNT` and `DEPOSIT_ACCOUNT` to accounts. Everything that builds or reads a key goes through
 * this module, so the sync, the status and the suggestions agree on one spelling.
 */
export const ITEM_KINDS = ['SERVICE', 'MATERIAL', 'LABOR', 'FEE'] as const;
export type PlatformItemKind = (typeof ITEM_KINDS)[number];

/** Free-text parts (service codes, business unit ids): printable, no surrounding spaces, bounded. */
const FREE_ID = /^[^\s\p{Cc}](?:[^\p{Cc}]{0,98}[^\s\p{Cc}])?$/u;
const FREE_ID_RULE = '1-100 characters, no control characters and no leading or trailing spaces';

/** A fraction written without exponent, sign, leading zeros or trailing zeros: `0`, `0.0725`, `1`. */
const CANONICAL_RATE = /^(?:0|1|0\.\d*[1-9])$/;

export type SourceKeyCheck = { ok: true } | { ok: false; reason: string };

const ok: SourceKeyCheck = { ok: true };
const refuse = (reason: string): SourceKeyCheck => ({ ok: false, reason });

/**
 * The canonical spelling of a tax rate given as a fraction ("0.07250" → "0.0725"), or undefined when the
 * text is not a plain decimal. String arithmetic only: a binary float would turn 0.0725 into 0.07249999….
 */
export function canonicalRate(fraction: string): string | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(fraction.trim());
  if (!match) return undefined;
  const integer = match[1]!.replace(/^0+(?=\d)/, '');
  const decimals = (match[2] ?? '').replace(/0+$/, '');
  return decimals ? `${integer}.${decimals}` : integer;
}

/**
 * The key for a platform tax rate given in percent, as the host's `taxRate` is ("7.25" → `TAX_RATE:0.0725`):
 * the decimal point moves two places left, as text.
 */
export function taxRateKeyFromPercent(percent: string): string | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(percent.trim());
  if (!match) return undefined;
  const digits = `${match[1]!.padStart(3, '0')}${match[2] ?? ''}`;
  const point = match[1]!.padStart(3, '0').length - 2;
  const rate = canonicalRate(`${digits.slice(0, point)}.${digits.slice(point)}`);
  return rate === undefined ? undefined : `TAX_RATE:${rate}`;
}

export const itemKindKey = (kind: PlatformItemKind): string => `ITEM_KIND:${kind}`;
export const serviceCodeKey = (code: string): string => `SERVICE_CODE:${code}`;
export const businessUnitKey = (id: string): string => `BUSINESS_UNIT:${id}`;

/** The tax rate a `TAX_RATE:` key names, as a canonical fraction; undefined for other keys. */
export function rateOfKey(sourceKey: string): string | undefined {
  return sourceKey.startsWith('TAX_RATE:') ? sourceKey.slice('TAX_RATE:'.length) : undefined;
}

function checkFreeId(value: string, what: string): SourceKeyCheck {
  return FREE_ID.test(value) ? ok : refuse(`${what} must be ${FREE_ID_RULE}`);
}

function checkRate(rate: string): SourceKeyCheck {
  if (CANONICAL_RATE.test(rate)) return ok;
  const canonical = canonicalRate(rate);
  if (canonical === undefined) {
    return refuse(`"${rate}" is not a plain decimal rate such as TAX_RATE:0.0725`);
  }
  if (Number(canonical) > 1) {
    return refuse(`a tax rate is a fraction between 0 and 1 (7.25 % is TAX_RATE:0.0725), not ${canonical}`);
  }
  return refuse(`write the rate in its canonical form: TAX_RATE:${canonical}`);
}

/** Whether `sourceKey` is a well-formed key for a mapping of `kind`, and if not, why. */
export function checkSourceKey(kind: MappingKind, sourceKey: string): SourceKeyCheck {
  const colon = sourceKey.indexOf(':');
  const prefix = colon < 0 ? sourceKey : sourceKey.slice(0, colon);
  const value = colon < 0 ? undefined : sourceKey.slice(colon + 1);
  switch (kind) {
    case 'ITEM':
      if (prefix === 'ITEM_KIND' && value !== undefined) {
        return (ITEM_KINDS as readonly string[]).includes(value)
          ? ok
          : refuse(`the item kind must be one of ${ITEM_KINDS.join(', ')}, not "${value}"`);
      }
      if (prefix === 'SERVICE_CODE' && value !== undefined) return checkFreeId(value, 'a service code');
      return refuse(
        'an ITEM mapping needs a key ITEM_KIND:<SERVICE|MATERIAL|LABOR|FEE> or SERVICE_CODE:<code>',
      );
    case 'TAX_CODE':
      if (prefix === 'TAX_RATE' && value !== undefined) return checkRate(value);
      return refuse('a TAX_CODE mapping needs a key TAX_RATE:<rate as a fraction, e.g. 0.0725>');
    case 'CLASS':
      if (prefix === 'BUSINESS_UNIT' && value !== undefined) return checkFreeId(value, 'a business unit id');
      return refuse('a CLASS mapping needs a key BUSINESS_UNIT:<business unit id>');
    case 'INCOME_ACCOUNT':
    case 'DEPOSIT_ACCOUNT':
      return sourceKey === kind ? ok : refuse(`${kind} mappings have the single key ${kind}`);
  }
}
