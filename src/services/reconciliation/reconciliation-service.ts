import { Big } from 'big.js';
import type { HostInvoiceSource } from '../../host/host-invoices.js';
import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { ReconciliationPhase } from '../../models/reconciliation.js';
import { idInList, type QuickBooksClient } from '../../quickbooks/client.js';
import { reportMoney } from '../../quickbooks/reports.js';
import {
  compareInvoice,
  DIFFERENCE_CLASSES,
  toCents,
  type Comparison,
  type DifferenceClass,
  type PlatformSide,
  type QuickBooksSide,
} from '../../sync/reconciliation.js';
import type { StoredApplication } from '../../sync/payment-application.js';
import {
  platformTaxLines,
  quickbooksTaxLines,
  taxLinePercents,
  type TaxLineFigure,
  type WrittenInvoiceTax,
} from '../../sync/tax-parity.js';
import { connectedRealm } from '../invoice-push/connected-realm.js';

/**
 * The reconciliation of one tenant over a date window (issue 14), report first: one TransactionList per
 * window of at most six months gives every QuickBooks invoice's total, tax and open balance; only the
 * invoices whose row differs from the platform (or is missing from the report) are read again, 30 per
 * `SELECT … WHERE Id IN (…)`, so the comparison rests on the invoice itself, never on a report cell alone.
 * The company is never paged through as a whole.
 *
 * The platform side is the platform's invoice (its lines, tax and totals) and what the platform
 * acknowledged as paid through the payment hook (the payment pull's delivered applications).
 */

export interface ReconciliationWindow {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
}

export interface ReconciliationRow {
  invoiceId: string | null;
  quickbooksInvoiceId: string | null;
  number: string | null;
  comparison: Comparison;
  /** For a tax difference: the tax per rate on both sides (QuickBooks' TaxLine beside the platform's lines). */
  taxLines?: { platform: TaxLineFigure[]; quickbooks: TaxLineFigure[] };
}

/**
 * A credit a customer of ours holds in QuickBooks' receivables (an unapplied payment, a credit memo's
 * remaining credit): money the per-invoice comparison cannot see, from AgedReceivableDetail.
 */
export interface ReceivableCredit {
  txnType: string;
  quickbooksId: string | null;
  docNumber: string | null;
  customerName: string;
  quickbooksCustomerId: string | null;
  /** Negative: what QuickBooks owes the customer. */
  openBalanceCents: number;
}

export interface ReconciliationResult {
  tenantId: string;
  realmId: string;
  window: ReconciliationWindow;
  rows: ReconciliationRow[];
  summary: {
    invoicesCompared: number;
    counts: Record<DifferenceClass, number>;
    atStakeCents: number;
    /** QuickBooks requests the run made: report pages, targeted re-reads, change data capture. */
    readCalls: { reports: number; rereads: number; changeDataCapture: number };
    /** Credits our customers hold at the window's end (A/R level), largest first. */
    receivableCredits: ReceivableCredit[];
  };
}

/** "Keep each report request to a six-month date range or less" (Intuit's report best practices). */
const MAX_REPORT_MONTHS = 6;
const REREAD_CHUNK = 30;
/** Host invoice reads in flight at once: the host is the platform's API, not ours to flood. */
const HOST_READS_AT_ONCE = 8;

export interface ReconciliationProgress {
  phase: ReconciliationPhase;
  /** Steps of the phase done so far (reports, invoices read, invoices re-read). */
  done: number;
  total: number;
}

export type ProgressListener = (progress: ReconciliationProgress) => void | Promise<void>;

export interface ReconcileOptions {
  /**
   * When the previous run of this company started: QuickBooks' change data capture since then adds the
   * invoices changed outside the window. Older than Intuit's 30 days of CDC, or absent: no CDC.
   */
  changedSince?: Date;
}

/** Intuit keeps 30 days of change data capture; a day's margin. */
const CDC_WINDOW_MS = 29 * 86_400_000;

