import { createHash } from 'node:crypto';
import { connectedRealm } from '../invoice-push/connected-realm.js';
import type { HostInvoiceLister, HostInvoiceSource } from '../../host/host-invoices.js';
import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { BatchItem, BatchItemResult, QuickBooksClient } from '../../quickbooks/client.js';
import { BATCH_MAX_ITEMS } from '../../quickbooks/client.js';
import { isQuickBooksError, QuickBooksError } from '../../quickbooks/errors.js';
import { buildQuickBooksInvoice, type QuickBooksInvoicePayload } from '../../sync/build-invoice.js';
import { settleWrite, type TaxCheck, type WrittenEntity } from '../invoice-push/tax-settlement.js';
import type { CustomerOptions } from '../../sync/customer-upsert.js';
import type { PlatformBillTo, PlatformInvoice } from '../../sync/platform-invoice.js';
import {
  actionFromProblems,
  classifyFailure,
  csvCopyAmbiguous,
  DUPLICATE_DOC_NUMBER_FAULT,
  PushActionRequired,
  underlyingFailure,
  type FailureClass,
} from '../invoice-push/failures.js';
import {
  CsvCopyAmbiguous,
  findCreatedInvoice,
  findCsvCopy,
  invoicesWithDocNumber,
  isCopyOf,
  type QuickBooksInvoice,
} from '../invoice-push/lookup.js';
import { updateRequestId } from '../invoice-push/request-ids.js';
import type { CsvExportedInvoice, CsvExportedInvoices } from '../csv-export/exported-invoices.js';
import type { JudgedMapping } from '../mappings/mapping-service.js';
import type { QuickBooksSettings } from '../quickbooks-settings.js';
import type { ReferenceSnapshot } from '../reference-data/types.js';
import type { SyncLogError, SyncLogRecord } from '../sync-log.js';
import {
  PENDING_CREATE_LEASE_MS,
  unclaimedOr,
  type InvoiceKey,
  type PendingCreate,
  type SyncErrorInfo,
  type SyncStatusService,
} from '../sync-status.js';
import type { BackfillService } from './backfill-service.js';
import {
  BACKFILL_CHUNK_JOB,
  backfillJobId,
  backfillJobOptions,
  type BackfillChunkJobData,
  type BackfillPlanJobData,
  type BackfillQueue,
  type BackfillRetryOptions,
} from './jobs.js';

/** `sparseUpdate` only links the copy a tenant imported from a CSV export (the rest goes in batches). */
export type BackfillClient = Pick<QuickBooksClient, 'batch' | 'queryPage' | 'query' | 'sparseUpdate'>;

export interface BackfillRunnerDeps {
  models: Pick<Models, 'customers' | 'invoiceSyncStates'>;
  host: HostInvoiceSource & HostInvoiceLister;
  backfills: Pick<BackfillService, 'stored' | 'recordPlan' | 'countChunk' | 'cancel'>;
  queue: BackfillQueue;
  syncStatus: Pick<SyncStatusService, 'transition' | 'getMany'>;
  syncLog: { record(entry: SyncLogRecord): Promise<unknown> };
  clientFor(tenantId: string, realmId: string): BackfillClient;
  referenceData: { get(tenantId: string): Promise<ReferenceSnapshot> };
  mappings: { list(tenantId: string): Promise<JudgedMapping[]> };
  settings: { get(tenantId: string): Promise<QuickBooksSettings> };
  customers: {
    ensureCustomer(
      tenantId: string,
      realmId: string,
      billTo: PlatformBillTo,
      options?: CustomerOptions,
    ): Promise<string>;
  };
  /** Which invoices left in a CSV export: their imported copy is linked, never created again. */
  csvExports: Pick<CsvExportedInvoices, 'findMany'>;
  now: () => Date;
  logger: Pick<Logger, 'info' | 'warn'>;
  retry?: BackfillRetryOptions;
}

/** The sync log's trigger for every entry a backfill writes. */
export const BACKFILL_TRIGGER = 'BACKFILL';

/**
 * States the planner leaves alone: QuickBooks holds the invoice (SYNCED) or a single push owns it
 * (QUEUED, SYNCING, FAILED with its retry scheduled). ACTION_REQUIRED and DEAD are picked: nothing is
 * queued for them, and the backfill's attempt either succeeds or records the reason again without a write.
 */
const LEFT_ALONE = new Set(['SYNCED', 'SYNCED_WITH_DIFFERENCES', 'QUEUED', 'SYNCING', 'FAILED']);

/** QuickBooks holds the current version (with or without a tax difference): the backfill's "done". */
const inQuickBooks = (state: string) => state === 'SYNCED' || state === 'SYNCED_WITH_DIFFERENCES';

/** Batch sends per chunk attempt: the first, and resends of only the items an ambiguous answer left unknown. */
const MAX_BATCH_ROUNDS = 3;

/** "The RequestID can have a maximum of ... 36 for batch" (§3.7). */
const BATCH_REQUEST_ID_MAX_LENGTH = 36;

/** Invoices of one chunk worked on at once (store round trips, host reads); QuickBooks sees one batch. */
const ITEM_CONCURRENCY = 10;

