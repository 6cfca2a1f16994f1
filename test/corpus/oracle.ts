import { Big, type RoundingMode } from 'big.js';
import type { Corpus, CorpusCompany, CorpusInvoice, CorpusLine, Settlement } from './generate.js';
import {
  AST_DISTRICTS,
  AST_STATES,
  US_COMPANY_ADDRESS,
  US_ITEM_TAXABLE,
  type CompanyProfile,
  type CorpusAddress,
} from './profiles.js';

/**
 * An independent prediction of what QuickBooks (the emulator) holds for each corpus invoice after the push,
 * and of what the reconciliation must then report. It imports neither the emulator's tax code nor the
 * product's: the rules are written again from their sources (docs/research/reports-and-tax.md §4-5, the
 * emulator's documented settings, src/sync/reconciliation.ts's documented rule list), so an agreement
 * between the run and this file is evidence, not an echo.
 */

/**
 * The tenant's tax setting (`taxDifferences`), as the push applies it:
 * - `ACCEPT`: QuickBooks computes. US manual: the mapped code on the taxable lines' subtotal, each of its
 *   rates rounded once; US AST: the destination's AST rates on the lines whose item is taxable; non-US: per
 *   line, per rate of the line's code, half up.
 * - `OVERRIDE` (the product's default): the platform's tax is sent and QuickBooks keeps it, except where
 *   AST keeps nothing: no agency at the destination, or no taxable line to spread it over.
 * `STOP` holds the same figures as ACCEPT; it is one more case in `taxInQuickBooks` when the corpus needs it.
 */
export type TaxPolicy = 'ACCEPT' | 'OVERRIDE';
export const TAX_POLICIES: readonly TaxPolicy[] = ['ACCEPT', 'OVERRIDE'];

/** The rounding rules the reconciliation names (src/sync/reconciliation.ts), in the order it tries them. */
export const ROUNDING_RULES = [
  'PER_LINE_HALF_UP',
  'PER_LINE_HALF_EVEN',
  'PER_RATE_SUBTOTAL_HALF_UP',
  'PER_RATE_SUBTOTAL_HALF_EVEN',
  'PER_COMPONENT_HALF_UP',
  'PER_LINE_PER_COMPONENT_HALF_UP',
  'PER_LINE_PER_COMPONENT_HALF_EVEN',
] as const;
export type RoundingRuleName = (typeof ROUNDING_RULES)[number];

/**
 * Why QuickBooks' tax differs from ours, whatever the reconciliation calls it: `ROUNDING` (same rates, same
 * base, rounded elsewhere), `NO_AGENCY` (AST has no agency at the destination: no tax), `TAXABILITY` (AST
 * does not tax an item the platform taxed), `RATE` (AST's rate at the destination is not ours).
 */
export type TaxCause = 'NONE' | 'ROUNDING' | 'NO_AGENCY' | 'TAXABILITY' | 'RATE';

export interface ExpectedRow {
  class: 'ROUNDING' | 'TAX_RECOMPUTED';
  rule?: RoundingRuleName;
  /** Tax in cents: the platform's, QuickBooks'. */
  ours: number;
  theirs: number;
}

export interface SettlementAmount {
  kind: Settlement['kind'];
  amountCents: number;
  date: string;
}

export interface InvoicePrediction {
  invoiceId: string;
  number: string;
  lines: number;
  platform: { subtotalCents: number; taxCents: number; totalCents: number };
  quickbooks: {
    totalTaxCents: number;
    totalAmtCents: number;
    balanceCents: number;
    /** AST only: the code AST assigns (null: none, no agency); undefined for other companies. */
    taxCodeName?: string | null;
    /** Prices including tax (UK, Canada): each line's gross, kept as TaxInclusiveAmt on a TaxInclusive invoice. */
    lineGrossCents?: number[];
  };
  settlements: SettlementAmount[];
  paidCents: number;
  /** The reconciliation row this invoice must produce, or null for none. */
  row: ExpectedRow | null;
  cause: TaxCause;
  /** QuickBooks rounded a code of several rates rate by rate (what "per component" means). */
  compound: boolean;
}

