import { Big } from 'big.js';
import type { TaxDifferencePolicy } from '../models/customer.js';
import {
  astStateOf,
  type QuickBooksCompanyFacts,
  type ReferenceSnapshot,
} from '../services/reference-data/types.js';
import type { QuickBooksInvoicePayload } from './build-invoice.js';
import type { PlatformInvoice, PlatformInvoiceLine } from './platform-invoice.js';
import { explainTaxDifference, toCents, type RoundingRule } from './reconciliation.js';

/**
 * The tax-parity guard (issue 14): whether QuickBooks will keep (before a push) and kept (after it) the tax
 * the platform billed. Pure: the push compares the write's own response (no extra read), the preview
 * predicts from the company's facts and the payload it would send.
 *
 * What QuickBooks does with our tax, with sources (docs/research/reports-and-tax.md §4):
 * - Sales tax off (`Preferences.TaxPrefs.UsingSalesTax` false): "TxnTaxDetail is ignored and not stored"
 *   (Invoice reference).
 * - Automated sales tax (AST, `PartnerTaxEnabled` true): the supplied TxnTaxCodeRef "is replaced by the
 *   automated sales tax engine recommendation" (Invoice reference); "Whenever an explicit tax amount is sent
 *   ... the AST engine honors the amount and prorates it across tax rates" (Intuit blog 2017-12-11), which
 *   sticks only when a line is taxable and the state is set up in AST (vendor KB quoted in issue 14).
 * - `PartnerTaxEnabled` false: "AST is enabled for the company but the company doesn't have sales tax set
 *   up" (AST FAQ): QuickBooks charges nothing and keeps nothing we send.
 * - Non-US companies compute per line (Intuit community answer, §5): a platform that rounds otherwise
 *   differs by cents, unless the tax is sent.
 */

/** One rate's tax on one side: QuickBooks' TaxLine, or the platform's lines summed per rate. */
export interface TaxLineFigure {
  /** Percent as a decimal string ("8.25"), when known. */
  ratePercent: string | null;
  /** QuickBooks' TaxRate name or id, for QuickBooks' side. */
  name: string | null;
  netCents: number | null;
  taxCents: number;
}

export interface TaxDifference {
  class: 'ROUNDING' | 'TAX_RECOMPUTED';
  oursCents: number;
  theirsCents: number;
  /** For ROUNDING: the rounding rule that gives QuickBooks' figure. */
  rule?: RoundingRule;
  /** Why, in words an admin can act on: what QuickBooks did, and under which setting. */
  explanation: string;
  policy: TaxDifferencePolicy;
  platformTaxLines: TaxLineFigure[];
  quickbooksTaxLines: TaxLineFigure[];
}

/** The parts of QuickBooks' Invoice (as a write answers it) the comparison reads. */
export interface WrittenInvoiceTax {
  TotalAmt?: number;
  TxnTaxDetail?: {
    TotalTax?: number;
    TaxLine?: {
      Amount?: number;
      TaxLineDetail?: {
        TaxRateRef?: { value?: string; name?: string };
        TaxPercent?: number;
        NetAmountTaxable?: number;
      };
    }[];
  };
}

type Facts = Pick<
  QuickBooksCompanyFacts,
  'taxModel' | 'automatedSalesTax' | 'automatedSalesTaxState' | 'usingSalesTax'
>;

/** The platform's tax per rate, as its lines carry it. */
export function platformTaxLines(invoice: {
  lines: readonly Pick<PlatformInvoiceLine, 'amount' | 'taxRate' | 'taxAmount'>[];
}): TaxLineFigure[] {
  const byRate = new Map<string, { net: Big; tax: Big }>();
  for (const line of invoice.lines) {
    if (new Big(line.taxRate).eq(0)) continue;
    const key = new Big(line.taxRate).toString();
    const sums = byRate.get(key) ?? { net: new Big(0), tax: new Big(0) };
    byRate.set(key, { net: sums.net.plus(line.amount), tax: sums.tax.plus(line.taxAmount) });
  }
  return [...byRate].map(([ratePercent, sums]) => ({
    ratePercent,
    name: null,
    netCents: toCents(sums.net),
    taxCents: toCents(sums.tax),
  }));
}

export function quickbooksTaxLines(written: WrittenInvoiceTax): TaxLineFigure[] {
  return (written.TxnTaxDetail?.TaxLine ?? []).map((line) => {
    const detail = line.TaxLineDetail ?? {};
    return {
      ratePercent: detail.TaxPercent === undefined ? null : new Big(detail.TaxPercent).toString(),
      name: detail.TaxRateRef?.name ?? detail.TaxRateRef?.value ?? null,
      netCents: detail.NetAmountTaxable === undefined ? null : toCents(detail.NetAmountTaxable),
      taxCents: toCents(line.Amount ?? 0),
    };
  });
}

/** The percents of QuickBooks' tax lines: how it split a rate the platform bills as one (`componentsOf`). */
export function taxLinePercents(lines: readonly TaxLineFigure[]): string[] {
  return lines.flatMap((line) => (line.ratePercent === null ? [] : [line.ratePercent]));
}