/** QuickBooks' side of an invoice it no longer has. */
const GONE: Omit<QuickBooksSide, 'quickbooksInvoiceId'> = {
  docNumber: null,
  state: 'DELETED',
  totalAmt: '0.00',
  totalTax: '0.00',
  balance: '0.00',
};
const REPORT_COLUMNS = 'tx_date,txn_type,doc_num,subt_nat_amount,tax_amount,nat_open_bal,memo';

/**
 * A tax difference the push already saw and recorded (SYNCED_WITH_DIFFERENCES, from QuickBooks' answer to the
 * write) is the same figures still: the row says so, with the push's reason (automated sales tax, sales tax
 * off, ...), which the report alone cannot know.
 */
function explainKnownTax(
  comparison: ReturnType<typeof compareInvoice>,
  known: { oursCents: number; theirsCents: number; explanation: string } | undefined,
): void {
  if (!known) return;
  for (const finding of comparison.findings) {
    if (finding.class !== 'ROUNDING' && finding.class !== 'TAX_RECOMPUTED') continue;
    if (finding.ours === known.oursCents && finding.theirs === known.theirsCents)
      finding.explanation = `known since the push: ${known.explanation}`;
  }
}

export class ReconciliationWindowError extends Error {
  override readonly name = 'ReconciliationWindowError';
  readonly retryable = false;
}

export interface ReconciliationDeps {
  models: Pick<Models, 'customers' | 'invoiceSyncStates' | 'payments' | 'customerLinks'>;
  clientFor(tenantId: string, realmId: string): QuickBooksClient;
  host: HostInvoiceSource;
  logger: Logger;
}

export class ReconciliationService {
  constructor(private readonly deps: ReconciliationDeps) {}