/** A customer id no QuickBooks company uses: the first build only looks for problems. */
const NO_CUSTOMER_YET = '0';

/**
 * The batch's requestid: deterministic from (tenant, realm, backfill, chunk, attempt, round), so a re-run
 * of the same send is a replay QuickBooks answers from its cache. Each round sends a different item set,
 * which must not reuse an id (Intuit answers a reused id with the first answer, whatever the body).
 */
export function batchRequestId(parts: {
  tenantId: string;
  realmId: string;
  backfillId: string;
  chunkIndex: number;
  attempt: number;
  round: number;
}): string {
  const digest = createHash('sha256')
    .update(
      [parts.tenantId, parts.realmId, parts.backfillId, parts.chunkIndex, parts.attempt, parts.round].join(
        '\u0000',
      ),
    )
    .digest('base64url');
  return `bf-${digest}`.slice(0, BATCH_REQUEST_ID_MAX_LENGTH);
}

/** The claim a backfill writes as the invoice's pending create: names the backfill and chunk. */
function claimId(backfillId: string, chunkIndex: number): string {
  return `backfill-${backfillId}-${chunkIndex}`;
}

export type ChunkOutcome =
  | { outcome: 'COUNTED'; done: number; failed: number; handedOff: number }
  /** The backfill is gone or finished (replaced, cancelled): nothing was done. */
  | { outcome: 'STALE' }
  /** Some invoices failed retryably and another attempt follows; `retryAfterMs` when QuickBooks throttled. */
  | { outcome: 'RETRY'; retryAfterMs?: number; cause: unknown }
  /** The tenant's authorization is gone: park the job until a reconnect. */
  | { outcome: 'PAUSED'; cause: unknown };

interface ChunkRun {
  tenantId: string;
  backfillId: string;
  chunkIndex: number;
  realmId: string;
  client: BackfillClient;
  attempt: number;
  lastAttempt: boolean;
  /** Invoices a single push of the same invoice owns (it started them first): left to it, not counted here. */
  handedOff: Set<string>;
  /** Retryable failures of this attempt (the chunk runs again for those invoices). */
  retry?: { cause: unknown; retryAfterMs?: number; park: boolean };
  /** What the tax check of a written invoice needs (src/services/invoice-push/tax-settlement.ts). */
  tax?: Omit<TaxCheck, 'invoice'>;
  /** The chunk's invoices that left in a CSV export, by invoice id. */
  csvExported?: Map<string, CsvExportedInvoice>;
  /** QuickBooks ids of the imported copies this chunk linked. */
  linkedCopies: Set<string>;
}

interface Item {
  key: InvoiceKey;
  invoice: PlatformInvoice;
  version: number;
  pendingCreate?: PendingCreate;
  createGeneration: number;
  customerId?: string;
  payload?: QuickBooksInvoicePayload;
  startedAt: number;
}

interface StoredRecord {
  state: string;
  version?: number | null;
  quickbooksInvoiceId?: string | null;
  quickbooksSyncToken?: string | null;
  quickbooksDocNumber?: string | null;
  pendingCreate?: (Omit<PendingCreate, 'docNumber'> & { docNumber?: string | null }) | null;
  createGeneration?: number | null;
}

/**
 * The backfill's work: a planner lists the tenant's finalized
 * invoices since the date and queues those QuickBooks does not hold in chunks of up to 30; each chunk
 * becomes one batch create.
 *
 * Per chunk: every invoice goes through the transition table (STARTED), the bill-to customers are ensured
 * first (a batch item cannot use a customer created in the same batch), every payload is built by the
 * push's own builder, invoices with problems become ACTION_REQUIRED without a write, and the rest go in
 * one batch. Before the send each invoice's look-up keys are stored as its pending create (as the single
 * push does), conditional on the version our STARTED wrote, so an invoice another push started meanwhile
 * is left to that push. An ambiguous batch (timeout, dropped connection, committed then dropped) is
 * followed by a look-up of every item, and only the missing ones are sent again.
 */
export class BackfillRunner {
  constructor(private readonly deps: BackfillRunnerDeps) {}

