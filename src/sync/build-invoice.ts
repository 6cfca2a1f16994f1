import { Big } from 'big.js';
import type { TaxDifferencePolicy } from '../models/customer.js';
import type { MappingKind } from '../models/mapping-set.js';
import type { JudgedMapping } from '../services/mappings/mapping-service.js';
import {
  businessUnitKey,
  itemKindKey,
  serviceCodeKey,
  taxRateKeyFromPercent,
} from '../services/mappings/source-keys.js';
import { effectiveSalesRatePercent } from '../services/mappings/suggestions.js';
import type { QuickBooksSettings } from '../services/quickbooks-settings.js';
import type { ReferenceSnapshot } from '../services/reference-data/types.js';
import type { PlatformInvoice, PlatformInvoiceLine } from './platform-invoice.js';

/**
 * Builds the QuickBooks Invoice for a platform invoice (quickbooks-api.md §6.1): a pure function, so the
 * push and `previewQuickBooksInvoice` run the same code and the preview shows exactly what would be sent.
 * Every choice is recorded as a decision with its reason; everything that would make QuickBooks refuse the
 * invoice, or store a different one than the host's, is a blocking problem the admin must act on.
 */

/** QuickBooks refs as Intuit spells them. */
export interface QuickBooksRef {
  value: string;
  name?: string;
}

export interface QuickBooksSalesItemLine {
  DetailType: 'SalesItemLineDetail';
  Description?: string;
  Amount: number;
  SalesItemLineDetail: {
    ItemRef?: QuickBooksRef;
    Qty: number;
    UnitPrice: number;
    TaxCodeRef?: QuickBooksRef;
    /** Non-US, prices including tax: the line's gross; Amount stays the amount before tax. */
    TaxInclusiveAmt?: number;
  };
}

export interface QuickBooksTaxLine {
  Amount: number;
  DetailType: 'TaxLineDetail';
  TaxLineDetail: {
    TaxRateRef: QuickBooksRef;
    PercentBased: true;
    TaxPercent: number;
    NetAmountTaxable: number;
  };
}

export interface QuickBooksInvoicePayload {
  CustomerRef: QuickBooksRef;
  TxnDate: string;
  DueDate?: string;
  DocNumber?: string;
  BillEmail?: { Address: string };
  PrivateNote: string;
  CustomerMemo?: { value: string };
  CurrencyRef?: QuickBooksRef;
  ClassRef?: QuickBooksRef;
  SalesTermRef?: QuickBooksRef;
  GlobalTaxCalculation?: 'TaxExcluded' | 'TaxInclusive';
  TxnTaxDetail?: {
    /** US only; AST replaces it. */
    TxnTaxCodeRef?: QuickBooksRef;
    TotalTax?: number;
    /** Non-US: the tax per rate, as the platform billed it. */
    TaxLine?: QuickBooksTaxLine[];
  };
  Line: QuickBooksSalesItemLine[];
}

export const BUILD_PROBLEM_CODES = [
  'INVOICE_NOT_FINALIZED',
  'NO_LINES',
  'MAPPING_MISSING',
  'MAPPING_BROKEN',
  'BOOKS_CLOSED',
  'CURRENCY_NOT_ENABLED',
  'UNREADABLE_AMOUNT',
  'LINE_AMOUNT_MISMATCH',
  'HOST_TOTALS_MISMATCH',
  'US_MIXED_TAX_RATES',
  'DOC_NUMBER_TOO_LONG',
  'MEMO_TOO_LONG',
  'TAX_CODE_RATE_MISMATCH',
] as const;
export type BuildProblemCode = (typeof BUILD_PROBLEM_CODES)[number];

/**
 * A reason the invoice cannot be pushed as it stands. Every one needs a person (map something, reopen the
 * books, fix the invoice): retrying alone never helps, so the push records ACTION_REQUIRED.
 */
export interface BuildProblem {
  code: BuildProblemCode;
  message: string;
  /** The mapping key to create or repair, for MAPPING_MISSING / MAPPING_BROKEN. */
  sourceKey?: string;
  mappingKind?: MappingKind;
  /** The platform line concerned, when one is. */
  lineId?: string;
}

/** One choice the builder made, with why: what the preview shows next to the payload. */
export interface BuildDecision {
  /** Where it lands in the payload, e.g. `Line[1].ItemRef`, `DocNumber`. */
  field: string;
  reason: string;
  sourceKey?: string;
}

