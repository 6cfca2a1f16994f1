import type { SyncStatusChangedEvent, SyncStatusEvents } from '../events/sync-status-events.js';
import type { Logger } from '../logger.js';
import type { Models } from '../models/index.js';
import type { InvoiceSyncStateName } from '../models/invoice-sync-state.js';
import { nextState, type SyncEvent, type SyncState } from '../sync/state-machine.js';
import type { TaxDifference } from '../sync/tax-parity.js';

export interface SyncErrorInfo {
  code: string;
  message: string;
  retryable: boolean;
  intuitTid?: string;
}

/** The QuickBooks state of one host invoice, as the rest of the product sees it. */
export interface InvoiceSyncStatus {
  invoiceId: string;
  state: InvoiceSyncStateName;
  quickbooksInvoiceId?: string;
  quickbooksDocNumber?: string;
  attempts: number;
  lastError?: SyncErrorInfo;
  /** QuickBooks' tax differs from the platform's (SYNCED_WITH_DIFFERENCES, or the STOP setting's hold). */
  taxDifference?: TaxDifference;
  lastAttemptAt?: Date;
  lastSyncedAt?: Date;
  updatedAt?: Date;
}

/** A host invoice within its tenant: invoice ids are looked up only together with their tenant. */
export interface InvoiceKey {
  tenantId: string;
  invoiceId: string;
}

export interface SyncStatusChange {
  state: InvoiceSyncStateName;
  quickbooksInvoiceId?: string;
  quickbooksSyncToken?: string;
  quickbooksDocNumber?: string;
  lastError?: SyncErrorInfo | null;
  attemptStarted?: boolean;
  syncedAt?: Date;
}

const keyOf = (key: InvoiceKey) => `${key.tenantId}\u0000${key.invoiceId}`;

/** Honest default: nothing stored means nothing was ever attempted. */
export function notSynced(invoiceId: string): InvoiceSyncStatus {
  return { invoiceId, state: 'NOT_SYNCED', attempts: 0 };
}

type StoredState = {
  invoiceId: string;
  quickbooksSyncToken?: string | null;
  pendingCreate?: (Omit<PendingCreate, 'docNumber'> & { docNumber?: string | null }) | null;
  createGeneration?: number | null;
  version?: number | null;
  state: InvoiceSyncStateName;
  quickbooksInvoiceId?: string | null;
  quickbooksDocNumber?: string | null;
  attempts: number;
  lastError?: { code: string; message: string; retryable: boolean; intuitTid?: string | null } | null;
  taxDifference?: StoredTaxDifference | null;
  lastAttemptAt?: Date | null;
  lastSyncedAt?: Date | null;
  updatedAt?: Date | null;
};

/** As mongoose hands it back: optional fields may be null. */
type StoredTaxDifference = Omit<TaxDifference, 'rule'> & { rule?: TaxDifference['rule'] | null };

function taxDifferenceOf(stored: StoredTaxDifference): TaxDifference {
  const { rule, ...rest } = stored;
  return { ...rest, ...(rule ? { rule } : {}) };
}

function toStatus(doc: StoredState): InvoiceSyncStatus {
  return {
    invoiceId: doc.invoiceId,
    state: doc.state,
    quickbooksInvoiceId: doc.quickbooksInvoiceId ?? undefined,
    quickbooksDocNumber: doc.quickbooksDocNumber ?? undefined,
    attempts: doc.attempts,
    lastError: doc.lastError
      ? {
          code: doc.lastError.code,
          message: doc.lastError.message,
          retryable: doc.lastError.retryable,
          intuitTid: doc.lastError.intuitTid ?? undefined,
        }
      : undefined,
    ...(doc.taxDifference ? { taxDifference: taxDifferenceOf(doc.taxDifference) } : {}),
    lastAttemptAt: doc.lastAttemptAt ?? undefined,
    lastSyncedAt: doc.lastSyncedAt ?? undefined,
    updatedAt: doc.updatedAt ?? undefined,
  };
}

export interface SyncStatusServiceDeps {
  models: Pick<Models, 'invoiceSyncStates'>;
  events: SyncStatusEvents;
  now: () => Date;
  /** Only for what must not fail a transition: a status event that could not be published. */
  logger: Pick<Logger, 'warn'>;
}

type NoData = Record<string, never>;

