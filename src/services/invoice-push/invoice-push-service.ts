import type { HostInvoiceSource } from '../../host/host-invoices.js';
import { connectedRealm, type TokenObserver } from './connected-realm.js';
import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { QuickBooksClient } from '../../quickbooks/client.js';
import { isQuickBooksError, type QuickBooksError } from '../../quickbooks/errors.js';
import { GOVERNOR_BUSY_CODE } from '../../quickbooks/http.js';
import {
  buildQuickBooksInvoice,
  type BuildInvoiceOptions,
  type BuildInvoiceResult,
  type QuickBooksInvoicePayload,
} from '../../sync/build-invoice.js';
import type { CustomerOptions } from '../../sync/customer-upsert.js';
import type { PlatformBillTo, PlatformInvoice } from '../../sync/platform-invoice.js';
import type { TaxDifference } from '../../sync/tax-parity.js';
import { settleWrite } from './tax-settlement.js';
import type { InvoicePushJobData } from '../../workers/invoice-push-job.js';
import type { JudgedMapping } from '../mappings/mapping-service.js';
import type { QuickBooksSettings } from '../quickbooks-settings.js';
import type { ReferenceSnapshot } from '../reference-data/types.js';
import type { SyncLogError, SyncLogRecord } from '../sync-log.js';
import {
  INVOICE_DELETED_IN_QUICKBOOKS,
  type InvoiceKey,
  type PushRecord,
  type SyncErrorInfo,
  type SyncStatusService,
  type TransitionHint,
} from '../sync-status.js';
import {
  actionFromProblems,
  classifyFailure,
  CreateInFlight,
  csvCopyAmbiguous,
  DUPLICATE_DOC_NUMBER_FAULT,
  PushActionRequired,
  PushContextChanged,
  underlyingFailure,
  type FailureClass,
} from './failures.js';
import {
  CsvCopyAmbiguous,
  findCreatedInvoice,
  findCsvCopy,
  invoicesWithDocNumber,
  isCopyOf,
  type QuickBooksInvoice,
} from './lookup.js';
import type { CsvExportedInvoice, CsvExportedInvoices } from '../csv-export/exported-invoices.js';
import { PushContextCache, type PushContext } from './push-context.js';
import { createRequestId, updateRequestId, voidRequestId } from './request-ids.js';

export type PushClient = Pick<
  QuickBooksClient,
  'read' | 'queryPage' | 'query' | 'create' | 'sparseUpdate' | 'void'
>;

export interface InvoicePushDeps {
  models: Pick<Models, 'customers'>;
  host: HostInvoiceSource;
  syncStatus: Pick<SyncStatusService, 'transition' | 'recordPendingCreate' | 'abandonPendingCreate'>;
  /** The attempt's entries (its customer step and the invoice) go in one write at its end. */
  syncLog: { recordMany(entries: readonly SyncLogRecord[]): Promise<unknown> };
  clientFor(tenantId: string, realmId: string): PushClient;
  referenceData: { get(tenantId: string): Promise<ReferenceSnapshot> };
  mappings: { list(tenantId: string): Promise<JudgedMapping[]> };
  settings: { get(tenantId: string): Promise<QuickBooksSettings> };
  customers: {
    /** The bill-to's customer; a stored link is trusted without a read (see CustomerUpserter). */
    ensureCustomer(
      tenantId: string,
      realmId: string,
      billTo: PlatformBillTo,
      options?: CustomerOptions,
    ): Promise<string>;
    /** Throws `link_inactive` / `link_missing` (CustomerUpsertError) when the customer is unusable. */
    verifyLinkedCustomer(tenantId: string, realmId: string, quickbooksCustomerId: string): Promise<string>;
  };
  now: () => Date;
  logger: Pick<Logger, 'info' | 'warn'>;
  /**
   * How long the reference snapshot, mappings and settings of a tenant are reused by this process's
   * pushes (QUICKBOOKS_PUSH_CONTEXT_CACHE_MS); 0 or absent reads them for every push.
   */
  contextCacheMs?: number;
  /** The process's vault: the push's connection read vouches for its kept access token. */
  tokens?: TokenObserver;
  /** Which invoices left in a CSV export: their imported copy is linked, never created again. */
  csvExports: Pick<CsvExportedInvoices, 'find'>;
}

export interface PushRequest {
  job: InvoicePushJobData;
  /** 1 for the first attempt. */
  attempt: number;
  /** No retry follows a retryable failure of this attempt: it goes to the dead letter. */
  lastAttempt: boolean;
}

/** How QuickBooks came to hold the pushed version. */
export type PushOperation = 'CREATED' | 'UPDATED' | 'ADOPTED' | 'LINKED' | 'VOIDED';