export interface BuildInvoiceResult {
  /** Complete when `problems` is empty; otherwise the best effort, for the preview only. */
  payload: QuickBooksInvoicePayload;
  decisions: BuildDecision[];
  problems: BuildProblem[];
}

export interface BuildInvoiceOptions {
  /**
   * The DocNumber to send instead of the platform number (the SUFFIX policy for an existing number picks
   * one before building). Only used when the company takes custom numbers.
   */
  docNumber?: string;
  /** The invoice's business unit, when the host has one: mapped to a QuickBooks Class. */
  businessUnitId?: string;
}

export interface BuildInvoiceInput {
  invoice: PlatformInvoice;
  /** The tenant's mappings as judged against `snapshot` (MappingService.list). */
  mappings: readonly JudgedMapping[];
  snapshot: ReferenceSnapshot;
  /** `taxDifferences` defaults to OVERRIDE, the model's default. */
  settings: Pick<QuickBooksSettings, 'defaultTermsId'> & Partial<Pick<QuickBooksSettings, 'taxDifferences'>>;
  /** The QuickBooks Customer Id of the bill-to party, resolved before building. */
  customerId: string;
  options?: BuildInvoiceOptions;
}

/** §6.1: DocNumber is at most 21 characters. */
const DOC_NUMBER_MAX = 21;
/** The emulator's (and Intuit's form) limit for CustomerMemo.value. */
const CUSTOMER_MEMO_MAX = 1000;
/** Money as Intuit takes it: at most two decimals (more is refused, see sandbox invoice.subCentAmounts). */
const MONEY_DECIMALS = 2;

const ROUND_HALF_UP = 1;

/** Reads a host decimal; undefined when it is not one (the host sends strings, see platform-invoice.ts). */
function decimal(text: string): Big | undefined {
  try {
    return new Big(text.trim());
  } catch {
    return undefined;
  }
}

/** A Big as the JSON number QuickBooks receives; exact for the magnitudes money and quantities have. */
const jsonNumber = (value: Big): number => Number(value.toString());

const hasAtMostCents = (value: Big): boolean => value.round(MONEY_DECIMALS, ROUND_HALF_UP).eq(value);

class MappingLookup {
  private readonly byKey = new Map<string, JudgedMapping>();

  constructor(mappings: readonly JudgedMapping[]) {
    for (const mapping of mappings) this.byKey.set(`${mapping.kind}\u0000${mapping.sourceKey}`, mapping);
  }

  find(kind: MappingKind, sourceKey: string): JudgedMapping | undefined {
    return this.byKey.get(`${kind}\u0000${sourceKey}`);
  }
}

function brokenProblem(mapping: JudgedMapping, lineId?: string): BuildProblem {
  const reason = mapping.status === 'BROKEN' ? mapping.reason : '';
  return {
    code: 'MAPPING_BROKEN',
    message: `The mapping ${mapping.sourceKey} → "${mapping.targetName}" no longer works: ${reason}. Map ${mapping.sourceKey} again.`,
    sourceKey: mapping.sourceKey,
    mappingKind: mapping.kind,
    ...(lineId ? { lineId } : {}),
  };
}

function missingProblem(kind: MappingKind, sourceKey: string, what: string, lineId?: string): BuildProblem {
  return {
    code: 'MAPPING_MISSING',
    message: `${what}: map ${sourceKey} to a QuickBooks ${kind === 'ITEM' ? 'item' : kind === 'TAX_CODE' ? 'tax code' : 'class'}.`,
    sourceKey,
    mappingKind: kind,
    ...(lineId ? { lineId } : {}),
  };
}

interface Context {
  invoice: PlatformInvoice;
  policy: TaxDifferencePolicy;
  snapshot: ReferenceSnapshot;
  lookup: MappingLookup;
  decisions: BuildDecision[];
  problems: BuildProblem[];
}

