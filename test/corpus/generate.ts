import { Big } from 'big.js';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import {
  AST_PLACES,
  CA_PLACES,
  COMPANY_KINDS,
  GB_PLACES,
  PROFILES,
  SERVICE_CODE,
  US_MANUAL_PLACES,
  type CompanyKind,
  type CompanyProfile,
  type CorpusAddress,
  type LineKind,
} from './profiles.js';

/**
 * The accounting corpus (issue 14): realistic field-service invoices for four companies, drawn from one
 * seed. Pure and deterministic: the same (seed, size) gives the same corpus on every machine, so a failing
 * invoice can be named by its number and generated again.
 *
 * What the platform can express decides the shape. The host takes quantities > 0 and unit prices ≥ 0 (up to
 * 4 decimals each; examples/host-subgraph service.ts), so a discount cannot be a negative line: it is
 * modelled as a lower unit price, named in the line's description. Invoices are tax-exclusive (the
 * platform's invoice has no tax-inclusive flag, src/sync/platform-invoice.ts).
 */

export interface CorpusParty {
  name: string;
  email: string;
  /** null: no address on the platform (AST then taxes at the company's own address). */
  address: CorpusAddress | null;
  /** A tax-exempt customer: every line of theirs is at 0 %. */
  exempt: boolean;
  /** The combined rate the platform charges this customer's taxed lines (US, CA). */
  rate: string;
  /**
   * The platform also taxes labour and installation for this customer. In the US AST company those items
   * are not taxable in QuickBooks, so QuickBooks taxes a smaller base.
   */
  taxesLabour: boolean;
  /** GB: this customer's materials are reduced-rate (5 %) installations. */
  reducedMaterials: boolean;
}

export interface CorpusLine {
  description: string;
  itemKind: LineKind;
  serviceCode: string | null;
  /** Decimal strings as the host holds them. */
  quantity: string;
  unitPrice: string;
  taxRate: string;
}

/** Money a bookkeeper records in QuickBooks against one invoice, as a share of what the invoice asks. */
export interface Settlement {
  kind: 'PAYMENT' | 'CREDIT_MEMO';
  /** Basis points of the smaller of the platform's and QuickBooks' totals (the oracle turns it into cents). */
  shareBasisPoints: number;
  date: string;
}

export interface CorpusInvoice {
  id: string;
  number: string;
  issueDate: string;
  dueDate: string;
  party: CorpusParty;
  lines: CorpusLine[];
  /** Unit prices include tax (UK and Canadian invoices only: US QuickBooks has no tax-inclusive invoices). */
  pricesIncludeTax: boolean;
  memo: string;
  settlements: Settlement[];
}

export interface CorpusCompany {
  profile: CompanyProfile;
  parties: CorpusParty[];
  invoices: CorpusInvoice[];
}

export interface Corpus {
  seed: number;
  /** The reconciliation window: every invoice and settlement is dated inside it. */
  window: { from: string; to: string };
  companies: CorpusCompany[];
}

export interface CorpusOptions {
  seed: number;
  /** Invoices in all, split evenly over the four companies. */
  invoices: number;
  window?: { from: string; to: string };
  /** Part of every invoice id, so two corpora of one seed can live in one platform (one per tax policy). */
  label?: string;
}

/** Nine months: two TransactionList windows of at most six months each. */
export const DEFAULT_WINDOW = { from: '2026-03-01', to: '2026-11-30' };

const ROUND_HALF_UP = 1;

/** One company's stream of draws; each company has its own, so resizing one leaves the others' shapes. */
class Draws {
  private readonly rng: RandomGenerator;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** true with `percent` % probability. */
  chance(percent: number): boolean {
    return this.int(0, 9_999) < percent * 100;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let ticket = this.int(1, total);
    for (const [value, weight] of entries) {
      ticket -= weight;
      if (ticket <= 0) return value;
    }
    return entries.at(-1)![0];
  }
}