export type PushResult =
  | {
      outcome: 'SYNCED';
      operation: PushOperation;
      quickbooksInvoiceId: string;
      syncToken: string;
      docNumber?: string;
      /** QuickBooks holds another tax than the platform's, and the tax setting accepts that. */
      taxDifference?: TaxDifference;
    }
  /** The host voided the invoice before QuickBooks ever received it: nothing to push. */
  | { outcome: 'NOT_IN_QUICKBOOKS' }
  /** The state table refused the attempt (a stale job): nothing was sent. */
  | { outcome: 'SKIPPED'; reason: string }
  | { outcome: 'ACTION_REQUIRED'; error: SyncErrorInfo }
  /** Retryable; `exhausted` when this was the last attempt (the invoice is DEAD). */
  | { outcome: 'FAILED'; error: SyncErrorInfo; exhausted: boolean; cause: unknown }
  /** QuickBooks throttled the realm: delay the job without spending an attempt. */
  | { outcome: 'THROTTLED'; retryAfterMs?: number; cause: unknown }
  /** The tenant's QuickBooks authorization is gone: park the job until a reconnect. */
  | { outcome: 'PAUSED'; cause: unknown };

interface Attempt {
  key: InvoiceKey;
  realmId: string;
  client: PushClient;
  request: PushRequest;
  /** The requestid of the attempt's last write, for the log. */
  requestId?: string;
  intuitTid?: string;
  /** The state and version this attempt's last transition wrote: its next one tries them first. */
  hint?: TransitionHint;
  /** Sync log entries written with the invoice's own at the end of the attempt. */
  logEntries: SyncLogRecord[];
}

interface Built {
  invoice: PlatformInvoice;
  snapshot: ReferenceSnapshot;
  mappings: JudgedMapping[];
  settings: QuickBooksSettings;
  customerId: string;
}

/** A customer id no QuickBooks company uses: the first build only looks for problems. */
const NO_CUSTOMER_YET = '0';
/** SUFFIX tries "<number>-2" up to this; beyond, a person should look. */
const MAX_SUFFIX = 9;

/**
 * Pushes one invoice of one tenant to that tenant's QuickBooks company, once. See docs/architecture.md
 * ("Invoice push"). Every outcome is recorded through the sync state table and one sync log entry per
 * entity; the caller (the worker) only maps the result to BullMQ.
 */
export class InvoicePushService {
  private readonly context: PushContextCache;

  constructor(private readonly deps: InvoicePushDeps) {
    this.context = new PushContextCache(deps, deps.contextCacheMs ?? 0);
  }

  async push(request: PushRequest): Promise<PushResult> {
    const key: InvoiceKey = { tenantId: request.job.tenantId, invoiceId: request.job.invoiceId };
    let realmId: string;
    try {
      realmId = await this.connectedRealm(key.tenantId);
    } catch (error) {
      // Not connected: park. Anything else (the database away) fails the attempt for BullMQ to retry.
      if (isQuickBooksError(error, 'reauthorization')) return { outcome: 'PAUSED', cause: error };
      throw error;
    }
    let started = await this.deps.syncStatus.transition(key, 'STARTED', {});
    if (
      !started.applied &&
      started.reason === 'REFUSED' &&
      announcesNewerChange(request.job, started.status)
    ) {
      // A host writing to the queue directly (docs/architecture.md, "Invoice push intake") records no
      // QUEUED; a notification newer than everything the state knows is a change to push, while a job
      // older than a dismissal, a success or a dead letter is stale and stays refused.
      await this.deps.syncStatus.transition(key, 'ENQUEUED', {});
      started = await this.deps.syncStatus.transition(key, 'STARTED', {});
    }
    if (!started.applied) {
      if (started.reason === 'CONTENDED') {
        const cause = new Error('the invoice status kept changing; the push is retried');
        return this.failed(
          { key, realmId, request, logEntries: [] as SyncLogRecord[] } as Attempt,
          classifyFailure(cause),
          cause,
          Date.now(),
        );
      }
      return { outcome: 'SKIPPED', reason: `the invoice is ${started.status.state}` };
    }
    const attempt: Attempt = {
      key,
      realmId,
      request,
      client: this.deps.clientFor(key.tenantId, realmId),
      hint: started.hint,
      logEntries: [],
    };
    const startedAt = Date.now();
    try {
      // The STARTED write returned the document: no second read for the push's view of it.
      const result = await this.attempt(attempt, started.record);
      if (result.outcome === 'ACTION_REQUIRED') {
        // The STOP tax setting's hold: QuickBooks took the write, the sync log says why it is held.
        await this.log(attempt, {
          outcome: 'FAILED',
          durationMs: Date.now() - startedAt,
          error: logError(result.error, undefined),
          ...(started.record.quickbooksInvoiceId ? { quickbooksId: started.record.quickbooksInvoiceId } : {}),
        });
        return result;
      }
      await this.log(attempt, {
        outcome: 'SUCCEEDED',
        durationMs: Date.now() - startedAt,
        ...(result.outcome === 'SYNCED' ? { quickbooksId: result.quickbooksInvoiceId } : {}),
      });
      return result;
    } catch (thrown) {
      const error = underlyingFailure(thrown);
      return this.failed(attempt, classifyFailure(error), error, startedAt);
    }
  }

