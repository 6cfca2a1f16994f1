import { countryProfile } from '../../company/seed.js';
import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import {
  divideRound,
  getArray,
  getBoolean,
  getDoc,
  getNumber,
  getRefValue,
  getString,
  isDoc,
  multiplyRound,
  percentOf,
  sumMoney,
} from '../../util/json.js';
import { addDays, isDateOnly } from '../../util/time.js';
import type { EntityContext, EntityDefinition } from './context.js';
import { checkEmail, checkLength } from './context.js';
import { assignDocNumber } from './doc-number.js';
import { readMoney, suppliedValue } from './money.js';
import {
  afterInvoiceWrite,
  assertInvoiceDeletable,
  invoiceLinkedTxn,
  paidOnInvoice,
  voidInvoice,
} from './receivables.js';
import type { DiscountFactor, GlobalTaxCalculation, TaxRate, TaxResult } from './sales-tax.js';
import {
  automatedSalesTaxState,
  automatedTax,
  globalTax,
  grossFromNet,
  netFromGross,
  salesRates,
  taxInclusiveMismatch,
  usManualTax,
  usingSalesTax,
} from './sales-tax.js';

const GLOBAL_TAX_CALCULATION = new Set(['TaxExcluded', 'TaxInclusive', 'NotApplicable']);

interface TaxMode {
  us: boolean;
  /** US automated sales tax (Preferences.TaxPrefs.PartnerTaxEnabled true, or false: on but not set up). */
  ast: boolean;
  calculation: GlobalTaxCalculation;
  /** Preferences.TaxPrefs.UsingSalesTax: false = no tax at all, TxnTaxDetail ignored and not stored. */
  salesTax: boolean;
}

/** A SalesItemLine with an item: the only kind that counts towards the totals. */
interface SalesLine {
  line: Doc;
  detail: Doc;
  item: Doc;
  /** Line.Amount, the amount before tax. */
  net: number;
  /** TaxInclusiveAmt sent by the client (global TaxInclusive only). */
  gross: number | undefined;
  /** US: TAX or NON. */
  usCode: 'TAX' | 'NON' | undefined;
  /** Global: the rates of the line's TaxCode. */
  rates: TaxRate[];
}

function taxMode(ctx: EntityContext, doc: Doc): TaxMode {
  const salesTax = usingSalesTax(ctx);
  if (ctx.realm.isUS) {
    delete doc.GlobalTaxCalculation;
    const ast = salesTax && automatedSalesTaxState(ctx) !== 'off';
    return { us: true, ast, calculation: 'NotApplicable', salesTax };
  }
  const calculation = getString(doc, 'GlobalTaxCalculation') ?? 'TaxExcluded';
  if (!GLOBAL_TAX_CALCULATION.has(calculation))
    throw Faults.invalidEnumeration('GlobalTaxCalculation', calculation);
  doc.GlobalTaxCalculation = calculation;
  return { us: false, ast: false, calculation: calculation as GlobalTaxCalculation, salesTax };
}

