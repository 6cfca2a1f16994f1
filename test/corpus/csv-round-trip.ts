/**
 * The CSV export's round trip on the accounting corpus (issue 15): a corpus company's invoices are exported
 * as the API exports them, imported into a fresh emulator company of that kind by the import wizard
 * (customers first, then each invoice file), each imported invoice is linked to its platform invoice as
 * QuickBooks holds it (the push's own settlement of a write, no update), and the reconciliation runs over the
 * window. What the import changed must be what QuickBooks' own tax arithmetic explains: for the US company,
 * exactly the rows the oracle predicts for tenants that let QuickBooks compute the tax (ACCEPT); for the
 * others, rounding rows whose rule reproduces QuickBooks' figure from the platform's lines.
 *
 * Import only inside Jest or after allowTestRigsOutsideJest() (the rigs import `@jest/globals`).
 */
import { Big } from 'big.js';
import { createGraphQLHostInvoiceSource } from '../../src/host/graphql-host-invoices.js';
import { models } from '../../src/models/index.js';
import type { CsvDateFormat, CsvTaxMode } from '../../src/services/csv-export/quickbooks-csv.js';
import { settleWrite } from '../../src/services/invoice-push/tax-settlement.js';
import { ReconciliationService } from '../../src/services/reconciliation/reconciliation-service.js';
import type { DifferenceClass } from '../../src/sync/reconciliation.js';
import { exportAndDownload } from '../support/csv-export.js';
import { silentLogger } from '../support/harness.js';
import type { Corpus } from './generate.js';
import { predictCompany, type ExpectedRow } from './oracle.js';
import type { CompanyKind } from './profiles.js';
import { corpusServices, hostInvoice, setUpCompany, type CorpusRig } from './run.js';

type Doc = Record<string, unknown>;

export interface CsvRoundTripOptions {
  kind: CompanyKind;
  dateFormat: CsvDateFormat;
  taxMode: CsvTaxMode;
}

export interface CsvRoundTripRow {
  number: string;
  class: DifferenceClass;
  ours: number | null;
  theirs: number | null;
  rule?: string;
  expected: ExpectedRow | null;
}

export interface CsvRoundTripResult {
  label: string;
  taxMode: CsvTaxMode;
  invoices: number;
  /** Of which the platform priced including tax. */
  taxInclusive: number;
  /** As downloaded: data rows and UTF-8 bytes of each file in the zip. */
  files: { name: string; rows: number; bytes: number }[];
  manualEntry: { invoiceNumber: string; reason: string }[];
  warnings: number;
  importErrors: string[];
  imported: number;
  /** Sums over the imported invoices, in cents. */
  platform: { totalCents: number; taxCents: number };
  quickbooks: { totalAmtCents: number; totalTaxCents: number };
  rows: Record<DifferenceClass, number>;
  /** Rows no rounding rule or prediction explains (must be none). */
  unexplained: CsvRoundTripRow[];
  /** The US company: rows the ACCEPT oracle predicted that did not appear (must be none). */
  missing: string[];
}

const cents = (value: unknown): number =>
  Number(
    new Big((value as number | string | undefined) ?? 0).times(100).round(0, Big.roundHalfUp).toString(),
  );

