import type { Models } from '../models/index.js';
import { SYNC_STATES, type SyncState } from '../sync/state-machine.js';
import type { SyncErrorInfo } from './sync-status.js';

/** States whose invoice waits for a push that has not finished. */
const PENDING_STATES: readonly SyncState[] = ['QUEUED', 'SYNCING'];
/** States an admin must look at; their `lastError` says why. */
const ERROR_STATES: readonly SyncState[] = ['FAILED', 'ACTION_REQUIRED', 'DEAD'];
export const RECENT_ERROR_LIMIT = 5;

export interface SyncSummaryError {
  invoiceId: string;
  state: SyncState;
  error: SyncErrorInfo;
  at: Date;
}

/** A tenant's sync at a glance, for the settings page. */
export interface SyncSummary {
  /** Every state, zero included, in the transition table's order. */
  counts: { state: SyncState; count: number }[];
  /** When an invoice last reached SYNCED (the newest SYNCED document's write). */
  lastSucceededAt?: Date;
  /** How long the oldest QUEUED or SYNCING invoice has been waiting. */
  oldestPendingSince?: Date;
  /** The newest errors first, at most RECENT_ERROR_LIMIT. */
  recentErrors: SyncSummaryError[];
}

interface StateCount {
  _id: SyncState;
  count: number;
}

interface StoredStateRow {
  invoiceId: string;
  state: SyncState;
  updatedAt: Date;
  lastError?: { code: string; message: string; retryable: boolean; intuitTid?: string | null } | null;
}

type StoredErrorRow = StoredStateRow & { lastError: NonNullable<StoredStateRow['lastError']> };

/**
 * Reads the summary from invoice_sync_states with four small queries, all run at once (one round trip of
 * latency), each answered from the {tenantId, state, updatedAt} index on MongoDB:
 * 1. counts: one $group by state over the tenant's index entries (covered: only `state` is read);
 * 2. the newest SYNCED document (limit 1): the last success;
 * 3. the oldest QUEUED or SYNCING document (limit 1): the oldest pending;
 * 4. the newest FAILED / ACTION_REQUIRED / DEAD documents (limit 5): the recent errors.
 * (2) and (3) would be $max/$min accumulators in (1), but FerretDB implements only $sum and $count in
 * $group ("$group accumulator "$min" is not implemented yet"), so they are limit-1 index reads instead.
 * Only (1) grows with the tenant's tracked invoices, and only by index entries; nothing reads other
 * tenants' rows or the host's invoices.
 */
export class SyncSummaryService {
  constructor(private readonly deps: { models: Pick<Models, 'invoiceSyncStates'> }) {}

  async summarize(tenantId: string): Promise<SyncSummary> {
    const states = this.deps.models.invoiceSyncStates;
    const byUpdatedAt = (inStates: readonly SyncState[], direction: 1 | -1, limit: number) =>
      states
        .find({ tenantId, state: { $in: inStates } })
        .sort({ updatedAt: direction })
        .limit(limit)
        .select({ _id: 0, invoiceId: 1, state: 1, updatedAt: 1, lastError: 1 })
        .lean<StoredStateRow[]>();
    const [counts, [lastSynced], [oldestPending], errors] = await Promise.all([
      states.aggregate<StateCount>([
        { $match: { tenantId } },
        { $group: { _id: '$state', count: { $sum: 1 } } },
      ]),
      byUpdatedAt(['SYNCED', 'SYNCED_WITH_DIFFERENCES'], -1, 1),
      byUpdatedAt(PENDING_STATES, 1, 1),
      byUpdatedAt(ERROR_STATES, -1, RECENT_ERROR_LIMIT),
    ]);
    const byState = new Map(counts.map((group) => [group._id, group.count]));
    return {
      counts: SYNC_STATES.map((state) => ({ state, count: byState.get(state) ?? 0 })),
      ...(lastSynced ? { lastSucceededAt: lastSynced.updatedAt } : {}),
      ...(oldestPending ? { oldestPendingSince: oldestPending.updatedAt } : {}),
      // Every transition into an error state writes lastError; the guard only skips hand-written documents.
      recentErrors: errors
        .filter((doc): doc is StoredErrorRow => Boolean(doc.lastError?.code))
        .map(toSummaryError),
    };
  }
}

function toSummaryError(doc: StoredErrorRow): SyncSummaryError {
  return {
    invoiceId: doc.invoiceId,
    state: doc.state,
    at: doc.updatedAt,
    error: {
      code: doc.lastError.code,
      message: doc.lastError.message,
      retryable: doc.lastError.retryable,
      ...(doc.lastError.intuitTid ? { intuitTid: doc.lastError.intuitTid } : {}),
    },
  };
}