/** Service code mapping first (it is the more specific), then the line's kind (source-keys.ts). */
function itemFor(ctx: Context, line: PlatformInvoiceLine, index: number): QuickBooksRef | undefined {
  const field = `Line[${index}]`;
  // People count lines from 1; the field path keeps Intuit's 0-based index.
  const lineLabel = `line ${index + 1}`;
  if (line.serviceCode) {
    const codeKey = serviceCodeKey(line.serviceCode);
    const byCode = ctx.lookup.find('ITEM', codeKey);
    if (byCode?.status === 'BROKEN') {
      // Not silently falling back to the kind: the admin chose an item for this code on purpose.
      ctx.problems.push(brokenProblem(byCode, line.id));
      return undefined;
    }
    if (byCode) {
      ctx.decisions.push({
        field: `${field}.SalesItemLineDetail.ItemRef`,
        reason: `${lineLabel}: item '${byCode.targetName}' from ${codeKey}`,
        sourceKey: codeKey,
      });
      return { value: byCode.targetId, name: byCode.targetName };
    }
  }
  const kindKey = itemKindKey(line.itemKind);
  const byKind = ctx.lookup.find('ITEM', kindKey);
  if (byKind?.status === 'BROKEN') {
    ctx.problems.push(brokenProblem(byKind, line.id));
    return undefined;
  }
  if (!byKind) {
    const alternative = line.serviceCode ? ` (or ${serviceCodeKey(line.serviceCode)})` : '';
    ctx.problems.push(
      missingProblem(
        'ITEM',
        kindKey,
        `Line "${line.description}" has no QuickBooks item${alternative}`,
        line.id,
      ),
    );
    return undefined;
  }
  const note = line.serviceCode ? ` (service code ${line.serviceCode} is not mapped)` : '';
  ctx.decisions.push({
    field: `${field}.SalesItemLineDetail.ItemRef`,
    reason: `${lineLabel}: item '${byKind.targetName}' from ${kindKey}${note}`,
    sourceKey: kindKey,
  });
  return { value: byKind.targetId, name: byKind.targetName };
}

/** The mapped TaxCode for a host rate in percent, or undefined with a problem recorded. */
function taxCodeFor(ctx: Context, percent: string, what: string, lineId?: string): QuickBooksRef | undefined {
  const key = taxRateKeyFromPercent(percent);
  if (key === undefined) {
    ctx.problems.push({
      code: 'UNREADABLE_AMOUNT',
      message: `${what}: the tax rate "${percent}" is not a plain decimal percentage.`,
      ...(lineId ? { lineId } : {}),
    });
    return undefined;
  }
  const mapping = ctx.lookup.find('TAX_CODE', key);
  if (mapping?.status === 'BROKEN') {
    ctx.problems.push(brokenProblem(mapping, lineId));
    return undefined;
  }
  if (!mapping) {
    ctx.problems.push(
      missingProblem('TAX_CODE', key, `${what} has a ${percent} % tax rate with no tax code`, lineId),
    );
    return undefined;
  }
  // The mapping rules accept any usable code; here the rate must agree, or QuickBooks would charge (US:
  // show) another tax than the host billed. Codes whose rate QuickBooks decides have none to compare.
  const code = ctx.snapshot.taxCodes.find((candidate) => candidate.id === mapping.targetId);
  const charged = code && effectiveSalesRatePercent(code);
  if (charged !== undefined && !charged.eq(new Big(percent))) {
    ctx.problems.push({
      code: 'TAX_CODE_RATE_MISMATCH',
      message: `${what} has a ${percent} % tax rate, but ${key} is mapped to "${mapping.targetName}", which charges ${charged.toString()} %. Map ${key} to a code with the same rate.`,
      sourceKey: key,
      mappingKind: 'TAX_CODE',
      ...(lineId ? { lineId } : {}),
    });
    return undefined;
  }
  return { value: mapping.targetId, name: mapping.targetName };
}

interface ReadLine {
  line: PlatformInvoiceLine;
  quantity: Big;
  /** The unit price QuickBooks gets: before tax, as its Amount is (see readLine). */
  unitPrice: Big;
  amount: Big;
  rate: Big;
  taxAmount: Big;
}

/** QuickBooks keeps unit prices to 7 decimals (Intuit community answer, docs/research/reports-and-tax.md §5). */
const UNIT_PRICE_DECIMALS = 7;

