import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.js';
import type { ReconcileResult } from '../services/push-reconciliation.js';
import type { RetentionService } from '../services/retention.js';
import { MaintenanceJob, QueueName } from './queues.js';

export interface MaintenanceDeps {
  connection: ConnectionOptions;
  prefix: string;
  retention: RetentionService;
  /** Queues the push of QUEUED invoices whose job was never added (services/push-reconciliation.ts). */
  requeueOrphanedPushes: () => Promise<ReconcileResult>;
  logger: Logger;
}

export function createMaintenanceProcessor(
  deps: Pick<MaintenanceDeps, 'retention' | 'requeueOrphanedPushes' | 'logger'>,
) {
  return async (job: Job): Promise<unknown> => {
    switch (job.name) {
      case MaintenanceJob.pruneSyncLogs: {
        const result = await deps.retention.pruneSyncLogs();
        deps.logger.info({ deleted: result.deleted, cutoff: result.cutoff }, 'pruned sync logs');
        return { deleted: result.deleted };
      }
      case MaintenanceJob.requeueOrphanedPushes: {
        const result = await deps.requeueOrphanedPushes();
        if (result.requeued.length > 0) {
          deps.logger.warn(
            { checked: result.checked, requeued: result.requeued },
            'queued invoices had no push job; queued their push again',
          );
        }
        return { checked: result.checked, requeued: result.requeued.length };
      }
      default:
        throw new Error(`unknown maintenance job ${job.name}`);
    }
  };
}

/**
 * Log pruning daily, the orphaned-push sweep every ten minutes; the scheduler ids make repeated start-ups
 * of several worker processes converge on one schedule each.
 */
export async function scheduleMaintenance(queue: Queue): Promise<void> {
  await queue.upsertJobScheduler(
    MaintenanceJob.pruneSyncLogs,
    { pattern: '17 3 * * *' },
    { name: MaintenanceJob.pruneSyncLogs, opts: { removeOnComplete: 100, removeOnFail: 500 } },
  );
  await queue.upsertJobScheduler(
    MaintenanceJob.requeueOrphanedPushes,
    // A cron pattern, not `every`: `every` also runs at once on each start-up, in front of the queue.
    { pattern: '*/10 * * * *' },
    { name: MaintenanceJob.requeueOrphanedPushes, opts: { removeOnComplete: 100, removeOnFail: 500 } },
  );
}

/** Well past the debounce and a job's normal wait, so only invoices nothing will push are requeued. */
export const ORPHAN_AFTER_MS = 15 * 60_000;

export function createMaintenanceWorker(deps: MaintenanceDeps): Worker {
  return new Worker(QueueName.maintenance, createMaintenanceProcessor(deps), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 1,
  });
}
