import { Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import {
  NIGHTLY_RECONCILIATION_JOB,
  type ReconciliationJobData,
  type ReconciliationRuns,
} from '../services/reconciliation/reconciliation-runs.js';
import type { ReconciliationService } from '../services/reconciliation/reconciliation-service.js';
import { QueueName } from './queues.js';
import { parkIfPaused } from './tenant-jobs.js';

export interface ReconciliationWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  runs: Pick<ReconciliationRuns, 'execute' | 'startNightly'>;
  /** QUICKBOOKS_RECONCILIATION_WINDOW_DAYS: how far back a nightly run compares. */
  nightlyWindowDays?: number;
  service: Pick<ReconciliationService, 'reconcile'>;
  logger: Pick<Logger, 'info' | 'warn'>;
  now?: () => Date;
}

/** `qbo-reconciliation`: one job per requested run; thin, the runs service records the outcome. */
export function createReconciliationWorker(deps: ReconciliationWorkerDeps): Worker<ReconciliationJobData> {
  return new Worker<ReconciliationJobData>(
    QueueName.reconciliation,
    async (job: Job<ReconciliationJobData>, token) => {
      if (job.name === NIGHTLY_RECONCILIATION_JOB) {
        const planned = await deps.runs.startNightly(deps.nightlyWindowDays ?? 31);
        deps.logger.info(planned, 'nightly reconciliations queued');
        return planned;
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      try {
        const run = await deps.runs.execute(
          job.data,
          (tenantId, window, onProgress, options) =>
            deps.service.reconcile(tenantId, window, onProgress, options),
          lastAttempt,
        );
        if (run?.summary)
          deps.logger.info(
            { tenantId: job.data.tenantId, runId: run.id, ...run.summary },
            'reconciliation finished',
          );
        return run ? { state: run.state } : { state: 'MISSING' };
      } catch (error) {
        await parkIfPaused(job, token, error, deps.now);
        throw error;
      }
    },
    // One run per process at a time: a run reads a whole window of a company.
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1 },
  );
}

/** The nightly planner on its cron pattern (UTC), or removed when the pattern is null (off). */
export async function scheduleNightlyReconciliation(queue: Queue, pattern: string | null): Promise<void> {
  if (!pattern) {
    await queue.removeJobScheduler(NIGHTLY_RECONCILIATION_JOB);
    return;
  }
  await queue.upsertJobScheduler(
    NIGHTLY_RECONCILIATION_JOB,
    { pattern, tz: 'UTC' },
    { name: NIGHTLY_RECONCILIATION_JOB, opts: { removeOnComplete: 20, removeOnFail: 100 } },
  );
}