const FIRST_NAMES = [
  'Avery',
  'Jordan',
  'Priya',
  'Mateo',
  'Chloé',
  'Oluwaseun',
  'Grace',
  'Hiroshi',
  'Sofia',
  'Liam',
];
const LAST_NAMES = [
  'Okafor',
  'Tremblay',
  'Nguyen',
  'García',
  'Smith',
  'Kowalski',
  'Haddad',
  'Brown',
  'Singh',
];
const BUSINESSES = [
  'Bakery',
  'Dental Practice',
  'Property Management',
  'Community Hall',
  'Brewery',
  'Clinic',
];
const STREETS = ['Maple Avenue', 'High Street', 'Oak Lane', 'Rue Principale', 'Station Road', 'Elm Street'];

const DESCRIPTIONS: Record<LineKind, string[]> = {
  LABOR: ['Technician labour', 'Apprentice hours', 'Overtime labour', 'Diagnostic time'],
  MATERIAL: ['Copper pipe 15 mm (m)', 'PVC fittings', 'Mulch (kg)', 'Cable 2.5 mm² (m)', 'Filter cartridge'],
  SERVICE: ['Boiler service', 'Drain survey', 'Annual maintenance visit', 'Sprinkler winterisation'],
  FEE: ['Call-out fee', 'Permit fee', 'Disposal fee'],
};
const MEMOS = [
  'Thank you for your business.',
  'Payment due within 30 days.',
  'Warranty: 12 months on parts.',
];

/** A decimal string with at most `places` decimals and no trailing zeros (the host's spelling). */
function plain(value: Big, places: number, minimum = 0): string {
  const text = value.round(places, ROUND_HALF_UP).toFixed(places);
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  const decimals = trimmed.includes('.') ? trimmed.split('.')[1]!.length : 0;
  return decimals >= minimum ? trimmed : value.round(places, ROUND_HALF_UP).toFixed(minimum);
}

function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function quantity(draws: Draws, kind: LineKind): string {
  switch (kind) {
    case 'LABOR':
      // Hours, sometimes from minutes (80 min = 1.333 h): up to three decimals.
      return draws.chance(30)
        ? plain(new Big(draws.int(10, 480)).div(60), 3)
        : plain(new Big(draws.int(2, 32)).div(4), 3);
    case 'MATERIAL':
      return draws.chance(50)
        ? String(draws.int(1, 60))
        : plain(new Big(draws.int(125, 60_000)).div(1000), 3);
    case 'SERVICE':
      return draws.chance(85) ? '1' : '2';
    case 'FEE':
      return '1';
  }
}

/** A list price with up to four decimals (materials are priced per metre, per kilo, per fitting). */
function listPrice(draws: Draws, kind: LineKind): Big {
  switch (kind) {
    case 'LABOR':
      return new Big(draws.int(180, 580)).div(4);
    case 'MATERIAL': {
      const places = draws.weighted([
        [2, 4],
        [3, 2],
        [4, 3],
      ] as const);
      return new Big(draws.int(875, 250_000)).div(10_000).round(places, ROUND_HALF_UP);
    }
    case 'SERVICE':
      return new Big(draws.int(8_500, 95_000)).div(100);
    case 'FEE':
      return new Big(draws.int(30, 190)).div(2);
  }
}

/** The platform's rate for a line: its customer, its kind, its company's rules. */
function lineRate(profile: CompanyProfile, party: CorpusParty, kind: LineKind, coded: boolean): string {
  if (party.exempt || kind === 'FEE') return '0';
  switch (profile.kind) {
    case 'US_MANUAL':
      return kind === 'LABOR' && !party.taxesLabour ? '0' : party.rate;
    case 'US_AST':
      // Materials and the lighting kit are taxable goods; labour and installation only when the platform
      // was set up to tax them for this customer.
      return kind === 'MATERIAL' || coded || party.taxesLabour ? party.rate : '0';
    case 'GB':
      return kind === 'MATERIAL' && party.reducedMaterials ? '5' : '20';
    case 'CA':
      return party.rate;
  }
}

