import { Big, type RoundingMode } from 'big.js';

/**
 * How one invoice compares between the platform and QuickBooks (issue 14). Pure: no I/O, no clock. The
 * reconciliation run gathers both sides (the platform's invoice, QuickBooks' report row or re-read, the
 * payments the pull stored) and asks this module what differs and why. Figures are integer cents, so a
 * row says "27,72 here, 27,71 there" without a float in between.
 *
 * A tax difference is split in two, because they call for different fixes:
 * - ROUNDING: recomputing our own lines with another rounding rule (per line or per rate subtotal, half
 *   up or half even, per tax component of a compound rate, on its subtotal or per line) gives QuickBooks'
 *   figure exactly; the components come from QuickBooks' own tax lines (`componentsOf`). Sources disagree
 *   on Intuit's rule (§6.1 of the notes; ruckus/quickbooks-ruby#547: QST 9.975 % on 4,495.16 is 448.39 in
 *   QuickBooks), so the rule is named, not assumed.
 * - TAX_RECOMPUTED: no rounding rule explains it: QuickBooks applied another rate or base (Automated Sales
 *   Tax replaced the code, a rate changed, someone edited the invoice in QuickBooks).
 */

export const DIFFERENCE_CLASSES = [
  'MISSING_IN_QUICKBOOKS',
  'EXTRA_IN_QUICKBOOKS',
  'STATUS',
  'AMOUNT',
  'TAX_RECOMPUTED',
  'ROUNDING',
  'BALANCE',
] as const;
/** Ordered by how much it matters: a row's class is its first finding in this order. */
export type DifferenceClass = (typeof DIFFERENCE_CLASSES)[number];

export type RoundingRule =
  | 'PER_LINE_HALF_UP'
  | 'PER_LINE_HALF_EVEN'
  | 'PER_RATE_SUBTOTAL_HALF_UP'
  | 'PER_RATE_SUBTOTAL_HALF_EVEN'
  | 'PER_COMPONENT_HALF_UP'
  | 'PER_LINE_PER_COMPONENT_HALF_UP'
  | 'PER_LINE_PER_COMPONENT_HALF_EVEN';

export interface PlatformTaxLine {
  /** Net amount of the line (decimal string). */
  amount: string;
  /** Percent ("8.25"). */
  taxRate: string;
  /** The tax the platform billed on this line. */
  taxAmount: string;
  /** Component percents of a compound rate (GST 5 + QST 9.975), when the platform knows them. */
  components?: string[];
}

export interface PlatformSide {
  invoiceId: string;
  number: string;
  status: 'FINALIZED' | 'VOID';
  lines: PlatformTaxLine[];
  totals: { subtotal: string; tax: string; total: string };
  /** What the platform holds as paid (the payment hook's sum), decimal string. */
  amountPaid: string;
}

export interface QuickBooksSide {
  quickbooksInvoiceId: string;
  docNumber: string | null;
  state: 'ACTIVE' | 'VOIDED' | 'DELETED';
  totalAmt: string;
  totalTax: string;
  balance: string;
  /**
   * The percents of QuickBooks' tax lines (`TxnTaxDetail.TaxLine`, one per rate), when the whole invoice was
   * read: how QuickBooks split a rate the platform bills as one (a tax group, an AST district, GST + QST).
   */
  taxRatePercents?: string[];
}

export interface Finding {
  class: DifferenceClass;
  /** Cents as the platform has them, or null when the platform has no such figure. */
  ours: number | null;
  /** Cents as QuickBooks has them, or null when QuickBooks has no such figure. */
  theirs: number | null;
  explanation: string;
  /** For ROUNDING: the rule that reproduces QuickBooks' tax exactly. */
  rule?: RoundingRule;
}

export interface Comparison {
  /** null when both sides agree to the cent. */
  class: DifferenceClass | null;
  findings: Finding[];
  /** |ours − theirs| of the money findings (AMOUNT, TAX, BALANCE), the money at stake in this row. */
  atStakeCents: number;
}