  private connectedRealm(tenantId: string): Promise<string> {
    return connectedRealm(this.deps.models.customers, tenantId, this.deps.tokens);
  }

  private async failed(
    attempt: Attempt,
    failure: FailureClass,
    cause: unknown,
    startedAt: number,
  ): Promise<PushResult> {
    const { key } = attempt;
    const { error } = failure;
    const exhausted = failure.kind === 'retry' && attempt.request.lastAttempt;
    if (turnedAwayByGovernor(cause)) return this.deferred(attempt, cause.retryAfterMs, cause);
    const hint = attempt.hint ? { hint: attempt.hint } : {};
    if (failure.kind === 'action') {
      await this.deps.syncStatus.transition(key, 'NEEDS_ACTION', { error }, hint);
    } else if (exhausted) {
      await this.deps.syncStatus.transition(key, 'EXHAUSTED', { error }, hint);
    } else {
      await this.deps.syncStatus.transition(key, 'FAILED_RETRYABLE', { error }, hint);
    }
    const intuitTid = error.intuitTid ?? attempt.intuitTid;
    await this.log(attempt, {
      outcome: 'FAILED',
      durationMs: Date.now() - startedAt,
      error: logError(error, 'detail' in failure ? failure.detail : undefined),
      ...(intuitTid ? { intuitTid } : {}),
    });
    this.deps.logger.warn(
      { tenantId: key.tenantId, invoiceId: key.invoiceId, code: error.code, kind: failure.kind, err: cause },
      'invoice push attempt failed',
    );
    switch (failure.kind) {
      case 'action':
        return { outcome: 'ACTION_REQUIRED', error };
      case 'retry':
        return { outcome: 'FAILED', error, exhausted, cause };
      case 'throttled':
        return { outcome: 'THROTTLED', retryAfterMs: failure.retryAfterMs, cause };
      case 'park':
        return { outcome: 'PAUSED', cause };
    }
  }

