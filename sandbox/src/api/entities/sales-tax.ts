import Big from 'big.js';
import { astJurisdiction, installAstTaxCodes, isPlaceable } from '../../company/ast-rates.js';
import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import {
  divideRound,
  getArray,
  getDoc,
  getNumber,
  getRefValue,
  isDoc,
  multiplyDivideRound,
  percentOf,
  sumDecimal,
  sumMoney,
} from '../../util/json.js';
import { formatQboTime } from '../../util/time.js';
import type { EntityContext } from './context.js';
import { readMoney, suppliedValue } from './money.js';

/**
 * Sales tax of an invoice in Intuit's two models: US (one transaction tax code over the TAX lines, manual or
 * automated) and global (a TaxCode on every line, GlobalTaxCalculation).
 */

export type GlobalTaxCalculation = 'TaxExcluded' | 'TaxInclusive' | 'NotApplicable';

/**
 * Where each rate's tax is rounded in the global model: setting `tax.roundingScope`. QuickBooks Online "will
 * always calculate line-by-line" and round each line (Intuit community answer for a Canadian company,
 * quickbooks.intuit.com/learn-support/en-ca/sales-customers/if-my-subtotal-is-95-40-and-my-gst-hst-is-15-the-total-tax/01/306952:
 * 31 lines at 1.59 and 12 % give 9.71, not 9.73), hence the default `line`. `component` and `subtotal` are
 * the other readings issue 14 lists as disputed; no QuickBooks source shows either (UNCONFIRMED). The US model always taxes one taxable subtotal (the Invoice reference sample:
 * NetAmountTaxable 335.25 at 8 % gives 26.82), so the scope does not apply there.
 */
export type TaxRoundingScope = 'line' | 'subtotal' | 'component';

/**
 * amount × percent / 100 to the cent, half cents by setting `tax.roundingMode`: away from zero (`halfUp`, the
 * emulator's money rule) or to even. Which one QuickBooks uses is UNCONFIRMED: no source shows a half cent.
 */
export function taxOf(ctx: EntityContext, amount: number, percent: number): number {
  if (ctx.settings.tax.roundingMode === 'halfUp') return percentOf(amount, percent);
  return new Big(amount).times(percent).div(100).round(2, Big.roundHalfEven).toNumber() || 0;
}

export interface TaxRate {
  rateId: string;
  percent: number;
}

/** The part of the invoice subtotal that is taxed when tax is applied after the discount: keep / of. */
export interface DiscountFactor {
  keep: number;
  of: number;
}

export interface TaxResult {
  taxLines: Doc[];
  totalTax: number;
  /** The transaction tax code the tax used (US); AST replaces the supplied one. */
  txnTaxCodeRef?: Doc;
}

export function salesRates(ctx: EntityContext, taxCode: Doc): TaxRate[] {
  const details = getArray(getDoc(taxCode, 'SalesTaxRateList') ?? {}, 'TaxRateDetail') ?? [];
  const rates: TaxRate[] = [];
  for (const detail of details) {
    if (!isDoc(detail)) continue;
    const rateId = getRefValue(detail, 'TaxRateRef');
    const rate = rateId === undefined ? undefined : ctx.realm.get('TaxRate', rateId);
    if (rateId !== undefined && rate) rates.push({ rateId, percent: getNumber(rate, 'RateValue') ?? 0 });
  }
  return rates;
}

function applyFactor(amount: number, factor: DiscountFactor | undefined): number {
  return factor ? multiplyDivideRound(amount, factor.keep, factor.of, 2) : amount;
}

function taxLine(rate: TaxRate, net: number, amount: number): Doc {
  return {
    Amount: amount,
    DetailType: 'TaxLineDetail',
    TaxLineDetail: {
      TaxRateRef: { value: rate.rateId },
      PercentBased: true,
      TaxPercent: rate.percent,
      NetAmountTaxable: net,
    },
  };
}

function lineAmount(line: Doc): number {
  return getNumber(line, 'Amount') ?? 0;
}