  /** Plans once, then adds the chunk jobs (deterministic ids: a re-run adds nothing twice). */
  async plan(data: BackfillPlanJobData): Promise<{ chunks: number; total: number }> {
    const stored = await this.deps.backfills.stored(data.tenantId, data.backfillId);
    if (!stored || (stored.state !== 'PLANNING' && stored.state !== 'RUNNING'))
      return { chunks: 0, total: 0 };
    let chunks = stored.chunks ?? undefined;
    if (!chunks) {
      const listed = await this.deps.host.list(data.tenantId, 'FINALIZED');
      const since = listed.filter((invoice) => invoice.issueDate >= stored.since);
      const records = await this.records(
        data.tenantId,
        since.map((invoice) => invoice.id),
      );
      const picked = since
        .filter((invoice) => {
          const record = records.get(invoice.id);
          return !record || (!LEFT_ALONE.has(record.state) && !record.quickbooksInvoiceId);
        })
        // Chronological, as Intuit advises for imports (Invoice reference).
        .sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.number.localeCompare(b.number));
      const planned: { index: number; invoiceIds: string[] }[] = [];
      for (let start = 0; start < picked.length; start += BATCH_MAX_ITEMS) {
        planned.push({
          index: planned.length,
          invoiceIds: picked.slice(start, start + BATCH_MAX_ITEMS).map((invoice) => invoice.id),
        });
      }
      const recorded = await this.deps.backfills.recordPlan(data.tenantId, data.backfillId, {
        chunks: planned,
        skipped: since.length - picked.length,
      });
      chunks = recorded?.chunks ?? planned;
    }
    let total = 0;
    for (const chunk of chunks) {
      // QUEUED before the job exists (as intake does): the chunk's STARTED is accepted from QUEUED only.
      const records = await this.records(data.tenantId, chunk.invoiceIds);
      await eachLimited(chunk.invoiceIds, ITEM_CONCURRENCY, async (invoiceId) => {
        const record = records.get(invoiceId);
        if (record && (LEFT_ALONE.has(record.state) || record.quickbooksInvoiceId)) return;
        await this.deps.syncStatus.transition({ tenantId: data.tenantId, invoiceId }, 'ENQUEUED', {});
      });
      const job = chunkJobOf(data, chunk);
      await this.deps.queue.add(BACKFILL_CHUNK_JOB, job, backfillJobOptions(job, this.deps.retry));
      total += chunk.invoiceIds.length;
    }
    return { chunks: chunks.length, total };
  }

  async runChunk(data: BackfillChunkJobData, attempt: number, lastAttempt: boolean): Promise<ChunkOutcome> {
    const stored = await this.deps.backfills.stored(data.tenantId, data.backfillId);
    if (!stored || stored.state !== 'RUNNING') return { outcome: 'STALE' };
    let realmId: string;
    try {
      realmId = await this.connectedRealm(data.tenantId);
    } catch (error) {
      if (isQuickBooksError(error, 'reauthorization')) return { outcome: 'PAUSED', cause: error };
      throw error;
    }
    const run: ChunkRun = {
      tenantId: data.tenantId,
      backfillId: data.backfillId,
      chunkIndex: data.chunkIndex,
      realmId,
      client: this.deps.clientFor(data.tenantId, realmId),
      attempt,
      lastAttempt,
      handedOff: new Set(),
      linkedCopies: new Set(),
    };
    let context: { snapshot: ReferenceSnapshot; mappings: JudgedMapping[]; settings: QuickBooksSettings };
    try {
      const [snapshot, mappings, settings] = await Promise.all([
        this.deps.referenceData.get(data.tenantId),
        this.deps.mappings.list(data.tenantId),
        this.deps.settings.get(data.tenantId),
      ]);
      context = { snapshot, mappings, settings };
      run.tax = { facts: snapshot.facts, policy: settings.taxDifferences };
    } catch (thrown) {
      // Nothing was started yet: the whole chunk waits (throttled, unavailable) or parks (reauthorization).
      const failure = classifyFailure(underlyingFailure(thrown));
      if (failure.kind === 'park') return { outcome: 'PAUSED', cause: thrown };
      if (failure.kind === 'action' || lastAttempt) {
        // Nothing will make this chunk's invoices go through on their own: record why, and count them.
        return this.failAll(run, data, thrown);
      }
      return {
        outcome: 'RETRY',
        cause: thrown,
        ...(failure.kind === 'throttled' && failure.retryAfterMs
          ? { retryAfterMs: failure.retryAfterMs }
          : {}),
      };
    }

    const items = await this.startItems(run, data.invoiceIds, context);
    await this.ensureCustomers(run, items);
    run.csvExported = await this.deps.csvExports.findMany(
      run.tenantId,
      items.map((item) => item.key.invoiceId),
    );
    const claimed = new Set<Item>();
    await eachLimited(items, ITEM_CONCURRENCY, async (item) => {
      if (item.customerId === undefined) return;
      try {
        if (await this.prepare(run, item, context)) claimed.add(item);
      } catch (thrown) {
        await this.fail(run, item, thrown);
      }
    });
    const sendable = items.filter((item) => claimed.has(item));
    await this.sendBatches(run, sendable);

    if (run.retry && !run.lastAttempt) {
      if (run.retry.park) return { outcome: 'PAUSED', cause: run.retry.cause };
      return {
        outcome: 'RETRY',
        cause: run.retry.cause,
        ...(run.retry.retryAfterMs ? { retryAfterMs: run.retry.retryAfterMs } : {}),
      };
    }
    return this.count(run, data);
  }

  /**
   * BullMQ gave up on a chunk job that never counted itself: its worker died mid-chunk more often than
   * maxStalledCount allows ("job stalled more than allowable limit"), or an unexpected error outlived the
   * last attempt. Uncounted, the backfill would stay RUNNING for ever (done + failed never reach total) and
   * refuse every later start. So each invoice of the chunk QuickBooks does not hold is recorded DEAD through
   * the transition table (the admin retries it; a stored pending create stays, so that retry looks
   * QuickBooks up before sending: the dead worker may have sent the batch), and the chunk is counted.
   */
  async abandonChunk(data: BackfillChunkJobData, reason: SyncErrorInfo): Promise<void> {
    const stored = await this.deps.backfills.stored(data.tenantId, data.backfillId);
    if (!stored || stored.state !== 'RUNNING' || stored.chunksCounted?.includes(data.chunkIndex)) return;
    const records = await this.records(data.tenantId, data.invoiceIds);
    const claim = claimId(data.backfillId, data.chunkIndex);
    const handedOff = new Set<string>();
    await eachLimited(data.invoiceIds, ITEM_CONCURRENCY, async (invoiceId) => {
      const key: InvoiceKey = { tenantId: data.tenantId, invoiceId };
      const record = records.get(invoiceId);
      // Settled already: QuickBooks holds it, or a person has a recorded reason to act on.
      if (record && ['SYNCED', 'SYNCED_WITH_DIFFERENCES', 'ACTION_REQUIRED', 'DEAD'].includes(record.state))
        return;
      if (record?.state === 'SYNCING' && record.pendingCreate && record.pendingCreate.requestId !== claim) {
        // A single push of this invoice is mid-create: its own job records the outcome.
        handedOff.add(invoiceId);
        return;
      }
      // A planner that died before queueing this chunk left it NOT_SYNCED: STARTED needs QUEUED first.
      if (!record || record.state === 'NOT_SYNCED')
        await this.deps.syncStatus.transition(key, 'ENQUEUED', {});
      const started = await this.deps.syncStatus.transition(key, 'STARTED', {});
      if (!started.applied) return;
      await this.deps.syncStatus.transition(key, 'EXHAUSTED', { error: reason });
    });
    const statuses = await this.deps.syncStatus.getMany(
      data.invoiceIds.map((invoiceId) => ({ tenantId: data.tenantId, invoiceId })),
    );
    const done = statuses.filter((status) => inQuickBooks(status.state)).length;
    const handed = statuses.filter(
      (status) => !inQuickBooks(status.state) && handedOff.has(status.invoiceId),
    ).length;
    await this.deps.backfills.countChunk(data.tenantId, data.backfillId, data.chunkIndex, {
      done,
      failed: statuses.length - done - handed,
      handedOff: handed,
    });
  }

  /**
   * BullMQ gave up on a planner job (stalled past its limit, or failed on its last attempt). Before the plan
   * was stored nothing was queued: the backfill is CANCELLED so a new start is accepted. After it, the
   * chunks whose job never made it to the queue (or failed uncounted) are abandoned as above; the others
   * still run and count themselves, and the last of them completes the backfill.
   */
  async abandonPlan(data: BackfillPlanJobData, reason: SyncErrorInfo): Promise<void> {
    const stored = await this.deps.backfills.stored(data.tenantId, data.backfillId);
    if (!stored) return;
    if (stored.state === 'PLANNING') {
      await this.deps.backfills.cancel(data.tenantId, data.backfillId);
      return;
    }
    if (stored.state !== 'RUNNING') return;
    const counted = new Set(stored.chunksCounted ?? []);
    for (const chunk of stored.chunks ?? []) {
      if (counted.has(chunk.index)) continue;
      const job = chunkJobOf(data, chunk);
      const queued = await this.deps.queue.getJob(backfillJobId(job));
      if (queued && (await queued.getState()) !== 'failed') continue;
      await this.abandonChunk(job, reason);
    }
  }

  /** SYNCED invoices are done, those left to a single push handed off, the rest failed (each has its reason). */
  private async count(run: ChunkRun, data: BackfillChunkJobData): Promise<ChunkOutcome> {
    const statuses = await this.deps.syncStatus.getMany(
      data.invoiceIds.map((invoiceId) => ({ tenantId: data.tenantId, invoiceId })),
    );
    const done = statuses.filter((status) => inQuickBooks(status.state)).length;
    const handedOff = statuses.filter(
      (status) => !inQuickBooks(status.state) && run.handedOff.has(status.invoiceId),
    ).length;
    const outcome = { done, failed: statuses.length - done - handedOff, handedOff };
    await this.deps.backfills.countChunk(data.tenantId, data.backfillId, data.chunkIndex, outcome);
    return { outcome: 'COUNTED', ...outcome };
  }

  private async failAll(run: ChunkRun, data: BackfillChunkJobData, thrown: unknown): Promise<ChunkOutcome> {
    for (const invoiceId of data.invoiceIds) {
      const key: InvoiceKey = { tenantId: run.tenantId, invoiceId };
      const started = await this.deps.syncStatus.transition(key, 'STARTED', {});
      if (!started.applied) continue;
      const item = { key, startedAt: Date.now() } as Item;
      await this.fail(run, item, thrown);
    }
    return this.count(run, data);
  }

  /** STARTED for each invoice, its record and its host version; problems found here end the invoice. */
  private async startItems(
    run: ChunkRun,
    invoiceIds: readonly string[],
    context: { snapshot: ReferenceSnapshot; mappings: JudgedMapping[]; settings: QuickBooksSettings },
  ): Promise<Item[]> {
    const ready = new Map<string, Item>();
    await eachLimited(invoiceIds, ITEM_CONCURRENCY, async (invoiceId) => {
      const key: InvoiceKey = { tenantId: run.tenantId, invoiceId };
      const started = await this.deps.syncStatus.transition(key, 'STARTED', {});
      if (!started.applied) return; // SYNCED meanwhile, dismissed, or another push's outcome: not ours
      const record = (await this.records(run.tenantId, [invoiceId])).get(invoiceId);
      if (!record) return;
      const claim = claimId(run.backfillId, run.chunkIndex);
      if (started.from === 'SYNCING' && record.pendingCreate && record.pendingCreate.requestId !== claim) {
        // A single push of this invoice is mid-create: it owns the invoice; its outcome will be recorded.
        run.handedOff.add(invoiceId);
        return;
      }
      const item: Item = {
        key,
        invoice: undefined as unknown as PlatformInvoice,
        version: typeof record.version === 'number' ? record.version : 0,
        createGeneration: record.createGeneration ?? 0,
        startedAt: Date.now(),
        ...(record.pendingCreate ? { pendingCreate: toPendingCreate(record.pendingCreate) } : {}),
      };
      try {
        if (record.quickbooksInvoiceId) {
          // A push synced it after the plan was made and it came back for another reason: QuickBooks holds
          // it, and creating it again would be the duplicate we exist to prevent.
          await this.succeeded(run, item, {
            Id: record.quickbooksInvoiceId,
            SyncToken: record.quickbooksSyncToken ?? '0',
            ...(record.quickbooksDocNumber ? { DocNumber: record.quickbooksDocNumber } : {}),
          });
          return;
        }
        const invoice = await this.deps.host.load(run.tenantId, invoiceId);
        if (!invoice || invoice.tenantId !== run.tenantId) {
          throw new PushActionRequired(
            'INVOICE_NOT_FOUND',
            `The platform has no invoice ${invoiceId} for this customer; nothing was sent to QuickBooks. Dismiss this error if the invoice was deleted.`,
          );
        }
        item.invoice = invoice;
        if (invoice.status === 'VOID' && !item.pendingCreate) {
          await this.deps.syncStatus.transition(key, 'VOIDED', {});
          return;
        }
        if (invoice.status !== 'FINALIZED') {
          throw new PushActionRequired(
            invoice.status === 'VOID' ? 'INVOICE_VOIDED' : 'INVOICE_NOT_FINALIZED',
            invoice.status === 'VOID'
              ? `Invoice ${invoice.number} was voided while the backfill sent it; retry it so the void reaches QuickBooks.`
              : `Invoice ${invoice.number} is a draft; finalize it in the platform, then it goes to QuickBooks.`,
          );
        }
        const probe = buildQuickBooksInvoice({ invoice, ...context, customerId: NO_CUSTOMER_YET });
        if (probe.problems.length > 0) throw actionFromProblems(probe.problems);
        if (!invoice.billTo) {
          throw new PushActionRequired(
            'BILL_TO_MISSING',
            `Invoice ${invoice.number} has no bill-to party; QuickBooks needs a customer. Add one in the platform.`,
          );
        }
        ready.set(invoiceId, item);
      } catch (thrown) {
        await this.fail(run, item, thrown);
      }
    });
    // The chunk's order (chronological), whatever order the lanes finished in.
    return invoiceIds.flatMap((invoiceId) => ready.get(invoiceId) ?? []);
  }

  /** Each distinct bill-to once, before the batch: a batch item cannot see a customer created beside it. */
  private async ensureCustomers(run: ChunkRun, items: Item[]): Promise<void> {
    const groups = new Map<string, Item[]>();
    for (const item of items) {
      const billTo = item.invoice.billTo!;
      const identity = JSON.stringify([
        billTo.name,
        billTo.email ?? null,
        billTo.phone ?? null,
        billTo.address ?? null,
      ]);
      groups.set(identity, [...(groups.get(identity) ?? []), item]);
    }
    for (const group of groups.values()) {
      const billTo = group[0]!.invoice.billTo!;
      const startedAt = Date.now();
      const entry = {
        tenantId: run.tenantId,
        entityType: 'QUICKBOOKS_CUSTOMER' as const,
        entityId: billTo.name,
        operation: 'QUICKBOOKS_CUSTOMER_UPSERT' as const,
        attempt: run.attempt,
        trigger: BACKFILL_TRIGGER,
        realmId: run.realmId,
      };
      try {
        const customerId = await this.deps.customers.ensureCustomer(run.tenantId, run.realmId, billTo, {
          usSalesTax: run.tax?.facts.taxModel === 'US',
        });
        for (const item of group) item.customerId = customerId;
        await this.logBestEffort({
          ...entry,
          outcome: 'SUCCEEDED',
          quickbooksId: customerId,
          durationMs: Date.now() - startedAt,
        });
      } catch (thrown) {
        const failure = classifyFailure(underlyingFailure(thrown));
        await this.logBestEffort({
          ...entry,
          outcome: 'FAILED',
          durationMs: Date.now() - startedAt,
          error: logError(failure.error, 'detail' in failure ? failure.detail : undefined),
          ...(failure.error.intuitTid ? { intuitTid: failure.error.intuitTid } : {}),
        });
        for (const item of group) await this.fail(run, item, thrown);
      }
    }
  }

  /**
   * The payload, the number check of custom-number companies, the look-up of an earlier create, then the
   * claim. False when the invoice is settled here (adopted, or left to another push).
   */
  private async prepare(
    run: ChunkRun,
    item: Item,
    context: { snapshot: ReferenceSnapshot; mappings: JudgedMapping[]; settings: QuickBooksSettings },
  ): Promise<boolean> {
    const built = buildQuickBooksInvoice({ invoice: item.invoice, ...context, customerId: item.customerId! });
    if (built.problems.length > 0) throw actionFromProblems(built.problems);
    item.payload = built.payload;
    if (item.pendingCreate) {
      // An earlier attempt (ours or a single push's) stored a create that may have reached QuickBooks.
      const found = await findCreatedInvoice(run.client, {
        platformInvoiceId: item.invoice.id,
        quickbooksCustomerId: item.pendingCreate.quickbooksCustomerId,
        txnDate: item.pendingCreate.txnDate,
        ...(item.pendingCreate.docNumber ? { docNumber: item.pendingCreate.docNumber } : {}),
      });
      if (found) {
        await this.succeeded(run, item, found);
        return false;
      }
    }
    const custom = context.snapshot.facts.customTxnNumbers && built.payload.DocNumber !== undefined;
    const holders = custom ? await invoicesWithDocNumber(run.client, built.payload.DocNumber!) : [];
    const ours = holders.find((row) => isCopyOf(row, item.invoice.id));
    if (ours) {
      await this.succeeded(run, item, ours);
      return false;
    }
    const exported = run.csvExported?.get(item.key.invoiceId);
    if (exported) {
      const copy = await findCsvCopy(run.client, exported, item.customerId!, {
        ...(custom ? { holders } : {}),
        taken: run.linkedCopies,
      }).catch((error: unknown) => {
        throw error instanceof CsvCopyAmbiguous ? csvCopyAmbiguous(item.invoice, exported, error) : error;
      });
      if (copy) {
        // Two invoices of one customer, day and amount are told apart only by who takes the copy first.
        run.linkedCopies.add(copy.Id);
        await this.linkCsvCopy(run, item, context, copy);
        return false;
      }
    }
    if (custom) {
      if (holders.length > 0) {
        // The existing-number setting (LINK / SUFFIX / STOP) is the single push's: a retry applies it.
        throw new PushActionRequired(
          'DOC_NUMBER_EXISTS',
          `Invoice number ${built.payload.DocNumber} already exists in QuickBooks (QuickBooks invoice ${holders[0]!.Id}); the backfill did not send it. Retry the invoice to apply the existing-number setting, or renumber one of them.`,
        );
      }
    }
    const pending: PendingCreate = {
      requestId: claimId(run.backfillId, run.chunkIndex),
      generation: item.pendingCreate?.generation ?? item.createGeneration,
      ...(built.payload.DocNumber !== undefined ? { docNumber: built.payload.DocNumber } : {}),
      quickbooksCustomerId: item.customerId!,
      txnDate: built.payload.TxnDate,
      hostVersion: item.invoice.version,
      startedAt: this.deps.now(),
    };
    // Conditional on the version our STARTED wrote: a push that started the invoice since then owns it.
    const claimed = await this.deps.models.invoiceSyncStates.updateOne(
      {
        tenantId: run.tenantId,
        invoiceId: item.key.invoiceId,
        state: 'SYNCING',
        version: item.version,
        // Never over a single push's pending create (it does not bump the version): it may be in flight.
        ...unclaimedOr(
          item.pendingCreate ? [pending.requestId, item.pendingCreate.requestId] : [pending.requestId],
          new Date(this.deps.now().getTime() - PENDING_CREATE_LEASE_MS),
        ),
      },
      { $set: { pendingCreate: pending } },
    );
    if (claimed.matchedCount !== 1) {
      run.handedOff.add(item.key.invoiceId);
      return false;
    }
    item.pendingCreate = pending;
    return true;
  }

  private async sendBatches(run: ChunkRun, sendable: Item[]): Promise<void> {
    let pending = sendable;
    for (let round = 0; round < MAX_BATCH_ROUNDS && pending.length > 0; round++) {
      pending = await this.stillClaimed(run, pending);
      if (pending.length === 0) return;
      const requestId = batchRequestId({
        tenantId: run.tenantId,
        realmId: run.realmId,
        backfillId: run.backfillId,
        chunkIndex: run.chunkIndex,
        attempt: run.attempt,
        round,
      });
      const byBid = new Map(pending.map((item, index) => [`i${index}`, item]));
      const batch: BatchItem[] = [...byBid].map(([bId, item]) => ({
        bId,
        operation: 'create',
        entity: 'Invoice',
        body: { ...(item.payload as QuickBooksInvoicePayload & Record<string, unknown>) },
      }));
      let answers: { items: BatchItemResult[]; intuitTid?: string };
      try {
        answers = await run.client.batch(batch, { requestId });
      } catch (thrown) {
        if (isQuickBooksError(thrown, 'ambiguous')) {
          // The batch may have run in full, in part or not at all: find what QuickBooks holds first.
          pending = await this.adoptCreated(run, pending, requestId);
          continue;
        }
        for (const item of pending) await this.fail(run, item, thrown, requestId);
        return;
      }
      const unknown: Item[] = [];
      const duplicates: Item[] = [];
      await eachLimited(answers.items, ITEM_CONCURRENCY, async (answer) => {
        const item = byBid.get(answer.bId)!;
        if (answer.ok) {
          const created = answer.value as unknown as QuickBooksInvoice;
          await this.succeeded(run, item, created, requestId, answers.intuitTid);
          return;
        }
        const error = answer.error;
        if (error.kind === 'ambiguous') {
          unknown.push(item);
          return;
        }
        if (error.kind === 'validation' && error.code === DUPLICATE_DOC_NUMBER_FAULT) {
          // 6140: our own earlier copy may hold the number (then it is adopted), or someone else's does.
          duplicates.push(item);
          return;
        }
        await this.fail(run, item, error, requestId);
      });
      for (const item of await this.adoptCreated(run, duplicates, requestId)) {
        await this.fail(
          run,
          item,
          new PushActionRequired(
            'DOC_NUMBER_EXISTS',
            `QuickBooks refused invoice number ${item.payload?.DocNumber ?? item.invoice.number} as a duplicate (6140). Renumber the invoice or the QuickBooks one, then retry.`,
          ),
          requestId,
        );
      }
      pending = await this.adoptCreated(run, unknown, requestId);
    }
    for (const item of pending) {
      await this.fail(
        run,
        item,
        new QuickBooksError({
          kind: 'ambiguous',
          message: 'QuickBooks did not confirm the batch create; the next attempt looks the invoice up first',
          realmId: run.realmId,
        }),
      );
    }
  }

  /** Items another push took over since the claim are left out of the send. */
  private async stillClaimed(run: ChunkRun, items: Item[]): Promise<Item[]> {
    const records = await this.records(
      run.tenantId,
      items.map((item) => item.key.invoiceId),
    );
    const claim = claimId(run.backfillId, run.chunkIndex);
    return items.filter((item) => {
      const record = records.get(item.key.invoiceId);
      const ours = record?.state === 'SYNCING' && record.pendingCreate?.requestId === claim;
      if (!ours) run.handedOff.add(item.key.invoiceId);
      return ours;
    });
  }

  /** Look-up of every item after an ambiguous answer: found ones are SYNCED, the rest are returned. */
  private async adoptCreated(run: ChunkRun, items: Item[], requestId: string): Promise<Item[]> {
    const missing: Item[] = [];
    for (const item of items) {
      try {
        const found = await findCreatedInvoice(run.client, {
          platformInvoiceId: item.invoice.id,
          quickbooksCustomerId: item.pendingCreate!.quickbooksCustomerId,
          txnDate: item.pendingCreate!.txnDate,
          ...(item.pendingCreate!.docNumber ? { docNumber: item.pendingCreate!.docNumber } : {}),
        });
        if (found) await this.succeeded(run, item, found, requestId);
        else missing.push(item);
      } catch (thrown) {
        await this.fail(run, item, thrown, requestId);
      }
    }
    return missing;
  }

  /**
   * The tenant imported this invoice from a CSV export: the imported copy becomes the invoice's, updated to
   * the push's payload (its number kept), as a single push links it. Sent alone, not in the batch of creates.
   */
  private async linkCsvCopy(
    run: ChunkRun,
    item: Item,
    context: { snapshot: ReferenceSnapshot; mappings: JudgedMapping[]; settings: QuickBooksSettings },
    copy: QuickBooksInvoice,
  ): Promise<void> {
    const keepNumber = context.snapshot.facts.customTxnNumbers && copy.DocNumber !== undefined;
    const built = buildQuickBooksInvoice({
      invoice: item.invoice,
      ...context,
      customerId: item.customerId!,
      ...(keepNumber ? { options: { docNumber: copy.DocNumber! } } : {}),
    });
    if (built.problems.length > 0) throw actionFromProblems(built.problems);
    const requestId = updateRequestId(
      run.tenantId,
      run.realmId,
      copy.Id,
      item.invoice.version,
      copy.SyncToken,
    );
    const { entity, intuitTid } = await run.client.sparseUpdate<QuickBooksInvoice>(
      'Invoice',
      {
        ...(built.payload as QuickBooksInvoicePayload & Record<string, unknown>),
        Id: copy.Id,
        SyncToken: copy.SyncToken,
      },
      { requestId },
    );
    this.deps.logger.info(
      { tenantId: run.tenantId, invoiceId: item.key.invoiceId, quickbooksInvoiceId: copy.Id },
      'linked the copy imported from a CSV export',
    );
    await this.succeeded(run, item, entity, requestId, intuitTid);
  }

  /**
   * QuickBooks holds the invoice. A full answer (a create, a look-up) has its tax compared with the
   * platform's, as the single push does; an id we already held (`entity` without TxnTaxDetail) does not.
   */
  private async succeeded(
    run: ChunkRun,
    item: Item,
    entity: WrittenEntity,
    requestId?: string,
    intuitTid?: string,
  ): Promise<void> {
    const full = entity.TxnTaxDetail !== undefined && item.invoice !== undefined && run.tax !== undefined;
    const settled = await settleWrite(
      this.deps.syncStatus,
      item.key,
      entity,
      full ? { invoice: item.invoice, ...run.tax! } : undefined,
      intuitTid ? { intuitTid } : {},
    );
    await this.logInvoice(run, item, {
      outcome: settled.outcome === 'HELD' ? 'FAILED' : 'SUCCEEDED',
      quickbooksId: entity.Id,
      ...(settled.outcome === 'HELD'
        ? {
            error: {
              code: settled.error.code,
              message: settled.error.message,
              retryable: settled.error.retryable,
            },
          }
        : {}),
      ...(requestId ? { requestId } : {}),
      ...(intuitTid ? { intuitTid } : {}),
    });
  }

  /** Records one invoice's failure as the single push does (failures.ts decides action / retry / park). */
  private async fail(run: ChunkRun, item: Item, thrown: unknown, requestId?: string): Promise<void> {
    const error = underlyingFailure(thrown);
    const failure: FailureClass = classifyFailure(error);
    const info: SyncErrorInfo = failure.error;
    if (failure.kind === 'action') {
      await this.deps.syncStatus.transition(item.key, 'NEEDS_ACTION', { error: info });
    } else if (run.lastAttempt) {
      await this.deps.syncStatus.transition(item.key, 'EXHAUSTED', { error: info });
    } else {
      await this.deps.syncStatus.transition(item.key, 'FAILED_RETRYABLE', { error: info });
      const retryAfterMs = failure.kind === 'throttled' ? failure.retryAfterMs : undefined;
      run.retry = {
        cause: error,
        park: failure.kind === 'park' || run.retry?.park === true,
        ...(retryAfterMs !== undefined
          ? { retryAfterMs: Math.max(retryAfterMs, run.retry?.retryAfterMs ?? 0) }
          : run.retry?.retryAfterMs !== undefined
            ? { retryAfterMs: run.retry.retryAfterMs }
            : {}),
      };
    }
    await this.logInvoice(run, item, {
      outcome: 'FAILED',
      error: logError(info, 'detail' in failure ? failure.detail : undefined),
      ...(requestId ? { requestId } : {}),
      ...(info.intuitTid ? { intuitTid: info.intuitTid } : {}),
    });
  }

  private async logInvoice(
    run: ChunkRun,
    item: Item,
    entry: Pick<SyncLogRecord, 'outcome' | 'quickbooksId' | 'error' | 'intuitTid' | 'requestId'>,
  ): Promise<void> {
    await this.logBestEffort({
      tenantId: run.tenantId,
      entityType: 'INVOICE',
      entityId: item.key.invoiceId,
      operation: 'INVOICE_PUSH',
      attempt: run.attempt,
      trigger: BACKFILL_TRIGGER,
      realmId: run.realmId,
      durationMs: Date.now() - item.startedAt,
      ...entry,
    });
  }

  private async logBestEffort(entry: SyncLogRecord): Promise<void> {
    try {
      await this.deps.syncLog.record(entry);
    } catch (error) {
      // The outcome is in the sync state already; a lost log line must not redo the batch.
      this.deps.logger.warn(
        { tenantId: entry.tenantId, entityId: entry.entityId, err: error },
        'sync log entry not written',
      );
    }
  }

  private async records(tenantId: string, invoiceIds: readonly string[]): Promise<Map<string, StoredRecord>> {
    if (invoiceIds.length === 0) return new Map();
    const docs = await this.deps.models.invoiceSyncStates
      .find({ tenantId, invoiceId: { $in: [...invoiceIds] } })
      .lean<(StoredRecord & { invoiceId: string })[]>();
    return new Map(docs.map((doc) => [doc.invoiceId, doc]));
  }

  private connectedRealm(tenantId: string): Promise<string> {
    return connectedRealm(this.deps.models.customers, tenantId);
  }
}

