import type { WrittenInvoiceTax } from '../../sync/tax-parity.js';
import type { CsvExportedInvoice } from '../csv-export/exported-invoices.js';
import type { QuickBooksClient, QuickBooksEntity } from '../../quickbooks/client.js';
import { queryableLiteral } from '../../sync/customer-identity.js';

/** The fields of a QuickBooks Invoice the push reads back. */
export interface QuickBooksInvoice extends QuickBooksEntity {
  DocNumber?: string;
  PrivateNote?: string;
  TxnDate?: string;
  CustomerRef?: { value: string; name?: string };
  TotalAmt?: number;
  /** What the push's tax check reads (src/sync/tax-parity.ts). */
  TxnTaxDetail?: WrittenInvoiceTax['TxnTaxDetail'];
}

/**
 * The builder writes `Platform invoice <number> (<id>)` into PrivateNote (build-invoice.ts); the id in
 * parentheses is what marks an invoice as the copy of that platform invoice. The parentheses keep
 * `inv-1` from matching `inv-10`. A void prefixes "Voided" and keeps the rest, so the marker survives.
 */
export function isCopyOf(invoice: QuickBooksInvoice, platformInvoiceId: string): boolean {
  return (invoice.PrivateNote ?? '').includes(`(${platformInvoiceId})`);
}

type LookupClient = Pick<QuickBooksClient, 'queryPage' | 'query'>;

/** Invoices holding a DocNumber, any customer (a number taken by someone else matters too). */
export async function invoicesWithDocNumber(
  client: LookupClient,
  docNumber: string,
): Promise<QuickBooksInvoice[]> {
  const { literal, complete } = queryableLiteral(docNumber);
  // A number QuickBooks cannot compare exactly (non-Latin-1) is read by its prefix and then filtered.
  const sql = complete
    ? `SELECT * FROM Invoice WHERE DocNumber = '${literal}'`
    : `SELECT * FROM Invoice WHERE DocNumber LIKE '${literal}%'`;
  const page = await client.queryPage<QuickBooksInvoice>(sql, { maxResults: 100 });
  return page.rows.filter((row) => row.DocNumber === docNumber);
}

export interface CreateLookupKeys {
  platformInvoiceId: string;
  quickbooksCustomerId: string;
  txnDate: string;
  /** Absent when QuickBooks numbers the invoice itself. */
  docNumber?: string;
}

/**
 * The QuickBooks invoice an earlier create of this platform invoice made, if QuickBooks holds one.
 *
 * With a DocNumber sent: the invoices with that number, confirmed by the PrivateNote marker and the
 * CustomerRef. Without one (custom transaction numbers off: QuickBooks picks the number, so there is none
 * to look up), by the other keys the payload fixed and Intuit lets us filter on (Invoice reference:
 * CustomerRef filterable, TxnDate filterable): the bill-to customer's invoices of that date, confirmed by
 * the marker. Neither key depends on 6140 duplicate checking.
 */
export async function findCreatedInvoice(
  client: LookupClient,
  keys: CreateLookupKeys,
): Promise<QuickBooksInvoice | undefined> {
  const ours = (row: QuickBooksInvoice) =>
    isCopyOf(row, keys.platformInvoiceId) && row.CustomerRef?.value === keys.quickbooksCustomerId;
  if (keys.docNumber !== undefined) {
    return (await invoicesWithDocNumber(client, keys.docNumber)).find(ours);
  }
  const customer = queryableLiteral(keys.quickbooksCustomerId).literal;
  const date = queryableLiteral(keys.txnDate).literal;
  // ORDERBY Id keeps pages stable while the customer gains invoices; one customer's invoices of one day
  // rarely fill a page, and a match ends the scan.
  for await (const row of client.query<QuickBooksInvoice>(
    `SELECT * FROM Invoice WHERE CustomerRef = '${customer}' AND TxnDate = '${date}' ORDERBY Id`,
    { pageSize: 100 },
  )) {
    if (ours(row)) return row;
  }
  return undefined;
}

/** Any platform invoice's marker: a copy some push made, never a CSV import (whose PrivateNote is empty). */
function carriesPlatformMarker(invoice: QuickBooksInvoice): boolean {
  return /Platform invoice .*\([^()]+\)/u.test(invoice.PrivateNote ?? '');
}

/** Several QuickBooks invoices could be the imported copy: a person says which (nothing is sent). */
export class CsvCopyAmbiguous extends Error {
  override readonly name = 'CsvCopyAmbiguous';
  constructor(readonly candidateIds: string[]) {
    super(`QuickBooks invoices ${candidateIds.join(', ')} could each be the CSV-imported copy`);
  }
}

/**
 * The copy of an invoice the tenant imported from our CSV export, if QuickBooks holds it. The import
 * carries no marker, so it is recognised by what the file wrote and the import keeps: the number and the
 * bill-to customer (the push's customer step matches the imported customer by e-mail or name).
 *
 * A company that takes custom numbers (`holders`: the invoices already read with the export's number) is
 * searched by number only: another invoice of the same customer and day is someone else's. One that does
 * not took QuickBooks' own numbers on import, so after the number the copy is looked for by customer,
 * date and amount: the total within a cent a line (QuickBooks recomputes exclusive tax per rate), or the
 * amount before tax exactly (a US company's tax follows its own setup, which the file cannot carry).
 * `taken` are copies already linked to other invoices by the caller (a backfill chunk's).
 */
export async function findCsvCopy(
  client: LookupClient,
  exported: CsvExportedInvoice,
  quickbooksCustomerId: string,
  options: { holders?: QuickBooksInvoice[]; taken?: ReadonlySet<string> } = {},
): Promise<QuickBooksInvoice | undefined> {
  const imported = (row: QuickBooksInvoice) =>
    !carriesPlatformMarker(row) &&
    row.CustomerRef?.value === quickbooksCustomerId &&
    !options.taken?.has(row.Id);
  const byNumber = (options.holders ?? (await invoicesWithDocNumber(client, exported.docNumber))).filter(
    imported,
  );
  if (byNumber.length > 0 || options.holders) return byNumber[0];
  const customer = queryableLiteral(quickbooksCustomerId).literal;
  const date = queryableLiteral(exported.txnDate).literal;
  const candidates: QuickBooksInvoice[] = [];
  for await (const row of client.query<QuickBooksInvoice>(
    `SELECT * FROM Invoice WHERE CustomerRef = '${customer}' AND TxnDate = '${date}' ORDERBY Id`,
    { pageSize: 100 },
  )) {
    const total = Math.round((row.TotalAmt ?? Number.NaN) * 100);
    const beforeTax = total - Math.round((row.TxnTaxDetail?.TotalTax ?? 0) * 100);
    const sameAmount =
      Math.abs(total - exported.totalCents) <= exported.lineCount || beforeTax === exported.subtotalCents;
    if (imported(row) && sameAmount) candidates.push(row);
  }
  if (candidates.length > 1) throw new CsvCopyAmbiguous(candidates.map((row) => row.Id));
  return candidates[0];
}