/**
 * "OverrideDeltaAmount: the difference between the actual tax and the overridden amount supplied by the
 * user" (Invoice reference, TaxLineDetail). Its sign is UNCONFIRMED (no captured value): setting
 * `tax.overrideDeltaSign`, override − computed by default. `always` marks a line even when its share of an
 * overridden total equals its own computed tax, so every line of an override says so (UNCONFIRMED, [INF]
 * from the blog's "prorates it across tax rates").
 */
function markOverride(
  ctx: EntityContext,
  line: Doc,
  computed: number,
  override: number,
  always = false,
): void {
  line.Amount = override;
  const delta =
    ctx.settings.tax.overrideDeltaSign === 'overrideMinusComputed'
      ? sumMoney([override, -computed])
      : sumMoney([computed, -override]);
  const detail = getDoc(line, 'TaxLineDetail');
  if (detail && (always || delta !== 0)) detail.OverrideDeltaAmount = delta;
}

/** Spreads an explicit total over the tax lines in proportion to their computed amounts (last takes the rest). */
function prorate(ctx: EntityContext, taxLines: Doc[], target: number): void {
  const computed = sumMoney(taxLines.map(lineAmount));
  const amounts = taxLines.map(lineAmount);
  let assigned = 0;
  taxLines.forEach((line, index) => {
    const share =
      index === taxLines.length - 1
        ? sumMoney([target, -assigned])
        : computed !== 0
          ? multiplyDivideRound(amounts[index] ?? 0, target, computed, 2)
          : divideRound(target, taxLines.length, 2);
    markOverride(ctx, line, amounts[index] ?? 0, share, true);
    assigned = sumMoney([assigned, share]);
  });
}

/** The TotalTax the client sent in this very request (a value merged from the stored invoice is not one). */
function requestedTotalTax(ctx: EntityContext): number | undefined {
  const requested = getDoc(ctx.options.requestBody, 'TxnTaxDetail');
  return requested ? readMoney(ctx, requested, 'TotalTax', 'TxnTaxDetail.TotalTax') : undefined;
}

function finish(ctx: EntityContext, taxLines: Doc[], override: number | undefined): TaxResult {
  const computed = sumMoney(taxLines.map(lineAmount));
  if (override !== undefined && taxLines.length > 0 && override !== computed) {
    prorate(ctx, taxLines, override);
    return { taxLines, totalTax: override };
  }
  return { taxLines, totalTax: computed };
}

// US ----------------------------------------------------------------------------------------------------

export interface UsTaxInput {
  /** Sum of the taxed lines (already decided per line). */
  taxable: number;
  factor: DiscountFactor | undefined;
}

/**
 * Manual US sales tax (no AST, as in Intuit's sandbox, §6.1): the transaction tax code names a group whose
 * rates tax the TAX lines; an explicit TotalTax is honoured and spread over the rates.
 */
export function usManualTax(ctx: EntityContext, taxCode: Doc, input: UsTaxInput): TaxResult {
  const base = applyFactor(input.taxable, input.factor);
  const taxLines = salesRates(ctx, taxCode).map((rate) =>
    taxLine(rate, base, taxOf(ctx, base, rate.percent)),
  );
  return finish(ctx, taxLines, requestedTotalTax(ctx));
}

/**
 * Preferences.TaxPrefs.PartnerTaxEnabled: "If true, AST is enabled for the company and sales tax is set up.
 * If false, AST is enabled for the company but the company doesn't have sales tax set up. If not present in
 * the response payload, the company is not enabled for AST" (AST FAQ,
 * https://developer.intuit.com/hub/blog/2018/05/11/automated-sales-tax-faq). Non-US companies carry false
 * too and have no AST at all.
 */
export type AstState = 'off' | 'on' | 'not-set-up';

export function automatedSalesTaxState(ctx: EntityContext): AstState {
  if (!ctx.realm.isUS) return 'off';
  const partnerTaxEnabled = (getDoc(ctx.preferences(), 'TaxPrefs') ?? {}).PartnerTaxEnabled;
  return partnerTaxEnabled === true ? 'on' : partnerTaxEnabled === false ? 'not-set-up' : 'off';
}

