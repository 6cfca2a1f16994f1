import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.js';
import type { BackfillRunner, ChunkOutcome } from '../services/backfill/backfill-runner.js';
import type { BackfillJobData } from '../services/backfill/jobs.js';
import { DEFAULT_THROTTLE_WAIT_MS } from './invoice-push.worker.js';
import { QueueName } from './queues.js';
import { parkIfPaused } from './tenant-jobs.js';

export interface BackfillWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  runner: Pick<BackfillRunner, 'plan' | 'runChunk'>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => Date;
  /**
   * Chunks one worker process runs at once (default 2). Each is one batch request; the realm governor
   * meters batches per realm, and the single-push queue has its own worker, so a backfill never holds a
   * single push back.
   */
  concurrency?: number;
}

/**
 * `qbo-backfill`: thin, as the push worker. The runner records every invoice's outcome; here a chunk with
 * retryable failures is retried with BullMQ's backoff (only those invoices are attempted again), a
 * throttled one waits without spending an attempt, and a lost authorization parks it until a reconnect.
 */
export function createBackfillWorker(deps: BackfillWorkerDeps): Worker<BackfillJobData> {
  const now = deps.now ?? (() => new Date());
  return new Worker<BackfillJobData>(
    QueueName.backfill,
    async (job, token) => {
      if (job.data.kind === 'plan') return deps.runner.plan(job.data);
      const attempt = job.attemptsMade + 1;
      const result = await deps.runner.runChunk(job.data, attempt, attempt >= (job.opts.attempts ?? 1));
      return settle(job, token, result);
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? 2,
      maxStalledCount: 2,
    },
  );

  async function settle(job: Job<BackfillJobData>, token: string | undefined, result: ChunkOutcome) {
    switch (result.outcome) {
      case 'COUNTED':
        return { done: result.done, failed: result.failed, handedOff: result.handedOff };
      case 'STALE':
        return { stale: true };
      case 'RETRY':
        if (result.retryAfterMs !== undefined) {
          await job.moveToDelayed(now().getTime() + (result.retryAfterMs ?? DEFAULT_THROTTLE_WAIT_MS), token);
          throw new DelayedError();
        }
        throw result.cause instanceof Error ? result.cause : new Error('backfill chunk failed; retrying');
      case 'PAUSED':
        await parkIfPaused(job, token, result.cause, now);
        throw result.cause instanceof Error
          ? result.cause
          : new UnrecoverableError('QuickBooks connection unusable');
    }
  }
}