export async function runCsvRoundTrip(
  rig: CorpusRig,
  corpus: Corpus,
  options: CsvRoundTripOptions,
): Promise<CsvRoundTripResult> {
  const corpusCompany = corpus.companies.find((candidate) => candidate.profile.kind === options.kind);
  if (!corpusCompany) throw new Error(`the corpus has no ${options.kind} company`);
  const label = `${corpusCompany.profile.label} (${options.taxMode.toLowerCase()})`;
  const prediction = predictCompany(corpus, corpusCompany, 'ACCEPT');
  const company = await setUpCompany(rig, corpusCompany, prediction, corpusServices(rig), 'ACCEPT');
  const control = rig.connect.sandbox.control;
  // "Custom transaction numbers must be on to keep our numbers" (the export's own advice).
  control.setCompanyPreferences(company.realmId, { customTxnNumbers: true });
  for (const invoice of corpusCompany.invoices) {
    rig.push.host.store.insertInvoice(hostInvoice(company.tenant, corpusCompany.profile.currency, invoice));
  }

  const host = createGraphQLHostInvoiceSource({
    url: rig.push.host.url,
    credentials: rig.connect.config.host.credentials,
  });
  const { result: exported, files } = await exportAndDownload({
    host,
    redis: { url: rig.connect.config.redis.url, prefix: rig.connect.config.redis.prefix },
    stateSecret: rig.connect.config.quickbooks.stateSecret,
    tenantId: company.tenant,
    request: {
      ...corpus.window,
      dateFormat: options.dateFormat,
      taxMode: options.taxMode,
      usCompany: corpusCompany.profile.country === 'US',
    },
  });

  // The wizard: customers, then each invoice file in turn, with the format and tax mode the export named.
  const importErrors: string[] = [];
  const named = (prefix: string) =>
    Object.keys(files)
      .filter((name) => name.startsWith(`${prefix}-`))
      .sort();
  for (const name of named('customers')) {
    const customers = control.importCsv(company.realmId, { kind: 'customers', csv: files[name]! });
    for (const error of customers.errors)
      importErrors.push(`${name} rows ${error.rows.join(', ')}: ${error.message}`);
  }
  const invoiceFiles = named('invoices');
  for (const name of invoiceFiles) {
    const result = control.importCsv(company.realmId, {
      kind: 'invoices',
      csv: files[name]!,
      dateFormat: options.dateFormat,
      taxMode: options.taxMode,
    });
    for (const error of result.errors)
      importErrors.push(`${name} ${error.invoiceNumber ?? ''}: ${error.message}`);
  }

  // Each imported invoice becomes its platform invoice's QuickBooks copy as imported (no update).
  const held = new Map(
    control.listEntities(company.realmId, 'Invoice').map((doc: Doc) => [String(doc.DocNumber), doc]),
  );
  const manual = new Set(exported.manualEntry.map((entry) => entry.invoiceNumber));
  const platform = { totalCents: 0, taxCents: 0 };
  const quickbooks = { totalAmtCents: 0, totalTaxCents: 0 };
  let imported = 0;
  for (const invoice of corpusCompany.invoices) {
    if (manual.has(invoice.number)) continue;
    const doc = held.get(invoice.number);
    if (!doc) {
      if (importErrors.length === 0) importErrors.push(`${invoice.number}: exported, not in QuickBooks`);
      continue;
    }
    imported += 1;
    const expected = prediction.invoices.find((p) => p.invoiceId === invoice.id)!;
    platform.totalCents += expected.platform.totalCents;
    platform.taxCents += expected.platform.taxCents;
    quickbooks.totalAmtCents += cents(doc.TotalAmt);
    quickbooks.totalTaxCents += cents((doc.TxnTaxDetail as Doc | undefined)?.TotalTax);
    const key = { tenantId: company.tenant, invoiceId: invoice.id };
    await rig.push.syncStatus.transition(key, 'ENQUEUED', {});
    await rig.push.syncStatus.transition(key, 'STARTED', {});
    await settleWrite(
      rig.push.syncStatus,
      key,
      doc as unknown as Parameters<typeof settleWrite>[2],
      undefined,
    );
  }

  const reconciliation = new ReconciliationService({
    models,
    clientFor: (tenantId, realmId) => rig.push.side.clientFor(tenantId, realmId),
    host,
    logger: silentLogger(),
  });
  const result = await reconciliation.reconcile(company.tenant, corpus.window);
  const byInvoice = new Map(prediction.invoices.map((p) => [p.invoiceId, p]));
  const rows = Object.fromEntries(Object.keys(result.summary.counts).map((name) => [name, 0])) as Record<
    DifferenceClass,
    number
  >;
  const unexplained: CsvRoundTripRow[] = [];
  const seenInvoices = new Set<string>();
  const useOracle = corpusCompany.profile.country === 'US';
  for (const row of result.rows) {
    const finding = row.comparison.findings[0]!;
    rows[row.comparison.class!] += 1;
    const expected = (row.invoiceId ? byInvoice.get(row.invoiceId)?.row : null) ?? null;
    if (row.invoiceId) seenInvoices.add(row.invoiceId);
    const seen: CsvRoundTripRow = {
      number: row.number ?? '?',
      class: row.comparison.class!,
      ours: finding.ours,
      theirs: finding.theirs,
      ...(finding.rule ? { rule: finding.rule } : {}),
      expected,
    };
    const explained = useOracle
      ? expected !== null &&
        row.comparison.findings.length === 1 &&
        expected.class === seen.class &&
        expected.ours === seen.ours &&
        expected.theirs === seen.theirs &&
        expected.rule === seen.rule
      : row.comparison.findings.every((each) => each.class === 'ROUNDING' && each.rule !== undefined);
    if (!explained) unexplained.push(seen);
  }
  const missing = useOracle
    ? prediction.invoices
        .filter((p) => p.row && !manual.has(p.number) && !seenInvoices.has(p.invoiceId))
        .map((p) => p.number)
    : [];

  return {
    label,
    taxMode: options.taxMode,
    invoices: corpusCompany.invoices.length,
    taxInclusive: corpusCompany.invoices.filter((invoice) => invoice.pricesIncludeTax).length,
    files: exported.files.map((file) => ({
      ...file,
      bytes: Buffer.byteLength(files[file.name] ?? '', 'utf8'),
    })),
    manualEntry: exported.manualEntry.map(({ invoiceNumber, reason }) => ({ invoiceNumber, reason })),
    warnings: exported.warnings.length,
    importErrors,
    imported,
    platform,
    quickbooks,
    rows,
    unexplained,
    missing,
  };
}