  /**
   * Our governor turned the attempt away before a QuickBooks request because the company's budget is in
   * use (a burst of its pushes, a backfill): not a failure and not an attempt. The invoice goes back to
   * QUEUED with its attempt count restored, no FAILED entry is logged (the entries of steps that did reach
   * QuickBooks, such as a customer created, are kept), and the job waits for the governor's "free in".
   */
  private async deferred(
    attempt: Attempt,
    retryAfterMs: number | undefined,
    cause: unknown,
  ): Promise<PushResult> {
    const hint = attempt.hint ? { hint: attempt.hint } : {};
    await this.deps.syncStatus.transition(attempt.key, 'DEFERRED', {}, hint);
    if (attempt.logEntries.length > 0) await this.recordEntries(attempt, attempt.logEntries);
    return { outcome: 'THROTTLED', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), cause };
  }

  private async attempt(attempt: Attempt, record: PushRecord): Promise<PushResult> {
    const { key } = attempt;
    const invoice = await this.deps.host.load(key.tenantId, key.invoiceId);
    if (!invoice || invoice.tenantId !== key.tenantId) {
      throw new PushActionRequired(
        'INVOICE_NOT_FOUND',
        `The platform has no invoice ${key.invoiceId} for this customer; nothing was sent to QuickBooks. Dismiss this error if the invoice was deleted.`,
      );
    }
    if (invoice.status === 'VOID') return this.propagateVoid(attempt, record, invoice);
    if (invoice.status === 'DRAFT') {
      throw new PushActionRequired(
        'INVOICE_NOT_FINALIZED',
        `Invoice ${invoice.number} is a draft; finalize it in the platform, then it goes to QuickBooks.`,
      );
    }
    // An admin's retry follows a change they just made (a mapping, the tax setting): the first attempt
    // reads the mappings, settings and reference data fresh instead of this process's few-seconds copy.
    const asked = attempt.request.job.trigger === 'RETRY_REQUESTED' && attempt.request.attempt === 1;
    let context = await this.context.get(key.tenantId, attempt.realmId, asked ? { fresh: true } : {});
    // Everything but the customer first: a missing mapping or closed books must stop the push before any
    // QuickBooks write, the customer's create included.
    let problems = probeProblems(invoice, context);
    if (problems.length > 0 && context.cached) {
      // An admin who just fixed the mapping and clicked Retry must not be shown the old error.
      context = await this.context.get(key.tenantId, attempt.realmId, { fresh: true });
      problems = probeProblems(invoice, context);
    }
    if (problems.length > 0) throw actionFromProblems(problems);
    try {
      return await this.writeFor(attempt, invoice, context, record);
    } catch (error) {
      if (context.cached && classifyFailure(underlyingFailure(error)).kind === 'action') {
        await this.unlessContextChanged(attempt, context, error);
      }
      throw error;
    }
  }

  /**
   * QuickBooks (or the build) refused what a cached context produced: if the mappings, settings or
   * reference data changed since, the refusal may be about what the admin already fixed, so the attempt
   * is retried with them fresh instead of declared. Unchanged, the refusal stands.
   */
  private async unlessContextChanged(attempt: Attempt, cached: PushContext, error: unknown): Promise<void> {
    const fresh = await this.context.get(attempt.key.tenantId, attempt.realmId, { fresh: true });
    if (sameContext(cached, fresh)) return;
    throw new PushContextChanged(error);
  }

  /** The customer, then the QuickBooks writes; a refused reference checks the trusted customer link. */
  private async writeFor(
    attempt: Attempt,
    invoice: PlatformInvoice,
    context: PushContext,
    record: PushRecord,
  ): Promise<PushResult> {
    const { key } = attempt;
    const { snapshot, mappings, settings } = context;
    if (!invoice.billTo) {
      throw new PushActionRequired(
        'BILL_TO_MISSING',
        `Invoice ${invoice.number} has no bill-to party; QuickBooks needs a customer. Add one in the platform.`,
      );
    }
    const billTo = invoice.billTo;
    const customerId = await this.customerStep(attempt, billTo, () =>
      this.deps.customers.ensureCustomer(key.tenantId, attempt.realmId, billTo, {
        usSalesTax: context.snapshot.facts.taxModel === 'US',
      }),
    );
    const built: Built = { invoice, snapshot, mappings, settings, customerId };
    try {
      return await this.write(attempt, built, record);
    } catch (error) {
      // The customer link is trusted without a read, so a refused reference is when it gets checked: a
      // customer made inactive or gone is reported as such (ACTION_REQUIRED naming the link), anything
      // else (an item or tax code) keeps QuickBooks's own error.
      if (refusesAReference(error)) {
        await this.customerStep(attempt, billTo, () =>
          this.deps.customers.verifyLinkedCustomer(key.tenantId, attempt.realmId, customerId),
        );
      }
      throw error;
    }
  }

  /** The QuickBooks writes of a push whose customer is known: update, resume a pending create, or create. */
  private async write(attempt: Attempt, built: Built, record: PushRecord): Promise<PushResult> {
    const { invoice } = built;
    if (record.quickbooksInvoiceId) return this.update(attempt, built, record, record.quickbooksInvoiceId);
    if (record.pendingCreate) {
      // An earlier attempt stored its create and may have sent it before it died or lost the answer.
      const found = await findCreatedInvoice(attempt.client, {
        platformInvoiceId: invoice.id,
        quickbooksCustomerId: record.pendingCreate.quickbooksCustomerId,
        txnDate: record.pendingCreate.txnDate,
        ...(record.pendingCreate.docNumber ? { docNumber: record.pendingCreate.docNumber } : {}),
      });
      if (found) return this.adopt(attempt, built, found, record.pendingCreate.hostVersion);
      return this.create(attempt, built, record, record.pendingCreate.docNumber);
    }
    return this.createWithNumbering(attempt, built, record);
  }

  /** A customer step (ensure, or verify after a refusal) with its own sync log entry. */
  private async customerStep(
    attempt: Attempt,
    billTo: PlatformBillTo,
    run: () => Promise<string>,
  ): Promise<string> {
    const { key, realmId } = attempt;
    const startedAt = Date.now();
    const entry = {
      tenantId: key.tenantId,
      entityType: 'QUICKBOOKS_CUSTOMER' as const,
      entityId: billTo.name,
      operation: 'QUICKBOOKS_CUSTOMER_UPSERT' as const,
      attempt: attempt.request.attempt,
      trigger: attempt.request.job.trigger,
      realmId,
    };
    try {
      const id = await run();
      attempt.logEntries.push({
        ...entry,
        outcome: 'SUCCEEDED',
        quickbooksId: id,
        durationMs: Date.now() - startedAt,
      });
      return id;
    } catch (error) {
      const cause = underlyingFailure(error);
      // A turn-away by our governor sent nothing: the attempt is deferred, not failed (see `deferred`).
      if (turnedAwayByGovernor(cause)) throw error;
      const failure = classifyFailure(cause);
      attempt.logEntries.push({
        ...entry,
        outcome: 'FAILED',
        durationMs: Date.now() - startedAt,
        error: logError(failure.error, 'detail' in failure ? failure.detail : undefined),
        ...(failure.error.intuitTid ? { intuitTid: failure.error.intuitTid } : {}),
      });
      throw error;
    }
  }

  private build(built: Built, options: BuildInvoiceOptions = {}): BuildInvoiceResult {
    const result = buildQuickBooksInvoice({
      invoice: built.invoice,
      mappings: built.mappings,
      snapshot: built.snapshot,
      settings: built.settings,
      customerId: built.customerId,
      options,
    });
    if (result.problems.length > 0) throw actionFromProblems(result.problems);
    return result;
  }

  /**
   * A first create. When the company takes custom numbers the number is checked first: our own earlier
   * copy is adopted; someone else's follows the tenant's existing-number setting (LINK / SUFFIX / STOP).
   * Before either, an invoice that left in a CSV export is looked for as the tenant imported it, and that
   * copy is linked whatever the setting: SUFFIX would put the invoice in the books twice, and STOP would
   * ask a question the export record answers.
   */
  private async createWithNumbering(attempt: Attempt, built: Built, record: PushRecord): Promise<PushResult> {
    const custom = built.snapshot.facts.customTxnNumbers;
    const number = built.invoice.number;
    const [holders, exported] = await Promise.all([
      custom ? invoicesWithDocNumber(attempt.client, number) : Promise.resolve([]),
      this.deps.csvExports.find(attempt.key.tenantId, built.invoice.id),
    ]);
    const ours = holders.find((row) => isCopyOf(row, built.invoice.id));
    if (ours) return this.adopt(attempt, built, ours, undefined);
    if (exported) {
      const copy = await this.csvCopy(attempt, built, exported, custom ? holders : undefined);
      if (copy) return this.update(attempt, built, record, copy.Id, copy, 'LINKED');
    }
    if (!custom) return this.create(attempt, built, record, undefined);
    if (holders.length === 0) return this.create(attempt, built, record, number);
    const holder = holders[0]!;
    switch (built.settings.existingInvoiceNumber) {
      case 'LINK':
        return this.update(attempt, built, record, holder.Id, holder, 'LINKED');
      case 'SUFFIX':
        return this.create(attempt, built, record, await this.freeSuffix(attempt, built.invoice));
      case 'STOP':
        throw docNumberTaken(number, holder.Id);
    }
  }

  private async csvCopy(
    attempt: Attempt,
    built: Built,
    exported: CsvExportedInvoice,
    holders: QuickBooksInvoice[] | undefined,
  ): Promise<QuickBooksInvoice | undefined> {
    try {
      const copy = await findCsvCopy(attempt.client, exported, built.customerId, holders ? { holders } : {});
      if (copy) {
        this.deps.logger.info(
          { tenantId: attempt.key.tenantId, invoiceId: built.invoice.id, quickbooksInvoiceId: copy.Id },
          'linking the copy imported from a CSV export',
        );
      }
      return copy;
    } catch (error) {
      if (error instanceof CsvCopyAmbiguous) throw csvCopyAmbiguous(built.invoice, exported, error);
      throw error;
    }
  }

  private async freeSuffix(attempt: Attempt, invoice: PlatformInvoice): Promise<string> {
    for (let n = 2; n <= MAX_SUFFIX; n++) {
      const candidate = `${invoice.number}-${n}`;
      const holders = await invoicesWithDocNumber(attempt.client, candidate);
      if (holders.length === 0 || holders.some((row) => isCopyOf(row, invoice.id))) return candidate;
    }
    throw new PushActionRequired(
      'DOC_NUMBER_EXISTS',
      `Invoice numbers ${invoice.number} to ${invoice.number}-${MAX_SUFFIX} are all taken in QuickBooks; renumber the invoice or change the existing-number setting.`,
    );
  }

  /**
   * The create, exactly once: its requestid (derived from tenant, realm, invoice and create generation)
   * and look-up keys are stored before the first send. An ambiguous failure (timeout, dropped
   * connection, committed then dropped) is followed by a look-up; only when QuickBooks holds no copy is
   * the same request sent again, once. A crash anywhere leaves the pending create for the next attempt,
   * which looks up before sending (see `attempt`).
   */
  private async create(
    attempt: Attempt,
    built: Built,
    record: PushRecord,
    docNumber: string | undefined,
  ): Promise<PushResult> {
    const result = this.build(built, docNumber !== undefined ? { docNumber } : {});
    const payload = result.payload;
    const generation = record.pendingCreate?.generation ?? record.createGeneration;
    const requestId = createRequestId(attempt.key.tenantId, attempt.realmId, built.invoice.id, generation);
    const lookupKeys = {
      platformInvoiceId: built.invoice.id,
      quickbooksCustomerId: built.customerId,
      txnDate: payload.TxnDate,
      ...(payload.DocNumber !== undefined ? { docNumber: payload.DocNumber } : {}),
    };
    const claimed = await this.deps.syncStatus.recordPendingCreate(attempt.key, {
      requestId,
      generation,
      ...(payload.DocNumber !== undefined ? { docNumber: payload.DocNumber } : {}),
      quickbooksCustomerId: built.customerId,
      txnDate: payload.TxnDate,
      hostVersion: built.invoice.version,
      startedAt: this.deps.now(),
    });
    if (!claimed) {
      // A backfill chunk started this invoice meanwhile and owns its create. Retried later, this push
      // finds that pending create and looks it up instead of sending a second invoice.
      throw new CreateInFlight();
    }
    attempt.requestId = requestId;
    for (let send = 1; ; send++) {
      try {
        const { entity, intuitTid } = await attempt.client.create<QuickBooksInvoice>(
          'Invoice',
          { ...payload },
          { requestId },
        );
        attempt.intuitTid = intuitTid;
        return this.succeeded(attempt, entity, 'CREATED', built);
      } catch (error) {
        if (isQuickBooksError(error, 'ambiguous') && send === 1) {
          const found = await findCreatedInvoice(attempt.client, lookupKeys);
          if (found) return this.adopt(attempt, built, found, built.invoice.version);
          continue;
        }
        if (isQuickBooksError(error, 'validation') && error.code === DUPLICATE_DOC_NUMBER_FAULT) {
          // Someone took the number between our check and the create (or 6140 guards a copy of ours).
          const found = await findCreatedInvoice(attempt.client, lookupKeys);
          if (found) return this.adopt(attempt, built, found, built.invoice.version);
          await this.deps.syncStatus.abandonPendingCreate(attempt.key, requestId);
          throw new PushActionRequired(
            'DOC_NUMBER_EXISTS',
            `QuickBooks refused invoice number ${payload.DocNumber ?? built.invoice.number} as a duplicate (6140). Renumber the invoice or the QuickBooks one, then retry.`,
            error.intuitTid,
            error.detail,
          );
        }
        if (isQuickBooksError(error, 'validation') || isQuickBooksError(error, 'bad_reference')) {
          // A definite refusal: nothing was created. Intuit keeps its answer under the requestid, so a
          // retry with the same one would be handed this fault again even after the admin fixed the cause.
          await this.deps.syncStatus.abandonPendingCreate(attempt.key, requestId);
        }
        throw error;
      }
    }
  }

  /**
   * QuickBooks already holds our copy (found by a look-up). When it was built from an older host version,
   * or for another customer, the current version is applied by an update.
   */
  private async adopt(
    attempt: Attempt,
    built: Built,
    found: QuickBooksInvoice,
    builtFromVersion: number | undefined,
  ): Promise<PushResult> {
    if (builtFromVersion === built.invoice.version && found.CustomerRef?.value === built.customerId) {
      return this.succeeded(attempt, found, 'ADOPTED', built);
    }
    return this.update(attempt, built, undefined, found.Id, found, 'ADOPTED');
  }

  /**
   * A sparse update of the whole payload (every line: `Line` is all-or-nothing) over the SyncToken we
   * hold; 5010 (stale SyncToken: someone edited it in QuickBooks) re-reads it and applies ours once more.
   */
  private async update(
    attempt: Attempt,
    built: Built,
    record: PushRecord | undefined,
    quickbooksInvoiceId: string,
    current?: QuickBooksInvoice,
    operation: PushOperation = 'UPDATED',
  ): Promise<PushResult> {
    const docNumber = current?.DocNumber ?? record?.quickbooksDocNumber;
    // The DocNumber QuickBooks holds stays (a suffixed or adopted number); QuickBooks-numbered invoices
    // send none, so the builder leaves it out.
    const result = this.build(
      built,
      built.snapshot.facts.customTxnNumbers && docNumber !== undefined ? { docNumber } : {},
    );
    // Only the copy our record names can be "deleted in QuickBooks"; a found one (LINK, adoption) was
    // there a moment ago and a refusal of it keeps QuickBooks's own error.
    const recorded = operation === 'UPDATED' && record?.quickbooksInvoiceId === quickbooksInvoiceId;
    try {
      return await this.updateOver(attempt, built, result, quickbooksInvoiceId, current, record, operation);
    } catch (error) {
      if (recorded && (await this.deletedInQuickBooks(attempt, quickbooksInvoiceId, error))) {
        throw new PushActionRequired(
          INVOICE_DELETED_IN_QUICKBOOKS,
          `QuickBooks invoice ${quickbooksInvoiceId} (from invoice ${built.invoice.number}) was deleted in QuickBooks, so this change could not be applied. Retry to create it in QuickBooks again, or dismiss this error to leave it deleted.`,
          isQuickBooksError(error) ? error.intuitTid : undefined,
          isQuickBooksError(error) ? error.detail : undefined,
        );
      }
      throw error;
    }
  }

  /**
   * QuickBooks answers a read of a deleted transaction with 610 Object Not Found (`not_found`), and an
   * update of one with 610 too (`bad_reference`, the same code it uses for an inactive customer or item
   * in the invoice). A read settles which: only "not found" on our own invoice's id means it was deleted.
   */
  private async deletedInQuickBooks(attempt: Attempt, quickbooksInvoiceId: string, error: unknown) {
    if (isQuickBooksError(error, 'not_found')) return true;
    if (!isQuickBooksError(error, 'bad_reference')) return false;
    try {
      await this.read(attempt, quickbooksInvoiceId);
      return false;
    } catch (readError) {
      if (isQuickBooksError(readError, 'not_found')) return true;
      throw readError;
    }
  }

  private async updateOver(
    attempt: Attempt,
    built: Built,
    result: BuildInvoiceResult,
    quickbooksInvoiceId: string,
    current: QuickBooksInvoice | undefined,
    record: PushRecord | undefined,
    operation: PushOperation,
  ): Promise<PushResult> {
    let syncToken = current?.SyncToken ?? record?.quickbooksSyncToken;
    if (syncToken === undefined) syncToken = (await this.read(attempt, quickbooksInvoiceId)).SyncToken;
    for (let round = 1; ; round++) {
      const requestId = updateRequestId(
        attempt.key.tenantId,
        attempt.realmId,
        quickbooksInvoiceId,
        built.invoice.version,
        syncToken,
      );
      attempt.requestId = requestId;
      try {
        const { entity, intuitTid } = await attempt.client.sparseUpdate<QuickBooksInvoice>(
          'Invoice',
          {
            ...(result.payload as QuickBooksInvoicePayload & Record<string, unknown>),
            Id: quickbooksInvoiceId,
            SyncToken: syncToken,
          },
          { requestId },
        );
        attempt.intuitTid = intuitTid;
        return this.succeeded(attempt, entity, operation, built);
      } catch (error) {
        if (isQuickBooksError(error, 'stale_object') && round === 1) {
          syncToken = (await this.read(attempt, quickbooksInvoiceId)).SyncToken;
          continue;
        }
        throw error;
      }
    }
  }

  private async read(attempt: Attempt, quickbooksInvoiceId: string): Promise<QuickBooksInvoice> {
    const { entity, intuitTid } = await attempt.client.read<QuickBooksInvoice>(
      'Invoice',
      quickbooksInvoiceId,
    );
    attempt.intuitTid = intuitTid;
    return entity;
  }

  /**
   * The host voided the invoice. QuickBooks holds it (we recorded it, or a pending create's look-up finds
   * it): void it there, which keeps the document with zero amounts. Otherwise there is nothing to push.
   */
  private async propagateVoid(
    attempt: Attempt,
    record: PushRecord,
    invoice: PlatformInvoice,
  ): Promise<PushResult> {
    let target: QuickBooksInvoice | undefined;
    if (record.quickbooksInvoiceId) {
      target = await this.read(attempt, record.quickbooksInvoiceId);
    } else if (record.pendingCreate) {
      target = await findCreatedInvoice(attempt.client, {
        platformInvoiceId: invoice.id,
        quickbooksCustomerId: record.pendingCreate.quickbooksCustomerId,
        txnDate: record.pendingCreate.txnDate,
        ...(record.pendingCreate.docNumber ? { docNumber: record.pendingCreate.docNumber } : {}),
      });
    }
    if (!target) {
      const voided = await this.deps.syncStatus.transition(
        attempt.key,
        'VOIDED',
        {},
        attempt.hint ? { hint: attempt.hint } : {},
      );
      if (!voided.applied) return { outcome: 'SKIPPED', reason: `the invoice is ${voided.status.state}` };
      return { outcome: 'NOT_IN_QUICKBOOKS' };
    }
    // A void already applied (an earlier attempt whose answer was lost) is not sent again.
    if ((target.PrivateNote ?? '').startsWith('Voided')) return this.succeeded(attempt, target, 'VOIDED');
    const requestId = voidRequestId(attempt.key.tenantId, attempt.realmId, target.Id, target.SyncToken);
    attempt.requestId = requestId;
    const { entity, intuitTid } = await attempt.client.void<QuickBooksInvoice>(
      'Invoice',
      { Id: target.Id, SyncToken: target.SyncToken },
      { requestId },
    );
    attempt.intuitTid = intuitTid;
    return this.succeeded(attempt, entity, 'VOIDED');
  }

  /**
   * QuickBooks answered the write: what it holds is recorded. Its tax is compared with the platform's on
   * this very answer (no read): a difference is SYNCED_WITH_DIFFERENCES, or under the STOP tax setting
   * ACTION_REQUIRED with QuickBooks' invoice recorded, so a retry updates it instead of creating another.
   */
  private async succeeded(
    attempt: Attempt,
    entity: QuickBooksInvoice,
    operation: PushOperation,
    built?: Built,
  ): Promise<PushResult> {
    const settled = await settleWrite(
      this.deps.syncStatus,
      attempt.key,
      entity,
      built
        ? { invoice: built.invoice, facts: built.snapshot.facts, policy: built.settings.taxDifferences }
        : undefined,
      {
        ...(attempt.hint ? { hint: attempt.hint } : {}),
        ...(attempt.intuitTid ? { intuitTid: attempt.intuitTid } : {}),
      },
    );
    if (settled.outcome === 'HELD') return { outcome: 'ACTION_REQUIRED', error: settled.error };
    return {
      outcome: 'SYNCED',
      operation,
      quickbooksInvoiceId: entity.Id,
      syncToken: entity.SyncToken,
      ...(entity.DocNumber ? { docNumber: entity.DocNumber } : {}),
      ...(settled.taxDifference ? { taxDifference: settled.taxDifference } : {}),
    };
  }

  private async log(
    attempt: Attempt,
    entry: Pick<SyncLogRecord, 'outcome' | 'durationMs' | 'quickbooksId' | 'error' | 'intuitTid'>,
  ): Promise<void> {
    const { key, request } = attempt;
    const intuitTid = entry.intuitTid ?? attempt.intuitTid;
    const entries = [
      ...(attempt.logEntries ?? []),
      {
        tenantId: key.tenantId,
        entityType: 'INVOICE' as const,
        entityId: key.invoiceId,
        operation: 'INVOICE_PUSH' as const,
        attempt: request.attempt,
        trigger: request.job.trigger,
        realmId: attempt.realmId,
        ...(attempt.requestId ? { requestId: attempt.requestId } : {}),
        ...entry,
        ...(intuitTid ? { intuitTid } : {}),
      },
    ];
    await this.recordEntries(attempt, entries);
  }

  private async recordEntries(attempt: Attempt, entries: SyncLogRecord[]): Promise<void> {
    const { key } = attempt;
    try {
      await this.deps.syncLog.recordMany(entries);
    } catch (error) {
      // The push's outcome is recorded in the sync state already; a lost log line must not redo the push.
      this.deps.logger.warn(
        { tenantId: key.tenantId, invoiceId: key.invoiceId, err: error },
        'sync log entry not written',
      );
    }
  }
}

