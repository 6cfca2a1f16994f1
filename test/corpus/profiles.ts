/**
 * The four companies of the accounting corpus (issue 14), each with two halves kept apart on purpose:
 *
 * - the platform's view (how a tenant of that country prices and taxes its lines), which the generator
 *   draws from;
 * - what the corpus expects QuickBooks to hold for that company (items and their taxability, tax codes and
 *   their rates, the emulator's AST table), which the oracle predicts from. These are written down here, not
 *   imported from the emulator or the product, so a prediction is an independent second opinion; the run
 *   checks them against the emulator's company before pushing anything (`verifyCompany` in run.ts), so a
 *   changed seed fails loudly instead of turning into "unexplained" rows.
 */

export type CompanyKind = 'US_MANUAL' | 'US_AST' | 'GB' | 'CA';
export type LineKind = 'SERVICE' | 'MATERIAL' | 'LABOR' | 'FEE';

export interface CorpusAddress {
  line1: string;
  city: string;
  region: string | null;
  postalCode: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** A platform tax rate (percent, as the host writes it) and the QuickBooks tax code it is mapped to. */
export interface MappedTaxCode {
  percent: string;
  codeName: string;
  /** The code's sales rates in percent, in QuickBooks' order: what the global model taxes per line. */
  components: string[];
}

/** A combined code a person sets up in the company before connecting (QuickBooks has no seeded one). */
export interface ExtraTaxCode {
  name: string;
  rates: { name: string; percent: string }[];
}

export interface CompanyProfile {
  kind: CompanyKind;
  /** Short label for tables and invoice numbers. */
  label: string;
  country: 'US' | 'GB' | 'CA';
  currency: string;
  automatedSalesTax: boolean;
  /** Platform line kind → QuickBooks item name (the tenant's ITEM_KIND mappings). */
  items: Record<LineKind, string>;
  /** Platform service code → QuickBooks item name (SERVICE_CODE mappings, which win over the kind). */
  serviceCodes: Record<string, string>;
  /** TAX_RATE mappings (manual US and non-US; AST maps none: QuickBooks picks the code). */
  taxCodes: MappedTaxCode[];
  extraTaxCodes: ExtraTaxCode[];
  /** What a bookkeeper's credit memo line uses: an item and the tax code that charges nothing. */
  creditMemo: { itemName: string; taxCodeName: string };
}

/** Taxable flags of the items the corpus maps, as the emulator seeds them for US companies. */
export const US_ITEM_TAXABLE: Record<string, boolean> = {
  Hours: false,
  Soil: true,
  Installation: false,
  Services: false,
  Lighting: true,
  'Refunds & Allowances': false,
};

const ITEMS: Record<LineKind, string> = {
  LABOR: 'Hours',
  MATERIAL: 'Soil',
  SERVICE: 'Installation',
  FEE: 'Services',
};

/** One platform service code, mapped to a taxable item: a service code wins over its line's kind. */
export const SERVICE_CODE = 'LIGHTING-KIT';
const SERVICE_CODES = { [SERVICE_CODE]: 'Lighting' };
const CREDIT_ITEM = 'Refunds & Allowances';

export const PROFILES: Record<CompanyKind, CompanyProfile> = {
  US_MANUAL: {
    kind: 'US_MANUAL',
    label: 'US manual',
    country: 'US',
    currency: 'USD',
    automatedSalesTax: false,
    items: ITEMS,
    serviceCodes: SERVICE_CODES,
    // The US seed's tax groups: California (7.25), San Pablo (7.25 + 1), Tucson (2 + 7.1).
    taxCodes: [
      { percent: '7.25', codeName: 'California', components: ['7.25'] },
      { percent: '8.25', codeName: 'San Pablo', components: ['7.25', '1'] },
      { percent: '9.1', codeName: 'Tucson', components: ['2', '7.1'] },
    ],
    extraTaxCodes: [],
    creditMemo: { itemName: CREDIT_ITEM, taxCodeName: 'NON' },
  },
  US_AST: {
    kind: 'US_AST',
    label: 'US AST',
    country: 'US',
    currency: 'USD',
    automatedSalesTax: true,
    items: ITEMS,
    serviceCodes: SERVICE_CODES,
    taxCodes: [],
    extraTaxCodes: [],
    creditMemo: { itemName: CREDIT_ITEM, taxCodeName: 'NON' },
  },
  GB: {
    kind: 'GB',
    label: 'GB',
    country: 'GB',
    currency: 'GBP',
    automatedSalesTax: false,
    items: ITEMS,
    serviceCodes: SERVICE_CODES,
    taxCodes: [
      { percent: '20', codeName: '20.0% S', components: ['20'] },
      { percent: '5', codeName: '5.0% R', components: ['5'] },
      { percent: '0', codeName: '0.0% Z', components: ['0'] },
    ],
    extraTaxCodes: [],
    creditMemo: { itemName: CREDIT_ITEM, taxCodeName: '0.0% Z' },
  },
  CA: {
    kind: 'CA',
    label: 'CA',
    country: 'CA',
    currency: 'CAD',
    automatedSalesTax: false,
    items: ITEMS,
    serviceCodes: SERVICE_CODES,
    taxCodes: [
      { percent: '13', codeName: 'HST ON', components: ['13'] },
      { percent: '5', codeName: 'GST', components: ['5'] },
      { percent: '14.975', codeName: 'GST/QST QC', components: ['5', '9.975'] },
      { percent: '0', codeName: 'Zero-rated', components: ['0'] },
    ],
    // The CA seed has no Quebec code; a company selling there sets one up (GST 5 + QST 9.975), which is
    // the case ruckus/quickbooks-ruby#547 reports rounding differences on.
    extraTaxCodes: [
      {
        name: 'GST/QST QC',
        rates: [
          { name: 'GST QC', percent: '5' },
          { name: 'QST', percent: '9.975' },
        ],
      },
    ],
    creditMemo: { itemName: CREDIT_ITEM, taxCodeName: 'Zero-rated' },
  },
};

export const COMPANY_KINDS: readonly CompanyKind[] = ['US_MANUAL', 'US_AST', 'GB', 'CA'];

// QuickBooks' automated sales tax, as the emulator models it ----------------------------------------------

/**
 * The emulator's AST table (sandbox/src/company/ast-rates.ts: invented rates, not anyone's real tax),
 * written out again so the oracle does not run the emulator's code: state → [code name, rate];
 * ZIP prefix → [state, code name, district rate added to the state's].
 */
export const AST_STATES: Record<string, { name: string; percent: string }> = {
  CA: { name: 'California', percent: '7.25' },
  NY: { name: 'New York', percent: '4' },
  TX: { name: 'Texas', percent: '6.25' },
  WA: { name: 'Washington', percent: '6.5' },
  AZ: { name: 'Arizona', percent: '5.6' },
  FL: { name: 'Florida', percent: '6' },
};

export const AST_DISTRICTS: Record<string, { state: string; name: string; percent: string }> = {
  '941': { state: 'CA', name: 'San Francisco, CA', percent: '1.375' },
  '900': { state: 'CA', name: 'Los Angeles, CA', percent: '2.25' },
  '100': { state: 'NY', name: 'New York City, NY', percent: '4.875' },
  '787': { state: 'TX', name: 'Austin, TX', percent: '2' },
  '981': { state: 'WA', name: 'Seattle, WA', percent: '3.85' },
  '857': { state: 'AZ', name: 'Tucson, AZ', percent: '2.6' },
};

/** The US seed company's address: AST's destination when an invoice has no placeable address. */
export const US_COMPANY_ADDRESS: CorpusAddress = {
  line1: '123 Sierra Way',
  city: 'San Pablo',
  region: 'CA',
  postalCode: '87999',
  country: 'US',
};

// The platform's view ------------------------------------------------------------------------------------

/**
 * Where a US AST company's customers are, with the combined rate the platform is configured to charge
 * there. Inside the AST table the platform's rate is the one QuickBooks will find; outside it (no agency
 * set up in QuickBooks) the platform still charges its own.
 */
export const AST_PLACES: { city: string; region: string; postalCode: string; platformRate: string }[] = [
  { city: 'Sacramento', region: 'CA', postalCode: '95814', platformRate: '7.25' },
  { city: 'San Francisco', region: 'CA', postalCode: '94103', platformRate: '8.625' },
  { city: 'Los Angeles', region: 'CA', postalCode: '90012', platformRate: '9.5' },
  { city: 'Albany', region: 'NY', postalCode: '12207', platformRate: '4' },
  { city: 'New York', region: 'NY', postalCode: '10001', platformRate: '8.875' },
  { city: 'Dallas', region: 'TX', postalCode: '75201', platformRate: '6.25' },
  { city: 'Austin', region: 'TX', postalCode: '78701', platformRate: '8.25' },
  { city: 'Spokane', region: 'WA', postalCode: '99201', platformRate: '6.5' },
  { city: 'Seattle', region: 'WA', postalCode: '98101', platformRate: '10.35' },
  { city: 'Phoenix', region: 'AZ', postalCode: '85004', platformRate: '5.6' },
  { city: 'Tucson', region: 'AZ', postalCode: '85701', platformRate: '8.2' },
  { city: 'Miami', region: 'FL', postalCode: '33101', platformRate: '6' },
  // Outside the table: QuickBooks has no agency there and charges nothing.
  { city: 'Portland', region: 'OR', postalCode: '97201', platformRate: '0' },
  { city: 'Las Vegas', region: 'NV', postalCode: '89101', platformRate: '8.375' },
  { city: 'Denver', region: 'CO', postalCode: '80202', platformRate: '8.81' },
];

export const US_MANUAL_PLACES: { city: string; region: string; postalCode: string; platformRate: string }[] =
  [
    { city: 'Richmond', region: 'CA', postalCode: '94801', platformRate: '7.25' },
    { city: 'San Pablo', region: 'CA', postalCode: '94806', platformRate: '8.25' },
    { city: 'Tucson', region: 'AZ', postalCode: '85701', platformRate: '9.1' },
  ];

export const GB_PLACES: { city: string; postalCode: string }[] = [
  { city: 'Leeds', postalCode: 'LS1 4DY' },
  { city: 'Bristol', postalCode: 'BS1 5TR' },
  { city: 'Manchester', postalCode: 'M1 2HF' },
  { city: 'London', postalCode: 'N1 9GU' },
  { city: 'York', postalCode: 'YO1 7HH' },
];

/** Canadian provinces with the combined rate the platform charges there (HST, GST alone, GST + QST). */
export const CA_PLACES: { city: string; region: string; postalCode: string; platformRate: string }[] = [
  { city: 'Toronto', region: 'ON', postalCode: 'M5V 2T6', platformRate: '13' },
  { city: 'Ottawa', region: 'ON', postalCode: 'K1P 5G4', platformRate: '13' },
  { city: 'Calgary', region: 'AB', postalCode: 'T2P 1J9', platformRate: '5' },
  { city: 'Montréal', region: 'QC', postalCode: 'H3B 4W8', platformRate: '14.975' },
  { city: 'Québec', region: 'QC', postalCode: 'G1R 4P5', platformRate: '14.975' },
];