export const toCents = (value: string | number | Big): number => {
  const big = value instanceof Big ? value : new Big(value);
  return Number(big.times(100).round(0, Big.roundHalfUp).toString());
};

const formatCents = (cents: number): string => (cents / 100).toFixed(2);

const HALF_UP = Big.roundHalfUp;
const HALF_EVEN = Big.roundHalfEven;

/** Our lines' tax recomputed under each rounding rule, in cents. */
export function taxUnderRules(lines: readonly PlatformTaxLine[]): Record<RoundingRule, number> {
  const componentsOf = (line: PlatformTaxLine) => line.components ?? [line.taxRate];
  const perLine = (mode: RoundingMode) =>
    lines.reduce((sum, line) => sum.plus(rateOf(line.amount, line.taxRate).round(2, mode)), new Big(0));
  const byRate = new Map<string, Big>();
  for (const line of lines)
    byRate.set(line.taxRate, (byRate.get(line.taxRate) ?? new Big(0)).plus(line.amount));
  const perRate = (mode: RoundingMode) =>
    [...byRate].reduce((sum, [rate, base]) => sum.plus(rateOf(base, rate).round(2, mode)), new Big(0));
  // QuickBooks keeps one tax line per component rate, over every line that component taxes (GST 5 % taxes
  // both the GST-only and the GST + QST lines), so a component's subtotal crosses the platform's rates.
  const byComponent = new Map<string, Big>();
  for (const line of lines) {
    for (const component of componentsOf(line)) {
      const key = new Big(component).toString();
      byComponent.set(key, (byComponent.get(key) ?? new Big(0)).plus(line.amount));
    }
  }
  const perComponent = [...byComponent].reduce(
    (sum, [component, base]) => sum.plus(rateOf(base, component).round(2, HALF_UP)),
    new Big(0),
  );
  const perLinePerComponent = (mode: RoundingMode) =>
    lines.reduce(
      (sum, line) =>
        componentsOf(line).reduce(
          (inner, component) => inner.plus(rateOf(line.amount, component).round(2, mode)),
          sum,
        ),
      new Big(0),
    );
  return {
    PER_LINE_HALF_UP: toCents(perLine(HALF_UP)),
    PER_LINE_HALF_EVEN: toCents(perLine(HALF_EVEN)),
    PER_RATE_SUBTOTAL_HALF_UP: toCents(perRate(HALF_UP)),
    PER_RATE_SUBTOTAL_HALF_EVEN: toCents(perRate(HALF_EVEN)),
    PER_COMPONENT_HALF_UP: toCents(perComponent),
    PER_LINE_PER_COMPONENT_HALF_UP: toCents(perLinePerComponent(HALF_UP)),
    PER_LINE_PER_COMPONENT_HALF_EVEN: toCents(perLinePerComponent(HALF_EVEN)),
  };
}

/** Beyond this many distinct rates on one invoice the search for components is not worth its 2^n sets. */
const MAX_COMPONENT_RATES = 12;

/**
 * The rates QuickBooks taxed a platform rate with: none to find when QuickBooks has a tax line at that very
 * percent; else the fewest of QuickBooks' percents that add up to it exactly (San Pablo 8.25 = 7.25 + 1,
 * Quebec 14.975 = GST 5 + QST 9.975). QuickBooks rounds each of them on its own while the platform knows
 * only their sum, which is where a compound rate's cents come from. Undefined when no set adds up: QuickBooks
 * applied other rates (automated sales tax chose another jurisdiction), which no rounding explains.
 */
export function componentsOf(rate: string, quickbooksPercents: readonly string[]): string[] | undefined {
  const target = new Big(rate);
  const percents = [...new Set(quickbooksPercents.map((percent) => new Big(percent).toString()))].filter(
    (percent) => !new Big(percent).eq(0),
  );
  if (target.eq(0) || percents.some((percent) => target.eq(percent))) return undefined;
  if (percents.length > MAX_COMPONENT_RATES) return undefined;
  let best: string[] | undefined;
  for (let mask = 1; mask < 1 << percents.length; mask += 1) {
    const chosen = percents.filter((_, index) => mask & (1 << index));
    if (best && chosen.length >= best.length) continue;
    const total = chosen.reduce((sum, percent) => sum.plus(percent), new Big(0));
    if (total.eq(target)) best = chosen;
  }
  return best;
}