/** Builds an invoice, or the invoice-shaped body of a sales form that shares its rules (CreditMemo). */
export function buildInvoice(
  ctx: EntityContext,
  input: Doc,
  existing: Doc | undefined,
  form: 'Invoice' | 'CreditMemo' = 'Invoice',
): Doc {
  const doc: Doc = { ...input };
  const customer = ctx.resolveRef('Customer', doc, 'CustomerRef', true) ?? {};
  const rawLines = getArray(doc, 'Line');
  if (!rawLines || rawLines.length === 0) throw Faults.requiredParam('Line');
  const mode = taxMode(ctx, doc);

  const existingLineIds = new Set(
    (getArray(existing ?? {}, 'Line') ?? []).map((line) => (isDoc(line) ? getString(line, 'Id') : undefined)),
  );
  let nextLineId =
    Math.max(0, ...[...existingLineIds].map((id) => Number(id)).filter((n) => Number.isFinite(n))) + 1;

  const lines: Doc[] = [];
  const discountLines: Doc[] = [];
  const sales: SalesLine[] = [];
  let hasContent = false;

  for (const raw of rawLines) {
    if (!isDoc(raw)) throw Faults.requestMalformed('Line');
    const detailType = getString(raw, 'DetailType');
    // The subtotal line is computed; clients echo it back on full updates.
    if (detailType === 'SubTotalLineDetail') continue;
    if (detailType === undefined) throw Faults.requiredParam('Line.DetailType');
    const line: Doc = { ...raw };
    if (detailType === 'SalesItemLineDetail') {
      hasContent = true;
      const sale = salesLine(ctx, line, mode);
      if (sale) sales.push(sale);
    } else if (detailType === 'DiscountLineDetail') {
      line.DiscountLineDetail = { ...(getDoc(line, 'DiscountLineDetail') ?? {}) };
      discountLines.push(line);
    } else if (detailType === 'DescriptionOnly') {
      hasContent = true;
      line.DescriptionLineDetail = getDoc(line, 'DescriptionLineDetail') ?? {};
    } else if (detailType === 'GroupLineDetail') {
      throw Faults.unsupportedOperation('Group lines are not supported by the sandbox emulator.');
    } else {
      throw Faults.invalidEnumeration('Line.DetailType', detailType);
    }
    const suppliedId = getString(raw, 'Id');
    // An existing line Id updates that line; a missing or unknown Id creates one (§3.3).
    line.Id = suppliedId !== undefined && existingLineIds.has(suppliedId) ? suppliedId : String(nextLineId++);
    lines.push(line);
  }
  if (!hasContent) throw Faults.requiredParam('Line');
  const subtotal = sumMoney(sales.map((sale) => sale.net));

  for (const line of discountLines) {
    const detail = line.DiscountLineDetail as Doc;
    const percent = getNumber(detail, 'DiscountPercent');
    line.Amount =
      getBoolean(detail, 'PercentBased') && percent !== undefined
        ? percentOf(subtotal, percent)
        : (readMoney(ctx, line, 'Amount', 'Line.Amount') ?? 0);
  }
  const discount = sumMoney(discountLines.map((line) => getNumber(line, 'Amount') ?? 0));
  lines.forEach((line, index) => (line.LineNum = index + 1));

  // "If ShipAddr, BillAddr, or both are not provided, the appropriate customer address from the referenced
  // Customer object is used" (Invoice reference): the ship-to comes from the customer's ship-to only.
  doc.BillAddr ??= customer.BillAddr;
  doc.ShipAddr ??= customer.ShipAddr;

  const applyAfterDiscount = getBoolean(doc, 'ApplyTaxAfterDiscount') ?? false;
  const factor: DiscountFactor | undefined =
    applyAfterDiscount && subtotal > 0 && discount !== 0
      ? { keep: sumMoney([subtotal, -discount]), of: subtotal }
      : undefined;
  const txnTaxDetail: Doc = { ...(getDoc(doc, 'TxnTaxDetail') ?? {}) };
  const tax = invoiceTax(ctx, doc, customer, sales, mode, factor, txnTaxDetail);
  txnTaxDetail.TotalTax = tax.totalTax;
  txnTaxDetail.TaxLine = tax.taxLines;
  // "If sales tax is disabled (Preferences.TaxPrefs.UsingSalesTax is set to false) then TxnTaxDetail is
  // ignored and not stored" (Invoice reference); TxnTaxCodeRef likewise "is ignored and not returned".
  if (mode.salesTax) doc.TxnTaxDetail = txnTaxDetail;
  else delete doc.TxnTaxDetail;

  lines.push({ Amount: subtotal, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} });
  doc.Line = lines;
  const totalAmt = sumMoney([subtotal, -discount, tax.totalTax]);
  // QuickBooks refuses an invoice whose total is below zero: "Transaction amount must be positive"
  // (OnTime360 KB a231, an integrator's capture of the QuickBooks message); the code is UNCONFIRMED (6000).
  if (totalAmt < 0)
    throw Faults.businessValidation('Business Validation Error: Transaction amount must be positive.');
  // A deposit larger than the invoice (or below zero) would leave a negative Balance. Intuit's answer is
  // UNCONFIRMED: 6000 with this detail.
  const deposit = readMoney(ctx, doc, 'Deposit', 'Deposit') ?? 0;
  if (deposit < 0 || deposit > totalAmt) {
    throw Faults.businessValidation(
      `Business Validation Error: The deposit (${suppliedValue(deposit)}) must be between 0 and the invoice total (${suppliedValue(totalAmt)}).`,
    );
  }
  doc.TotalAmt = totalAmt;
  doc.ApplyTaxAfterDiscount = applyAfterDiscount;
  doc.Deposit = deposit;

  const txnDate = getString(doc, 'TxnDate') ?? ctx.today;
  if (!isDateOnly(txnDate)) throw Faults.requestMalformed(`TxnDate: ${txnDate} is not a yyyy-MM-dd date`);
  doc.TxnDate = txnDate;
  ctx.assertOpenPeriod(txnDate);
  if (existing) ctx.assertOpenPeriod(getString(existing, 'TxnDate'));

  if (doc.SalesTermRef === undefined || doc.SalesTermRef === null) {
    const termId =
      getRefValue(customer, 'SalesTermRef') ?? getRefValue(ctx.salesFormsPrefs(), 'DefaultTerms');
    if (termId !== undefined) doc.SalesTermRef = { value: termId };
  }
  const term =
    getRefValue(doc, 'SalesTermRef') === undefined
      ? undefined
      : ctx.resolveRef('Term', doc, 'SalesTermRef', true);
  const dueDate = getString(doc, 'DueDate') ?? addDays(txnDate, getNumber(term ?? {}, 'DueDays') ?? 0);
  if (!isDateOnly(dueDate)) throw Faults.requestMalformed(`DueDate: ${dueDate} is not a yyyy-MM-dd date`);
  doc.DueDate = dueDate;

  if (doc.BillEmail === undefined && isDoc(customer.PrimaryEmailAddr)) {
    doc.BillEmail = { Address: customer.PrimaryEmailAddr.Address };
  }
  checkEmail(getDoc(doc, 'BillEmail'), 'BillEmail');
  doc.EmailStatus ??= 'NotSet';
  doc.PrintStatus ??= 'NeedToPrint';
  if (doc.EmailStatus === 'NeedToSend' && getDoc(doc, 'BillEmail')?.Address === undefined) {
    throw Faults.requiredParam('BillEmail');
  }
  doc.CurrencyRef = existing?.CurrencyRef ?? doc.CurrencyRef ?? ctx.homeCurrency();
  checkLength(doc, 'PrivateNote', 4000);
  checkLength(getDoc(doc, 'CustomerMemo') ?? {}, 'value', 1000);
  doc.CustomField ??= [{ DefinitionId: '1', Name: 'Crew #', Type: 'StringType' }];
  doc.DocNumber = assignDocNumber(ctx, form, doc, existing);

  const id = getString(existing ?? {}, 'Id');
  doc.LinkedTxn = invoiceLinkedTxn(ctx, id, doc.LinkedTxn);
  // Balance is always computed; a supplied value is overwritten (§6.5).
  doc.Balance = sumMoney([totalAmt, -deposit, -(id === undefined ? 0 : paidOnInvoice(ctx, id))]);
  return doc;
}