  async reconcile(
    tenantId: string,
    window: ReconciliationWindow,
    onProgress: ProgressListener = () => undefined,
    options: ReconcileOptions = {},
  ): Promise<ReconciliationResult> {
    const windows = splitWindow(window);
    const realmId = await connectedRealm(this.deps.models.customers, tenantId);
    const client = this.deps.clientFor(tenantId, realmId);
    const readCalls = { reports: 0, rereads: 0, changeDataCapture: 0 };

    // QuickBooks' side, from the report.
    const reported = new Map<string, QuickBooksSide & { txnDate: string | null }>();
    for (const [index, part] of windows.entries()) {
      await onProgress({ phase: 'READING_REPORTS', done: index, total: windows.length });
      const report = await client.report('TransactionList', {
        start_date: part.from,
        end_date: part.to,
        transaction_type: 'Invoice',
        columns: REPORT_COLUMNS,
        sort_by: 'tx_date',
      });
      readCalls.reports += 1;
      if (report.truncated) {
        // A six-month window too dense for one report: what is missing is not said, so nothing is guessed.
        throw new ReconciliationWindowError(
          `QuickBooks cut the report for ${part.from} to ${part.to} short; reconcile a shorter window`,
        );
      }
      for (const row of report.rows) {
        const id = row.cells.txn_type?.id;
        if (!id) continue;
        const voided = /^voided\b/i.test(row.cells.memo?.value ?? '');
        reported.set(id, {
          quickbooksInvoiceId: id,
          docNumber: row.cells.doc_num?.value || null,
          state: voided ? 'VOIDED' : 'ACTIVE',
          totalAmt: reportMoney(row.cells.subt_nat_amount?.value) ?? '0.00',
          totalTax: reportMoney(row.cells.tax_amount?.value) ?? '0.00',
          balance: reportMoney(row.cells.nat_open_bal?.value) ?? '0.00',
          txnDate: row.cells.tx_date?.value ?? null,
        });
      }
    }

    // What changed in QuickBooks since the last run, wherever it is dated: an invoice of an earlier month
    // edited, voided or deleted there is outside the report's window but not outside the books. CDC returns
    // each changed invoice whole (or its deletion), so these need no re-read.
    const changedOutside = new Map<string, QuickBooksSide>();
    /** Whole invoices read (CDC, re-reads): where a tax row's TaxLine breakdown comes from. */
    const entities = new Map<string, Record<string, unknown>>();
    if (options.changedSince && Date.now() - options.changedSince.getTime() <= CDC_WINDOW_MS) {
      const changes = await client.changeDataCapture(['Invoice'], options.changedSince);
      readCalls.changeDataCapture += 1;
      if (changes.possiblyTruncated) {
        this.deps.logger.warn(
          { tenantId, objects: changes.objectCount },
          "CDC answered its 1,000-object cap; this run checks the window's invoices only",
        );
      } else {
        for (const record of changes.changes.Invoice ?? []) {
          if (reported.has(record.Id)) continue;
          changedOutside.set(
            record.Id,
            record.status === 'Deleted'
              ? { ...GONE, quickbooksInvoiceId: record.Id }
              : quickbooksSideOf(record as Record<string, unknown>),
          );
          if (record.status !== 'Deleted') entities.set(record.Id, record as Record<string, unknown>);
        }
      }
    }

    // The platform's side: every invoice we pushed to this company, as the platform holds it now.
    const states = await this.deps.models.invoiceSyncStates
      .find(
        { tenantId, quickbooksInvoiceId: { $exists: true, $ne: null } },
        { invoiceId: 1, quickbooksInvoiceId: 1, taxDifference: 1 },
      )
      .lean<
        {
          invoiceId: string;
          quickbooksInvoiceId: string;
          taxDifference?: { oursCents: number; theirsCents: number; explanation: string } | null;
        }[]
      >();
    const knownAtPush = new Map(
      states.flatMap((state) =>
        state.taxDifference ? [[state.invoiceId, state.taxDifference] as const] : [],
      ),
    );
    const paid = await this.acknowledgedPayments(tenantId, realmId);
    const candidates: { invoiceId: string; quickbooksInvoiceId: string; platform: PlatformSide | null }[] =
      [];
    // The host is read per invoice (it has no batch read), a few at a time.
    for (let start = 0; start < states.length; start += HOST_READS_AT_ONCE) {
      await onProgress({ phase: 'READING_PLATFORM', done: start, total: states.length });
      const slice = states.slice(start, start + HOST_READS_AT_ONCE);
      const invoices = await Promise.all(
        slice.map((state) => this.deps.host.load(tenantId, state.invoiceId)),
      );
      slice.forEach((state, index) => {
        const invoice = invoices[index] ?? null;
        const inWindow = invoice ? invoice.issueDate >= window.from && invoice.issueDate <= window.to : false;
        const inReport = reported.has(state.quickbooksInvoiceId);
        if (!inWindow && !inReport && !changedOutside.has(state.quickbooksInvoiceId)) return;
        if (invoice && invoice.status === 'DRAFT') return;
        candidates.push({
          invoiceId: state.invoiceId,
          quickbooksInvoiceId: state.quickbooksInvoiceId,
          platform: invoice
            ? {
                invoiceId: invoice.id,
                number: invoice.number,
                status: invoice.status === 'VOID' ? 'VOID' : 'FINALIZED',
                lines: invoice.lines.map((line) => ({
                  amount: line.amount,
                  taxRate: line.taxRate,
                  taxAmount: line.taxAmount,
                })),
                totals: invoice.totals,
                amountPaid: (paid.get(invoice.id) ?? new Big(0)).toFixed(2),
              }
            : null,
        });
      });
    }

    // Re-read only what the report says differs, or what it does not list (deleted, or dated elsewhere).
    const suspicious = candidates.filter((candidate) => {
      const row =
        reported.get(candidate.quickbooksInvoiceId) ?? changedOutside.get(candidate.quickbooksInvoiceId);
      return !row || compareInvoice(candidate.platform, row).class !== null;
    });
    const reread = new Map<string, QuickBooksSide>(
      suspicious.flatMap((candidate) => {
        const changed = changedOutside.get(candidate.quickbooksInvoiceId);
        return changed && changed.state !== 'DELETED'
          ? [[candidate.quickbooksInvoiceId, changed] as const]
          : [];
      }),
    );
    const toReread = suspicious.filter((candidate) => !changedOutside.has(candidate.quickbooksInvoiceId));
    for (let start = 0; start < toReread.length; start += REREAD_CHUNK) {
      await onProgress({ phase: 'REREADING', done: start, total: toReread.length });
      const ids = toReread
        .slice(start, start + REREAD_CHUNK)
        .map((candidate) => candidate.quickbooksInvoiceId);
      const page = await client.queryPage<Record<string, unknown>>(
        `SELECT * FROM Invoice WHERE Id IN (${idInList(ids)})`,
        { maxResults: REREAD_CHUNK },
      );
      readCalls.rereads += 1;
      for (const entity of page.rows) {
        reread.set(String(entity.Id), quickbooksSideOf(entity));
        entities.set(String(entity.Id), entity);
      }
    }

    const rows: ReconciliationRow[] = [];
    for (const candidate of suspicious) {
      // Gone from both sides: nothing left to reconcile.
      if (!candidate.platform && !reread.has(candidate.quickbooksInvoiceId)) continue;
      const comparison = compareInvoice(
        candidate.platform,
        reread.get(candidate.quickbooksInvoiceId) ?? {
          ...GONE,
          quickbooksInvoiceId: candidate.quickbooksInvoiceId,
        },
      );
      if (comparison.class === null) continue; // the report was behind the invoice: they agree now
      explainKnownTax(comparison, knownAtPush.get(candidate.invoiceId));
      const entity = entities.get(candidate.quickbooksInvoiceId);
      const taxed = comparison.findings.some((f) => f.class === 'ROUNDING' || f.class === 'TAX_RECOMPUTED');
      rows.push({
        invoiceId: candidate.invoiceId,
        quickbooksInvoiceId: candidate.quickbooksInvoiceId,
        number: candidate.platform?.number ?? null,
        comparison,
        ...(taxed && candidate.platform && entity
          ? {
              taxLines: {
                platform: platformTaxLines(candidate.platform),
                quickbooks: quickbooksTaxLines(entity as WrittenInvoiceTax),
              },
            }
          : {}),
      });
    }

    await onProgress({ phase: 'READING_RECEIVABLES', done: 0, total: 1 });
    const receivableCredits = await this.receivableCredits(client, tenantId, realmId, window.to);
    readCalls.reports += 1;

    const counts = Object.fromEntries(DIFFERENCE_CLASSES.map((name) => [name, 0])) as Record<
      DifferenceClass,
      number
    >;
    for (const row of rows) counts[row.comparison.class!] += 1;
    return {
      tenantId,
      realmId,
      window,
      rows,
      summary: {
        invoicesCompared: candidates.length,
        counts,
        atStakeCents: rows.reduce((sum, row) => sum + row.comparison.atStakeCents, 0),
        readCalls,
        receivableCredits,
      },
    };
  }