/** The QuickBooks invoice a write left. */
export interface WrittenInvoice {
  quickbooksInvoiceId: string;
  quickbooksSyncToken?: string;
  quickbooksDocNumber?: string;
}

function setWritten(set: Record<string, unknown>, written: WrittenInvoice): void {
  set.quickbooksInvoiceId = written.quickbooksInvoiceId;
  if (written.quickbooksSyncToken !== undefined) set.quickbooksSyncToken = written.quickbooksSyncToken;
  if (written.quickbooksDocNumber !== undefined) set.quickbooksDocNumber = written.quickbooksDocNumber;
}

/** What each sync event carries besides its name. */
export interface SyncEventData {
  ENQUEUED: NoData;
  STARTED: NoData;
  SUCCEEDED: WrittenInvoice;
  SUCCEEDED_WITH_DIFFERENCES: WrittenInvoice & { taxDifference: TaxDifference };
  DIFFERENCE_ACCEPTED: NoData;
  /** `written` and `taxDifference`: the STOP tax setting held an invoice QuickBooks now holds. */
  NEEDS_ACTION: { error: SyncErrorInfo; written?: WrittenInvoice; taxDifference?: TaxDifference };
  FAILED_RETRYABLE: { error: SyncErrorInfo };
  EXHAUSTED: { error: SyncErrorInfo };
  DISMISSED: NoData;
  RETRY_REQUESTED: NoData;
  VOIDED: NoData;
  DEFERRED: NoData;
}

type SyncEventInput = { [E in SyncEvent]: { event: E } & SyncEventData[E] }[SyncEvent];

export type TransitionResult = TransitionApplied | TransitionRefused;

export interface TransitionApplied {
  applied: true;
  event: SyncEvent;
  from: SyncState;
  status: InvoiceSyncStatus;
  /** What the write left, for the caller's next transition of this invoice (see TransitionHint). */
  hint: TransitionHint;
  /** The push's view of the document as written: no second read needed after STARTED. */
  record: PushRecord;
}

/**
 * The state and version a caller saw in its own last write of an invoice. A transition given one tries
 * its conditional write on that state and version first and reads the document only when the write misses
 * (another writer changed it meanwhile): the same compare-and-set, one round trip instead of two when
 * nobody else wrote. Writes that bump no version (recordPendingCreate) leave a hint valid.
 */
export interface TransitionHint {
  state: SyncState;
  version: number | null;
}

/**
 * A stale or meaningless event is an expected outcome (a late report of an older attempt), not an error:
 * nothing was written and `status` is the state that refused it.
 * - REFUSED: the transition table has no cell for this event from the current state.
 * - CONTENDED: other writers kept changing the invoice between our read and our write.
 */
export interface TransitionRefused {
  applied: false;
  reason: 'REFUSED' | 'CONTENDED';
  event: SyncEvent;
  status: InvoiceSyncStatus;
}

/** Each lost race means another writer's transition was applied, so a few rounds are plenty. */
const MAX_WRITE_ROUNDS = 5;
const DUPLICATE_KEY = 11000;

/**
 * The push's code for "QuickBooks no longer has the invoice we created" (deleted there). A retry of such
 * an invoice creates it again: see RETRY_REQUESTED in effectsOf.
 */
export const INVOICE_DELETED_IN_QUICKBOOKS = 'QUICKBOOKS_INVOICE_DELETED';

