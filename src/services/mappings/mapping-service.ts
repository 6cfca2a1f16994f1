import type { MappingKind } from '../../models/mapping-set.js';
import type { Models } from '../../models/index.js';
import type { AuditRecord } from '../audit-log.js';
import type { ReferenceData, ReferenceSnapshot } from '../reference-data/types.js';
import {
  judgeEntry,
  validateEntries,
  type EntryProblem,
  type MappingInput,
  type MappingStatus,
  type ValidEntry,
} from './rules.js';

export interface MappingEntry {
  kind: MappingKind;
  sourceKey: string;
  targetId: string;
  targetName: string;
  updatedAt: Date;
  updatedBy: string;
}

export type JudgedMapping = MappingEntry & MappingStatus;

/** Some entries of a write were refused; nothing was saved. Not retryable: the input must change. */
export class MappingValidationError extends Error {
  override readonly name = 'MappingValidationError';
  readonly retryable = false;

  constructor(readonly problems: readonly EntryProblem[]) {
    super(
      `${problems.length} mapping${problems.length === 1 ? ' is' : 's are'} invalid, nothing was saved: ${problems
        .map((problem) => `${problem.field}: ${problem.message}`)
        .join('; ')}`,
    );
  }
}

/** Another write kept winning the compare-and-set; the caller may simply send the request again. */
export class MappingConflictError extends Error {
  override readonly name = 'MappingConflictError';
  readonly retryable = true;
}

export interface MappingServiceDeps {
  models: Pick<Models, 'mappingSets'>;
  referenceData: Pick<ReferenceData, 'get'>;
  auditLog: { record(entry: AuditRecord): Promise<void> };
  now: () => Date;
}

interface StoredSet {
  _id: string;
  realmId: string;
  entries: MappingEntry[];
  version: number;
}

/** Compare-and-set attempts before giving up to a concurrent writer. */
const MAX_WRITE_ATTEMPTS = 3;
/** Audit reasons stay readable: a bulk of hundreds lists the first changes and a count. */
const MAX_AUDITED_CHANGES = 20;
const DUPLICATE_KEY = 11000;

const identity = (entry: { kind: string; sourceKey: string }) => `${entry.kind}\u0000${entry.sourceKey}`;

/**
 * A tenant's mappings from platform concepts to its QuickBooks company's objects. Writes are validated
 * against the cached reference snapshot, every entry before any is saved, and land in one `updateOne` on
 * the tenant's single mapping document (compare-and-set on `version`): a bulk call saves all or nothing.
 * Reads judge each entry against the current snapshot, so what QuickBooks deactivated or deleted since
 * (seen on the next refresh) reads as BROKEN instead of being used.
 */