  /**
   * The A/R-level check: AgedReceivableDetail lists every open item per customer, including unapplied
   * payments and credit memos with credit left (negative open balances), which an invoice-by-invoice view
   * never shows. Only customers this tenant's pushes created or matched are kept.
   */
  private async receivableCredits(
    client: QuickBooksClient,
    tenantId: string,
    realmId: string,
    asOf: string,
  ): Promise<ReceivableCredit[]> {
    const report = await client.report('AgedReceivableDetail', {
      report_date: asOf,
      columns: 'tx_date,txn_type,doc_num,cust_name,subt_open_bal',
    });
    const links = await this.deps.models.customerLinks
      .find({ tenantId, realmId }, { quickbooksCustomerId: 1 })
      .lean<{ quickbooksCustomerId: string }[]>();
    const ours = new Set(links.map((link) => link.quickbooksCustomerId));
    const credits: ReceivableCredit[] = [];
    for (const row of report.rows) {
      const open = reportMoney(row.cells.subt_open_bal?.value);
      const customerId = row.cells.cust_name?.id ?? null;
      if (open === null || !new Big(open).lt(0) || !customerId || !ours.has(customerId)) continue;
      credits.push({
        txnType: row.cells.txn_type?.value ?? '',
        quickbooksId: row.cells.txn_type?.id ?? null,
        docNumber: row.cells.doc_num?.value || null,
        customerName: row.cells.cust_name?.value ?? '',
        quickbooksCustomerId: customerId,
        openBalanceCents: toCents(open),
      });
    }
    return credits.sort((a, b) => a.openBalanceCents - b.openBalanceCents);
  }