/** The fields an event writes besides the state and the version, per its meaning (not per cell). */
function effectsOf(input: SyncEventInput, now: Date, current?: StoredState | null) {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  let countsAttempt = false;
  /** The attempt STARTED counted did not happen after all (DEFERRED): give it back. */
  let returnsAttempt = false;
  let newCreateGeneration = false;
  switch (input.event) {
    case 'STARTED':
      countsAttempt = true;
      set.lastAttemptAt = now;
      break;
    case 'SUCCEEDED':
      setWritten(set, input);
      set.lastSyncedAt = now;
      // QuickBooks holds the invoice, with our tax: nothing is pending or different any more.
      unset.push('lastError', 'pendingCreate', 'taxDifference');
      break;
    case 'SUCCEEDED_WITH_DIFFERENCES':
      setWritten(set, input);
      set.taxDifference = input.taxDifference;
      set.lastSyncedAt = now;
      unset.push('lastError', 'pendingCreate');
      break;
    case 'DIFFERENCE_ACCEPTED':
      // The hold's error is answered; the difference stays visible, as on any SYNCED_WITH_DIFFERENCES.
      unset.push('lastError');
      break;
    case 'NEEDS_ACTION':
      set.lastError = storedError(input.error);
      if (input.written) {
        // QuickBooks holds it already: a retry updates this invoice, nothing is pending.
        setWritten(set, input.written);
        unset.push('pendingCreate');
      }
      if (input.taxDifference) set.taxDifference = input.taxDifference;
      break;
    case 'FAILED_RETRYABLE':
    case 'EXHAUSTED':
      set.lastError = storedError(input.error);
      break;
    case 'DISMISSED':
      // Nothing is left to fix: the error would only mislead.
      unset.push('lastError');
      break;
    case 'VOIDED':
      // QuickBooks was established never to hold the invoice, so no create is pending either.
      unset.push('lastError', 'pendingCreate');
      break;
    case 'RETRY_REQUESTED':
      if (current?.state === 'ACTION_REQUIRED' && current.lastError?.code === INVOICE_DELETED_IN_QUICKBOOKS) {
        // The admin asked for the deleted invoice to be created again: forget the gone copy, and take a
        // new create generation so the create's requestid is one QuickBooks never answered (a fault it
        // cached under the old one is never replayed).
        unset.push('quickbooksInvoiceId', 'quickbooksSyncToken', 'quickbooksDocNumber', 'pendingCreate');
        newCreateGeneration = true;
      }
      // The previous error stays visible until an attempt replaces or clears it.
      break;
    case 'ENQUEUED':
      // The previous error stays visible until an attempt replaces or clears it.
      break;
    case 'DEFERRED':
      returnsAttempt = true;
      break;
  }
  return { set, unset, countsAttempt, returnsAttempt, newCreateGeneration };
}

function storedError(error: SyncErrorInfo) {
  const { code, message, retryable, intuitTid } = error;
  return intuitTid === undefined ? { code, message, retryable } : { code, message, retryable, intuitTid };
}

/** An event whose write would change only the version (ENQUEUED onto QUEUED, for instance). */
function changesNothing(input: SyncEventInput): boolean {
  const { set, unset, countsAttempt, returnsAttempt } = effectsOf(input, new Date(0));
  return Object.keys(set).length === 0 && unset.length === 0 && !countsAttempt && !returnsAttempt;
}

/**
 * A filter for "no create of this invoice is pending, or only one of these": a writer may store (or keep)
 * its own pending create but never replace another writer's, which that writer may be sending right now.
 */
export function unclaimedOr(requestIds: readonly string[], staleBefore: Date): Record<string, unknown> {
  return {
    $or: [
      { pendingCreate: null },
      { 'pendingCreate.requestId': { $in: [...requestIds] } },
      // A writer that died mid-create leaves its claim; once it is older than any send could take, the
      // next writer (which has looked it up first) may take over instead of waiting forever.
      { 'pendingCreate.startedAt': { $lt: staleBefore } },
    ],
  };
}

/**
 * How long a pending create is presumed in flight: the sender's three attempts at the longest HTTP timeout
 * (QUICKBOOKS_HTTP_TIMEOUT_MS ≤ 300 s, src/quickbooks/retry.ts) and their backoff end well inside it.
 */
export const PENDING_CREATE_LEASE_MS = 20 * 60_000;

const isDuplicateKey = (error: unknown) => (error as { code?: unknown }).code === DUPLICATE_KEY;

/** What the push needs to know about an invoice's QuickBooks side besides its state. */
export interface PushRecord {
  state: InvoiceSyncStateName;
  quickbooksInvoiceId?: string;
  quickbooksSyncToken?: string;
  quickbooksDocNumber?: string;
  pendingCreate?: PendingCreate;
  createGeneration: number;
}

export interface PendingCreate {
  requestId: string;
  generation: number;
  docNumber?: string;
  quickbooksCustomerId: string;
  txnDate: string;
  hostVersion: number;
  startedAt: Date;
}

function hintOf(doc: StoredState): TransitionHint {
  return { state: doc.state, version: typeof doc.version === 'number' ? doc.version : null };
}