/** The line's numbers, checked the way QuickBooks checks them (6070: Amount = Qty × UnitPrice, cents). */
function readLine(ctx: Context, line: PlatformInvoiceLine, label: string): ReadLine | undefined {
  const quantity = decimal(line.quantity);
  const unitPrice = decimal(line.unitPrice);
  const amount = decimal(line.amount);
  const rate = decimal(line.taxRate);
  const taxAmount = decimal(line.taxAmount);
  if (!quantity || !unitPrice || !amount || !rate || !taxAmount || rate.lt(0)) {
    ctx.problems.push({
      code: 'UNREADABLE_AMOUNT',
      message: `${label}: quantity, unit price, amount, tax amount and tax rate must be decimals (the rate not negative).`,
      lineId: line.id,
    });
    return undefined;
  }
  if (!hasAtMostCents(amount)) {
    ctx.problems.push({
      code: 'UNREADABLE_AMOUNT',
      message: `${label}: the amount ${line.amount} has more than two decimals, which QuickBooks refuses.`,
      lineId: line.id,
    });
    return undefined;
  }
  const expected = quantity.times(unitPrice).round(MONEY_DECIMALS, ROUND_HALF_UP);
  if (!ctx.invoice.pricesIncludeTax) {
    if (!expected.eq(amount)) {
      ctx.problems.push({
        code: 'LINE_AMOUNT_MISMATCH',
        message: `${label}: the amount ${line.amount} is not quantity × unit price (${expected.toFixed(MONEY_DECIMALS)}); QuickBooks would refuse it (6070). Correct the line in the platform.`,
        lineId: line.id,
      });
    }
    return { line, quantity, unitPrice, amount, rate, taxAmount };
  }
  // Prices include tax: quantity × unit price is the gross. QuickBooks' Amount is always the amount before
  // tax and it checks Qty × UnitPrice against it (6070), so the unit price sent is the net one, to
  // QuickBooks' 7 decimals (its AU answer: Amount 409.09, Qty 450, UnitPrice 0.9090889).
  if (!expected.eq(amount.plus(taxAmount))) {
    ctx.problems.push({
      code: 'LINE_AMOUNT_MISMATCH',
      message: `${label}: prices include tax, but the amount ${line.amount} plus tax ${line.taxAmount} is not quantity × unit price (${expected.toFixed(MONEY_DECIMALS)}). Correct the line in the platform.`,
      lineId: line.id,
    });
  }
  const netUnitPrice = quantity.eq(0)
    ? new Big(0)
    : amount.div(quantity).round(UNIT_PRICE_DECIMALS, ROUND_HALF_UP);
  if (!quantity.times(netUnitPrice).round(MONEY_DECIMALS, ROUND_HALF_UP).eq(amount)) {
    ctx.problems.push({
      code: 'LINE_AMOUNT_MISMATCH',
      message: `${label}: no unit price of ${UNIT_PRICE_DECIMALS} decimals gives the amount before tax ${line.amount} for quantity ${line.quantity}; QuickBooks would refuse it (6070). Change the quantity or price in the platform.`,
      lineId: line.id,
    });
  }
  return { line, quantity, unitPrice: netUnitPrice, amount, rate, taxAmount };
}

/**
 * Tax per the company's model (§6.1). US: lines are TAX or NON and one transaction tax code carries the
 * rate, so every taxed line must share one rate. US with AST: QuickBooks picks the code; only untaxed lines
 * are marked NON so AST does not tax them. Non-US: the mapped code on every line, taxes excluded from the
 * amounts as the host's amounts are net. Under the OVERRIDE tax setting the platform's tax is sent too, so
 * QuickBooks keeps what the customer was billed (src/sync/tax-parity.ts has what QuickBooks does with it).
 */