export class MappingService {
  /** Each tenant's writes in this process, one after another (see `serialize`). */
  private readonly writing = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: MappingServiceDeps) {}

  async list(tenantId: string): Promise<JudgedMapping[]> {
    const set = await this.read(tenantId);
    if (!set || set.entries.length === 0) return [];
    const snapshot = await this.deps.referenceData.get(tenantId);
    return set.entries.map((entry) => ({ ...entry, ...judgeEntry(entry, set.realmId, snapshot) }));
  }

  /** Adds or replaces the given entries (by kind and source key); all or nothing. */
  async set(tenantId: string, userId: string, inputs: readonly MappingInput[]): Promise<JudgedMapping[]> {
    const snapshot = await this.deps.referenceData.get(tenantId);
    const { valid, problems } = validateEntries(inputs, snapshot);
    if (problems.length > 0) throw new MappingValidationError(problems);
    const at = this.deps.now();
    const written = valid.map((entry): MappingEntry => ({ ...entry, updatedAt: at, updatedBy: userId }));
    const { before } = await this.serialize(tenantId, () =>
      this.write(tenantId, snapshot, (current) => {
        const byKey = new Map(current.map((entry) => [identity(entry), entry]));
        for (const entry of written) byKey.set(identity(entry), entry);
        return [...byKey.values()];
      }),
    );
    const previous = new Map(before.map((entry) => [identity(entry), entry]));
    const changes = valid.filter((entry) => previous.get(identity(entry))?.targetId !== entry.targetId);
    if (changes.length > 0) {
      await this.audit(
        tenantId,
        userId,
        snapshot.realmId,
        changes.map((entry) => describeSet(entry, previous)),
      );
    }
    return written.map((entry) => ({ ...entry, status: 'OK' }));
  }

  /** Removes one mapping; false when there was none (removing twice is not an error). */
  remove(tenantId: string, userId: string, kind: MappingKind, sourceKey: string): Promise<boolean> {
    return this.serialize(tenantId, () => this.removeNow(tenantId, userId, kind, sourceKey));
  }

  private async removeNow(
    tenantId: string,
    userId: string,
    kind: MappingKind,
    sourceKey: string,
  ): Promise<boolean> {
    const key = identity({ kind, sourceKey });
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
      const set = await this.read(tenantId);
      const existing = set?.entries.find((entry) => identity(entry) === key);
      if (!set || !existing) return false;
      // The set keeps the realm it was made for: a removal is no reason to re-read the company.
      const removed = await this.compareAndSet(set, set.realmId, (entries) =>
        entries.filter((entry) => identity(entry) !== key),
      );
      if (!removed) continue;
      await this.audit(tenantId, userId, set.realmId, [
        `removed ${kind} ${sourceKey} (was "${existing.targetName}", id ${existing.targetId})`,
      ]);
      return true;
    }
    throw new MappingConflictError('the mappings kept changing at the same time; send the removal again');
  }

  /**
   * Runs one tenant's writes in this process one at a time. The compare-and-set alone suffices on MongoDB,
   * but FerretDB 1.x (SQLite) does not apply a filtered update atomically: four concurrent `updateOne`s
   * filtered on the same `version` all matched in our probe, and changes were lost. Across API processes on
   * FerretDB the race remains (documented); MongoDB's document-level atomicity closes it there.
   */
  private serialize<T>(tenantId: string, run: () => Promise<T>): Promise<T> {
    const previous = this.writing.get(tenantId) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.writing.set(tenantId, settled);
    void settled.then(() => {
      if (this.writing.get(tenantId) === settled) this.writing.delete(tenantId);
    });
    return next;
  }

  private async read(tenantId: string): Promise<StoredSet | undefined> {
    const set = await this.deps.models.mappingSets.findById(tenantId).lean<StoredSet>();
    return set ?? undefined;
  }

  /**
   * Read, change, compare-and-set; again if another write came between. Entries made for another company
   * are dropped when the set moves to the connected one: their ids mean nothing there.
   */
  private async write(
    tenantId: string,
    snapshot: ReferenceSnapshot,
    change: (entries: MappingEntry[]) => MappingEntry[],
  ): Promise<{ before: MappingEntry[] }> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
      const current = await this.read(tenantId);
      const before = current && current.realmId === snapshot.realmId ? current.entries : [];
      const base = current ?? { _id: tenantId, realmId: snapshot.realmId, entries: [], version: 0 };
      if (await this.compareAndSet(base, snapshot.realmId, () => change(before))) return { before };
    }
    throw new MappingConflictError('the mappings kept changing at the same time; send the change again');
  }

  /** One `updateOne`: the whole entry list replaced, if and only if nobody wrote since `base` was read. */
  private async compareAndSet(
    base: StoredSet,
    realmId: string,
    change: (entries: MappingEntry[]) => MappingEntry[],
  ): Promise<boolean> {
    try {
      const result = await this.deps.models.mappingSets.updateOne(
        { _id: base._id, version: base.version },
        {
          $set: { realmId, entries: change(base.entries), updatedAt: this.deps.now() },
          $inc: { version: 1 },
        },
        // Only the first write of a tenant inserts; a concurrent first write collides on `_id` instead.
        { upsert: base.version === 0 },
      );
      return result.matchedCount + result.upsertedCount > 0;
    } catch (error) {
      if ((error as { code?: unknown }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  private async audit(tenantId: string, userId: string, realmId: string, changes: string[]): Promise<void> {
    const shown = changes.slice(0, MAX_AUDITED_CHANGES);
    const more = changes.length - shown.length;
    await this.deps.auditLog.record({
      tenantId,
      actorUserId: userId,
      action: 'QUICKBOOKS_MAPPING_CHANGED',
      outcome: 'SUCCEEDED',
      realmId,
      reason: `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
    });
  }
}

function describeSet(entry: ValidEntry, previous: Map<string, MappingEntry>): string {
  const was = previous.get(identity(entry));
  const now = `${entry.kind} ${entry.sourceKey} → "${entry.targetName}" (id ${entry.targetId})`;
  return was ? `${now}, was "${was.targetName}" (id ${was.targetId})` : now;
}