/**
 * One SalesItemLine: Amount, item, tax code, the TaxInclusive gross, then Qty x UnitPrice. Returns undefined
 * for a line without ItemRef: "When a line lacks an ItemRef it is treated as documentation and the
 * Line.Amount attribute is ignored" (Invoice reference, §6.1).
 */
function salesLine(ctx: EntityContext, line: Doc, mode: TaxMode): SalesLine | undefined {
  const amount = readMoney(ctx, line, 'Amount', 'Line.Amount');
  if (amount === undefined) throw Faults.requiredParam('Line.Amount');
  line.Amount = amount;
  const detail: Doc = { ...(getDoc(line, 'SalesItemLineDetail') ?? {}) };
  line.SalesItemLineDetail = detail;
  const item = ctx.resolveRef('Item', detail, 'ItemRef', false);
  if (getRefValue(detail, 'ClassRef') !== undefined) ctx.resolveRef('Class', detail, 'ClassRef', true);
  checkLength(line, 'Description', 4000);

  let usCode: 'TAX' | 'NON' | undefined;
  let rates: TaxRate[] = [];
  if (mode.us) {
    // US lines carry the TAX/NON pseudo codes: anything else is 6100 "Valid Line TaxCodes for US should be TAX
    // or NON. Supplied value:XXX" (Intuit's error-code list; a developer's capture shows the same wording).
    const supplied = getRefValue(detail, 'TaxCodeRef');
    if (supplied !== undefined && supplied !== 'TAX' && supplied !== 'NON')
      throw Faults.invalidLineTaxCode(supplied);
    // Without a code a line is NON (§6.1), except under AST: "when a sales transaction line does not
    // explicitly specify a TaxCodeRef, we will be treating that line as if the TaxCodeRef is TAX and we will
    // determine the taxability of that line based on the item's taxability" (Intuit blog 2018-03-28,
    // https://developer.intuit.com/hub/blog/2018/03/28/automated-sales-tax-quickbooks-online-api-update).
    usCode = supplied ?? (mode.ast ? 'TAX' : 'NON');
    detail.TaxCodeRef = { value: usCode };
  } else if (mode.salesTax) {
    // Non-US companies need a tax code on every line or the save fails with 6000 (§6.1, §5.4). Without
    // sales tax there is no rate to name, so the check does not apply ([INF], UNCONFIRMED).
    if (getRefValue(detail, 'TaxCodeRef') === undefined) {
      throw Faults.businessValidation(
        `Business Validation Error: Make sure all your transactions have a ${countryProfile(ctx.realm.country).taxWord} rate before you save.`,
      );
    }
    rates = salesRates(ctx, ctx.resolveRef('TaxCode', detail, 'TaxCodeRef', true) ?? {});
  }
  if (!item) return undefined;

  let net = amount;
  let gross: number | undefined;
  if (mode.calculation === 'TaxInclusive') {
    gross = readMoney(ctx, detail, 'TaxInclusiveAmt', 'Line.SalesItemLineDetail.TaxInclusiveAmt');
    if (gross !== undefined) net = reconcileGross(ctx, line, amount, gross, rates);
  }
  reconcileQuantity(ctx, detail, item, net);
  return { line, detail, item, net, gross, usCode, rates };
}