/** Our lines with the components QuickBooks' tax lines reveal for their rates. */
export function withComponents(
  lines: readonly PlatformTaxLine[],
  quickbooksPercents: readonly string[],
): PlatformTaxLine[] {
  const found = new Map<string, string[] | undefined>();
  return lines.map((line) => {
    if (line.components) return line;
    if (!found.has(line.taxRate)) found.set(line.taxRate, componentsOf(line.taxRate, quickbooksPercents));
    const components = found.get(line.taxRate);
    return components ? { ...line, components } : line;
  });
}

function rateOf(amount: string | Big, percent: string): Big {
  return new Big(amount).times(percent).div(100);
}

/**
 * What differs between the two sides of one invoice. `platform` null: QuickBooks holds an invoice linked to
 * us that the platform no longer has; `quickbooks` null: we pushed it (or should have) and QuickBooks has
 * no such invoice.
 */
export function compareInvoice(platform: PlatformSide | null, quickbooks: QuickBooksSide | null): Comparison {
  const findings: Finding[] = [];
  if (!platform && !quickbooks) return { class: null, findings, atStakeCents: 0 };
  if (!quickbooks) {
    findings.push({
      class: 'MISSING_IN_QUICKBOOKS',
      ours: toCents(platform!.totals.total),
      theirs: null,
      explanation: `QuickBooks has no invoice ${platform!.number}`,
    });
    return done(findings);
  }
  if (!platform) {
    findings.push({
      class: 'EXTRA_IN_QUICKBOOKS',
      ours: null,
      theirs: toCents(quickbooks.totalAmt),
      explanation: `QuickBooks invoice ${quickbooks.docNumber ?? quickbooks.quickbooksInvoiceId} is linked to the platform, which has no such invoice`,
    });
    return done(findings);
  }

  const oursVoid = platform.status === 'VOID';
  const theirsGone = quickbooks.state !== 'ACTIVE';
  if (oursVoid !== theirsGone) {
    findings.push({
      class: 'STATUS',
      ours: null,
      theirs: null,
      explanation: oursVoid
        ? `void in the platform, still open in QuickBooks`
        : `${quickbooks.state === 'DELETED' ? 'deleted' : 'voided'} in QuickBooks, still ${platform.status.toLowerCase()} in the platform`,
    });
    return done(findings);
  }
  if (oursVoid) return done(findings); // both void: the amounts no longer mean anything

  const oursTax = toCents(platform.totals.tax);
  const theirsTax = toCents(quickbooks.totalTax);
  const oursNet = toCents(platform.totals.total) - oursTax;
  const theirsNet = toCents(quickbooks.totalAmt) - theirsTax;
  if (oursNet !== theirsNet) {
    findings.push({
      class: 'AMOUNT',
      ours: oursNet,
      theirs: theirsNet,
      explanation: `amount before tax ${formatCents(oursNet)} here, ${formatCents(theirsNet)} in QuickBooks`,
    });
  }
  if (oursTax !== theirsTax)
    findings.push(explainTaxDifference(platform.lines, oursTax, theirsTax, quickbooks.taxRatePercents));

  const oursOpen = toCents(platform.totals.total) - toCents(platform.amountPaid);
  const theirsOpen = toCents(quickbooks.balance);
  // With the totals already apart, the balances differ by the same money: only a payment difference is new.
  const totalsDiffer = toCents(platform.totals.total) !== toCents(quickbooks.totalAmt);
  const paidHere = toCents(platform.amountPaid);
  const paidThere = toCents(quickbooks.totalAmt) - theirsOpen;
  if (paidHere !== paidThere && !(totalsDiffer && oursOpen === theirsOpen)) {
    findings.push({
      class: 'BALANCE',
      ours: paidHere,
      theirs: paidThere,
      explanation: `paid ${formatCents(paidHere)} here, ${formatCents(paidThere)} in QuickBooks (balance ${formatCents(oursOpen)} here, ${formatCents(theirsOpen)} there)`,
    });
  }
  return done(findings);
}