export interface CompanyPrediction {
  invoices: InvoicePrediction[];
  totals: {
    platform: { subtotalCents: number; taxCents: number; totalCents: number; openCents: number };
    quickbooks: { totalAmtCents: number; totalTaxCents: number; balanceCents: number };
  };
  rows: { ROUNDING: number; TAX_RECOMPUTED: number };
  readCalls: { reports: number; rereads: number };
}

const HALF_UP: RoundingMode = Big.roundHalfUp;
const HALF_EVEN: RoundingMode = Big.roundHalfEven;
/** The reconciliation re-reads differing invoices 30 per `Id IN (…)` query. */
const REREAD_CHUNK = 30;

const cents = (value: Big): number => Number(value.times(100).round(0, HALF_UP).toString());
const percentOf = (amount: Big, percent: Big | string): Big => amount.times(percent).div(100);

interface PricedLine {
  line: CorpusLine;
  amount: Big;
  rate: Big;
  tax: Big;
}

/**
 * The platform's arithmetic, as the host documents it: per line, half up, to the cent. Prices including tax:
 * quantity × unit price is the gross, the amount before tax is gross × 100 / (100 + rate) and the tax the rest.
 */
function priced(invoice: CorpusInvoice): PricedLine[] {
  return invoice.lines.map((line) => {
    const product = new Big(line.quantity).times(line.unitPrice).round(2, HALF_UP);
    const rate = new Big(line.taxRate);
    if (invoice.pricesIncludeTax) {
      const amount = product.times(100).div(rate.plus(100)).round(2, HALF_UP);
      return { line, amount, rate, tax: product.minus(amount) };
    }
    return { line, amount: product, rate, tax: percentOf(product, rate).round(2, HALF_UP) };
  });
}

const sum = (values: Big[]): Big => values.reduce((total, value) => total.plus(value), new Big(0));

// QuickBooks' tax -----------------------------------------------------------------------------------------

interface QuickBooksTax {
  tax: Big;
  cause: TaxCause;
  /** QuickBooks rounded a code of several rates (a tax group, an AST district, GST + QST) rate by rate. */
  compound?: boolean;
  /**
   * Per platform rate (Big's string), the rates QuickBooks' tax lines split it into, where it is a code of
   * several rates that add up to it: what the reconciliation reads from QuickBooks' TaxLine percents.
   */
  components?: Map<string, string[]>;
  taxCodeName?: string | null;
}

/** The platform rates QuickBooks taxes with a code of several rates adding up to them. */
function splits(rates: Big[], components: (rate: Big) => string[] | undefined): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const rate of rates) {
    const parts = components(rate);
    if (parts && parts.length > 1 && sum(parts.map((part) => new Big(part))).eq(rate))
      found.set(rate.toString(), parts);
  }
  return found;
}

/**
 * AST's destination: the invoice's ship-to, else its bill-to, else the company address (blog 2017-12-11).
 * The push sends neither on the invoice, so QuickBooks takes the customer's bill-to, which the push wrote
 * from the platform's address when it created the customer; an address is usable with a state or a ZIP.
 */
function astDestination(address: CorpusAddress | null): CorpusAddress {
  return address && (address.region || address.postalCode) ? address : US_COMPANY_ADDRESS;
}

/** The AST jurisdiction: a ZIP-prefix district when its state agrees, else the state, else none. */
function astJurisdiction(address: CorpusAddress): { name: string; rates: string[] } | null {
  const state = address.region?.trim().toUpperCase() || undefined;
  const zip = address.postalCode?.trim() ?? '';
  const district = /^\d{5}/.test(zip) ? AST_DISTRICTS[zip.slice(0, 3)] : undefined;
  if (district && (state === undefined || state === district.state)) {
    return { name: district.name, rates: [AST_STATES[district.state]!.percent, district.percent] };
  }
  const own = state === undefined ? undefined : AST_STATES[state];
  return own ? { name: own.name, rates: [own.percent] } : null;
}

function itemOf(profile: CompanyProfile, line: CorpusLine): string {
  return (line.serviceCode && profile.serviceCodes[line.serviceCode]) || profile.items[line.itemKind];
}

