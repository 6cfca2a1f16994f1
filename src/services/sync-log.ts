import { Types } from 'mongoose';
import type { Models } from '../models/index.js';
import {
  type SYNC_ATTEMPT_OUTCOMES,
  type SYNC_ENTITY_TYPES,
  type SYNC_OPERATIONS,
} from '../models/sync-log.js';

export type SyncEntityType = (typeof SYNC_ENTITY_TYPES)[number];
export type SyncOperation = (typeof SYNC_OPERATIONS)[number];
export type SyncAttemptOutcome = (typeof SYNC_ATTEMPT_OUTCOMES)[number];

/** The fault of a failed attempt as an admin may read it: Intuit's code and detail, never a request body. */
export interface SyncLogError {
  code: string;
  message: string;
  retryable: boolean;
  detail?: string;
}

/** One attempt at one entity (an invoice push, a QuickBooks customer upsert). */
export interface SyncLogRecord {
  tenantId: string;
  entityType: SyncEntityType;
  entityId: string;
  operation: SyncOperation;
  outcome: SyncAttemptOutcome;
  attempt: number;
  /** What started the attempt (intake, retry, backfill, ...): free text chosen by the worker. */
  trigger?: string;
  realmId?: string;
  /** The `requestid` sent to QuickBooks, so an ambiguous attempt can be matched with its retry. */
  requestId?: string;
  quickbooksId?: string;
  /** Intuit's `intuit_tid` response header, for Intuit support. */
  intuitTid?: string;
  durationMs?: number;
  error?: SyncLogError;
}

export interface SyncLogEntry extends SyncLogRecord {
  id: string;
  createdAt: Date;
}

export interface SyncLogFilter {
  outcome?: SyncAttemptOutcome;
  entityType?: SyncEntityType;
  entityId?: string;
  /** Inclusive lower bound on createdAt. */
  since?: Date;
  /** Exclusive upper bound on createdAt, so consecutive windows never share an entry. */
  until?: Date;
}

/** Where the previous page ended: the last entry's (createdAt, id). */
export interface SyncLogPosition {
  createdAt: Date;
  id: string;
}

interface StoredEntry {
  _id: Types.ObjectId;
  tenantId: string;
  entityType: SyncEntityType;
  entityId: string;
  operation: SyncOperation;
  outcome: SyncAttemptOutcome;
  attempt: number;
  trigger?: string | null;
  realmId?: string | null;
  requestId?: string | null;
  quickbooksId?: string | null;
  intuitTid?: string | null;
  durationMs?: number | null;
  error?: {
    code?: string | null;
    message?: string | null;
    retryable?: boolean | null;
    detail?: string | null;
  } | null;
  createdAt: Date;
}

/**
 * The query for one page: the tenant always comes from the authorized caller, never from the cursor, so a
 * cursor taken from another tenant's list only positions the scan inside the caller's own entries.
 * Newest first by (createdAt, _id): _id breaks ties between entries written in the same millisecond.
 */
export function syncLogQuery(
  tenantId: string,
  filter: SyncLogFilter,
  after?: SyncLogPosition,
): Record<string, unknown> {
  const query: Record<string, unknown> = { tenantId };
  if (filter.outcome) query.outcome = filter.outcome;
  if (filter.entityType) query.entityType = filter.entityType;
  if (filter.entityId) query.entityId = filter.entityId;
  const createdAt: Record<string, Date> = {};
  if (filter.since) createdAt.$gte = filter.since;
  if (filter.until) createdAt.$lt = filter.until;
  if (Object.keys(createdAt).length > 0) query.createdAt = createdAt;
  if (after) {
    const id = new Types.ObjectId(after.id);
    const position = {
      $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: id } }],
    };
    // $and keeps the date window and the cursor as two conditions on createdAt instead of one overwriting the other.
    return { $and: [query, position] };
  }
  return query;
}

function toEntry(row: StoredEntry): SyncLogEntry {
  const entry: SyncLogEntry = {
    id: row._id.toHexString(),
    tenantId: row.tenantId,
    entityType: row.entityType,
    entityId: row.entityId,
    operation: row.operation,
    outcome: row.outcome,
    attempt: row.attempt,
    createdAt: row.createdAt,
  };
  if (row.trigger != null) entry.trigger = row.trigger;
  if (row.realmId != null) entry.realmId = row.realmId;
  if (row.requestId != null) entry.requestId = row.requestId;
  if (row.quickbooksId != null) entry.quickbooksId = row.quickbooksId;
  if (row.intuitTid != null) entry.intuitTid = row.intuitTid;
  if (row.durationMs != null) entry.durationMs = row.durationMs;
  // Mongoose materialises an empty sub-document for entries without an error: only a coded one is a fault.
  if (row.error?.code) {
    entry.error = {
      code: row.error.code,
      message: row.error.message ?? '',
      retryable: row.error.retryable ?? false,
      ...(row.error.detail != null ? { detail: row.error.detail } : {}),
    };
  }
  return entry;
}

/**
 * The seed's QuickBooksSyncLog: one append-only document per attempt and entity, for the admin's sync log
 * page and for support. Entries carry no token or request body by construction (SyncLogRecord has no
 * field for one).
 */
export class SyncLogService {
  constructor(private readonly deps: { models: Pick<Models, 'syncLogs'>; now: () => Date }) {}

  async record(entry: SyncLogRecord): Promise<SyncLogEntry> {
    // createdAt from the injected clock, so the log and the sync states agree on time in tests and replays.
    const created = await this.deps.models.syncLogs.create({ ...entry, createdAt: this.deps.now() });
    return toEntry(created.toObject() as unknown as StoredEntry);
  }

  /**
   * Several entries in one round trip (a push attempt's customer step and invoice entry), in the order
   * given: ObjectIds are made client-side in that order, so entries of one millisecond keep it when paged.
   */
  async recordMany(entries: readonly SyncLogRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const createdAt = this.deps.now();
    await this.deps.models.syncLogs.insertMany(
      entries.map((entry) => ({ ...entry, createdAt })),
      { ordered: true },
    );
  }

  /** Newest first, `limit + 1` rows after the position (the extra row tells whether a next page exists). */
  async page(
    tenantId: string,
    filter: SyncLogFilter,
    limit: number,
    after?: SyncLogPosition,
  ): Promise<SyncLogEntry[]> {
    const rows = await this.deps.models.syncLogs
      .find(syncLogQuery(tenantId, filter, after))
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<StoredEntry[]>();
    return rows.map(toEntry);
  }
}
