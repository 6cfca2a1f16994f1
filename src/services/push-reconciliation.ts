import { ACTIVE_BACKFILL_STATES } from '../models/backfill.js';
import type { Models } from '../models/index.js';
import type { SyncState } from '../sync/state-machine.js';
import {
  INVOICE_PUSH_JOB_NAME,
  invoicePushJobOptions,
  pushDeduplicationId,
  type InvoicePushJobData,
} from '../workers/invoice-push-job.js';
import type { InvoicePushQueue } from './invoice-intake.js';

/** What the sweep needs of `qbo-invoice-push` (a BullMQ Queue satisfies it). */
export interface ReconcilableQueue extends InvoicePushQueue {
  getDeduplicationJobId(id: string): Promise<string | null>;
  getJob(id: string): Promise<{ getState(): Promise<string> } | undefined>;
}

/**
 * States whose invoice waits for a push job: QUEUED (the add was refused), SYNCING (the running job was
 * lost with Redis' last writes, or its worker died and the job with it) and FAILED (its delayed retry was
 * lost). A push job may start from each of them (the STARTED row of the transition table), so a requeued
 * job needs no transition first. DEAD and ACTION_REQUIRED wait for a person, not a job.
 */
const STRANDED_STATES: SyncState[] = ['QUEUED', 'SYNCING', 'FAILED'];

/** Job states that will still run (or are running): such an invoice is not orphaned. */
const LIVE_STATES = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'active']);

export interface ReconcileResult {
  checked: number;
  requeued: { tenantId: string; invoiceId: string }[];
}

/**
 * Intake writes QUEUED before it adds the job (so a job never runs before its QUEUED is recorded); when
 * Redis refuses the add, the invoice reads QUEUED with no job, and an admin's retry is refused from
 * QUEUED. Redis restarted without its last writes (appendfsync everysec) can likewise lose a running or
 * delayed job, leaving the invoice SYNCING or FAILED with nothing to move it (the fault bench lost two
 * pushes that way before this sweep looked past QUEUED). This sweep finds such invoices that have sat still
 * for `olderThanMs` without a live job (their deduplication key names none, or a finished one) and queues
 * their push again. A requeued push looks up any create an earlier attempt left pending before it sends. A push that runs finds
 * the invoice QUEUED and pushes what the host holds then, so a requeue that races a late add is harmless:
 * one of the two is absorbed by deduplication, the other sees a finished push.
 */
export async function requeueOrphanedPushes(
  deps: {
    models: Pick<Models, 'invoiceSyncStates' | 'backfills'>;
    queue: ReconcilableQueue;
    now: () => Date;
  },
  options: { olderThanMs: number; limit: number },
): Promise<ReconcileResult> {
  const cutoff = new Date(deps.now().getTime() - options.olderThanMs);
  // A running backfill's invoices wait QUEUED for their chunk, in another queue: they are not orphans,
  // and a single push started beside their chunk would only contend with it.
  // A find, not distinct: FerretDB refuses distinct with the maxTimeMS every query carries in production.
  const running = await deps.models.backfills
    .find({ state: { $in: [...ACTIVE_BACKFILL_STATES] } }, { tenantId: 1 })
    .lean<{ tenantId: string }[]>();
  const backfilling = [...new Set(running.map((backfill) => backfill.tenantId))];
  const queued = await deps.models.invoiceSyncStates
    .find(
      { state: { $in: STRANDED_STATES }, updatedAt: { $lt: cutoff }, tenantId: { $nin: backfilling } },
      { tenantId: 1, invoiceId: 1 },
    )
    .sort({ updatedAt: 1 })
    .limit(options.limit)
    .lean<{ tenantId: string; invoiceId: string }[]>();
  const result: ReconcileResult = { checked: queued.length, requeued: [] };
  for (const { tenantId, invoiceId } of queued) {
    if (await hasLiveJob(deps.queue, pushDeduplicationId(tenantId, invoiceId))) continue;
    const data: InvoicePushJobData = {
      tenantId,
      invoiceId,
      trigger: 'RECONCILED',
      notifiedAt: deps.now().toISOString(),
    };
    await deps.queue.add(INVOICE_PUSH_JOB_NAME, data, invoicePushJobOptions(tenantId, invoiceId, 0));
    result.requeued.push({ tenantId, invoiceId });
  }
  return result;
}

async function hasLiveJob(queue: ReconcilableQueue, deduplicationId: string): Promise<boolean> {
  const jobId = await queue.getDeduplicationJobId(deduplicationId);
  if (!jobId) return false;
  const job = await queue.getJob(jobId);
  return job !== undefined && LIVE_STATES.has(await job.getState());
}
