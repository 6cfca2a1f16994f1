import { Big } from 'big.js';
import type { CastReturnObject } from 'csv-stringify';
import { stringify } from 'csv-stringify/sync';
import { itemKindKey, serviceCodeKey, taxRateKeyFromPercent } from '../mappings/source-keys.js';
import type { PlatformInvoice, PlatformInvoiceLine } from '../../sync/platform-invoice.js';
import { ImportNames, type NameChange } from './import-names.js';

/**
 * The files a tenant without a connection imports into QuickBooks Online (issue 15): invoices one row per
 * line under the headers the import wizard maps by itself, the customers they name, and what could not go
 * (a warnings file, a list for manual entry). Pure: the service reads the invoices and mappings, this
 * decides every cell.
 *
 * Sources: the headers are the ones an Intuit moderator lists as auto-mapped (quickbooks.intuit.com/
 * learn-support/en-ca/sales-and-invoicing/do-we-need-to-map-field-everytime-when-import-invoices/01/394876);
 * the date format and "exclusive or inclusive" of tax are chosen in the wizard; DocNumber holds 21
 * characters (§6.1 of the notes); 100 invoices and 1,000 rows per file, 350 KB per transaction file and 2 MB
 * per list file, and no negative amounts are third-party reports (UNCONFIRMED), kept as limits the files stay
 * inside.
 */

export const INVOICE_HEADERS = [
  'Invoice number',
  'Customer',
  'Invoice date',
  'Due date',
  'Terms',
  'Memo',
  'Item (Product/Service)',
  'Item Description',
  'Item Quantity',
  'Item Rate',
  'Item Amount',
  'Item tax code',
  'Service Date',
] as const;

/** Intuit's help, "Which contact fields are imported" (limits in import-names.ts and CONTACT_LIMITS). */
export const CUSTOMER_HEADERS = ['Name', 'Email', 'Phone', 'Street', 'City', 'State', 'ZIP code', 'Country'];
const CONTACT_LIMITS = {
  Email: 100,
  Phone: 21,
  Street: 2000,
  City: 255,
  State: 255,
  'ZIP code': 30,
  Country: 255,
} as const;
/** The same help: an e-mail "cannot contain spaces, and must contain an at sign (@) and a period (.)". */
const importableEmail = (email: string) => !/\s/u.test(email) && email.includes('@') && email.includes('.');

export const CSV_DATE_FORMATS = ['MM_DD_YYYY', 'DD_MM_YYYY', 'YYYY_MM_DD'] as const;
export type CsvDateFormat = (typeof CSV_DATE_FORMATS)[number];
export const CSV_TAX_MODES = ['EXCLUSIVE', 'INCLUSIVE'] as const;
/** What the wizard's "Exclusive of tax" / "Inclusive of tax" says the amounts are. */
export type CsvTaxMode = (typeof CSV_TAX_MODES)[number];

export interface CsvFileLimits {
  invoicesPerFile: number;
  /** Data rows, the header not counted; for the customer files too. */
  rowsPerFile: number;
  /** UTF-8 bytes of an invoice file, the header counted. */
  invoiceFileBytes: number;
  /** UTF-8 bytes of a customer file, the header counted. */
  customerFileBytes: number;
}
/**
 * The byte limits are importcsv.com's "up to 350 KB for transactions or 2 MB for lists". Its 350 KB may be
 * the bank-file upload's, but an invoice is a transaction too: the smaller limit costs a file more, the
 * larger one could cost a refused import.
 */
export const DEFAULT_LIMITS: CsvFileLimits = {
  invoicesPerFile: 100,
  rowsPerFile: 1000,
  invoiceFileBytes: 350_000,
  customerFileBytes: 2_000_000,
};
const DOC_NUMBER_MAX = 21;
/** QuickBooks keeps rates to 7 decimals (docs/research/reports-and-tax.md §5). */
const RATE_DECIMALS = 7;
const HALF_UP = 1;