/** Our own governor refused to send (the company's request budget is in use); QuickBooks saw nothing. */
function turnedAwayByGovernor(error: unknown): error is QuickBooksError {
  return isQuickBooksError(error, 'throttled') && error.code === GOVERNOR_BUSY_CODE;
}

/**
 * A write QuickBooks refused over a reference: 2500 (no such object) or 610 (inactive), both
 * `bad_reference`; or a business-validation fault (6000 range) whose text names an inactive or deleted
 * record, the form Intuit's catch-all uses for name-list references (§5.4).
 */
function probeProblems(invoice: PlatformInvoice, context: PushContext) {
  const { snapshot, mappings, settings } = context;
  return buildQuickBooksInvoice({ invoice, mappings, snapshot, settings, customerId: NO_CUSTOMER_YET })
    .problems;
}

function sameContext(a: PushContext, b: PushContext): boolean {
  const view = (c: PushContext) => JSON.stringify([c.snapshot, c.mappings, c.settings]);
  return view(a) === view(b);
}

function refusesAReference(error: unknown): boolean {
  if (isQuickBooksError(error, 'bad_reference')) return true;
  if (!isQuickBooksError(error, 'validation') || !/^6\d{3}$/u.test(error.code ?? '')) return false;
  return /inactive|deleted/iu.test(`${error.message} ${error.detail ?? ''}`);
}