function applyTax(
  ctx: Context,
  lines: readonly ReadLine[],
  payloadLines: QuickBooksSalesItemLine[],
): Partial<QuickBooksInvoicePayload> {
  const { facts } = ctx.snapshot;
  const override = ctx.policy === 'OVERRIDE';
  const calculation = ctx.invoice.pricesIncludeTax ? 'TaxInclusive' : 'TaxExcluded';
  const totalTax = lines.reduce((sum, read) => sum.plus(read.rate.eq(0) ? 0 : read.taxAmount), new Big(0));
  if (facts.taxModel === 'US') {
    lines.forEach((read, index) => {
      const taxed = !read.rate.eq(0);
      const detail = payloadLines[index]!.SalesItemLineDetail;
      if (facts.automatedSalesTax) {
        if (!taxed) detail.TaxCodeRef = { value: 'NON' };
        return;
      }
      detail.TaxCodeRef = { value: taxed ? 'TAX' : 'NON' };
    });
    if (facts.automatedSalesTax) return automatedSalesTax(ctx, lines, totalTax);
    const rates = [...new Set(lines.filter((read) => !read.rate.eq(0)).map((read) => read.rate.toString()))];
    if (rates.length === 0) {
      ctx.decisions.push({ field: 'TxnTaxDetail', reason: 'no line is taxed: every line is NON' });
      return {};
    }
    if (rates.length > 1) {
      ctx.problems.push({
        code: 'US_MIXED_TAX_RATES',
        message: `The invoice taxes lines at ${rates.join(' % and ')} %, but a US QuickBooks invoice carries one sales tax rate. Split the invoice or use one rate.`,
      });
      return {};
    }
    const percent = lines.find((read) => !read.rate.eq(0))!.line.taxRate;
    const code = taxCodeFor(ctx, percent, 'The invoice');
    if (!code) return {};
    ctx.decisions.push({
      field: 'TxnTaxDetail.TxnTaxCodeRef',
      reason: `tax code '${code.name}' from ${taxRateKeyFromPercent(percent)}; taxed lines are TAX, the others NON`,
      sourceKey: taxRateKeyFromPercent(percent),
    });
    if (!override) {
      ctx.decisions.push({
        field: 'TxnTaxDetail.TotalTax',
        reason: `not sent: the tax setting is ${ctx.policy}, so QuickBooks computes the tax on the taxable subtotal`,
      });
      return { TxnTaxDetail: { TxnTaxCodeRef: code } };
    }
    // The host rounds tax per line; QuickBooks taxes the sum of the TAX lines once per rate, which can
    // differ by a cent (8.25 % on 286.50 and 49.40: 23.64 + 4.08 = 27.72 per line, 27.71 on the sum).
    // An explicit TotalTax is honoured and prorated over the code's rates (§6.1), so QuickBooks shows
    // exactly what the host billed.
    ctx.decisions.push({
      field: 'TxnTaxDetail.TotalTax',
      reason: `${totalTax.toFixed(MONEY_DECIMALS)}: the platform's tax, sent so QuickBooks keeps the platform's per-line rounding`,
    });
    return { TxnTaxDetail: { TxnTaxCodeRef: code, TotalTax: jsonNumber(totalTax) } };
  }
  const codes: (QuickBooksRef | undefined)[] = lines.map((read, index) => {
    const field = `Line[${index}]`;
    const code = taxCodeFor(ctx, read.line.taxRate, `Line "${read.line.description}"`, read.line.id);
    if (!code) return undefined;
    payloadLines[index]!.SalesItemLineDetail.TaxCodeRef = code;
    ctx.decisions.push({
      field: `${field}.SalesItemLineDetail.TaxCodeRef`,
      reason: `line ${index + 1}: tax code '${code.name}' from ${taxRateKeyFromPercent(read.line.taxRate)}`,
      sourceKey: taxRateKeyFromPercent(read.line.taxRate),
    });
    return code;
  });
  if (totalTax.eq(0)) return { GlobalTaxCalculation: calculation };
  if (!override) {
    ctx.decisions.push({
      field: 'TxnTaxDetail',
      reason: ctx.invoice.pricesIncludeTax
        ? `not sent: the tax setting is ${ctx.policy}, so QuickBooks takes each line's tax out of its gross`
        : `not sent: the tax setting is ${ctx.policy}, so QuickBooks computes the tax per line`,
    });
    return { GlobalTaxCalculation: calculation };
  }
  return { GlobalTaxCalculation: calculation, TxnTaxDetail: globalTaxDetail(ctx, lines, codes, totalTax) };
}

/**
 * Automated sales tax replaces the tax code we send and computes the tax itself, unless an explicit TotalTax
 * is sent, which it "honors ... and prorates ... across tax rates in the AST-assigned tax code" (blog
 * 2017-12-11). Any code will do as the carrier (it is replaced): the mapped one for the rate when there is
 * one, else TAX.
 */
function automatedSalesTax(
  ctx: Context,
  lines: readonly ReadLine[],
  totalTax: Big,
): Partial<QuickBooksInvoicePayload> {
  if (ctx.policy !== 'OVERRIDE' || totalTax.eq(0)) {
    ctx.decisions.push({
      field: 'TxnTaxDetail',
      reason: totalTax.eq(0)
        ? 'the company uses automated sales tax and no line is taxed: lines are sent as NON, so it charges none'
        : `the company uses automated sales tax and the tax setting is ${ctx.policy}: QuickBooks chooses the tax code and computes the tax; lines without tax are sent as NON`,
    });
    return {};
  }
  const taxed = lines.find((read) => !read.rate.eq(0))!;
  const key = taxRateKeyFromPercent(taxed.line.taxRate);
  const mapped = key === undefined ? undefined : ctx.lookup.find('TAX_CODE', key);
  const carrier =
    mapped && mapped.status !== 'BROKEN'
      ? { value: mapped.targetId, name: mapped.targetName }
      : { value: 'TAX' };
  ctx.decisions.push({
    field: 'TxnTaxDetail.TotalTax',
    reason: `${totalTax.toFixed(MONEY_DECIMALS)}: the platform's tax, sent so automated sales tax keeps it (it prorates it over the code it assigns; the code sent, '${carrier.name ?? carrier.value}', is replaced). QuickBooks keeps it only when a line's item is taxable and the destination's sales tax is set up`,
  });
  return { TxnTaxDetail: { TxnTaxCodeRef: carrier, TotalTax: jsonNumber(totalTax) } };
}