function automatedTax(
  profile: CompanyProfile,
  invoice: CorpusInvoice,
  lines: PricedLine[],
  policy: TaxPolicy,
): QuickBooksTax {
  const jurisdiction = astJurisdiction(astDestination(invoice.party.address));
  const ours = sum(lines.map((l) => l.tax));
  // Lines with a rate go without TaxCodeRef, so AST treats them as TAX and asks the item (blog 2018-03-28);
  // zero-rate lines go as NON.
  const taxedByUs = lines.filter((l) => !l.rate.eq(0));
  const taxable = taxedByUs.filter((l) => US_ITEM_TAXABLE[itemOf(profile, l.line)] === true);
  const base = sum(taxable.map((l) => l.amount));
  if (!jurisdiction) {
    // No agency set up for the destination: no tax, no code, and a sent TotalTax is ignored.
    return { tax: new Big(0), cause: ours.eq(0) ? 'NONE' : 'NO_AGENCY', taxCodeName: null };
  }
  if (policy === 'OVERRIDE' && !ours.eq(0)) {
    // "The AST engine honors the amount and prorates it" (blog 2017-12-11), when there is a taxable line to
    // spread it over; with none, the emulator's `astOverrideWithoutTaxableLines` default ignores it.
    return base.eq(0)
      ? { tax: new Big(0), cause: 'TAXABILITY', taxCodeName: jurisdiction.name }
      : { tax: ours, cause: 'NONE', taxCodeName: jurisdiction.name };
  }
  // Each of the code's rates taxes the whole taxable subtotal once.
  const tax = sum(jurisdiction.rates.map((rate) => percentOf(base, rate).round(2, HALF_UP)));
  const combined = sum(jurisdiction.rates.map((rate) => new Big(rate)));
  const cause: TaxCause = tax.eq(ours)
    ? 'NONE'
    : taxable.length !== taxedByUs.length
      ? 'TAXABILITY'
      : taxedByUs.some((l) => !l.rate.eq(combined))
        ? 'RATE'
        : 'ROUNDING';
  return {
    tax,
    cause,
    taxCodeName: jurisdiction.name,
    compound: jurisdiction.rates.length > 1,
    components: splits(
      taxedByUs.map((l) => l.rate),
      () => jurisdiction.rates,
    ),
  };
}

function mappedCode(profile: CompanyProfile, rate: Big) {
  const code = profile.taxCodes.find((candidate) => new Big(candidate.percent).eq(rate));
  if (!code) throw new Error(`${profile.label}: no tax code is mapped for ${rate.toString()} %`);
  return code;
}

/**
 * Manual US tax computed by QuickBooks: the code mapped for the invoice's one taxed rate, each of its rates
 * once on the subtotal of the TAX lines (the Invoice reference's sample: NetAmountTaxable 335.25 at 8 %).
 */
function manualTax(profile: CompanyProfile, lines: PricedLine[]): QuickBooksTax {
  const taxed = lines.filter((l) => !l.rate.eq(0));
  const ours = sum(lines.map((l) => l.tax));
  if (taxed.length === 0) return { tax: new Big(0), cause: 'NONE' };
  const base = sum(taxed.map((l) => l.amount));
  const code = mappedCode(profile, taxed[0]!.rate);
  const tax = sum(code.components.map((component) => percentOf(base, component).round(2, HALF_UP)));
  return {
    tax,
    cause: tax.eq(ours) ? 'NONE' : 'ROUNDING',
    compound: code.components.length > 1,
    components: splits([taxed[0]!.rate], () => code.components),
  };
}

/**
 * Non-US: every line's tax per rate of its code, rounded half up, then summed (the emulator's default). A
 * line sent with its gross (prices including tax) keeps it: its tax is the gross less its amount, whatever
 * the rates round to (the emulator's last rate takes the rest; Intuit's AU answer 450.00 = 409.09 + 40.91).
 */
function globalTax(profile: CompanyProfile, invoice: CorpusInvoice, lines: PricedLine[]): QuickBooksTax {
  const codes = lines.map((l) => mappedCode(profile, l.rate));
  const tax = sum(
    lines.map((l, index) =>
      invoice.pricesIncludeTax
        ? l.tax
        : sum(codes[index]!.components.map((c) => percentOf(l.amount, c).round(2, HALF_UP))),
    ),
  );
  const ours = sum(lines.map((l) => l.tax));
  return {
    tax,
    cause: tax.eq(ours) ? 'NONE' : 'ROUNDING',
    compound: codes.some((code) => code.components.length > 1),
    components: splits(
      lines.map((l) => l.rate),
      (rate) => mappedCode(profile, rate).components,
    ),
  };
}