function pushRecordOf(doc: StoredState | null): PushRecord {
  const pending = doc?.pendingCreate;
  return {
    state: doc?.state ?? 'NOT_SYNCED',
    quickbooksInvoiceId: doc?.quickbooksInvoiceId ?? undefined,
    quickbooksSyncToken: doc?.quickbooksSyncToken ?? undefined,
    quickbooksDocNumber: doc?.quickbooksDocNumber ?? undefined,
    pendingCreate: pending
      ? {
          requestId: pending.requestId,
          generation: pending.generation,
          ...(pending.docNumber ? { docNumber: pending.docNumber } : {}),
          quickbooksCustomerId: pending.quickbooksCustomerId,
          txnDate: pending.txnDate,
          hostVersion: pending.hostVersion,
          startedAt: pending.startedAt,
        }
      : undefined,
    createGeneration: doc?.createGeneration ?? 0,
  };
}

export class SyncStatusService {
  constructor(private readonly deps: SyncStatusServiceDeps) {}

  /** The push's view of one invoice (ids, SyncToken, a create that may be in flight). */
  async pushRecord(key: InvoiceKey): Promise<PushRecord> {
    const doc = await this.deps.models.invoiceSyncStates
      .findOne({ tenantId: key.tenantId, invoiceId: key.invoiceId })
      .lean<StoredState>();
    return pushRecordOf(doc);
  }

  /**
   * Stores the create about to be sent, before it is sent. Not a state change (no version bump, no
   * event): it only tells a later attempt to look up before sending again. The document exists (STARTED
   * wrote it); a missing one means the invoice was never started and nothing is written. Refused (false)
   * when another writer's create is pending (a backfill chunk that started the invoice meanwhile): two
   * pending creates of one invoice could both reach QuickBooks.
   */
  async recordPendingCreate(key: InvoiceKey, pending: PendingCreate): Promise<boolean> {
    const written = await this.deps.models.invoiceSyncStates.updateOne(
      {
        tenantId: key.tenantId,
        invoiceId: key.invoiceId,
        ...unclaimedOr([pending.requestId], new Date(this.deps.now().getTime() - PENDING_CREATE_LEASE_MS)),
      },
      { $set: { pendingCreate: pending } },
    );
    return written.matchedCount === 1;
  }

  /**
   * QuickBooks definitely refused the pending create (a validation fault, a bad reference: nothing was
   * created): it is no longer pending, and the next create takes a new generation, so its requestid is one
   * QuickBooks never answered and a fault cached under this one is never replayed. Only this writer's own
   * pending create is touched. Like recordPendingCreate, not a state change (no version bump).
   */
  async abandonPendingCreate(key: InvoiceKey, requestId: string): Promise<void> {
    await this.deps.models.invoiceSyncStates.updateOne(
      { tenantId: key.tenantId, invoiceId: key.invoiceId, 'pendingCreate.requestId': requestId },
      { $unset: { pendingCreate: '' }, $inc: { createGeneration: 1 } },
    );
  }

  /** One query for any number of invoices (entity batches resolve through this). */
  async getMany(keys: readonly InvoiceKey[]): Promise<InvoiceSyncStatus[]> {
    if (keys.length === 0) return [];
    const tenantIds = [...new Set(keys.map((k) => k.tenantId))];
    const invoiceIds = [...new Set(keys.map((k) => k.invoiceId))];
    const docs = await this.deps.models.invoiceSyncStates
      .find({ tenantId: { $in: tenantIds }, invoiceId: { $in: invoiceIds } })
      .lean<(StoredState & { tenantId: string })[]>();
    const byKey = new Map(docs.map((doc) => [keyOf(doc), toStatus(doc)]));
    return keys.map((key) => byKey.get(keyOf(key)) ?? notSynced(key.invoiceId));
  }