/**
 * A TaxInclusive line sent with its gross: Amount must be the net of it, either way round (net plus its tax
 * gives the gross, or the gross backed out gives the net), as in Intuit's AU response (Amount 409.09,
 * TaxInclusiveAmt 450, 10 %). What Intuit does with an Amount that is neither is UNCONFIRMED: setting
 * `invoice.taxInclusiveAmountMismatch` rejects it (6000, default) or replaces Amount by the net.
 */
function reconcileGross(ctx: EntityContext, line: Doc, net: number, gross: number, rates: TaxRate[]): number {
  if (grossFromNet(net, rates) === gross || netFromGross(gross, rates) === net) return net;
  if (ctx.settings.invoice.taxInclusiveAmountMismatch === 'reject') {
    throw Faults.businessValidation(taxInclusiveMismatch(net, gross, rates));
  }
  const derived = netFromGross(gross, rates);
  line.Amount = derived;
  return derived;
}

/**
 * Qty x UnitPrice against Amount. QuickBooks re-multiplies every line and refuses a mismatch with 6070
 * "Amount is not equal to UnitPrice * Qty" (Intuit's error codes, developer.intuit.com/app/developer/qbo/docs/
 * develop/troubleshooting/error-codes); a developer's log shows it expects the product rounded half up to the
 * cent and refused 1861.07 for 128.350 x 14.50 = 1861.075. A tracked inventory item needs a Qty: 6520
 * (n8n-io/n8n#12956). With only one of Qty/UnitPrice beside Amount, Intuit's behaviour is UNCONFIRMED: setting
 * `invoice.partialQtyUnitPrice` (strict: the item's UnitPrice or Qty 1 then 6070; derive: computed from Amount,
 * UnitPrice to 7 decimals like the 0.9090889 QuickBooks stored in the AU response).
 */