export interface CsvExportOptions {
  dateFormat: CsvDateFormat;
  taxMode: CsvTaxMode;
  /** US companies mark each line TAX or NON; the others name each line's tax code. */
  taxModel: 'US' | 'NON_US';
  limits?: CsvFileLimits;
}

export interface CsvExportInput {
  invoices: readonly PlatformInvoice[];
  /** The QuickBooks names the tenant's working ITEM and TAX_CODE mappings give, by source key. */
  mappedNames: ReadonlyMap<string, string>;
  options: CsvExportOptions;
}

export interface CsvFile {
  name: string;
  content: string;
  /** Data rows, the header not counted. */
  rows: number;
}

export interface CsvWarning {
  invoiceNumber: string | null;
  field: string;
  message: string;
}

/** An invoice the import cannot carry: it goes into QuickBooks by hand, with the reason. */
export interface ManualEntry {
  invoiceNumber: string;
  customer: string;
  issueDate: string;
  total: string;
  reason: string;
}

/** An invoice the files carry (an invoices file, or the manual-entry list), as they write it. */
export interface ExportedInvoice {
  invoiceId: string;
  docNumber: string;
  customerName: string;
  issueDate: string;
  subtotal: string;
  total: string;
  lineCount: number;
  route: 'IMPORT' | 'MANUAL';
}

export interface CsvExport {
  files: CsvFile[];
  exported: ExportedInvoice[];
  warnings: CsvWarning[];
  manualEntry: ManualEntry[];
  nameChanges: NameChange[];
  counts: { invoices: number; lines: number; customers: number; invoiceFiles: number };
}

/** Rows that go into a file together, already written as CSV records (one invoice, or one customer). */
interface RowGroup {
  rows: number;
  records: string;
}