function docNumberTaken(
  number: string,
  holderId: string | undefined,
  intuitTid?: string,
): PushActionRequired {
  return new PushActionRequired(
    'DOC_NUMBER_EXISTS',
    `Invoice number ${number} already exists in QuickBooks${holderId ? ` (QuickBooks invoice ${holderId})` : ''} and the existing-number setting is STOP. Renumber one of them, or set existing invoice numbers to LINK or SUFFIX, then retry.`,
    intuitTid,
  );
}

function logError(error: SyncErrorInfo, detail: string | undefined): SyncLogError {
  return {
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    ...(detail ? { detail } : {}),
  };
}

/** States a queued job cannot start from without a new ENQUEUED (see the STARTED row of the table). */
const AT_REST: ReadonlySet<string> = new Set([
  'NOT_SYNCED',
  'SYNCED',
  'SYNCED_WITH_DIFFERENCES',
  'ACTION_REQUIRED',
  'DEAD',
]);

/** The job announces a change the invoice's state has not seen: later than the state's last write. */
function announcesNewerChange(job: InvoicePushJobData, status: { state: string; updatedAt?: Date }): boolean {
  if (job.trigger !== 'NOTIFIED' || !AT_REST.has(status.state)) return false;
  const notifiedAt = Date.parse(job.notifiedAt);
  if (Number.isNaN(notifiedAt)) return false;
  return status.updatedAt === undefined || notifiedAt > status.updatedAt.getTime();
}