/** What the company does with tax, as one clause for explanations; undefined when nothing special. */
function companyCause(facts: Facts): string | undefined {
  if (facts.usingSalesTax === false)
    return 'sales tax is turned off in QuickBooks, so it stores no tax on invoices';
  if (facts.taxModel !== 'US') return undefined;
  switch (astStateOf(facts)) {
    case 'NOT_SET_UP':
      return 'automated sales tax is on in QuickBooks but no sales tax is set up there, so it charges none';
    case 'ON':
      return "QuickBooks' automated sales tax decides the tax from the customer's address and the items' taxability";
    case 'OFF':
      return undefined;
  }
}

/**
 * How QuickBooks' tax on the invoice it answered differs from the platform's, or null when it is the same
 * to the cent. The invoice's amount before tax is the push's own (QuickBooks recomputes Qty × UnitPrice and
 * must find our cents), so only the tax is compared.
 */
export function taxDifferenceOf(
  invoice: Pick<PlatformInvoice, 'lines' | 'totals'>,
  written: WrittenInvoiceTax,
  facts: Facts,
  policy: TaxDifferencePolicy,
): TaxDifference | null {
  const oursCents = toCents(invoice.totals.tax);
  const theirsCents = toCents(written.TxnTaxDetail?.TotalTax ?? 0);
  if (oursCents === theirsCents) return null;
  const theirLines = quickbooksTaxLines(written);
  const finding = explainTaxDifference(
    invoice.lines.map((line) => ({ amount: line.amount, taxRate: line.taxRate, taxAmount: line.taxAmount })),
    oursCents,
    theirsCents,
    taxLinePercents(theirLines),
  );
  const cause = companyCause(facts);
  const sent =
    policy === 'OVERRIDE'
      ? "QuickBooks did not keep the platform's tax we sent"
      : `the tax setting is ${policy}, so QuickBooks computed the tax itself`;
  return {
    class: finding.class === 'ROUNDING' ? 'ROUNDING' : 'TAX_RECOMPUTED',
    oursCents,
    theirsCents,
    ...(finding.rule ? { rule: finding.rule } : {}),
    explanation: `${finding.explanation}. ${capitalize(sent)}${cause ? `: ${cause}` : ''}.`,
    policy,
    platformTaxLines: platformTaxLines(invoice),
    quickbooksTaxLines: theirLines,
  };
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

// Prediction ---------------------------------------------------------------------------------------------

export type TaxParityRisk = 'NONE' | 'LOW' | 'HIGH';

export interface TaxParityPrediction {
  /** NONE: QuickBooks will hold our tax; LOW: it should, on a condition we cannot see; HIGH: it will not. */
  risk: TaxParityRisk;
  policy: TaxDifferencePolicy;
  platformTax: string;
  /** QuickBooks' tax as far as it can be predicted (null: it depends on QuickBooks' own tables). */
  expectedQuickBooksTax: string | null;
  reasons: string[];
}

export interface PredictionInput {
  invoice: Pick<PlatformInvoice, 'lines' | 'totals' | 'billTo' | 'pricesIncludeTax'>;
  payload: Pick<QuickBooksInvoicePayload, 'Line' | 'TxnTaxDetail'>;
  snapshot: Pick<ReferenceSnapshot, 'facts' | 'items' | 'taxCodes'>;
  policy: TaxDifferencePolicy;
}

/**
 * Before a push: will QuickBooks keep the platform's tax? From the company's facts (sales tax on, AST state),
 * the taxability of the QuickBooks items the lines map to, the bill-to address AST taxes by, and the policy
 * (whether our tax is sent at all).
 */
export function predictTaxParity(input: PredictionInput): TaxParityPrediction {
  const { invoice, payload, snapshot, policy } = input;
  const facts = snapshot.facts;
  const platformTax = new Big(invoice.totals.tax);
  const ours = platformTax.toFixed(2);
  const result = (risk: TaxParityRisk, expected: string | null, reasons: string[]): TaxParityPrediction => ({
    risk,
    policy,
    platformTax: ours,
    expectedQuickBooksTax: expected,
    reasons,
  });
  if (facts.usingSalesTax === false) {
    return platformTax.eq(0)
      ? result('NONE', '0.00', ['the invoice carries no tax and sales tax is off in QuickBooks'])
      : result('HIGH', '0.00', [
          `sales tax is turned off in QuickBooks: it ignores the tax and stores 0.00 instead of ${ours}. Turn on sales tax in QuickBooks.`,
        ]);
  }
  if (facts.taxModel === 'US') return predictUs(input, ours, result);
  if (policy === 'OVERRIDE') {
    return platformTax.eq(0)
      ? result('NONE', ours, ['the invoice carries no tax'])
      : result('NONE', ours, [`the platform's tax ${ours} is sent per rate, and QuickBooks keeps it`]);
  }
  if (invoice.pricesIncludeTax) {
    // A line sent with its gross keeps it: QuickBooks' tax for the line is the gross less its amount, as
    // the platform's is (the AU answer quoted in build-invoice.ts).
    return result('NONE', ours, [
      `the platform's prices include tax: each line goes with its gross, and QuickBooks' tax is the gross less the amount before tax, ${ours}`,
    ]);
  }
  // QuickBooks computes per line and per rate of each line's code, half up (§5).
  const rates = new Map(snapshot.taxCodes.map((code) => [code.id, code.salesRates]));
  let expected = new Big(0);
  for (const line of payload.Line) {
    const codeRates = rates.get(line.SalesItemLineDetail.TaxCodeRef?.value ?? '') ?? [];
    for (const rate of codeRates)
      expected = expected.plus(
        new Big(line.Amount).times(rate.ratePercent).div(100).round(2, Big.roundHalfUp),
      );
  }
  const predicted = expected.toFixed(2);
  return predicted === ours
    ? result('NONE', predicted, [`QuickBooks computes ${predicted} per line, the platform's figure`])
    : result('LOW', predicted, [
        `QuickBooks computes the tax per line and rate: ${predicted} where the platform billed ${ours} (the tax setting is ${policy}, so ours is not sent)`,
      ]);
}

function predictUs(
  input: PredictionInput,
  ours: string,
  result: (risk: TaxParityRisk, expected: string | null, reasons: string[]) => TaxParityPrediction,
): TaxParityPrediction {
  const { invoice, payload, snapshot, policy } = input;
  const taxed = !new Big(ours).eq(0);
  const state = astStateOf(snapshot.facts);
  if (state === 'NOT_SET_UP') {
    return taxed
      ? result('HIGH', '0.00', [
          `automated sales tax is on in QuickBooks but no sales tax is set up there: QuickBooks charges no tax and keeps none we send, so the invoice will carry 0.00 instead of ${ours}. Set up sales tax in QuickBooks.`,
        ])
      : result('NONE', '0.00', ['the invoice carries no tax']);
  }
  if (state === 'OFF') {
    if (!taxed) return result('NONE', '0.00', ['the invoice carries no tax']);
    if (policy === 'OVERRIDE')
      return result('NONE', ours, [`the platform's tax ${ours} is sent as TotalTax, which QuickBooks keeps`]);
    // Manual sales tax: each rate of the code on the sum of the taxable lines, each rounded once (a tax group
    // such as 7.25 % + 1 % is two roundings, not one at 8.25 %).
    const taxedLines = invoice.lines.filter((line) => !new Big(line.taxRate).eq(0));
    const base = taxedLines.reduce((sum, line) => sum.plus(line.amount), new Big(0));
    const code = snapshot.taxCodes.find(
      (candidate) => candidate.id === payload.TxnTaxDetail?.TxnTaxCodeRef?.value,
    );
    const predicted = (code?.salesRates ?? [])
      .reduce(
        (sum, rate) => sum.plus(base.times(rate.ratePercent).div(100).round(2, Big.roundHalfUp)),
        new Big(0),
      )
      .toFixed(2);
    const how = (code?.salesRates.length ?? 0) > 1 ? 'once per rate of its code' : 'once';
    return predicted === ours
      ? result('NONE', predicted, [
          `QuickBooks taxes the taxable subtotal ${how}: ${predicted}, the platform's figure`,
        ])
      : result('LOW', predicted, [
          `QuickBooks taxes the taxable subtotal ${how}: ${predicted} where the platform rounded per line to ${ours} (the tax setting is ${policy}, so ours is not sent)`,
        ]);
  }
  // Automated sales tax.
  if (!taxed) {
    return result('NONE', '0.00', [
      'the invoice carries no tax: every line is sent as NON, so automated sales tax charges none',
    ]);
  }
  const items = new Map(snapshot.items.map((item) => [item.id, item]));
  const taxableLines = payload.Line.filter(
    (line) =>
      line.SalesItemLineDetail.TaxCodeRef?.value !== 'NON' &&
      items.get(line.SalesItemLineDetail.ItemRef?.value ?? '')?.taxable === true,
  );
  if (taxableLines.length === 0) {
    return result('HIGH', '0.00', [
      `none of the taxed lines' QuickBooks items is taxable: automated sales tax charges no tax and keeps none we send, so the invoice will carry 0.00 instead of ${ours}. Mark the items taxable in QuickBooks or map taxed lines to taxable items.`,
    ]);
  }
  const address = invoice.billTo?.address;
  const where = address
    ? `${[address.city, address.region, address.postalCode].filter(Boolean).join(' ')}`
    : "the company's own address (the bill-to has none)";
  if (policy !== 'OVERRIDE') {
    return result('HIGH', null, [
      `automated sales tax computes the tax for ${where}; the tax setting is ${policy}, so QuickBooks' figure replaces the platform's ${ours} unless they happen to agree`,
    ]);
  }
  return result('LOW', ours, [
    `the platform's tax ${ours} is sent as TotalTax with a placeholder tax code that automated sales tax replaces; QuickBooks keeps the amount only if sales tax is set up for ${where}`,
    ...(address
      ? []
      : ['no bill-to address: automated sales tax uses the company address as the destination']),
  ]);
}
