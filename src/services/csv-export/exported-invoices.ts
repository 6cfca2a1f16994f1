import type { Models } from '../../models/index.js';
import type { ExportedInvoice } from './quickbooks-csv.js';

/** What an export wrote of one invoice, as a later push reads it to find the imported copy. */
export interface CsvExportedInvoice {
  docNumber: string;
  customerName: string;
  txnDate: string;
  totalCents: number;
  subtotalCents: number;
  lineCount: number;
  route: ExportedInvoice['route'];
  exportedAt: Date;
}

/** The platform's totals are decimal strings with at most two places ("1234.5", "12.30"). */
export function centsOf(amount: string): number {
  const [whole = '0', fraction = ''] = amount.replace('-', '').split('.');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  return amount.startsWith('-') ? -cents : cents;
}

/**
 * Upserts per write. A bulk write carries no server time limit, only the client's socket timeout bounds it,
 * and a year's export can hold thousands of invoices: on the FerretDB fallback (which uses no index) 120
 * upserts into a collection of 240 took 4.0 s here, past the 4 s socket timeout. Small batches keep each
 * round trip short whatever the export's size.
 */
export const RECORD_BATCH = 25;

/**
 * The record of which invoices left in a CSV export (quickbooks_csv_exported_invoices). Written by the
 * export, read by the push and the backfill before they create an invoice in QuickBooks.
 */
export class CsvExportedInvoices {
  private readonly batch: number;

  constructor(private readonly deps: { models: Pick<Models, 'csvExportedInvoices'>; batch?: number }) {
    this.batch = deps.batch ?? RECORD_BATCH;
  }

  /** Idempotent: an invoice exported again keeps one record, the latest export's. */
  async record(
    tenantId: string,
    exportId: string,
    exportedAt: Date,
    invoices: readonly ExportedInvoice[],
  ): Promise<void> {
    for (let start = 0; start < invoices.length; start += this.batch) {
      await this.deps.models.csvExportedInvoices.bulkWrite(
        invoices.slice(start, start + this.batch).map((invoice) => ({
          updateOne: {
            filter: { tenantId, invoiceId: invoice.invoiceId },
            update: {
              $set: {
                docNumber: invoice.docNumber,
                customerName: invoice.customerName,
                txnDate: invoice.issueDate,
                totalCents: centsOf(invoice.total),
                subtotalCents: centsOf(invoice.subtotal),
                lineCount: invoice.lineCount,
                route: invoice.route,
                exportId,
                exportedAt,
              },
            },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    }
  }

  /** The records of several invoices of one tenant (a backfill chunk's), by invoice id. */
  async findMany(tenantId: string, invoiceIds: readonly string[]): Promise<Map<string, CsvExportedInvoice>> {
    if (invoiceIds.length === 0) return new Map();
    const found = await this.deps.models.csvExportedInvoices
      .find({ tenantId, invoiceId: { $in: [...invoiceIds] } })
      .lean<(CsvExportedInvoice & { invoiceId: string })[]>();
    return new Map(found.map((record) => [record.invoiceId, record]));
  }

  async find(tenantId: string, invoiceId: string): Promise<CsvExportedInvoice | undefined> {
    const found = await this.deps.models.csvExportedInvoices
      .findOne({ tenantId, invoiceId })
      .lean<CsvExportedInvoice | null>();
    return found ?? undefined;
  }
}
