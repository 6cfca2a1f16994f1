import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { decimalPlaces, getNumber, round2 } from '../../util/json.js';
import type { EntityContext } from './context.js';

/** Intuit prints amounts en-US with grouping in its Details: "Supplied value:1,000", "1,861.07". */
const SUPPLIED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 10 });

export function suppliedValue(value: number): string {
  return SUPPLIED.format(value);
}

/**
 * Reads a money field of a sales form. Intuit documents Line.Amount (and TaxLine/Discount amounts) as
 * "Max 15 digits in 10.5 format" (Invoice reference, developer.intuit.com/app/developer/qbo/docs/api/
 * accounting/all-entities/invoice): more than 10 integer digits or 5 decimals is refused (2140 Invalid
 * Amount; the code Intuit uses is UNCONFIRMED). What QuickBooks does with 3-5 decimals, which the format
 * admits but a currency does not, is UNCONFIRMED: setting `invoice.subCentAmounts` rejects them (default)
 * or rounds them half away from zero.
 */
export function readMoney(
  ctx: EntityContext,
  holder: Doc,
  field: string,
  element: string,
): number | undefined {
  const value = getNumber(holder, field);
  if (value === undefined) return undefined;
  const places = decimalPlaces(value);
  if (Math.abs(value) >= 1e10 || places > 5) {
    throw Faults.invalidAmount(
      element,
      `Invalid Amount : ${element} must have at most 15 digits in 10.5 format. Supplied value:${suppliedValue(value)}`,
    );
  }
  if (places <= 2) return value || 0;
  if (ctx.settings.invoice.subCentAmounts === 'round') return round2(value);
  throw Faults.invalidAmount(
    element,
    `Invalid Amount : ${element} must not have more than 2 decimals. Supplied value:${suppliedValue(value)}`,
  );
}