/**
 * "If sales tax is disabled (`Preferences.TaxPrefs.UsingSalesTax` is set to `false`) then `TxnTaxDetail` is
 * ignored and not stored" (Invoice reference, TxnTaxDetail).
 */
export function usingSalesTax(ctx: EntityContext): boolean {
  return (getDoc(ctx.preferences(), 'TaxPrefs') ?? {}).UsingSalesTax !== false;
}

/**
 * The destination AST taxes: the transaction's ship-to address, else its bill-to address (Intuit engineer in
 * intuit/QuickBooks-V3-PHP-SDK#199: AST "is using the Billing Address and shipping address to decide"), else
 * the company address ("If a shipping address is not provided, the company address is considered as the
 * destination address", blog 2017-12-11).
 */
function destination(ctx: EntityContext, invoice: Doc): Doc | undefined {
  for (const address of [getDoc(invoice, 'ShipAddr'), getDoc(invoice, 'BillAddr')]) {
    if (isPlaceable(address)) return address;
  }
  return getDoc(ctx.realm.get('CompanyInfo', '1') ?? {}, 'CompanyAddr');
}

/**
 * Automated sales tax: "The AST engine assigns the appropriate tax code to sales transaction objects and
 * automatically calculates the tax amount. Whenever an explicit tax amount is sent in the transaction request
 * the AST engine honors the amount and prorates it across tax rates in the AST-assigned tax code" (blog
 * 2017-12-11); "if automated sales tax is enabled ... the supplied transaction tax code is replaced by the
 * automated sales tax engine recommendation" (Invoice reference, TxnTaxCodeRef).
 */
export function automatedTax(ctx: EntityContext, invoice: Doc, input: UsTaxInput): TaxResult {
  // A sent TotalTax sticks only "when at least one line is taxable and the state is set up in AST" (vendor
  // KB quoted in issue 14): with PartnerTaxEnabled false nothing is set up, and a state missing from the
  // table stands for a state without an agency, so both charge no tax and ignore TotalTax.
  const jurisdiction =
    automatedSalesTaxState(ctx) === 'on' ? astJurisdiction(destination(ctx, invoice)) : undefined;
  if (!jurisdiction) return { taxLines: [], totalTax: 0 };
  installAstTaxCodes(ctx.realm, formatQboTime(ctx.now, ctx.realm.offsetMinutes, false));
  const taxCode = ctx.realm.get('TaxCode', jurisdiction.codeId) ?? {};
  const base = applyFactor(input.taxable, input.factor);
  const taxLines = salesRates(ctx, taxCode).map((rate) =>
    taxLine(rate, base, taxOf(ctx, base, rate.percent)),
  );
  // With no taxable line there is nothing to spread an explicit total over: UNCONFIRMED, setting
  // `invoice.astOverrideWithoutTaxableLines` (ignore = TotalTax 0, the default).
  const override =
    input.taxable === 0 && ctx.settings.invoice.astOverrideWithoutTaxableLines === 'ignore'
      ? undefined
      : requestedTotalTax(ctx);
  return {
    ...finish(ctx, taxLines, override),
    txnTaxCodeRef: { value: jurisdiction.codeId, name: jurisdiction.name },
  };
}

// Global (non-US) -----------------------------------------------------------------------------------------

export interface GlobalLine {
  line: Doc;
  detail: Doc;
  /** Line.Amount: always the amount before tax. */
  net: number;
  /** TaxInclusiveAmt the client sent (TaxInclusive only): the line's tax is gross - net. */
  gross: number | undefined;
  rates: TaxRate[];
}