/** The job of one planned chunk of a backfill. */
function chunkJobOf(
  plan: { tenantId: string; backfillId: string },
  chunk: { index: number; invoiceIds: string[] },
): BackfillChunkJobData {
  return {
    kind: 'chunk',
    tenantId: plan.tenantId,
    backfillId: plan.backfillId,
    chunkIndex: chunk.index,
    invoiceIds: chunk.invoiceIds,
  };
}

/**
 * Runs `work` over `values` with at most `limit` at once, in order of start. Different invoices of a chunk
 * touch different documents, so their store round trips overlap instead of adding up.
 */
async function eachLimited<T>(values: readonly T[], limit: number, work: (value: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, values.length) }, async () => {
    while (next < values.length) {
      const value = values[next++]!;
      await work(value);
    }
  });
  await Promise.all(lanes);
}

function toPendingCreate(stored: NonNullable<StoredRecord['pendingCreate']>): PendingCreate {
  return {
    requestId: stored.requestId,
    generation: stored.generation,
    ...(stored.docNumber ? { docNumber: stored.docNumber } : {}),
    quickbooksCustomerId: stored.quickbooksCustomerId,
    txnDate: stored.txnDate,
    hostVersion: stored.hostVersion,
    startedAt: stored.startedAt,
  };
}

function logError(error: SyncErrorInfo, detail: string | undefined): SyncLogError {
  return {
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    ...(detail ? { detail } : {}),
  };
}