function taxInQuickBooks(
  profile: CompanyProfile,
  invoice: CorpusInvoice,
  lines: PricedLine[],
  policy: TaxPolicy,
): QuickBooksTax {
  if (profile.kind === 'US_AST') return automatedTax(profile, invoice, lines, policy);
  const ours = sum(lines.map((l) => l.tax));
  switch (policy) {
    case 'OVERRIDE':
      // Manual US: TotalTax with the code, "honored" and prorated over its rates. Non-US: the tax per rate
      // (TaxLine), or the total when a code has several rates, which QuickBooks prorates. Nothing is sent
      // when the platform's tax is zero, and QuickBooks then computes as under ACCEPT.
      if (!ours.eq(0) || profile.kind === 'US_MANUAL') return { tax: ours, cause: 'NONE' };
      return globalTax(profile, invoice, lines);
    case 'ACCEPT':
      return profile.kind === 'US_MANUAL' ? manualTax(profile, lines) : globalTax(profile, invoice, lines);
  }
}

// The reconciliation's verdict ----------------------------------------------------------------------------

/**
 * Our lines' tax under each named rounding rule, in the reconciliation's order. `components` splits a
 * compound platform rate into the rates QuickBooks' tax lines show; a rate without is its own component.
 * A component's subtotal spans every line it taxes, whatever the line's platform rate.
 */
function underRules(lines: PricedLine[], components: Map<string, string[]>): [RoundingRuleName, number][] {
  const partsOf = (l: PricedLine) => components.get(l.rate.toString()) ?? [l.rate.toString()];
  const perLine = (mode: RoundingMode) => sum(lines.map((l) => percentOf(l.amount, l.rate).round(2, mode)));
  const byRate = new Map<string, { rate: Big; base: Big }>();
  for (const l of lines) {
    const key = l.rate.toString();
    const entry = byRate.get(key) ?? { rate: l.rate, base: new Big(0) };
    entry.base = entry.base.plus(l.amount);
    byRate.set(key, entry);
  }
  const perRate = (mode: RoundingMode) =>
    sum([...byRate.values()].map(({ rate, base }) => percentOf(base, rate).round(2, mode)));
  const byComponent = new Map<string, Big>();
  for (const l of lines) {
    for (const part of partsOf(l)) {
      const key = new Big(part).toString();
      byComponent.set(key, (byComponent.get(key) ?? new Big(0)).plus(l.amount));
    }
  }
  const perComponent = sum([...byComponent].map(([part, base]) => percentOf(base, part).round(2, HALF_UP)));
  const perLinePerComponent = (mode: RoundingMode) =>
    sum(lines.flatMap((l) => partsOf(l).map((part) => percentOf(l.amount, part).round(2, mode))));
  return [
    ['PER_LINE_HALF_UP', cents(perLine(HALF_UP))],
    ['PER_LINE_HALF_EVEN', cents(perLine(HALF_EVEN))],
    ['PER_RATE_SUBTOTAL_HALF_UP', cents(perRate(HALF_UP))],
    ['PER_RATE_SUBTOTAL_HALF_EVEN', cents(perRate(HALF_EVEN))],
    ['PER_COMPONENT_HALF_UP', cents(perComponent)],
    ['PER_LINE_PER_COMPONENT_HALF_UP', cents(perLinePerComponent(HALF_UP))],
    ['PER_LINE_PER_COMPONENT_HALF_EVEN', cents(perLinePerComponent(HALF_EVEN))],
  ];
}

/** ROUNDING with the first rule that gives QuickBooks' figure, else TAX_RECOMPUTED; null when equal. */
function expectedRow(
  lines: PricedLine[],
  components: Map<string, string[]>,
  ours: number,
  theirs: number,
): ExpectedRow | null {
  if (ours === theirs) return null;
  const match = underRules(lines, components).find(([, value]) => value === theirs);
  return match
    ? { class: 'ROUNDING', rule: match[0], ours, theirs }
    : { class: 'TAX_RECOMPUTED', ours, theirs };
}