/**
 * A tax difference as ROUNDING (a rounding rule reproduces QuickBooks' figure from our lines) or
 * TAX_RECOMPUTED. Shared by the reconciliation and the push's own check of what QuickBooks answered.
 * `quickbooksPercents`: the percents of QuickBooks' tax lines, which say how it split a compound rate.
 */
export function explainTaxDifference(
  platformLines: readonly PlatformTaxLine[],
  ours: number,
  theirs: number,
  quickbooksPercents: readonly string[] = [],
): Finding {
  const lines = withComponents(platformLines, quickbooksPercents);
  const rules = taxUnderRules(lines);
  const rule = (Object.keys(rules) as RoundingRule[]).find((name) => rules[name] === theirs);
  if (rule) {
    const compound = [
      ...new Map(
        lines.flatMap((line) =>
          line.components && line.components.length > 1 ? [[line.taxRate, line.components] as const] : [],
        ),
      ),
    ];
    const split =
      (rule === 'PER_COMPONENT_HALF_UP' || rule.startsWith('PER_LINE_PER_COMPONENT')) && compound.length > 0
        ? ` (${compound
            .map(([rate, components]) => `${rate} % is ${components.map((c) => `${c} %`).join(' + ')}`)
            .join(', ')} in QuickBooks)`
        : '';
    return {
      class: 'ROUNDING',
      ours,
      theirs,
      rule,
      explanation: `tax ${formatCents(ours)} here, ${formatCents(theirs)} in QuickBooks: QuickBooks' figure is our lines' tax rounded ${describeRule(rule)}${split}`,
    };
  }
  const base = lines
    .filter((line) => !new Big(line.taxRate).eq(0))
    .reduce((sum, line) => sum.plus(line.amount), new Big(0));
  const effective = base.eq(0) ? null : new Big(theirs).div(100).div(base).times(100).round(3, HALF_UP);
  return {
    class: 'TAX_RECOMPUTED',
    ours,
    theirs,
    explanation:
      `tax ${formatCents(ours)} here, ${formatCents(theirs)} in QuickBooks, and no rounding rule explains it` +
      (effective
        ? `: QuickBooks taxed the taxable ${base.toFixed(2)} at about ${effective.toString()} %`
        : ''),
  };
}

function describeRule(rule: RoundingRule): string {
  switch (rule) {
    case 'PER_LINE_HALF_UP':
      return 'per line, half up';
    case 'PER_LINE_HALF_EVEN':
      return "per line, half to even (banker's rounding)";
    case 'PER_RATE_SUBTOTAL_HALF_UP':
      return 'once per rate on the subtotal, half up';
    case 'PER_RATE_SUBTOTAL_HALF_EVEN':
      return "once per rate on the subtotal, half to even (banker's rounding)";
    case 'PER_COMPONENT_HALF_UP':
      return 'once per tax component on the subtotal it taxes, half up';
    case 'PER_LINE_PER_COMPONENT_HALF_UP':
      return 'per line and per tax component, half up';
    case 'PER_LINE_PER_COMPONENT_HALF_EVEN':
      return "per line and per tax component, half to even (banker's rounding)";
  }
}

function done(findings: Finding[]): Comparison {
  const order = (finding: Finding) => DIFFERENCE_CLASSES.indexOf(finding.class);
  findings.sort((a, b) => order(a) - order(b));
  const atStakeCents = findings
    .filter((finding) => finding.ours !== null && finding.theirs !== null)
    .reduce((sum, finding) => sum + Math.abs(finding.ours! - finding.theirs!), 0);
  const single = findings.find((finding) => finding.ours === null || finding.theirs === null);
  return {
    class: findings[0]?.class ?? null,
    findings,
    atStakeCents: atStakeCents + (single ? Math.abs(single.ours ?? single.theirs ?? 0) : 0),
  };
}