/**
 * Non-US: the platform's tax per QuickBooks rate (TaxLine with TaxRateRef and Amount, honoured as given per
 * the Invoice reference's TaxLineDetail) when every line's code has one rate, so each rate carries exactly
 * the platform's figure; a code with several rates (GST + QST) gets the total, which QuickBooks prorates
 * over them, as the platform does not split a line's tax by component.
 */
function globalTaxDetail(
  ctx: Context,
  lines: readonly ReadLine[],
  codes: readonly (QuickBooksRef | undefined)[],
  totalTax: Big,
): NonNullable<QuickBooksInvoicePayload['TxnTaxDetail']> {
  const byRate = new Map<string, { percent: number; net: Big; tax: Big }>();
  let exact = true;
  lines.forEach((read, index) => {
    const code =
      codes[index] && ctx.snapshot.taxCodes.find((candidate) => candidate.id === codes[index]!.value);
    const rates = code?.salesRates ?? [];
    if (rates.length === 0) {
      if (!read.taxAmount.eq(0)) exact = false;
      return;
    }
    if (rates.length > 1) {
      exact = false;
      return;
    }
    const rate = rates[0]!;
    const sums = byRate.get(rate.id) ?? { percent: rate.ratePercent, net: new Big(0), tax: new Big(0) };
    byRate.set(rate.id, { ...sums, net: sums.net.plus(read.amount), tax: sums.tax.plus(read.taxAmount) });
  });
  if (!exact) {
    ctx.decisions.push({
      field: 'TxnTaxDetail.TotalTax',
      reason: `${totalTax.toFixed(MONEY_DECIMALS)}: the platform's tax, which QuickBooks spreads over the rates of the lines' codes (a code has several rates, and the platform does not split a line's tax by rate)`,
    });
    return { TotalTax: jsonNumber(totalTax) };
  }
  ctx.decisions.push({
    field: 'TxnTaxDetail.TaxLine',
    reason: `the platform's tax per rate (${[...byRate.values()].map((sums) => `${sums.percent} %: ${sums.tax.toFixed(MONEY_DECIMALS)}`).join(', ')}), sent so QuickBooks keeps what the platform billed instead of its own per-line figures`,
  });
  return {
    TotalTax: jsonNumber(totalTax),
    TaxLine: [...byRate].map(([rateId, sums]) => ({
      Amount: jsonNumber(sums.tax),
      DetailType: 'TaxLineDetail' as const,
      TaxLineDetail: {
        TaxRateRef: { value: rateId },
        PercentBased: true,
        TaxPercent: sums.percent,
        NetAmountTaxable: jsonNumber(sums.net),
      },
    })),
  };
}

function checkInvoice(ctx: Context): void {
  const { invoice, snapshot } = ctx;
  if (invoice.status !== 'FINALIZED') {
    ctx.problems.push({
      code: 'INVOICE_NOT_FINALIZED',
      message: `Invoice ${invoice.number} is ${invoice.status}; only finalized invoices go to QuickBooks.`,
    });
  }
  if (invoice.lines.length === 0) {
    ctx.problems.push({
      code: 'NO_LINES',
      message: `Invoice ${invoice.number} has no lines; QuickBooks needs one.`,
    });
  }
  const closed = snapshot.facts.bookCloseDate;
  // ISO dates (YYYY-MM-DD) order as text. Intuit refuses writes on or before the closing date (6210).
  if (closed && invoice.issueDate <= closed) {
    ctx.problems.push({
      code: 'BOOKS_CLOSED',
      message: `books closed: the QuickBooks books are closed through ${closed} and invoice ${invoice.number} is dated ${invoice.issueDate}. Change the closing date in QuickBooks or the invoice date.`,
    });
  }
  if (invoice.currency !== snapshot.facts.homeCurrency && !snapshot.facts.multiCurrencyEnabled) {
    ctx.problems.push({
      code: 'CURRENCY_NOT_ENABLED',
      message: `Invoice ${invoice.number} is in ${invoice.currency}, but the QuickBooks company works in ${snapshot.facts.homeCurrency} only. Turn on multicurrency in QuickBooks.`,
    });
  }
}

