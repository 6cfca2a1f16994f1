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
 * Where each rate's tax is rounded. QuickBooks Online "will always calculate line-by-line" and round each
 * line (Intuit community answer for a Canadian company, quickbooks.intuit.com/learn-support/en-ca/
 * sales-customers/if-my-subtotal-is-95-40-and-my-gst-hst-is-15-the-total-tax/01/306952: 31 lines at 1.59 and
 * 12 % give 9.71, not 9.73), so the global model rounds per line. The US model taxes one taxable subtotal
 * (the Invoice reference sample: NetAmountTaxable 335.25 at 8 % gives 26.82). Kept as a parameter so the
 * mode can become a setting (issue 14).
 */
export type TaxRounding = 'line' | 'total';
export const GLOBAL_TAX_ROUNDING: TaxRounding = 'line';

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
 * user" (Invoice reference, TaxLineDetail). Recorded as override minus computed; the sign is UNCONFIRMED.
 */
function markOverride(line: Doc, computed: number, override: number): void {
  line.Amount = override;
  const delta = sumMoney([override, -computed]);
  const detail = getDoc(line, 'TaxLineDetail');
  if (detail && delta !== 0) detail.OverrideDeltaAmount = delta;
}

/** Spreads an explicit total over the tax lines in proportion to their computed amounts (last takes the rest). */
function prorate(taxLines: Doc[], target: number): void {
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
    markOverride(line, amounts[index] ?? 0, share);
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
    prorate(taxLines, override);
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
  const taxLines = salesRates(ctx, taxCode).map((rate) => taxLine(rate, base, percentOf(base, rate.percent)));
  return finish(ctx, taxLines, requestedTotalTax(ctx));
}

export function automatedSalesTaxEnabled(ctx: EntityContext): boolean {
  const taxPrefs = getDoc(ctx.preferences(), 'TaxPrefs') ?? {};
  // Preferences.TaxPrefs.PartnerTaxEnabled: true = AST with sales tax set up; false = AST without sales tax
  // set up; absent = not an AST company (AST FAQ, https://developer.intuit.com/hub/blog/2018/05/11/automated-sales-tax-faq).
  return ctx.realm.isUS && taxPrefs.PartnerTaxEnabled === true;
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
  const jurisdiction = astJurisdiction(destination(ctx, invoice));
  if (!jurisdiction) return { taxLines: [], totalTax: 0 };
  installAstTaxCodes(ctx.realm, formatQboTime(ctx.now, ctx.realm.offsetMinutes, false));
  const taxCode = ctx.realm.get('TaxCode', jurisdiction.codeId) ?? {};
  const base = applyFactor(input.taxable, input.factor);
  const taxLines = salesRates(ctx, taxCode).map((rate) => taxLine(rate, base, percentOf(base, rate.percent)));
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

interface Bucket {
  rate: TaxRate;
  net: number[];
  tax: number[];
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

export function globalTax(
  ctx: EntityContext,
  lines: GlobalLine[],
  calculation: GlobalTaxCalculation,
  factor: DiscountFactor | undefined,
  rounding: TaxRounding = GLOBAL_TAX_ROUNDING,
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
  const buckets = new Map<string, Bucket>();
  for (const entry of lines) {
    const base = entry.gross === undefined ? applyFactor(entry.net, factor) : entry.net;
    const taxes = entry.rates.map((rate) => percentOf(base, rate.percent));
    if (entry.gross !== undefined && taxes.length > 0) {
      // The gross is what the customer is charged: the last rate absorbs the rounding so the line adds up.
      const others = sumMoney(taxes.slice(0, -1));
      taxes[taxes.length - 1] = sumMoney([entry.gross, -entry.net, -others]);
    }
    entry.rates.forEach((rate, index) => {
      const bucket = buckets.get(rate.rateId) ?? { rate, net: [], tax: [] };
      bucket.net.push(base);
      bucket.tax.push(taxes[index] ?? 0);
      buckets.set(rate.rateId, bucket);
    });
    if (calculation === 'TaxInclusive')
      entry.detail.TaxInclusiveAmt = entry.gross ?? sumMoney([entry.net, ...taxes]);
    else delete entry.detail.TaxInclusiveAmt;
  }
  const taxLines = new Map<string, Doc>();
  for (const [rateId, bucket] of buckets) {
    const net = sumMoney(bucket.net);
    const amount = rounding === 'line' ? sumMoney(bucket.tax) : percentOf(net, bucket.rate.percent);
    taxLines.set(rateId, taxLine(bucket.rate, net, amount));
  }
  const overridden = applyTaxLineOverrides(ctx, requested, taxLines);
  return finish(ctx, [...taxLines.values()], overridden ? undefined : requestedTotalTax(ctx));
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
    if (amount !== computed) markOverride(line, computed, amount);
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
