import type { Doc } from '../util/json.js';
import { getString } from '../util/json.js';
import type { Realm } from './realm.js';

/**
 * Automated Sales Tax (AST) for US companies, as far as the emulator models it.
 *
 * INVENTED FOR THE EMULATOR: the rates, districts and ZIP prefixes below are a small deterministic table so
 * tests can predict the tax; they are not anyone's real sales tax. What is Intuit's is the shape:
 *  - AST "assigns the appropriate tax code to sales transaction objects" from the destination address
 *    (blog 2017-12-11, https://developer.intuit.com/hub/blog/2017/12/11/using-quickbooks-online-api-automated-sales-tax),
 *    and the TaxCode/TaxRate objects it uses are "created by AST" (same blog), so they exist as ordinary
 *    read-only TaxCode/TaxRate entities here too;
 *  - a destination with no tax agency set up is taxed nothing (Intuit's AST FAQ, blog 2018-05-11: tax applies
 *    "as long as your Sales Tax Center and all applicable tax agencies are set up"). Here a state missing
 *    from the table stands for "no agency set up".
 */

interface AstRate {
  id: string;
  name: string;
  percent: number;
}

interface Jurisdiction {
  /** Id of the TaxCode AST assigns. */
  codeId: string;
  name: string;
  state: string;
  rates: AstRate[];
}

/** [state, state name, TaxCode/TaxRate id, state rate]. Ids sit far above the seeded ones. */
const STATES: [string, string, string, number][] = [
  ['CA', 'California', '101', 7.25],
  ['NY', 'New York', '102', 4],
  ['TX', 'Texas', '103', 6.25],
  ['WA', 'Washington', '104', 6.5],
  ['AZ', 'Arizona', '105', 5.6],
  ['FL', 'Florida', '106', 6],
];

/** [ZIP prefix, state, district name, TaxCode/TaxRate id, district rate added to the state rate]. */
const DISTRICTS: [string, string, string, string, number][] = [
  ['941', 'CA', 'San Francisco', '111', 1.375],
  ['900', 'CA', 'Los Angeles', '112', 2.25],
  ['100', 'NY', 'New York City', '113', 4.875],
  ['787', 'TX', 'Austin', '114', 2],
  ['981', 'WA', 'Seattle', '115', 3.85],
  ['857', 'AZ', 'Tucson', '116', 2.6],
];

const byState = new Map<string, Jurisdiction>();
const stateNames = new Map<string, string>();
for (const [state, name, id, percent] of STATES) {
  byState.set(state, { codeId: id, name, state, rates: [{ id, name: `${name} state`, percent }] });
  stateNames.set(name.toUpperCase(), state);
}
const byZipPrefix = new Map<string, Jurisdiction>();
for (const [prefix, state, name, id, percent] of DISTRICTS) {
  const stateJurisdiction = byState.get(state);
  if (!stateJurisdiction) continue;
  byZipPrefix.set(prefix, {
    codeId: id,
    name: `${name}, ${state}`,
    state,
    rates: [...stateJurisdiction.rates, { id, name: `${name} district`, percent }],
  });
}

const ALL_JURISDICTIONS = [...byState.values(), ...byZipPrefix.values()];

function stateOf(address: Doc): string | undefined {
  const raw = getString(address, 'CountrySubDivisionCode')?.trim().toUpperCase();
  if (!raw) return undefined;
  return byState.has(raw) ? raw : (stateNames.get(raw) ?? raw);
}

/**
 * The jurisdiction of a destination address: a ZIP-prefix district (when the state, if given, agrees), else
 * the state, else none (no agency set up: no tax).
 */
export function astJurisdiction(address: Doc | undefined): Jurisdiction | undefined {
  if (!address) return undefined;
  const state = stateOf(address);
  const zip = getString(address, 'PostalCode')?.trim();
  const district = zip && /^\d{5}/.test(zip) ? byZipPrefix.get(zip.slice(0, 3)) : undefined;
  if (district && (state === undefined || state === district.state)) return district;
  return state === undefined ? undefined : byState.get(state);
}

/** An address AST can place: one with a state or a postal code. */
export function isPlaceable(address: Doc | undefined): address is Doc {
  if (!address) return false;
  return Boolean(
    getString(address, 'CountrySubDivisionCode')?.trim() || getString(address, 'PostalCode')?.trim(),
  );
}

/**
 * Creates the AST tax codes and rates once per company (idempotent: fixed ids). Called when AST is switched
 * on and again lazily before AST assigns a code, so a company can never point at a code that does not exist.
 */
export function installAstTaxCodes(realm: Realm, createdAt: string): void {
  if (realm.get('TaxCode', STATES[0]?.[2] ?? '101')) return;
  const meta = { CreateTime: createdAt, LastUpdatedTime: createdAt };
  const rates = new Map<string, AstRate>();
  for (const jurisdiction of ALL_JURISDICTIONS)
    for (const rate of jurisdiction.rates) rates.set(rate.id, rate);
  for (const rate of rates.values()) {
    realm.noteId('TaxRate', rate.id);
    realm.put('TaxRate', {
      Id: rate.id,
      SyncToken: '0',
      domain: 'QBO',
      sparse: false,
      MetaData: meta,
      Name: rate.name,
      Description: `${rate.name} (automated sales tax)`,
      Active: true,
      RateValue: rate.percent,
      AgencyRef: { value: '1' },
      SpecialTaxType: 'NONE',
      DisplayType: 'ReadOnly',
      EffectiveTaxRate: [{ RateValue: rate.percent, EffectiveDate: '2020-01-01T00:00:00Z' }],
    });
  }
  for (const jurisdiction of ALL_JURISDICTIONS) {
    realm.noteId('TaxCode', jurisdiction.codeId);
    realm.put('TaxCode', {
      Id: jurisdiction.codeId,
      SyncToken: '0',
      domain: 'QBO',
      sparse: false,
      MetaData: meta,
      Name: jurisdiction.name,
      Description: `${jurisdiction.name} (automated sales tax)`,
      Active: true,
      Hidden: false,
      Taxable: true,
      TaxGroup: jurisdiction.rates.length > 1,
      SalesTaxRateList: {
        TaxRateDetail: jurisdiction.rates.map((rate, order) => ({
          TaxRateRef: { value: rate.id, name: rate.name },
          TaxTypeApplicable: 'TaxOnAmount',
          TaxOrder: order,
        })),
      },
      PurchaseTaxRateList: { TaxRateDetail: [] },
    });
  }
}