function partyFor(draws: Draws, profile: CompanyProfile, index: number): CorpusParty {
  const person = `${draws.pick(FIRST_NAMES)} ${draws.pick(LAST_NAMES)}`;
  const name = draws.chance(40)
    ? `${draws.pick(LAST_NAMES)} ${draws.pick(BUSINESSES)} ${index + 1}`
    : `${person} ${index + 1}`;
  const email = `${profile.kind.toLowerCase().replace('_', '-')}.party${index + 1}@corpus.example`;
  const line1 = `${draws.int(1, 980)} ${draws.pick(STREETS)}`;
  const base = { name, email, exempt: false, rate: '0', taxesLabour: false, reducedMaterials: false };
  switch (profile.kind) {
    case 'US_MANUAL': {
      const place = draws.pick(US_MANUAL_PLACES);
      return {
        ...base,
        address: {
          line1,
          city: place.city,
          region: place.region,
          postalCode: place.postalCode,
          country: 'US',
        },
        exempt: draws.chance(10),
        rate: place.platformRate,
        taxesLabour: draws.chance(30),
      };
    }
    case 'US_AST': {
      const place = draws.pick(AST_PLACES);
      // Some customers have no address on the platform; the platform then charges its home rate.
      const addressless = draws.chance(8);
      // Some customers carry a rate the platform's table has not caught up with.
      const stale = !addressless && place.platformRate !== '0' && draws.chance(8);
      return {
        ...base,
        address: addressless
          ? null
          : { line1, city: place.city, region: place.region, postalCode: place.postalCode, country: 'US' },
        exempt: draws.chance(8),
        rate: addressless
          ? '7.25'
          : stale
            ? new Big(place.platformRate).minus('0.125').toString()
            : place.platformRate,
        taxesLabour: draws.chance(20),
      };
    }
    case 'GB': {
      const place = draws.pick(GB_PLACES);
      return {
        ...base,
        address: { line1, city: place.city, region: null, postalCode: place.postalCode, country: 'GB' },
        // A charity or an export customer: zero-rated.
        exempt: draws.chance(10),
        reducedMaterials: draws.chance(25),
      };
    }
    case 'CA': {
      const place = draws.pick(CA_PLACES);
      return {
        ...base,
        address: {
          line1,
          city: place.city,
          region: place.region,
          postalCode: place.postalCode,
          country: 'CA',
        },
        exempt: draws.chance(10),
        rate: place.platformRate,
      };
    }
  }
}

function lineFor(draws: Draws, profile: CompanyProfile, party: CorpusParty): CorpusLine {
  const itemKind = draws.weighted<LineKind>([
    ['LABOR', 35],
    ['MATERIAL', 35],
    ['SERVICE', 20],
    ['FEE', 10],
  ]);
  const coded = itemKind === 'SERVICE' && draws.chance(20);
  let description = coded ? 'Garden lighting kit' : draws.pick(DESCRIPTIONS[itemKind]);
  let unitPrice = listPrice(draws, itemKind);
  if (itemKind !== 'FEE' && draws.chance(15)) {
    // A discount the platform can express: a lower unit price (no negative lines), kept to 4 decimals.
    const percent = draws.pick(['5', '10', '12.5', '15', '20']);
    unitPrice = unitPrice.times(new Big(100).minus(percent)).div(100).round(4, ROUND_HALF_UP);
    description = `${description} (${percent}% discount)`;
  }
  return {
    description,
    itemKind,
    serviceCode: coded ? SERVICE_CODE : null,
    quantity: quantity(draws, itemKind),
    unitPrice: plain(unitPrice, 4, 2),
    taxRate: lineRate(profile, party, itemKind, coded),
  };
}