/**
 * Intuit keeps Line.Amount as the amount before tax in every mode: "By default QuickBooks assumes all prices
 * exclude tax" (ruckus/quickbooks-ruby#346), and a TaxInclusive AU invoice read back from QuickBooks carries
 * Amount 409.09 (net), TaxInclusiveAmt 450.00, UnitPrice 0.9090889 (= net / Qty), TotalTax 40.91 and TotalAmt
 * 450.00 (an AU sandbox response stored in a public test fixture). TaxInclusiveAmt is "the total amount of the
 * line item including tax" (Invoice reference, GB/AU/CA/IN). So under TaxInclusive a line sent with a gross
 * keeps that gross and its tax is gross - net; a line sent with only Amount is taxed on top of it.
 */
export function netFromGross(gross: number, rates: TaxRate[]): number {
  return divideRound(gross, sumDecimal([100, ...rates.map((r) => r.percent)]), 2, 2);
}

/** Forward check: does net plus its tax give the gross? */
export function grossFromNet(net: number, rates: TaxRate[]): number {
  return sumMoney([net, ...rates.map((rate) => percentOf(net, rate.percent))]);
}

interface Bucket {
  rate: TaxRate;
  net: number[];
  tax: number[];
}

/** Lines whose tax the rounding scope decides together: one rate (`component`) or one code's rates (`subtotal`). */
interface Group {
  rates: TaxRate[];
  net: number[];
}

export function globalTax(
  ctx: EntityContext,
  lines: GlobalLine[],
  calculation: GlobalTaxCalculation,
  factor: DiscountFactor | undefined,
): TaxResult {
  const requested = getDoc(ctx.options.requestBody, 'TxnTaxDetail');
  if (calculation === 'NotApplicable') {
    // "The TxnTaxDetail attribute isn't allowed when GlobalTaxCalculation is set to NotApplicable" (6170,
    // Intuit's error-code table). An echoed empty TxnTaxDetail ({TotalTax: 0}) carries no tax and passes.
    const taxLines = getArray(requested ?? {}, 'TaxLine') ?? [];
    if (taxLines.length > 0 || (requested && (getNumber(requested, 'TotalTax') ?? 0) !== 0)) {
      throw Faults.invalidTxnTaxDetail();
    }
    for (const { detail } of lines) delete detail.TaxInclusiveAmt;
    return { taxLines: [], totalTax: 0 };
  }
  const scope: TaxRoundingScope = ctx.settings.tax.roundingScope;
  const buckets = new Map<string, Bucket>();
  const add = (rate: TaxRate, net: number, tax: number) => {
    const bucket = buckets.get(rate.rateId) ?? { rate, net: [], tax: [] };
    bucket.net.push(net);
    bucket.tax.push(tax);
    buckets.set(rate.rateId, bucket);
  };
  const groups = new Map<string, Group>();
  for (const entry of lines) {
    const base = entry.gross === undefined ? applyFactor(entry.net, factor) : entry.net;
    const taxes = entry.rates.map((rate) => taxOf(ctx, base, rate.percent));
    // TaxLines keep the order in which lines first name their rates, whatever the scope.
    for (const rate of entry.rates)
      if (!buckets.has(rate.rateId)) buckets.set(rate.rateId, { rate, net: [], tax: [] });
    if (entry.gross !== undefined && taxes.length > 0) {
      // The gross is what the customer is charged: the last rate absorbs the rounding so the line adds up,
      // whatever the scope (the line's tax is fixed by the gross).
      const others = sumMoney(taxes.slice(0, -1));
      taxes[taxes.length - 1] = sumMoney([entry.gross, -entry.net, -others]);
      entry.rates.forEach((rate, index) => add(rate, base, taxes[index] ?? 0));
    } else if (scope === 'line') {
      entry.rates.forEach((rate, index) => add(rate, base, taxes[index] ?? 0));
    } else {
      const sets = scope === 'component' ? entry.rates.map((rate) => [rate]) : [entry.rates];
      for (const rates of sets) {
        if (rates.length === 0) continue;
        const key = rates.map((rate) => rate.rateId).join('+');
        const group = groups.get(key) ?? { rates, net: [] };
        group.net.push(base);
        groups.set(key, group);
      }
    }
    if (calculation === 'TaxInclusive')
      entry.detail.TaxInclusiveAmt = entry.gross ?? sumMoney([entry.net, ...taxes]);
    else delete entry.detail.TaxInclusiveAmt;
  }
  for (const group of groups.values()) {
    const net = sumMoney(group.net);
    const shares = splitCombined(ctx, net, group.rates);
    group.rates.forEach((rate, index) => add(rate, net, shares[index] ?? 0));
  }
  const taxLines = new Map<string, Doc>();
  for (const [rateId, bucket] of buckets) {
    taxLines.set(rateId, taxLine(bucket.rate, sumMoney(bucket.net), sumMoney(bucket.tax)));
  }
  const overridden = applyTaxLineOverrides(ctx, requested, taxLines);
  return finish(ctx, [...taxLines.values()], overridden ? undefined : requestedTotalTax(ctx));
}

