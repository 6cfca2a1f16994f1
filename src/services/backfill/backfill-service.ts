import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.js';
import { ACTIVE_BACKFILL_STATES } from '../../models/backfill.js';
import type { Models } from '../../models/index.js';
import type { BackfillProgressEvents } from './events.js';
import {
  BACKFILL_PLAN_JOB,
  backfillJobOptions,
  type BackfillPlanJobData,
  type BackfillQueue,
} from './jobs.js';
import { toView, type BackfillView, type StoredBackfill } from './types.js';

/** A backfill of this tenant is still planning or running: one at a time per tenant. */
export class BackfillRunningError extends Error {
  override readonly name = 'BackfillRunningError';
  readonly retryable = false;
  constructor(readonly running: BackfillView) {
    super(
      `A backfill of this customer's invoices (started ${running.startedAt.toISOString()}) is still running: ${running.done + running.failed} of ${running.total ?? 'an unknown number'} done. Wait until it finishes.`,
    );
  }
}

/** The tenant has no usable QuickBooks connection: nothing can be backfilled. */
export class BackfillNotConnectedError extends Error {
  override readonly name = 'BackfillNotConnectedError';
  readonly retryable = false;
  constructor(readonly state: string) {
    super(`QuickBooks is not connected for this customer (${state}); connect it, then start the backfill`);
  }
}

export interface BackfillServiceDeps {
  models: Pick<Models, 'backfills' | 'customers'>;
  /** Absent in processes that only record progress (the worker adds chunk jobs through the runner). */
  queue?: BackfillQueue;
  events: BackfillProgressEvents;
  now: () => Date;
  logger: Pick<Logger, 'warn'>;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) => (error as { code?: unknown }).code === DUPLICATE_KEY;

/**
 * A tenant's backfill of invoices QuickBooks does not hold yet (syncExistingQuickBooksInvoices): its
 * record, its progress and their live events. The work itself is the runner's (backfill-runner.ts).
 *
 * One backfill per tenant at a time: the record is one document per tenant (unique tenantId), and a start
 * replaces it only when it is finished. A start that finds one PLANNING/RUNNING gets BackfillRunningError,
 * unless the tenant reconnected since that one started: a disconnect removed its jobs (TENANT_SCOPED_QUEUES),
 * so it can never finish and is recorded CANCELLED.
 */
export class BackfillService {
  constructor(private readonly deps: BackfillServiceDeps) {}

  async current(tenantId: string): Promise<BackfillView | null> {
    const doc = await this.deps.models.backfills.findOne({ tenantId }).lean<StoredBackfill>();
    return doc ? toView(doc) : null;
  }

  /** The stored backfill if it is still the one a job belongs to. */
  async stored(tenantId: string, backfillId: string): Promise<StoredBackfill | null> {
    return this.deps.models.backfills.findOne({ tenantId, backfillId }).lean<StoredBackfill>();
  }

  async start(tenantId: string, actorUserId: string, since: Date): Promise<BackfillView> {
    const queue = this.deps.queue;
    if (!queue) throw new Error('this BackfillService was built without its queue');
    const connection = await this.connection(tenantId);
    const now = this.deps.now();
    const backfillId = randomUUID();
    const fresh = {
      tenantId,
      backfillId,
      realmId: connection.realmId,
      state: 'PLANNING' as const,
      since: since.toISOString().slice(0, 10),
      startedBy: actorUserId,
      startedAt: now,
      done: 0,
      failed: 0,
      skipped: 0,
      handedOff: 0,
      chunksCounted: [],
    };
    let doc: StoredBackfill | null = null;
    for (let round = 0; round < 2 && !doc; round++) {
      try {
        doc = await this.deps.models.backfills.findOneAndUpdate(
          { tenantId, state: { $nin: ACTIVE_BACKFILL_STATES } },
          { $set: fresh, $unset: { total: '', finishedAt: '', chunks: '' } },
          { upsert: true, returnDocument: 'after', lean: true },
        );
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // The tenant's document is active: refuse, unless a reconnect since it started orphaned it.
        const active = await this.deps.models.backfills.findOne({ tenantId }).lean<StoredBackfill>();
        if (!active) continue;
        const orphaned =
          active.realmId !== connection.realmId ||
          (connection.connectedAt !== undefined && connection.connectedAt > active.startedAt);
        if (!orphaned || round > 0) throw new BackfillRunningError(toView(active));
        await this.deps.models.backfills.updateOne(
          { tenantId, backfillId: active.backfillId, state: { $in: ACTIVE_BACKFILL_STATES } },
          { $set: { state: 'CANCELLED', finishedAt: now } },
        );
      }
    }
    if (!doc) throw new Error('the backfill record could not be written');
    const data: BackfillPlanJobData = { kind: 'plan', tenantId, backfillId };
    await queue.add(BACKFILL_PLAN_JOB, data, backfillJobOptions(data));
    const view = toView(doc);
    await this.publish(view);
    return view;
  }