function settlementsFor(draws: Draws, issueDate: string, windowEnd: string): Settlement[] {
  const dateAfter = (days: number) => {
    const date = addDays(issueDate, days);
    return date > windowEnd ? windowEnd : date;
  };
  const roll = draws.int(0, 99);
  if (roll < 14) {
    return [
      { kind: 'PAYMENT', shareBasisPoints: draws.int(1_500, 8_000), date: dateAfter(draws.int(7, 45)) },
    ];
  }
  if (roll < 18) {
    const first = draws.int(7, 30);
    return [
      { kind: 'PAYMENT', shareBasisPoints: draws.int(2_000, 4_000), date: dateAfter(first) },
      {
        kind: 'PAYMENT',
        shareBasisPoints: draws.int(1_000, 3_000),
        date: dateAfter(first + draws.int(5, 30)),
      },
    ];
  }
  if (roll < 23) {
    const credit: Settlement = {
      kind: 'CREDIT_MEMO',
      shareBasisPoints: draws.int(300, 2_000),
      date: dateAfter(draws.int(3, 20)),
    };
    return draws.chance(50)
      ? [
          credit,
          { kind: 'PAYMENT', shareBasisPoints: draws.int(1_000, 4_000), date: dateAfter(draws.int(21, 50)) },
        ]
      : [credit];
  }
  return [];
}

function companyCorpus(
  kind: CompanyKind,
  index: number,
  count: number,
  seed: number,
  window: { from: string; to: string },
  label: string,
): CorpusCompany {
  const profile = PROFILES[kind];
  const draws = new Draws((seed * 7_919 + (index + 1) * 104_729) | 0);
  const parties = Array.from({ length: Math.max(12, Math.ceil(count / 8)) }, (_, i) =>
    partyFor(draws, profile, i),
  );
  // Invoices are issued early enough in the window for their settlements to land inside it.
  const span = Math.max(0, daysBetween(window.from, window.to) - 10);
  const prefix = profile.kind.replace('_', '');
  const invoices: CorpusInvoice[] = [];
  for (let i = 0; i < count; i += 1) {
    const party = draws.pick(parties);
    const issueDate = addDays(window.from, draws.int(0, span));
    const lineCount = draws.weighted([
      [1, 15],
      [2, 20],
      [3, 20],
      [4, 15],
      [5, 12],
      [6, 8],
      [8, 6],
      [12, 4],
    ] as const);
    const number = `${prefix}-${String(i + 1).padStart(5, '0')}`;
    invoices.push({
      id: `corpus-${seed}-${label}${number.toLowerCase()}`,
      number,
      issueDate,
      dueDate: addDays(issueDate, 30),
      party,
      lines: Array.from({ length: lineCount }, () => lineFor(draws, profile, party)),
      memo: draws.pick(MEMOS),
      settlements: settlementsFor(draws, issueDate, window.to),
      // Drawn last, so the US companies' invoices keep their shapes.
      pricesIncludeTax: (kind === 'GB' || kind === 'CA') && draws.chance(35),
    });
  }
  return { profile, parties, invoices };
}

export function generateCorpus(options: CorpusOptions): Corpus {
  if (!Number.isInteger(options.invoices) || options.invoices < COMPANY_KINDS.length) {
    throw new Error(`a corpus needs at least ${COMPANY_KINDS.length} invoices, one per company`);
  }
  const window = options.window ?? DEFAULT_WINDOW;
  const share = Math.floor(options.invoices / COMPANY_KINDS.length);
  const extra = options.invoices % COMPANY_KINDS.length;
  return {
    seed: options.seed,
    window,
    companies: COMPANY_KINDS.map((kind, index) =>
      companyCorpus(
        kind,
        index,
        share + (index < extra ? 1 : 0),
        options.seed,
        window,
        options.label ? `${options.label.toLowerCase()}-` : '',
      ),
    ),
  };
}