/**
 * The tax of a subtotal under a code's combined rate, rounded once and split over the rates in proportion to
 * their percentages (the last takes the rest). One rate is simply its own rounded tax. [INF], UNCONFIRMED.
 */
function splitCombined(ctx: EntityContext, net: number, rates: TaxRate[]): number[] {
  if (rates.length === 1) return [taxOf(ctx, net, rates[0]?.percent ?? 0)];
  const combined = sumDecimal(rates.map((rate) => rate.percent));
  const total = taxOf(ctx, net, combined);
  let assigned = 0;
  return rates.map((rate, index) => {
    const share =
      index === rates.length - 1
        ? sumMoney([total, -assigned])
        : combined === 0
          ? 0
          : multiplyDivideRound(total, rate.percent, combined, 2);
    assigned = sumMoney([assigned, share]);
    return share;
  });
}

/**
 * "Honour a line's TaxRateRef": in the global model the client may send TxnTaxDetail.TaxLine entries naming a
 * rate with its own Amount. "For non-US versions of QuickBooks, the TaxRate referenced here must also be one of
 * the rates in the referenced tax code's rate list ... Any given rate may only be listed once" (Invoice
 * reference, TaxLineDetail.TaxRateRef), and Intuit warns to "remove the TxnTaxDetail element" when updating
 * Amount on global invoices (Invoice reference, Line.Amount): a sent tax line is taken as given. The fault
 * for a foreign or repeated rate is UNCONFIRMED (6000 here).
 */
function applyTaxLineOverrides(
  ctx: EntityContext,
  requested: Doc | undefined,
  taxLines: Map<string, Doc>,
): boolean {
  const sent = getArray(requested ?? {}, 'TaxLine') ?? [];
  const seen = new Set<string>();
  let overridden = false;
  for (const entry of sent) {
    if (!isDoc(entry)) continue;
    const rateId = getRefValue(getDoc(entry, 'TaxLineDetail') ?? {}, 'TaxRateRef');
    if (rateId === undefined) continue;
    const line = taxLines.get(rateId);
    if (!line) {
      throw Faults.businessValidation(
        `Business Validation Error: TaxRateRef ${rateId} is not a rate of the tax codes on this transaction's lines.`,
      );
    }
    if (seen.has(rateId)) {
      throw Faults.businessValidation(
        `Business Validation Error: TaxRateRef ${rateId} is listed more than once.`,
      );
    }
    seen.add(rateId);
    const amount = readMoney(ctx, entry, 'Amount', 'TxnTaxDetail.TaxLine.Amount');
    if (amount === undefined) continue;
    const computed = lineAmount(line);
    if (amount !== computed) markOverride(ctx, line, computed, amount);
    overridden = true;
  }
  return overridden;
}

/** Text for a TaxInclusive Amount that is not the net of its gross (UNCONFIRMED wording). */
export function taxInclusiveMismatch(net: number, gross: number, rates: TaxRate[]): string {
  const percent = sumDecimal(rates.map((r) => r.percent));
  return (
    `Business Validation Error: Line Amount ${suppliedValue(net)} is not the amount before tax of ` +
    `TaxInclusiveAmt ${suppliedValue(gross)} at ${suppliedValue(percent)}% (expected ${suppliedValue(netFromGross(gross, rates))}).`
  );
}
