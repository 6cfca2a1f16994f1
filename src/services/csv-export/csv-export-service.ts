import { randomUUID } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import type { HostInvoiceLister, HostInvoiceSource } from '../../host/host-invoices.js';
import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { PlatformInvoice } from '../../sync/platform-invoice.js';
import type { AuditLogService } from '../audit-log.js';
import type { Viewer } from '../../auth/viewer.js';
import { ExportLinkError, type ExportLinkSigner } from './export-links.js';
import type { ExportStore } from './export-store.js';
import type { CsvExportedInvoices } from './exported-invoices.js';
import {
  buildQuickBooksCsv,
  CsvExportInputError,
  type CsvDateFormat,
  type CsvExport,
  type CsvExportOptions,
  type CsvTaxMode,
} from './quickbooks-csv.js';

/**
 * The export of issue 15: a tenant's finalized invoices of a window, as the files QuickBooks Online's import
 * takes, zipped and kept for a short while behind a signed link. The invoices are the platform's (read from
 * the host, as the push reads them); item and tax names come from the tenant's mappings where it has any
 * (a tenant that connected once), else the platform's own names, which the warnings list.
 */

export class CsvExportForbiddenError extends Error {
  override readonly name = 'CsvExportForbiddenError';
  readonly retryable = false;
  constructor() {
    super("Only the tenant's admins may download its export");
  }
}

export interface CsvExportRequest {
  from: string;
  to: string;
  dateFormat: CsvDateFormat;
  taxMode: CsvTaxMode;
  /** The QuickBooks company the files are for is a US one (TAX/NON per line, no tax-inclusive amounts). */
  usCompany: boolean;
}

export interface CsvExportResult {
  downloadUrl: string;
  expiresAt: Date;
  files: { name: string; rows: number }[];
  counts: CsvExport['counts'];
  warnings: CsvExport['warnings'];
  manualEntry: CsvExport['manualEntry'];
}

export interface CsvExportDeps {
  models: Pick<Models, 'mappingSets'>;
  /** What left in each export, so a later connection links the imported copies instead of pushing them. */
  exportedInvoices: Pick<CsvExportedInvoices, 'record'>;
  host: HostInvoiceSource & HostInvoiceLister;
  store: ExportStore;
  signer: ExportLinkSigner;
  auditLog: Pick<AuditLogService, 'record'>;
  now: () => Date;
  logger: Logger;
  /** How long the link and the zip live. */
  linkTtlMs: number;
  /** The download route as the panel reaches it: PUBLIC_URL + /quickbooks/exports. */
  downloadBaseUrl: string;
}

/** The host is read per invoice, a few at a time (as the reconciliation does). */
const HOST_READS_AT_ONCE = 8;
const MAX_WINDOW_DAYS = 366;
const DATE = /^\d{4}-\d{2}-\d{2}$/u;

export class CsvExportService {
  constructor(private readonly deps: CsvExportDeps) {}

  async export(tenantId: string, userId: string, request: CsvExportRequest): Promise<CsvExportResult> {
    checkWindow(request.from, request.to);
    const summaries = (await this.deps.host.list(tenantId, 'FINALIZED')).filter(
      (summary) => summary.issueDate >= request.from && summary.issueDate <= request.to,
    );
    const invoices: PlatformInvoice[] = [];
    for (let start = 0; start < summaries.length; start += HOST_READS_AT_ONCE) {
      const slice = summaries.slice(start, start + HOST_READS_AT_ONCE);
      const loaded = await Promise.all(slice.map((summary) => this.deps.host.load(tenantId, summary.id)));
      for (const invoice of loaded) if (invoice?.status === 'FINALIZED') invoices.push(invoice);
    }
    invoices.sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.number.localeCompare(b.number));

    const options: CsvExportOptions = {
      dateFormat: request.dateFormat,
      taxMode: request.taxMode,
      taxModel: request.usCompany ? 'US' : 'NON_US',
    };
    const built = buildQuickBooksCsv({
      invoices,
      mappedNames: await this.mappedNames(tenantId),
      options,
    });
    const zip = zipSync(Object.fromEntries(built.files.map((file) => [file.name, strToU8(file.content)])), {
      level: 6,
      mtime: this.deps.now(),
    });
    const exportId = randomUUID();
    const expiresAt = new Date(this.deps.now().getTime() + this.deps.linkTtlMs);
    await this.deps.store.put(exportId, tenantId, zip, this.deps.linkTtlMs);
    // Recorded before the link is handed out: an import can only follow a download.
    await this.deps.exportedInvoices.record(tenantId, exportId, this.deps.now(), built.exported);
    const token = await this.deps.signer.sign({ exportId, tenantId, expiresAt });
    await this.deps.auditLog.record({
      tenantId,
      actorUserId: userId,
      action: 'QUICKBOOKS_CSV_EXPORTED',
      outcome: 'SUCCEEDED',
      reason: `${built.counts.invoices} invoices of ${request.from} to ${request.to} in ${built.counts.invoiceFiles} files; ${built.manualEntry.length} for manual entry`,
    });
    this.deps.logger.info(
      { tenantId, invoices: built.counts.invoices, bytes: zip.byteLength },
      'QuickBooks CSV export ready',
    );
    return {
      downloadUrl: `${this.deps.downloadBaseUrl}/${token}`,
      expiresAt,
      files: built.files.map((file) => ({ name: file.name, rows: file.rows })),
      counts: built.counts,
      warnings: built.warnings,
      manualEntry: built.manualEntry,
    };
  }

  /**
   * The zip behind a link, for its tenant's admins only: a link alone is not enough, the caller's token must
   * name the tenant the link was made for (tenant isolation), and an expired link or zip is refused.
   */
  async download(token: string, viewer: Viewer): Promise<Buffer> {
    const link = await this.deps.signer.verify(token);
    if (!viewer.adminOf.has(link.tenantId)) throw new CsvExportForbiddenError();
    const zip = await this.deps.store.get(link.exportId, link.tenantId);
    if (!zip) throw new ExportLinkError('EXPIRED', 'This export is no longer kept: export the files again');
    return zip;
  }

  /** What the tenant's mappings call each item and tax key; the mapping's own name, not judged. */
  private async mappedNames(tenantId: string): Promise<Map<string, string>> {
    const set = await this.deps.models.mappingSets
      .findById(tenantId, { entries: 1 })
      .lean<{ entries: { kind: string; sourceKey: string; targetName: string }[] } | null>();
    return new Map(
      (set?.entries ?? [])
        .filter((entry) => entry.kind === 'ITEM' || entry.kind === 'TAX_CODE')
        .map((entry) => [entry.sourceKey, entry.targetName]),
    );
  }
}

function checkWindow(from: string, to: string): void {
  const valid = (date: string) => {
    const parsed = new Date(`${date}T00:00:00Z`);
    return DATE.test(date) && !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
  };
  if (!valid(from)) throw new CsvExportInputError('from', 'from must be a date (YYYY-MM-DD)');
  if (!valid(to)) throw new CsvExportInputError('to', 'to must be a date (YYYY-MM-DD)');
  if (from > to) throw new CsvExportInputError('to', 'to must not be before from');
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (days > MAX_WINDOW_DAYS)
    throw new CsvExportInputError('to', `export at most ${MAX_WINDOW_DAYS} days at a time`);
}
