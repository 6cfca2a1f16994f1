import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.js';
import type { RetentionService } from '../services/retention.js';
import { MaintenanceJob, QueueName } from './queues.js';

export interface MaintenanceDeps {
  connection: ConnectionOptions;
  prefix: string;
  retention: RetentionService;
  logger: Logger;
}

export function createMaintenanceProcessor(deps: Pick<MaintenanceDeps, 'retention' | 'logger'>) {
  return async (job: Job): Promise<unknown> => {
    switch (job.name) {
      case MaintenanceJob.pruneSyncLogs: {
        const result = await deps.retention.pruneSyncLogs();
        deps.logger.info({ deleted: result.deleted, cutoff: result.cutoff }, 'pruned sync logs');
        return { deleted: result.deleted };
      }
      default:
        throw new Error(`unknown maintenance job ${job.name}`);
    }
  };
}

/** Runs daily; the scheduler id makes repeated start-ups of several worker processes converge on one. */
export async function scheduleMaintenance(queue: Queue): Promise<void> {
  await queue.upsertJobScheduler(
    MaintenanceJob.pruneSyncLogs,
    { pattern: '17 3 * * *' },
    { name: MaintenanceJob.pruneSyncLogs, opts: { removeOnComplete: 100, removeOnFail: 500 } },
  );
}

export function createMaintenanceWorker(deps: MaintenanceDeps): Worker {
  return new Worker(QueueName.maintenance, createMaintenanceProcessor(deps), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 1,
  });
}
