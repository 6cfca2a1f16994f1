import Big from 'big.js';
import { parse } from 'csv-parse/sync';
import type { EntityDefinition, WriteOptions } from '../api/entities/context.js';
import type { Realm } from '../company/realm.js';
import { QboFault } from '../errors.js';
import type { Doc } from '../util/json.js';
import { getArray, getDoc, getNumber, getRefValue, getString, isDoc } from '../util/json.js';

/**
 * QuickBooks Online's "Import data" wizard for customers and invoices (issue 15), as a control: the file is
 * read the way the wizard maps columns by itself, with the date format and "exclusive / inclusive of tax"
 * the user picks, and every record is created through the API's own validation (names, 6070, tax codes,
 * DocNumber rules), so a file the product exports is checked by the same rules its pushes meet.
 *
 * Sources: the auto-mapped invoice headers are an Intuit moderator's list (quickbooks.intuit.com/learn-support/
 * en-ca/sales-and-invoicing/do-we-need-to-map-field-everytime-when-import-invoices/01/394876); the customer
 * fields and limits are Intuit's help "Which contact fields are imported" (name ≤ 100, no tab, newline, colon or
 * quotation mark, unique; e-mail 100, no spaces, an @ and a period; phone 21; street 2,000; city, state and
 * country 255; ZIP 30). Everything else is UNCONFIRMED and chosen strict:
 * - 100 invoices and 1,000 rows per file, 350 KB per invoice file and 2 MB per customer file (third-party
 *   reports: "350 KB for transactions or 2 MB for lists"): a larger file is refused whole;
 * - a customer or product/service the company does not have is an error on that invoice (not created);
 * - a negative amount is an error (third parties: "no negative amounts");
 * - each invoice stands alone: the good ones are created, the others reported with their rows.
 */

export type ImportDateFormat = 'MM_DD_YYYY' | 'DD_MM_YYYY' | 'YYYY_MM_DD';
export type ImportTaxMode = 'EXCLUSIVE' | 'INCLUSIVE';

export interface CsvImportInput {
  kind: 'customers' | 'invoices';
  csv: string;
  dateFormat?: ImportDateFormat;
  taxMode?: ImportTaxMode;
  /**
   * The wizard's tax step: what the user picked for each tax code the file names (file value → the
   * company's tax code name). A value not listed must be a tax code's own name.
   */
  taxCodes?: Record<string, string>;
}

export interface CsvImportError {
  /** 1-based data row (the header is row 0); several for an invoice. */
  rows: number[];
  invoiceNumber?: string;
  message: string;
}

export interface CsvImportResult {
  created: { entity: 'Customer' | 'Invoice'; id: string; name: string }[];
  errors: CsvImportError[];
}

export interface ImportTarget {
  realm: Realm;
  customer: EntityDefinition;
  invoice: EntityDefinition;
  create(realm: Realm, definition: EntityDefinition, body: Doc, options: WriteOptions): Doc;
}

export class CsvImportRefused extends Error {
  override readonly name = 'CsvImportRefused';
}

const MAX_INVOICES = 100;
const MAX_ROWS = 1000;
const MAX_BYTES = { invoices: 350_000, customers: 2_000_000 } as const;
const NAME_MAX = 100;
// The exporter (src/services/csv-export) keeps its own copy on purpose: the emulator checks the product's
// files, so it must not take its rules from them.
const CONTACT_LIMITS = {
  Email: 100,
  Phone: 21,
  Street: 2000,
  City: 255,
  State: 255,
  'ZIP code': 30,
  Country: 255,
} as const;

type Row = Record<string, string>;

/** Header names compared as the wizard's auto-mapping is assumed to: case and spacing ignored. */
const headerKey = (header: string) => header.trim().replace(/\s+/gu, ' ').toLowerCase();

function readRows(csv: string): Row[] {
  try {
    return parse(csv, {
      bom: true,
      columns: (headers: string[]) => headers.map(headerKey),
      skip_empty_lines: true,
      trim: false,
    }) as Row[];
  } catch (error) {
    throw new CsvImportRefused(`the file is not CSV: ${(error as Error).message}`);
  }
}

const cell = (row: Row, header: string): string => (row[headerKey(header)] ?? '').trim();