/** Checks the host's own totals against its lines, so what QuickBooks shows is what the host billed. */
function checkTotals(ctx: Context, lines: readonly ReadLine[]): void {
  if (lines.length !== ctx.invoice.lines.length) return;
  const subtotal = lines.reduce((sum, read) => sum.plus(read.amount), new Big(0));
  const stated = decimal(ctx.invoice.totals.subtotal);
  if (!stated || !stated.eq(subtotal)) {
    ctx.problems.push({
      code: 'HOST_TOTALS_MISMATCH',
      message: `Invoice ${ctx.invoice.number}: its subtotal ${ctx.invoice.totals.subtotal} is not the sum of its lines (${subtotal.toFixed(MONEY_DECIMALS)}).`,
    });
    return;
  }
  const tax = lines.reduce((sum, read) => sum.plus(read.taxAmount), new Big(0));
  const statedTax = decimal(ctx.invoice.totals.tax);
  const statedTotal = decimal(ctx.invoice.totals.total);
  if (!statedTax || !statedTax.eq(tax) || !statedTotal || !statedTotal.eq(subtotal.plus(tax))) {
    ctx.problems.push({
      code: 'HOST_TOTALS_MISMATCH',
      message: `Invoice ${ctx.invoice.number}: its tax ${ctx.invoice.totals.tax} and total ${ctx.invoice.totals.total} are not the sums of its lines (tax ${tax.toFixed(MONEY_DECIMALS)}, total ${subtotal.plus(tax).toFixed(MONEY_DECIMALS)}).`,
    });
  }
}

function numbering(ctx: Context, options: BuildInvoiceOptions): Partial<QuickBooksInvoicePayload> {
  if (!ctx.snapshot.facts.customTxnNumbers) {
    // §6.1: with CustomTxnNumbers off QuickBooks numbers the invoice; "do not send a value as it can lead
    // to unwanted duplicates".
    ctx.decisions.push({
      field: 'DocNumber',
      reason: `not sent: the company numbers invoices itself (custom transaction numbers are off); the platform number ${ctx.invoice.number} goes in PrivateNote`,
    });
    return {};
  }
  const docNumber = options.docNumber ?? ctx.invoice.number;
  if (docNumber.length > DOC_NUMBER_MAX) {
    ctx.problems.push({
      code: 'DOC_NUMBER_TOO_LONG',
      message: `The invoice number "${docNumber}" is longer than QuickBooks' ${DOC_NUMBER_MAX} characters.`,
    });
  }
  ctx.decisions.push({
    field: 'DocNumber',
    reason:
      options.docNumber !== undefined
        ? `${docNumber}: chosen for invoice ${ctx.invoice.number} by the existing-number setting`
        : `${docNumber}: the platform invoice number (the company takes custom transaction numbers)`,
  });
  return { DocNumber: docNumber };
}

function classRef(ctx: Context, businessUnitId: string | undefined): Partial<QuickBooksInvoicePayload> {
  if (businessUnitId === undefined) return {};
  const key = businessUnitKey(businessUnitId);
  const mapping = ctx.lookup.find('CLASS', key);
  if (mapping?.status === 'BROKEN') {
    ctx.problems.push(brokenProblem(mapping));
    return {};
  }
  if (!mapping) {
    // Classes are optional in QuickBooks: an unmapped business unit is no reason to stop the push.
    ctx.decisions.push({
      field: 'ClassRef',
      reason: `not sent: ${key} is not mapped to a class`,
      sourceKey: key,
    });
    return {};
  }
  ctx.decisions.push({
    field: 'ClassRef',
    reason: `class '${mapping.targetName}' from ${key}`,
    sourceKey: key,
  });
  return { ClassRef: { value: mapping.targetId, name: mapping.targetName } };
}