/** Input the export cannot work with (a window, an option that does not fit the company), by field. */
export class CsvExportInputError extends Error {
  override readonly name = 'CsvExportInputError';
  readonly retryable = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const KIND_NAMES: Record<PlatformInvoiceLine['itemKind'], string> = {
  SERVICE: 'Services',
  MATERIAL: 'Materials',
  LABOR: 'Labor',
  FEE: 'Fees',
};

export function formatDate(iso: string, format: CsvDateFormat): string {
  const [year, month, day] = iso.split('-');
  switch (format) {
    case 'MM_DD_YYYY':
      return `${month}/${day}/${year}`;
    case 'DD_MM_YYYY':
      return `${day}/${month}/${year}`;
    case 'YYYY_MM_DD':
      return iso;
  }
}

/** Why an invoice cannot be imported, or undefined. */
function refusal(
  invoice: PlatformInvoice,
  rowsPerFile: number,
  taxModel: CsvExportOptions['taxModel'],
): string | undefined {
  if (!invoice.billTo?.name.trim()) return 'it has no bill-to party, and the import needs a customer';
  if (invoice.number.length > DOC_NUMBER_MAX)
    return `its number is longer than QuickBooks' ${DOC_NUMBER_MAX} characters`;
  if (invoice.lines.length === 0) return 'it has no lines';
  if (invoice.lines.length > rowsPerFile) return `it has more lines than a file may hold (${rowsPerFile})`;
  const negative = invoice.lines.find(
    (line) => new Big(line.amount).lt(0) || new Big(line.unitPrice).lt(0) || new Big(line.quantity).lt(0),
  );
  if (negative)
    return `line "${negative.description}" is negative (a discount or credit), which the import cannot carry`;
  if (taxModel === 'US') {
    // A US invoice has one sales tax rate (its TxnTaxCodeRef); lines are only taxable or not.
    const rates = new Set(invoice.lines.filter(taxed).map((line) => new Big(line.taxRate).toString()));
    if (rates.size > 1)
      return `its lines carry ${[...rates].map((rate) => `${rate} %`).join(' and ')}, and a US invoice takes one sales tax rate`;
  }
  return undefined;
}

const taxed = (line: PlatformInvoiceLine) => !new Big(line.taxRate).eq(0);

interface Naming {
  mappedNames: ReadonlyMap<string, string>;
  warnings: CsvWarning[];
  unmapped: Set<string>;
}

/** The mapped name, else the platform's own, warning once per key that QuickBooks may not know it. */
function nameFor(naming: Naming, keys: string[], fallback: string, what: string): string {
  for (const key of keys) {
    const mapped = naming.mappedNames.get(key);
    if (mapped) return mapped;
  }
  // The most specific key: its name is the one written (a service code's, rather than its line kind's).
  const key = keys[0]!;
  if (!naming.unmapped.has(key)) {
    naming.unmapped.add(key);
    naming.warnings.push({
      invoiceNumber: null,
      field: what,
      message: `${key} is not mapped: written as "${fallback}". Create it in QuickBooks under that name before importing, or map ${key}.`,
    });
  }
  return fallback;
}

/** Amount and rate as the chosen tax mode reads them, from the line as the platform priced it. */
function amounts(
  invoice: PlatformInvoice,
  line: PlatformInvoiceLine,
  taxMode: CsvTaxMode,
): { amount: Big; rate: Big } {
  const net = new Big(line.amount);
  const amount = taxMode === 'INCLUSIVE' ? net.plus(line.taxAmount) : net;
  const priced = (invoice.pricesIncludeTax === true) === (taxMode === 'INCLUSIVE');
  const quantity = new Big(line.quantity);
  const rate = priced
    ? new Big(line.unitPrice)
    : quantity.eq(0)
      ? new Big(0)
      : amount.div(quantity).round(RATE_DECIMALS, HALF_UP);
  return { amount, rate };
}

/** A phone number ("+44 20 7946 0000"): digits and separators only, nothing a spreadsheet could run. */
const PLAIN_NUMBER = /^\+[\d\s()./-]+$/u;

const records = (rows: readonly (readonly string[])[]): string =>
  // escape_formulas: a cell starting with =, +, -, @, tab or carriage return gets a leading ' so a
  // spreadsheet shows it instead of running it. Not for an international phone number, whose quote would
  // be imported into QuickBooks as part of it: csv-stringify merges options a cast returns per cell (its
  // typings list fewer than it honours), and this one carries no formula.
  stringify(rows as string[][], {
    escape_formulas: true,
    record_delimiter: 'windows',
    cast: {
      string: (value) => {
        if (!PLAIN_NUMBER.test(value)) return value;
        const unescaped: CastReturnObject & { escape_formulas: boolean } = { value, escape_formulas: false };
        return unescaped;
      },
    },
  });

const csv = (headers: readonly string[], rows: string[][]): string => records([headers, ...rows]);

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * Files of `prefix-NN.csv`, each closed before a group that would take it past a limit, so an invoice is
 * never split across files. Records are written one at a time, so a file is its header and its groups.
 */
function splitIntoFiles(
  prefix: string,
  headers: readonly string[],
  groups: readonly RowGroup[],
  limits: { groupsPerFile: number; rowsPerFile: number; bytesPerFile: number },
): CsvFile[] {
  const header = records([headers]);
  const files: CsvFile[] = [];
  let current: RowGroup[] = [];
  let rows = 0;
  let size = bytes(header);
  const close = () => {
    if (current.length === 0) return;
    const name = `${prefix}-${String(files.length + 1).padStart(2, '0')}.csv`;
    files.push({ name, content: header + current.map((group) => group.records).join(''), rows });
    current = [];
    rows = 0;
    size = bytes(header);
  };
  for (const group of groups) {
    const groupSize = bytes(group.records);
    if (
      current.length + 1 > limits.groupsPerFile ||
      rows + group.rows > limits.rowsPerFile ||
      size + groupSize > limits.bytesPerFile
    )
      close();
    current.push(group);
    rows += group.rows;
    size += groupSize;
  }
  close();
  return files;
}

export function buildQuickBooksCsv(input: CsvExportInput): CsvExport {
  const { options } = input;
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (options.taxModel === 'US' && options.taxMode === 'INCLUSIVE') {
    throw new CsvExportInputError(
      'taxMode',
      'US QuickBooks companies have no tax-inclusive amounts: export EXCLUSIVE',
    );
  }
  const warnings: CsvWarning[] = [];
  const manualEntry: ManualEntry[] = [];
  const naming: Naming = { mappedNames: input.mappedNames, warnings, unmapped: new Set() };
  const names = new ImportNames();
  const customers = new Map<string, RowGroup>();
  const groups: RowGroup[] = [];
  const exported: ExportedInvoice[] = [];
  const toManualEntry = (invoice: PlatformInvoice, reason: string) => {
    manualEntry.push({
      invoiceNumber: invoice.number,
      customer: invoice.billTo?.name ?? '',
      issueDate: invoice.issueDate,
      total: invoice.totals.total,
      reason,
    });
    exported.push(exportedAs(invoice, invoice.billTo?.name ?? '', 'MANUAL'));
  };
  const roomForRecords = limits.invoiceFileBytes - bytes(records([INVOICE_HEADERS]));
  let lines = 0;

  for (const invoice of input.invoices) {
    if (invoice.status !== 'FINALIZED') continue;
    const reason = refusal(invoice, limits.rowsPerFile, options.taxModel);
    if (reason) {
      toManualEntry(invoice, reason);
      continue;
    }
    const billTo = invoice.billTo!;
    const customer = names.nameOf(billTo);
    const warningsBefore = warnings.length;
    if (!invoice.dueDate) {
      warnings.push({
        invoiceNumber: invoice.number,
        field: 'Due date',
        message: 'the invoice has no due date; the invoice date is written, as the import requires one',
      });
    }
    const rows = invoice.lines.map((line, index) => {
      const { amount, rate } = amounts(invoice, line, options.taxMode);
      const quantity = new Big(line.quantity);
      // QuickBooks multiplies quantity by rate and must find the amount (6070 on the API).
      const consistent = quantity.times(rate).round(2, HALF_UP).eq(amount);
      if (!consistent) {
        warnings.push({
          invoiceNumber: invoice.number,
          field: `line ${index + 1} Item Rate`,
          message:
            'no rate of 7 decimals gives this amount for the quantity: quantity and rate are left empty',
        });
      }
      const item = nameFor(
        naming,
        [...(line.serviceCode ? [serviceCodeKey(line.serviceCode)] : []), itemKindKey(line.itemKind)],
        line.serviceCode ?? KIND_NAMES[line.itemKind],
        'Item (Product/Service)',
      );
      return [
        invoice.number,
        customer,
        formatDate(invoice.issueDate, options.dateFormat),
        formatDate(invoice.dueDate ?? invoice.issueDate, options.dateFormat),
        '',
        invoice.memo ?? '',
        item,
        line.description,
        consistent ? quantity.toString() : '',
        consistent ? rate.toString() : '',
        amount.toFixed(2),
        taxCode(naming, line, options.taxModel),
        '',
      ];
    });
    const group = { rows: rows.length, records: records(rows) };
    if (bytes(group.records) > roomForRecords) {
      // What was said of its rows no longer applies: they are not written.
      const kept = warnings.splice(warningsBefore).filter((w) => w.invoiceNumber !== invoice.number);
      warnings.push(...kept);
      toManualEntry(invoice, `its rows are larger than a file may be (${limits.invoiceFileBytes} bytes)`);
      continue;
    }
    exported.push(exportedAs(invoice, customer, 'IMPORT'));
    if (!customers.has(customer)) {
      customers.set(customer, { rows: 1, records: records([customerRow(customer, billTo, warnings)]) });
    }
    lines += rows.length;
    groups.push(group);
  }

  const files = splitIntoFiles('invoices', INVOICE_HEADERS, groups, {
    groupsPerFile: limits.invoicesPerFile,
    rowsPerFile: limits.rowsPerFile,
    bytesPerFile: limits.invoiceFileBytes,
  });
  const invoiceFiles = files.length;
  files.push(
    ...splitIntoFiles('customers', CUSTOMER_HEADERS, [...customers.values()], {
      groupsPerFile: Number.POSITIVE_INFINITY,
      rowsPerFile: limits.rowsPerFile,
      bytesPerFile: limits.customerFileBytes,
    }),
  );
  for (const change of names.changes) {
    warnings.push({
      invoiceNumber: null,
      field: 'Customer',
      message: `"${change.original}" is written as "${change.written}": ${change.reasons.join('; ')}`,
    });
  }
  if (warnings.length > 0) {
    files.push({
      name: 'warnings.csv',
      content: csv(
        ['Invoice number', 'Field', 'Warning'],
        warnings.map((warning) => [warning.invoiceNumber ?? '', warning.field, warning.message]),
      ),
      rows: warnings.length,
    });
  }
  if (manualEntry.length > 0) {
    files.push({
      name: 'manual-entry.csv',
      content: csv(
        ['Invoice number', 'Customer', 'Invoice date', 'Total', 'Why it is not in the import'],
        manualEntry.map((entry) => [
          entry.invoiceNumber,
          entry.customer,
          formatDate(entry.issueDate, options.dateFormat),
          entry.total,
          entry.reason,
        ]),
      ),
      rows: manualEntry.length,
    });
  }
  return {
    files,
    exported,
    warnings,
    manualEntry,
    nameChanges: names.changes,
    counts: { invoices: groups.length, lines, customers: customers.size, invoiceFiles },
  };
}

function exportedAs(
  invoice: PlatformInvoice,
  customerName: string,
  route: ExportedInvoice['route'],
): ExportedInvoice {
  return {
    invoiceId: invoice.id,
    docNumber: invoice.number,
    customerName,
    issueDate: invoice.issueDate,
    subtotal: invoice.totals.subtotal,
    total: invoice.totals.total,
    lineCount: invoice.lines.length,
    route,
  };
}

/**
 * The line's tax code as the wizard's tax step maps it: the mapped code, else the rate ("8.25%"). A US
 * company's line is taxable or not ("NON"); its taxable lines name the invoice's one sales tax rate, which
 * the wizard maps to a QuickBooks rate (UNCONFIRMED for Intuit's own wizard: third-party importers take a
 * transaction-level tax rate name, and Intuit's help says to map the file's tax codes to QuickBooks' ones).
 */
function taxCode(naming: Naming, line: PlatformInvoiceLine, taxModel: CsvExportOptions['taxModel']): string {
  if (taxModel === 'US' && !taxed(line)) return 'NON';
  const key = taxRateKeyFromPercent(line.taxRate) ?? `TAX_RATE:${line.taxRate}`;
  return nameFor(naming, [key], `${new Big(line.taxRate).toString()}%`, 'Item tax code');
}

function customerRow(
  name: string,
  billTo: NonNullable<PlatformInvoice['billTo']>,
  warnings: CsvWarning[],
): string[] {
  const leftOut = (field: string, why: string) =>
    warnings.push({
      invoiceNumber: null,
      field: `Customer ${field}`,
      message: `${name}: ${why} and is left out`,
    });
  const within = (value: string | null | undefined, field: keyof typeof CONTACT_LIMITS): string => {
    const text = value?.trim() ?? '';
    const limit = CONTACT_LIMITS[field];
    if ([...text].length <= limit) return text;
    leftOut(field, `the ${field.toLowerCase()} is longer than QuickBooks' ${limit} characters`);
    return '';
  };
  const address = billTo.address;
  let email = within(billTo.email, 'Email');
  if (email && !importableEmail(email)) {
    leftOut('Email', `"${email}" is not an e-mail address QuickBooks takes (no spaces, an @ and a period)`);
    email = '';
  }
  return [
    name,
    email,
    within(billTo.phone, 'Phone'),
    within(address ? [address.line1, address.line2].filter(Boolean).join(', ') : '', 'Street'),
    within(address?.city, 'City'),
    within(address?.region, 'State'),
    within(address?.postalCode, 'ZIP code'),
    within(address?.country, 'Country'),
  ];
}