  /**
   * Applies one sync event through the transition table (src/sync/state-machine.ts): reads the current
   * state, asks the table for the next one, and writes only if the document still holds the state and
   * version it read. A refused or stale event writes nothing and returns a `TransitionRefused`, so a late
   * failure report of an older attempt can never turn SYNCED into FAILED.
   *
   * The status event is published after the write, best-effort: the write is the truth (readers and the
   * next transition see it), so a Redis hiccup is logged and never fails the transition or makes a job
   * retry a push that succeeded.
   *
   * FerretDB (SQLite backend) does not apply a filtered update atomically under concurrency (see
   * docs/architecture.md): two transitions that read the same version at the same moment may both be
   * written there, the last one winning. Each of them was still allowed from the state it read, so the
   * table keeps every write legal on its own (a report that reads SYNCED is always refused); what the
   * version cannot guarantee on FerretDB is the order of two truly simultaneous events of one invoice.
   * The pipeline keeps those rare by running one job per invoice at a time; on MongoDB the version check
   * makes the write a compare-and-set.
   */
  async transition<E extends SyncEvent>(
    key: InvoiceKey,
    event: E,
    data: SyncEventData[E],
    options: {
      /** Narrows the table for one caller: refused unless the invoice is in one of these states. */
      onlyFrom?: readonly SyncState[];
      /** The caller's previous applied transition of this invoice (see TransitionHint). */
      hint?: TransitionHint;
    } = {},
  ): Promise<TransitionResult> {
    // TypeScript does not correlate `event` with `data` through the generic; the signature does.
    const input = { event, ...data } as SyncEventInput;
    let rounds = 0;
    const { hint } = options;
    if (hint && (!options.onlyFrom || options.onlyFrom.includes(hint.state))) {
      // Only a write is tried on the hint: a refusal is decided on what the store holds (read below),
      // never on what the caller believes, so a stale hint costs a round trip and nothing else.
      const to = nextState(hint.state, event);
      if (to !== undefined) {
        rounds++;
        const written = await this.writeOver(key, { state: hint.state, version: hint.version }, to, input);
        if (written) return this.applied(key, event, hint.state, written);
      }
    }
    let current: (StoredState & { tenantId: string }) | null = null;
    for (; rounds < MAX_WRITE_ROUNDS; rounds++) {
      current = await this.deps.models.invoiceSyncStates
        .findOne({ tenantId: key.tenantId, invoiceId: key.invoiceId })
        .lean<StoredState & { tenantId: string }>();
      const from: SyncState = current?.state ?? 'NOT_SYNCED';
      const to = options.onlyFrom && !options.onlyFrom.includes(from) ? undefined : nextState(from, event);
      if (to === undefined) {
        return { applied: false, reason: 'REFUSED', event, status: this.statusOf(key, current) };
      }
      if (current && to === from && changesNothing(input)) {
        // A burst of notifications for a QUEUED invoice: each would only bump the version and make the
        // others' compare-and-set fail, so ten at once could exhaust the rounds. Nothing to write or publish.
        return {
          applied: true,
          event,
          from,
          status: toStatus(current),
          hint: hintOf(current),
          record: pushRecordOf(current),
        };
      }
      const written = current
        ? await this.writeOver(key, current, to, input)
        : await this.writeFirst(key, to, input);
      if (written) return this.applied(key, event, from, written);
    }
    return { applied: false, reason: 'CONTENDED', event, status: this.statusOf(key, current) };
  }

  private async applied(
    key: InvoiceKey,
    event: SyncEvent,
    from: SyncState,
    written: StoredState,
  ): Promise<TransitionApplied> {
    const status = toStatus(written);
    await this.publishBestEffort(key, status, event);
    return { applied: true, event, from, status, hint: hintOf(written), record: pushRecordOf(written) };
  }

  private statusOf(key: InvoiceKey, doc: StoredState | null): InvoiceSyncStatus {
    return doc ? toStatus(doc) : notSynced(key.invoiceId);
  }

  /** Conditional on the state and version read: null when another writer got there first. */
  private async writeOver(
    key: InvoiceKey,
    current: Pick<StoredState, 'state' | 'version'>,
    to: SyncState,
    input: SyncEventInput,
  ): Promise<StoredState | null> {
    const { set, unset, countsAttempt, returnsAttempt, newCreateGeneration } = effectsOf(
      input,
      this.deps.now(),
      'invoiceId' in current ? (current as StoredState) : undefined,
    );
    const update: Record<string, unknown> = {
      $set: { ...set, state: to },
      $inc: {
        version: 1,
        ...(countsAttempt ? { attempts: 1 } : {}),
        ...(returnsAttempt ? { attempts: -1 } : {}),
        ...(newCreateGeneration ? { createGeneration: 1 } : {}),
      },
    };
    if (unset.length > 0) update.$unset = Object.fromEntries(unset.map((field) => [field, '']));
    const doc = await this.deps.models.invoiceSyncStates.findOneAndUpdate(
      {
        tenantId: key.tenantId,
        invoiceId: key.invoiceId,
        state: current.state,
        // Documents written before versions existed have none; $inc starts them at 1.
        version: typeof current.version === 'number' ? current.version : { $exists: false },
      },
      update,
      { returnDocument: 'after', lean: true },
    );
    return doc as unknown as StoredState | null;
  }