  /** Per platform invoice, what the platform acknowledged as paid through the payment hook. */
  private async acknowledgedPayments(tenantId: string, realmId: string): Promise<Map<string, Big>> {
    const payments = await this.deps.models.payments
      .find({ tenantId, realmId }, { applications: 1 })
      .lean<{ applications: StoredApplication[] }[]>();
    const paid = new Map<string, Big>();
    for (const payment of payments) {
      for (const application of payment.applications) {
        if (!application.invoiceId || application.deliveredRevision < application.revision) continue;
        paid.set(
          application.invoiceId,
          (paid.get(application.invoiceId) ?? new Big(0)).plus(application.amount),
        );
      }
    }
    return paid;
  }
}

function quickbooksSideOf(entity: Record<string, unknown>): QuickBooksSide {
  const money = (value: unknown) => (typeof value === 'number' ? new Big(value).toFixed(2) : '0.00');
  const detail = entity.TxnTaxDetail as { TotalTax?: unknown } | undefined;
  const note = typeof entity.PrivateNote === 'string' ? entity.PrivateNote : '';
  return {
    quickbooksInvoiceId: String(entity.Id),
    docNumber: typeof entity.DocNumber === 'string' ? entity.DocNumber : null,
    // Intuit's void keeps the invoice at zero with "Voided" in its PrivateNote (§3.3 of the notes).
    state: /^voided\b/i.test(note) && money(entity.TotalAmt) === '0.00' ? 'VOIDED' : 'ACTIVE',
    totalAmt: money(entity.TotalAmt),
    totalTax: money(detail?.TotalTax),
    balance: money(entity.Balance),
    taxRatePercents: taxLinePercents(quickbooksTaxLines(entity as WrittenInvoiceTax)),
  };
}

/** The window in report-sized parts (six months or less each), or a typed error for a bad window. */
export function splitWindow(window: ReconciliationWindow): ReconciliationWindow[] {
  const date = /^\d{4}-\d{2}-\d{2}$/;
  const from = new Date(`${window.from}T00:00:00Z`);
  const to = new Date(`${window.to}T00:00:00Z`);
  if (
    !date.test(window.from) ||
    !date.test(window.to) ||
    Number.isNaN(from.getTime()) ||
    Number.isNaN(to.getTime())
  )
    throw new ReconciliationWindowError('from and to must be dates (YYYY-MM-DD)');
  if (from > to) throw new ReconciliationWindowError('from must not be after to');
  const parts: ReconciliationWindow[] = [];
  let start = from;
  while (start <= to) {
    const next = new Date(start);
    next.setUTCMonth(next.getUTCMonth() + MAX_REPORT_MONTHS);
    const end = new Date(Math.min(next.getTime() - 86_400_000, to.getTime()));
    parts.push({ from: start.toISOString().slice(0, 10), to: end.toISOString().slice(0, 10) });
    start = new Date(end.getTime() + 86_400_000);
  }
  return parts;
}
