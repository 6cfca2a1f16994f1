import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.js';
import type {
  ReconciliationJobData,
  ReconciliationRuns,
} from '../services/reconciliation/reconciliation-runs.js';
import type { ReconciliationService } from '../services/reconciliation/reconciliation-service.js';
import { QueueName } from './queues.js';
import { parkIfPaused } from './tenant-jobs.js';

export interface ReconciliationWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  runs: Pick<ReconciliationRuns, 'execute'>;
  service: Pick<ReconciliationService, 'reconcile'>;
  logger: Pick<Logger, 'info' | 'warn'>;
  now?: () => Date;
}

/** `qbo-reconciliation`: one job per requested run; thin, the runs service records the outcome. */
export function createReconciliationWorker(deps: ReconciliationWorkerDeps): Worker<ReconciliationJobData> {
  return new Worker<ReconciliationJobData>(
    QueueName.reconciliation,
    async (job: Job<ReconciliationJobData>, token) => {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      try {
        const run = await deps.runs.execute(
          job.data,
          (tenantId, window) => deps.service.reconcile(tenantId, window),
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