  /** The invoice's first document: the unique (tenantId, invoiceId) index refuses a racing second one. */
  private async writeFirst(
    key: InvoiceKey,
    to: SyncState,
    input: SyncEventInput,
  ): Promise<StoredState | null> {
    const { set, countsAttempt } = effectsOf(input, this.deps.now());
    try {
      const created = await this.deps.models.invoiceSyncStates.create({
        ...set,
        tenantId: key.tenantId,
        invoiceId: key.invoiceId,
        state: to,
        attempts: countsAttempt ? 1 : 0,
        version: 1,
      });
      return created.toObject() as unknown as StoredState;
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  private async publishBestEffort(key: InvoiceKey, status: InvoiceSyncStatus, event: SyncEvent) {
    try {
      await this.deps.events.publish({ tenantId: key.tenantId, status });
    } catch (error) {
      this.deps.logger.warn(
        { err: error, tenantId: key.tenantId, invoiceId: key.invoiceId, event, state: status.state },
        'sync status change written but not published; subscribers see it on their next read',
      );
    }
  }

  /**
   * Writes a state directly, without the transition table: for tools and tests that set up a state.
   * The pipeline uses `transition`. It bumps the version too, so a transition racing it notices.
   */
  async record(key: InvoiceKey, change: SyncStatusChange): Promise<InvoiceSyncStatus> {
    const now = this.deps.now();
    const set: Record<string, unknown> = { state: change.state };
    const unset: Record<string, ''> = {};
    if (change.quickbooksInvoiceId !== undefined) set.quickbooksInvoiceId = change.quickbooksInvoiceId;
    if (change.quickbooksSyncToken !== undefined) set.quickbooksSyncToken = change.quickbooksSyncToken;
    if (change.quickbooksDocNumber !== undefined) set.quickbooksDocNumber = change.quickbooksDocNumber;
    if (change.lastError) set.lastError = change.lastError;
    else if (change.lastError === null) unset.lastError = '';
    if (change.syncedAt) set.lastSyncedAt = change.syncedAt;
    const update: Record<string, unknown> = {
      $set: set,
      $setOnInsert: { tenantId: key.tenantId, invoiceId: key.invoiceId },
    };
    if (change.attemptStarted) {
      set.lastAttemptAt = now;
      update.$inc = { attempts: 1, version: 1 };
    } else {
      update.$inc = { version: 1 };
      (update.$setOnInsert as Record<string, unknown>).attempts = 0;
    }
    if (Object.keys(unset).length > 0) update.$unset = unset;
    const doc = await this.deps.models.invoiceSyncStates.findOneAndUpdate(
      { tenantId: key.tenantId, invoiceId: key.invoiceId },
      update,
      { upsert: true, returnDocument: 'after', lean: true },
    );
    const status = toStatus(doc as unknown as StoredState);
    await this.deps.events.publish({ tenantId: key.tenantId, status });
    return status;
  }

  /**
   * Changes of one invoice id recorded within the caller's tenants. Nothing is looked up first: an id
   * unknown here and another tenant's id are accepted alike and deliver nothing of that other tenant, so
   * the answer reveals nothing about other tenants' invoices.
   */
  subscribeToInvoice(
    invoiceId: string,
    tenants: ReadonlySet<string>,
  ): AsyncIterableIterator<SyncStatusChangedEvent> {
    return this.deps.events.subscribe(
      [...tenants],
      (event) => event.status.invoiceId === invoiceId && tenants.has(event.tenantId),
    );
  }

  /** Every change of one tenant's invoices: a whole invoice list on one subscription. */
  subscribeToTenant(tenantId: string): AsyncIterableIterator<SyncStatusChangedEvent> {
    return this.deps.events.subscribe([tenantId], (event) => event.tenantId === tenantId);
  }
}