export function buildQuickBooksInvoice(input: BuildInvoiceInput): BuildInvoiceResult {
  const { invoice, snapshot, settings, customerId } = input;
  const options = input.options ?? {};
  const ctx: Context = {
    invoice,
    policy: settings.taxDifferences ?? 'OVERRIDE',
    snapshot,
    lookup: new MappingLookup(input.mappings),
    decisions: [],
    problems: [],
  };
  checkInvoice(ctx);

  const readLines: ReadLine[] = [];
  const payloadLines: QuickBooksSalesItemLine[] = [];
  const grossLines = invoice.pricesIncludeTax === true && snapshot.facts.taxModel !== 'US';
  if (invoice.pricesIncludeTax) {
    ctx.decisions.push(
      grossLines
        ? {
            field: 'GlobalTaxCalculation',
            reason:
              "TaxInclusive: the platform's prices include tax; each line goes with its amount before tax (Amount, net unit price) and its gross (TaxInclusiveAmt), so QuickBooks keeps the platform's tax per line",
          }
        : {
            field: 'Line',
            reason:
              "the platform's prices include tax, which US QuickBooks invoices cannot show: each line goes at its amount before tax (unit price = amount ÷ quantity) with the tax on top, so the invoice total is the platform's",
          },
    );
  }
  invoice.lines.forEach((line) => {
    const read = readLine(ctx, line, `Line "${line.description}"`);
    if (!read) return;
    const item = itemFor(ctx, line, payloadLines.length);
    readLines.push(read);
    payloadLines.push({
      DetailType: 'SalesItemLineDetail',
      ...(line.description ? { Description: line.description } : {}),
      // Exactly the host's amount: QuickBooks recomputes Qty × UnitPrice and must find the same cents.
      Amount: jsonNumber(read.amount),
      SalesItemLineDetail: {
        ...(item ? { ItemRef: item } : {}),
        Qty: jsonNumber(read.quantity),
        UnitPrice: jsonNumber(read.unitPrice),
        ...(grossLines ? { TaxInclusiveAmt: jsonNumber(read.amount.plus(read.taxAmount)) } : {}),
      },
    });
  });
  checkTotals(ctx, readLines);
  const tax = applyTax(ctx, readLines, payloadLines);

  const multiCurrency = snapshot.facts.multiCurrencyEnabled;
  if (multiCurrency) {
    ctx.decisions.push({
      field: 'CurrencyRef',
      reason: `${invoice.currency}: the company has multicurrency on`,
    });
  }
  const memo = invoice.memo?.trim();
  if (memo && memo.length > CUSTOMER_MEMO_MAX) {
    ctx.problems.push({
      code: 'MEMO_TOO_LONG',
      message: `The memo is ${memo.length} characters; QuickBooks prints at most ${CUSTOMER_MEMO_MAX}.`,
    });
  }
  if (invoice.dueDate) {
    ctx.decisions.push({ field: 'DueDate', reason: `${invoice.dueDate}: the platform due date` });
  } else if (settings.defaultTermsId) {
    ctx.decisions.push({
      field: 'DueDate',
      reason: 'not sent: QuickBooks derives it from the default terms',
    });
  }
  if (settings.defaultTermsId) {
    ctx.decisions.push({
      field: 'SalesTermRef',
      reason: `term ${settings.defaultTermsId}: the default terms setting`,
    });
  }

  const payload: QuickBooksInvoicePayload = {
    CustomerRef: { value: customerId },
    TxnDate: invoice.issueDate,
    ...(invoice.dueDate ? { DueDate: invoice.dueDate } : {}),
    ...numbering(ctx, options),
    ...(invoice.billTo?.email ? { BillEmail: { Address: invoice.billTo.email } } : {}),
    // The platform's number and id in the private note: a person reading QuickBooks can find the source
    // even when QuickBooks numbered the invoice itself.
    PrivateNote: `Platform invoice ${invoice.number} (${invoice.id})`,
    ...(memo ? { CustomerMemo: { value: memo } } : {}),
    ...(multiCurrency ? { CurrencyRef: { value: invoice.currency } } : {}),
    ...classRef(ctx, options.businessUnitId),
    ...(settings.defaultTermsId ? { SalesTermRef: { value: settings.defaultTermsId } } : {}),
    ...tax,
    Line: payloadLines,
  };
  return { payload, decisions: ctx.decisions, problems: ctx.problems };
}

/** What `previewQuickBooksInvoice` answers: the same result, plus whether it would be sent as is. */
export interface InvoicePreview {
  ready: boolean;
  payload: QuickBooksInvoicePayload;
  decisions: BuildDecision[];
  problems: BuildProblem[];
}

export function previewOf(result: BuildInvoiceResult): InvoicePreview {
  return {
    ready: result.problems.length === 0,
    payload: result.payload,
    decisions: result.decisions,
    problems: result.problems,
  };
}