/** Money a settlement moves: its share of the smaller total, whole cents, at least one. */
function settlementAmounts(invoice: CorpusInvoice, platformTotal: number, quickbooksTotal: number) {
  const base = Math.min(platformTotal, quickbooksTotal);
  return invoice.settlements.map((settlement): SettlementAmount => ({
    kind: settlement.kind,
    amountCents: Math.max(1, Math.floor((base * settlement.shareBasisPoints) / 10_000)),
    date: settlement.date,
  }));
}

export function predictInvoice(
  profile: CompanyProfile,
  invoice: CorpusInvoice,
  policy: TaxPolicy,
): InvoicePrediction {
  const lines = priced(invoice);
  const subtotal = cents(sum(lines.map((l) => l.amount)));
  const ours = cents(sum(lines.map((l) => l.tax)));
  const quickbooks = taxInQuickBooks(profile, invoice, lines, policy);
  const theirs = cents(quickbooks.tax);
  const settlements = settlementAmounts(invoice, subtotal + ours, subtotal + theirs);
  const paid = settlements.reduce((total, s) => total + s.amountCents, 0);
  return {
    invoiceId: invoice.id,
    number: invoice.number,
    lines: invoice.lines.length,
    platform: { subtotalCents: subtotal, taxCents: ours, totalCents: subtotal + ours },
    quickbooks: {
      totalTaxCents: theirs,
      totalAmtCents: subtotal + theirs,
      balanceCents: subtotal + theirs - paid,
      ...(quickbooks.taxCodeName !== undefined ? { taxCodeName: quickbooks.taxCodeName } : {}),
      ...(invoice.pricesIncludeTax && (profile.kind === 'GB' || profile.kind === 'CA')
        ? { lineGrossCents: lines.map((l) => cents(l.amount.plus(l.tax))) }
        : {}),
    },
    settlements,
    paidCents: paid,
    row: expectedRow(lines, quickbooks.components ?? new Map(), ours, theirs),
    cause: quickbooks.cause,
    compound: quickbooks.compound ?? false,
  };
}

/** The reconciliation's report windows: six months or less each ("Keep each report request to six months"). */
export function reportWindows(window: { from: string; to: string }): number {
  let parts = 0;
  let start = new Date(`${window.from}T00:00:00Z`);
  const end = new Date(`${window.to}T00:00:00Z`);
  while (start <= end) {
    parts += 1;
    start = new Date(start);
    start.setUTCMonth(start.getUTCMonth() + 6);
  }
  return parts;
}

export function predictCompany(corpus: Corpus, company: CorpusCompany, policy: TaxPolicy): CompanyPrediction {
  const invoices = company.invoices.map((invoice) => predictInvoice(company.profile, invoice, policy));
  const total = (pick: (p: InvoicePrediction) => number) => invoices.reduce((s, p) => s + pick(p), 0);
  const rows = invoices.filter((p) => p.row !== null);
  return {
    invoices,
    totals: {
      platform: {
        subtotalCents: total((p) => p.platform.subtotalCents),
        taxCents: total((p) => p.platform.taxCents),
        totalCents: total((p) => p.platform.totalCents),
        openCents: total((p) => p.platform.totalCents - p.paidCents),
      },
      quickbooks: {
        totalAmtCents: total((p) => p.quickbooks.totalAmtCents),
        totalTaxCents: total((p) => p.quickbooks.totalTaxCents),
        balanceCents: total((p) => p.quickbooks.balanceCents),
      },
    },
    rows: {
      ROUNDING: rows.filter((p) => p.row?.class === 'ROUNDING').length,
      TAX_RECOMPUTED: rows.filter((p) => p.row?.class === 'TAX_RECOMPUTED').length,
    },
    // The TransactionList windows, plus AgedReceivableDetail for the A/R check; one re-read per 30 rows.
    readCalls: {
      reports: reportWindows(corpus.window) + 1,
      rereads: Math.ceil(rows.length / REREAD_CHUNK),
    },
  };
}
