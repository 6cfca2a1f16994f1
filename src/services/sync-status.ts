import type { SyncStatusChangedEvent, SyncStatusEvents } from '../events/sync-status-events.js';
import type { Models } from '../models/index.js';
import type { InvoiceSyncStateName } from '../models/invoice-sync-state.js';

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
  state: InvoiceSyncStateName;
  quickbooksInvoiceId?: string | null;
  quickbooksDocNumber?: string | null;
  attempts: number;
  lastError?: { code: string; message: string; retryable: boolean; intuitTid?: string | null } | null;
  lastAttemptAt?: Date | null;
  lastSyncedAt?: Date | null;
  updatedAt?: Date | null;
};

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
    lastAttemptAt: doc.lastAttemptAt ?? undefined,
    lastSyncedAt: doc.lastSyncedAt ?? undefined,
    updatedAt: doc.updatedAt ?? undefined,
  };
}

export interface SyncStatusServiceDeps {
  models: Pick<Models, 'invoiceSyncStates'>;
  events: SyncStatusEvents;
  now: () => Date;
}

export class SyncStatusService {
  constructor(private readonly deps: SyncStatusServiceDeps) {}

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

  /** Records a state change and tells every subscriber, in whichever process it is connected. */
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
      update.$inc = { attempts: 1 };
    } else {
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