/** The spreadsheet-safety quote a CSV writer puts before =, +, -, @: the wizard shows the text without it. */
const text = (row: Row, header: string): string => cell(row, header).replace(/^'(?=[=+\-@\t\r])/u, '');

export function importCsv(target: ImportTarget, input: CsvImportInput): CsvImportResult {
  const size = Buffer.byteLength(input.csv, 'utf8');
  const maxBytes = MAX_BYTES[input.kind];
  if (size > maxBytes)
    throw new CsvImportRefused(`the file has ${size} bytes; the ${input.kind} import takes ${maxBytes}`);
  const rows = readRows(input.csv);
  if (rows.length > MAX_ROWS)
    throw new CsvImportRefused(`the file has ${rows.length} rows; the import takes ${MAX_ROWS}`);
  return input.kind === 'customers' ? importCustomers(target, rows) : importInvoices(target, rows, input);
}

function create(target: ImportTarget, definition: EntityDefinition, body: Doc): Doc {
  return target.create(target.realm, definition, body, { allowDuplicateDocNumber: false, requestBody: body });
}

const faultMessage = (error: unknown): string => {
  if (error instanceof QboFault) return `${error.code}: ${error.detail ?? error.message}`;
  throw error;
};

function importCustomers(target: ImportTarget, rows: Row[]): CsvImportResult {
  const result: CsvImportResult = { created: [], errors: [] };
  rows.forEach((row, index) => {
    const name = cell(row, 'Name');
    const problem = customerProblem(row, name);
    if (problem) {
      result.errors.push({ rows: [index + 1], message: problem });
      return;
    }
    const street = cell(row, 'Street');
    const address: Doc = {
      ...(street ? { Line1: street } : {}),
      ...(cell(row, 'City') ? { City: cell(row, 'City') } : {}),
      ...(cell(row, 'State') ? { CountrySubDivisionCode: cell(row, 'State') } : {}),
      ...(cell(row, 'ZIP code') ? { PostalCode: cell(row, 'ZIP code') } : {}),
      ...(cell(row, 'Country') ? { Country: cell(row, 'Country') } : {}),
    };
    try {
      const doc = create(target, target.customer, {
        DisplayName: name,
        ...(cell(row, 'Email') ? { PrimaryEmailAddr: { Address: cell(row, 'Email') } } : {}),
        ...(cell(row, 'Phone') ? { PrimaryPhone: { FreeFormNumber: cell(row, 'Phone') } } : {}),
        ...(Object.keys(address).length > 0 ? { BillAddr: address } : {}),
      });
      result.created.push({ entity: 'Customer', id: String(doc.Id), name });
    } catch (error) {
      result.errors.push({ rows: [index + 1], message: faultMessage(error) });
    }
  });
  return result;
}

function customerProblem(row: Row, name: string): string | undefined {
  if (!name) return 'Name is required';
  if ([...name].length > NAME_MAX) return `Name is longer than ${NAME_MAX} characters`;
  if (/[\t\r\n:"]/u.test(name)) return 'Name cannot include a tab, newline, colon or quotation mark';
  for (const [field, limit] of Object.entries(CONTACT_LIMITS)) {
    if ([...cell(row, field)].length > limit) return `${field} is longer than ${limit} characters`;
  }
  const email = cell(row, 'Email');
  if (email && (/\s/u.test(email) || !email.includes('@') || !email.includes('.')))
    return 'Email cannot contain spaces, and must contain an @ and a period';
  return undefined;
}

export function parseImportDate(value: string, format: ImportDateFormat): string | undefined {
  const patterns: Record<ImportDateFormat, RegExp> = {
    MM_DD_YYYY: /^(?<month>\d{1,2})\/(?<day>\d{1,2})\/(?<year>\d{4})$/u,
    DD_MM_YYYY: /^(?<day>\d{1,2})\/(?<month>\d{1,2})\/(?<year>\d{4})$/u,
    YYYY_MM_DD: /^(?<year>\d{4})-(?<month>\d{1,2})-(?<day>\d{1,2})$/u,
  };
  const groups = patterns[format].exec(value)?.groups;
  if (!groups) return undefined;
  const iso = `${groups.year}-${groups.month!.padStart(2, '0')}-${groups.day!.padStart(2, '0')}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? undefined : iso;
}

function byName(realm: Realm, entity: 'Customer' | 'Item' | 'TaxCode', name: string): Doc | undefined {
  const wanted = name.trim().replace(/\s+/gu, ' ').toLowerCase();
  const field = entity === 'Customer' ? 'DisplayName' : 'Name';
  for (const doc of realm.table(entity).values()) {
    if (doc.Active === false) continue;
    if ((getString(doc, field) ?? '').trim().replace(/\s+/gu, ' ').toLowerCase() === wanted) return doc;
  }
  return undefined;
}

/** The percents of a tax code's sales rates (TaxRateRef → TaxRate.RateValue). */
function ratePercents(realm: Realm, taxCode: Doc): number[] {
  const details = getArray(getDoc(taxCode, 'SalesTaxRateList') ?? {}, 'TaxRateDetail') ?? [];
  return details.flatMap((detail) => {
    if (!isDoc(detail)) return [];
    const id = getRefValue(detail, 'TaxRateRef');
    const rate = id === undefined ? undefined : realm.get('TaxRate', id);
    return rate ? [getNumber(rate, 'RateValue') ?? 0] : [];
  });
}

const REQUIRED_INVOICE_HEADERS = ['Invoice number', 'Customer', 'Invoice date', 'Due date', 'Item Amount'];

function importInvoices(target: ImportTarget, rows: Row[], input: CsvImportInput): CsvImportResult {
  const format = input.dateFormat ?? 'MM_DD_YYYY';
  const taxMode = input.taxMode ?? 'EXCLUSIVE';
  const { realm } = target;
  if (realm.isUS && taxMode === 'INCLUSIVE')
    throw new CsvImportRefused('US companies have no tax-inclusive amounts');
  const present = new Set(Object.keys(rows[0] ?? {}));
  const missing = REQUIRED_INVOICE_HEADERS.filter((header) => !present.has(headerKey(header)));
  if (rows.length > 0 && missing.length > 0)
    throw new CsvImportRefused(`required columns missing: ${missing.join(', ')}`);
  const groups = new Map<string, { rows: number[]; data: Row[] }>();
  rows.forEach((row, index) => {
    const number = cell(row, 'Invoice number');
    const group = groups.get(number) ?? { rows: [], data: [] };
    group.rows.push(index + 1);
    group.data.push(row);
    groups.set(number, group);
  });
  if (groups.size > MAX_INVOICES)
    throw new CsvImportRefused(`the file has ${groups.size} invoices; the import takes ${MAX_INVOICES}`);

  // "Custom transaction numbers must be on to keep our numbers": without them QuickBooks numbers the
  // invoices itself (issue 15's facts; the wizard's exact behaviour is UNCONFIRMED).
  const customNumbers =
    getDoc(realm.get('Preferences', '1') ?? {}, 'SalesFormsPrefs')?.CustomTxnNumbers === true;
  const result: CsvImportResult = { created: [], errors: [] };
  for (const [number, group] of groups) {
    const fail = (message: string) =>
      result.errors.push({ rows: group.rows, invoiceNumber: number, message });
    if (!number) {
      fail('Invoice number is required');
      continue;
    }
    const first = group.data[0]!;
    const headerFields = ['Customer', 'Invoice date', 'Due date'] as const;
    const differing = headerFields.find((field) =>
      group.data.some((row) => cell(row, field) !== cell(first, field)),
    );
    if (differing) {
      fail(`the rows of one invoice must share its ${differing}`);
      continue;
    }
    const customer = byName(realm, 'Customer', cell(first, 'Customer'));
    if (!customer) {
      fail(`no customer named "${cell(first, 'Customer')}"`);
      continue;
    }
    const txnDate = parseImportDate(cell(first, 'Invoice date'), format);
    const dueDate = parseImportDate(cell(first, 'Due date'), format);
    if (!txnDate || !dueDate) {
      fail(
        `the dates are not ${format.replace(/_/gu, '/')}: "${cell(first, 'Invoice date')}", "${cell(first, 'Due date')}"`,
      );
      continue;
    }
    const lines: Doc[] = [];
    const salesTaxCodes = new Set<string>();
    let lineProblem: string | undefined;
    for (const row of group.data) {
      const built = invoiceLine(realm, row, taxMode, input.taxCodes ?? {});
      if (typeof built === 'string') {
        lineProblem = built;
        break;
      }
      lines.push(built.line);
      if (built.salesTaxCodeId) salesTaxCodes.add(built.salesTaxCodeId);
    }
    if (!lineProblem && salesTaxCodes.size > 1) lineProblem = 'an invoice takes one sales tax rate';
    if (lineProblem) {
      fail(lineProblem);
      continue;
    }
    const memo = text(first, 'Memo');
    const body: Doc = {
      ...(customNumbers ? { DocNumber: number } : {}),
      CustomerRef: { value: String(customer.Id) },
      TxnDate: txnDate,
      DueDate: dueDate,
      ...(memo ? { CustomerMemo: { value: memo } } : {}),
      ...(realm.isUS
        ? salesTaxCodes.size === 1
          ? { TxnTaxDetail: { TxnTaxCodeRef: { value: [...salesTaxCodes][0]! } } }
          : {}
        : { GlobalTaxCalculation: taxMode === 'INCLUSIVE' ? 'TaxInclusive' : 'TaxExcluded' }),
      Line: lines,
    };
    try {
      const doc = create(target, target.invoice, body);
      result.created.push({
        entity: 'Invoice',
        id: String(doc.Id),
        name: getString(doc, 'DocNumber') ?? number,
      });
    } catch (error) {
      fail(faultMessage(error));
    }
  }
  return result;
}

/** One SalesItemLine from a row, or why it cannot be one. */
function invoiceLine(
  realm: Realm,
  row: Row,
  taxMode: ImportTaxMode,
  taxCodes: Record<string, string>,
): { line: Doc; salesTaxCodeId?: string } | string {
  const itemName = text(row, 'Item (Product/Service)');
  const item = itemName ? byName(realm, 'Item', itemName) : undefined;
  if (!item)
    return itemName ? `no product or service named "${itemName}"` : 'Item (Product/Service) is required';
  let amount: Big;
  try {
    amount = new Big(cell(row, 'Item Amount'));
  } catch {
    return `Item Amount "${cell(row, 'Item Amount')}" is not a number`;
  }
  if (amount.lt(0)) return 'Item Amount cannot be negative';
  const quantityText = cell(row, 'Item Quantity');
  const rateText = cell(row, 'Item Rate');
  const written = text(row, 'Item tax code');
  const taxCodeName = taxCodes[written] ?? written;
  let taxCode: Doc | undefined;
  let salesTaxCodeId: string | undefined;
  if (realm.isUS && taxCodeName) {
    // A US line is taxable or not; a taxable line may name the invoice's sales tax rate instead of TAX,
    // which becomes the invoice's TxnTaxCodeRef (the wizard's tax step maps the file's names to rates).
    const flag = taxCodeName.toUpperCase();
    if (flag !== 'TAX' && flag !== 'NON') {
      const rate = byName(realm, 'TaxCode', taxCodeName);
      if (!rate) return `no sales tax rate named "${taxCodeName}"`;
      salesTaxCodeId = String(rate.Id);
    }
    taxCode = { Id: flag === 'NON' ? 'NON' : 'TAX' };
  } else if (taxCodeName) {
    taxCode = byName(realm, 'TaxCode', taxCodeName);
    if (!taxCode) return `no tax code named "${taxCodeName}"`;
  }
  const detail: Doc = {
    ItemRef: { value: String(item.Id) },
    ...(taxCode ? { TaxCodeRef: { value: String(taxCode.Id) } } : {}),
  };
  let net = amount;
  if (taxMode === 'INCLUSIVE' && taxCode) {
    // The wizard's "Inclusive of tax": the amount is the gross; QuickBooks keeps the net as Amount.
    const percent = ratePercents(realm, taxCode).reduce((sum, rate) => sum.plus(rate), new Big(0));
    net = amount.times(100).div(percent.plus(100)).round(2, Big.roundHalfUp);
    detail.TaxInclusiveAmt = Number(amount.toFixed(2));
  }
  if (quantityText) {
    let quantity: Big;
    try {
      quantity = new Big(quantityText);
    } catch {
      return `Item Quantity "${quantityText}" is not a number`;
    }
    detail.Qty = Number(quantity.toString());
    if (taxMode === 'INCLUSIVE') {
      // A gross rate becomes the net one QuickBooks multiplies (its AU answer: UnitPrice 0.9090889).
      detail.UnitPrice = quantity.eq(0) ? 0 : Number(net.div(quantity).round(7, Big.roundHalfUp).toString());
    } else if (rateText) {
      let rate: Big;
      try {
        rate = new Big(rateText);
      } catch {
        return `Item Rate "${rateText}" is not a number`;
      }
      detail.UnitPrice = Number(rate.toString());
    }
  }
  const description = text(row, 'Item Description');
  return {
    line: {
      DetailType: 'SalesItemLineDetail',
      Amount: Number(net.toFixed(2)),
      ...(description ? { Description: description } : {}),
      SalesItemLineDetail: detail,
    },
    ...(salesTaxCodeId ? { salesTaxCodeId } : {}),
  };
}