  /**
   * Stores the plan once (PLANNING -> RUNNING, or COMPLETED when nothing is to be pushed). A planner that
   * runs again finds the plan stored and gets it back instead of planning anew: the invoices it queued the
   * first time are QUEUED now and would not be picked again.
   */
  async recordPlan(
    tenantId: string,
    backfillId: string,
    plan: { chunks: { index: number; invoiceIds: string[] }[]; skipped: number },
  ): Promise<StoredBackfill | null> {
    const total = plan.chunks.reduce((sum, chunk) => sum + chunk.invoiceIds.length, 0);
    const doc = await this.deps.models.backfills.findOneAndUpdate(
      { tenantId, backfillId, state: 'PLANNING' },
      {
        $set: {
          chunks: plan.chunks,
          total,
          skipped: plan.skipped,
          state: total > 0 ? 'RUNNING' : 'COMPLETED',
          ...(total > 0 ? {} : { finishedAt: this.deps.now() }),
        },
      },
      { returnDocument: 'after', lean: true },
    );
    if (doc) {
      await this.publish(toView(doc as StoredBackfill));
      return doc as StoredBackfill;
    }
    return this.stored(tenantId, backfillId);
  }

  /**
   * Counts one chunk's outcome, once: the update is conditional on the chunk not being counted yet, so a
   * chunk job that runs again (a stalled worker, a retry) never counts twice. The last chunk completes it.
   */
  async countChunk(
    tenantId: string,
    backfillId: string,
    chunkIndex: number,
    outcome: { done: number; failed: number; handedOff: number },
  ): Promise<void> {
    let doc = (await this.deps.models.backfills.findOneAndUpdate(
      { tenantId, backfillId, chunksCounted: { $ne: chunkIndex } },
      {
        $addToSet: { chunksCounted: chunkIndex },
        $inc: { done: outcome.done, failed: outcome.failed, handedOff: outcome.handedOff },
      },
      { returnDocument: 'after', lean: true },
    )) as StoredBackfill | null;
    if (!doc) return;
    if (
      doc.state === 'RUNNING' &&
      typeof doc.total === 'number' &&
      doc.done + doc.failed + (doc.handedOff ?? 0) >= doc.total
    ) {
      doc =
        ((await this.deps.models.backfills.findOneAndUpdate(
          { tenantId, backfillId, state: 'RUNNING' },
          { $set: { state: 'COMPLETED', finishedAt: this.deps.now() } },
          { returnDocument: 'after', lean: true },
        )) as StoredBackfill | null) ?? doc;
    }
    await this.publish(toView(doc));
  }

  /** Ends a backfill that can never finish (its planner died before storing a plan): a new start is accepted. */
  async cancel(tenantId: string, backfillId: string): Promise<void> {
    const doc = (await this.deps.models.backfills.findOneAndUpdate(
      { tenantId, backfillId, state: { $in: ACTIVE_BACKFILL_STATES } },
      { $set: { state: 'CANCELLED', finishedAt: this.deps.now() } },
      { returnDocument: 'after', lean: true },
    )) as StoredBackfill | null;
    if (doc) await this.publish(toView(doc));
  }

  subscribe(tenantId: string) {
    return this.deps.events.subscribe([tenantId], (event) => event.tenantId === tenantId);
  }

  /** Best-effort, as sync status events: the record is the truth, a reader sees it on its next read. */
  private async publish(backfill: BackfillView): Promise<void> {
    try {
      await this.deps.events.publish({ tenantId: backfill.tenantId, backfill });
    } catch (error) {
      this.deps.logger.warn(
        { err: error, tenantId: backfill.tenantId, backfillId: backfill.id },
        'backfill progress written but not published',
      );
    }
  }

  private async connection(tenantId: string): Promise<{ realmId: string; connectedAt?: Date }> {
    const doc = await this.deps.models.customers
      .findById(tenantId, {
        'integrations.quickbooks.state': 1,
        'integrations.quickbooks.realmId': 1,
        'integrations.quickbooks.connectedAt': 1,
      })
      .lean<{
        integrations?: {
          quickbooks?: { state?: string; realmId?: string | null; connectedAt?: Date | null } | null;
        } | null;
      }>();
    const connection = doc?.integrations?.quickbooks;
    if (connection?.state !== 'CONNECTED' || !connection.realmId) {
      throw new BackfillNotConnectedError(connection?.state ?? 'DISCONNECTED');
    }
    return {
      realmId: connection.realmId,
      ...(connection.connectedAt ? { connectedAt: connection.connectedAt } : {}),
    };
  }
}
