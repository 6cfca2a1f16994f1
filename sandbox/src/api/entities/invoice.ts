import { countryProfile } from '../../company/seed.js';
import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import {
  getArray,
  getBoolean,
  getDoc,
  getNumber,
  getRefValue,
  getString,
  isDoc,
  round2,
} from '../../util/json.js';
import { addDays, isDateOnly } from '../../util/time.js';
import type { EntityContext, EntityDefinition } from './context.js';
import { checkEmail, checkLength } from './context.js';
import { assignDocNumber } from './doc-number.js';
import {
  adjustCustomerBalance,
  assertInvoiceDeletable,
  invoiceLinkedTxn,
  paidOnInvoice,
  voidInvoice,
} from './receivables.js';

const GLOBAL_TAX_CALCULATION = new Set(['TaxExcluded', 'TaxInclusive', 'NotApplicable']);

interface RateBucket {
  rateId: string;
  percent: number;
  net: number;
}

function buildInvoice(ctx: EntityContext, input: Doc, existing: Doc | undefined): Doc {
  const doc: Doc = { ...input };
  const realm = ctx.realm;
  const customer = ctx.resolveRef('Customer', doc, 'CustomerRef', true) ?? {};
  const rawLines = getArray(doc, 'Line');
  if (!rawLines || rawLines.length === 0) throw Faults.requiredParam('Line');

  const existingLineIds = new Set(
    (getArray(existing ?? {}, 'Line') ?? []).map((line) => (isDoc(line) ? getString(line, 'Id') : undefined)),
  );
  let nextLineId =
    Math.max(0, ...[...existingLineIds].map((id) => Number(id)).filter((n) => Number.isFinite(n))) + 1;

  const lines: Doc[] = [];
  const discountLines: Doc[] = [];
  const buckets = new Map<string, RateBucket>();
  let subtotal = 0;
  let usTaxable = 0;
  let hasContent = false;

  for (const raw of rawLines) {
    if (!isDoc(raw)) throw Faults.requestMalformed('Line');
    const detailType = getString(raw, 'DetailType');
    // The subtotal line is computed; clients echo it back on full updates.
    if (detailType === 'SubTotalLineDetail') continue;
    if (detailType === undefined) throw Faults.requiredParam('Line.DetailType');
    const line: Doc = { ...raw };
    if (detailType === 'SalesItemLineDetail') {
      const amount = getNumber(line, 'Amount');
      if (amount === undefined) throw Faults.requiredParam('Line.Amount');
      line.Amount = round2(amount);
      const detail: Doc = { ...(getDoc(line, 'SalesItemLineDetail') ?? {}) };
      line.SalesItemLineDetail = detail;
      hasContent = true;
      // "When a line lacks an ItemRef it is treated as documentation and the Line.Amount attribute is
      // ignored" (§6.1): such a line stays on the invoice but adds nothing to the totals.
      const item = ctx.resolveRef('Item', detail, 'ItemRef', false);
      if (getRefValue(detail, 'ClassRef') !== undefined) ctx.resolveRef('Class', detail, 'ClassRef', true);
      checkLength(line, 'Description', 4000);
      if (realm.isUS) {
        // US lines carry the TAX/NON pseudo codes and default to NON (§6.1).
        const code = getRefValue(detail, 'TaxCodeRef') ?? 'NON';
        if (code !== 'TAX' && code !== 'NON') {
          throw Faults.businessValidation(
            `Business Validation Error: Invalid line tax code ${code}. US sales lines take TaxCodeRef TAX or NON.`,
          );
        }
        detail.TaxCodeRef = { value: code };
        if (item) {
          subtotal += amount;
          if (code === 'TAX') usTaxable += amount;
        }
      } else {
        // Non-US companies need a tax code on every line or the save fails with 6000 (§6.1, §5.4).
        if (getRefValue(detail, 'TaxCodeRef') === undefined) {
          throw Faults.businessValidation(
            `Business Validation Error: Make sure all your transactions have a ${countryProfile(realm.country).taxWord} rate before you save.`,
          );
        }
        const taxCode = ctx.resolveRef('TaxCode', detail, 'TaxCodeRef', true) ?? {};
        if (item) {
          subtotal += amount;
          for (const rate of salesRates(ctx, taxCode)) {
            const bucket = buckets.get(rate.rateId) ?? { ...rate, net: 0 };
            bucket.net += amount;
            buckets.set(rate.rateId, bucket);
          }
        }
      }
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
  subtotal = round2(subtotal);

  let discount = 0;
  for (const line of discountLines) {
    const detail = line.DiscountLineDetail as Doc;
    const percent = getNumber(detail, 'DiscountPercent');
    const amount =
      getBoolean(detail, 'PercentBased') && percent !== undefined
        ? round2((subtotal * percent) / 100)
        : round2(getNumber(line, 'Amount') ?? 0);
    line.Amount = amount;
    discount += amount;
  }
  discount = round2(discount);
  lines.forEach((line, index) => (line.LineNum = index + 1));

  const applyAfterDiscount = getBoolean(doc, 'ApplyTaxAfterDiscount') ?? false;
  const discountFactor = applyAfterDiscount && subtotal > 0 ? (subtotal - discount) / subtotal : 1;
  const txnTaxDetail: Doc = { ...(getDoc(doc, 'TxnTaxDetail') ?? {}) };
  const taxLines: Doc[] = [];

  if (realm.isUS) {
    delete doc.GlobalTaxCalculation;
    // The sandbox has no automated sales tax (§6.1, §8.1): the transaction tax code (or the customer's
    // default) names a tax group whose rates apply to the TAX lines.
    const codeId =
      getRefValue(txnTaxDetail, 'TxnTaxCodeRef') ??
      (customer.Taxable === true ? getRefValue(customer, 'DefaultTaxCodeRef') : undefined);
    if (codeId !== undefined) {
      if (codeId === 'TAX' || codeId === 'NON') {
        throw Faults.businessValidation(
          'Business Validation Error: TxnTaxCodeRef must name a sales tax rate or group.',
        );
      }
      txnTaxDetail.TxnTaxCodeRef = { value: codeId };
      const taxCode = ctx.resolveRef('TaxCode', txnTaxDetail, 'TxnTaxCodeRef', true) ?? {};
      const base = round2(usTaxable * discountFactor);
      for (const rate of salesRates(ctx, taxCode)) taxLines.push(taxLine(rate, base));
    }
  } else {
    const calculation = getString(doc, 'GlobalTaxCalculation') ?? 'TaxExcluded';
    if (!GLOBAL_TAX_CALCULATION.has(calculation))
      throw Faults.invalidEnumeration('GlobalTaxCalculation', calculation);
    doc.GlobalTaxCalculation = calculation;
    if (calculation !== 'NotApplicable') {
      for (const bucket of buckets.values())
        taxLines.push(taxLine(bucket, round2(bucket.net * discountFactor)));
    }
  }

  let totalTax = round2(taxLines.reduce((sum, line) => sum + (getNumber(line, 'Amount') ?? 0), 0));
  // An explicit TotalTax in the request is honoured and spread over the rates, as Intuit's tax engine
  // does (§6.1); a value merely carried over from the stored invoice on a sparse update is not.
  const requested = getDoc(ctx.options.requestBody, 'TxnTaxDetail');
  const override = requested ? getNumber(requested, 'TotalTax') : undefined;
  if (override !== undefined && taxLines.length > 0 && Math.abs(override - totalTax) > 0.004) {
    prorate(taxLines, totalTax, override);
    totalTax = round2(override);
  }
  txnTaxDetail.TotalTax = totalTax;
  txnTaxDetail.TaxLine = taxLines;
  doc.TxnTaxDetail = txnTaxDetail;

  lines.push({ Amount: subtotal, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} });
  doc.Line = lines;
  const totalAmt = round2(subtotal - discount + totalTax);
  const deposit = round2(getNumber(doc, 'Deposit') ?? 0);
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

  doc.BillAddr ??= customer.BillAddr;
  doc.ShipAddr ??= customer.ShipAddr ?? customer.BillAddr;
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
  doc.DocNumber = assignDocNumber(ctx, doc, existing);

  const id = getString(existing ?? {}, 'Id');
  doc.LinkedTxn = invoiceLinkedTxn(ctx, id, doc.LinkedTxn);
  // Balance is always computed; a supplied value is overwritten (§6.5).
  doc.Balance = round2(totalAmt - deposit - (id === undefined ? 0 : paidOnInvoice(ctx, id)));
  return doc;
}

function salesRates(ctx: EntityContext, taxCode: Doc): { rateId: string; percent: number }[] {
  const details = getArray(getDoc(taxCode, 'SalesTaxRateList') ?? {}, 'TaxRateDetail') ?? [];
  const rates: { rateId: string; percent: number }[] = [];
  for (const detail of details) {
    if (!isDoc(detail)) continue;
    const rateId = getRefValue(detail, 'TaxRateRef');
    const rate = rateId === undefined ? undefined : ctx.realm.get('TaxRate', rateId);
    if (rateId !== undefined && rate) rates.push({ rateId, percent: getNumber(rate, 'RateValue') ?? 0 });
  }
  return rates;
}

function taxLine(rate: { rateId: string; percent: number }, base: number): Doc {
  return {
    Amount: round2((base * rate.percent) / 100),
    DetailType: 'TaxLineDetail',
    TaxLineDetail: {
      TaxRateRef: { value: rate.rateId },
      PercentBased: true,
      TaxPercent: rate.percent,
      NetAmountTaxable: round2(base),
    },
  };
}

function prorate(taxLines: Doc[], computed: number, target: number): void {
  let assigned = 0;
  taxLines.forEach((line, index) => {
    const amount = getNumber(line, 'Amount') ?? 0;
    const share =
      index === taxLines.length - 1
        ? round2(target - assigned)
        : round2(computed > 0 ? (amount / computed) * target : target / taxLines.length);
    line.Amount = share;
    assigned += share;
  });
}

export const INVOICE_DEFINITION: EntityDefinition = {
  name: 'Invoice',
  path: 'invoice',
  kind: 'transaction',
  build: buildInvoice,
  voided: voidInvoice,
  assertDeletable: assertInvoiceDeletable,
  afterWrite(ctx, previous, next) {
    // Customer.Balance is open A/R: follow every change of an invoice's Balance.
    adjustCustomerBalance(ctx, previous, -1);
    adjustCustomerBalance(ctx, next, 1);
    return [];
  },
};