function reconcileQuantity(ctx: EntityContext, detail: Doc, item: Doc, net: number): void {
  const tracked = getString(item, 'Type') === 'Inventory' && item.TrackQtyOnHand !== false;
  const qty = getNumber(detail, 'Qty');
  const price = getNumber(detail, 'UnitPrice');
  if (tracked && qty === undefined) throw Faults.inventoryQuantityRequired();
  if (qty === undefined && price === undefined) return;
  let q: number;
  let p: number;
  if (qty !== undefined && price !== undefined) {
    q = qty;
    p = price;
  } else if (ctx.settings.invoice.partialQtyUnitPrice === 'derive') {
    q = qty ?? (price === 0 || price === undefined ? 0 : divideRound(net, price, 7));
    p = price ?? (q === 0 ? 0 : divideRound(net, q, 7));
  } else {
    q = qty ?? 1;
    p = price ?? getNumber(item, 'UnitPrice') ?? 0;
  }
  detail.Qty = q;
  detail.UnitPrice = p;
  if (multiplyRound(q, p, 2) !== net) throw Faults.amountCalculation(suppliedValue(net));
}

function invoiceTax(
  ctx: EntityContext,
  doc: Doc,
  customer: Doc,
  sales: SalesLine[],
  mode: TaxMode,
  factor: DiscountFactor | undefined,
  txnTaxDetail: Doc,
): TaxResult {
  if (!mode.salesTax) return { taxLines: [], totalTax: 0 };
  if (!mode.us) return globalTax(ctx, sales, mode.calculation, factor);
  if (mode.ast) {
    // AST taxes "based on ... the taxability of the customer in question ... the taxability of the items"
    // (blog 2018-03-28); NON explicitly directs it not to tax a line.
    const taxable =
      customer.Taxable === false
        ? 0
        : sumMoney(sales.filter((s) => s.usCode === 'TAX' && s.item.Taxable === true).map((s) => s.net));
    const result = automatedTax(ctx, doc, { taxable, factor });
    if (result.txnTaxCodeRef) txnTaxDetail.TxnTaxCodeRef = result.txnTaxCodeRef;
    else delete txnTaxDetail.TxnTaxCodeRef;
    return result;
  }
  // Manual US sales tax, as in Intuit's sandbox (no AST, §6.1, §8.1): the transaction tax code (or a taxable
  // customer's default) names a tax group whose rates apply to the TAX lines.
  const codeId =
    getRefValue(txnTaxDetail, 'TxnTaxCodeRef') ??
    (customer.Taxable === true ? getRefValue(customer, 'DefaultTaxCodeRef') : undefined);
  if (codeId === undefined) return { taxLines: [], totalTax: 0 };
  if (codeId === 'TAX' || codeId === 'NON') {
    throw Faults.businessValidation(
      'Business Validation Error: TxnTaxCodeRef must name a sales tax rate or group.',
    );
  }
  txnTaxDetail.TxnTaxCodeRef = { value: codeId };
  const taxCode = ctx.resolveRef('TaxCode', txnTaxDetail, 'TxnTaxCodeRef', true) ?? {};
  const taxable = sumMoney(sales.filter((s) => s.usCode === 'TAX').map((s) => s.net));
  return usManualTax(ctx, taxCode, { taxable, factor });
}

export const INVOICE_DEFINITION: EntityDefinition = {
  name: 'Invoice',
  path: 'invoice',
  kind: 'transaction',
  build: buildInvoice,
  voided: voidInvoice,
  assertDeletable: assertInvoiceDeletable,
  // Customer.Balance follows every change of an invoice's Balance; payments a delete releases (receivables).
  afterWrite: afterInvoiceWrite,
};
