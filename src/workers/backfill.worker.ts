import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.js';
import type { BackfillRunner, ChunkOutcome } from '../services/backfill/backfill-runner.js';
import type { BackfillJobData } from '../services/backfill/jobs.js';
import type { SyncErrorInfo } from '../services/sync-status.js';
import { DEFAULT_THROTTLE_WAIT_MS } from './invoice-push.worker.js';
import { QueueName } from './queues.js';
import { parkIfPaused } from './tenant-jobs.js';

export interface BackfillWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  runner: Pick<BackfillRunner, 'plan' | 'runChunk' | 'abandonChunk' | 'abandonPlan'>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => Date;
  /**
   * Chunks one worker process runs at once (default 2). Each is one batch request; the realm governor
   * meters batches per realm, and the single-push queue has its own worker, so a backfill never holds a
   * single push back.
   */
  concurrency?: number;
  /** BullMQ's lock and stalled check (tests shorten them to see a killed chunk fail as stalled). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
}

const STALLED = /stalled more than allowable limit/i;

/** The job will not run again: stalled past maxStalledCount, unrecoverable, or its last attempt failed. */
function isFinalFailure(job: Job<BackfillJobData>, error: Error): boolean {
  return (
    STALLED.test(error.message) ||
    error instanceof UnrecoverableError ||
    error.name === 'UnrecoverableError' ||
    job.attemptsMade >= (job.opts.attempts ?? 1)
  );
}

/** What the admin reads on each invoice: why, and that a retry is safe (it looks QuickBooks up first). */
function abandonReason(data: BackfillJobData, error: Error): SyncErrorInfo {
  const stalled = STALLED.test(error.message);
  const what = data.kind === 'plan' ? 'planning' : 'its batch';
  return {
    code: stalled ? 'BACKFILL_STALLED' : 'BACKFILL_ABANDONED',
    message: stalled
      ? `The backfill was interrupted repeatedly during ${what} (a worker stopped mid-way); retry the invoice.`
      : `The backfill gave up on ${what} after its last attempt; retry the invoice.`,
    retryable: true,
  };
}

/**
 * `qbo-backfill`: thin, as the push worker. The runner records every invoice's outcome; here a chunk with
 * retryable failures is retried with BullMQ's backoff (only those invoices are attempted again), a
 * throttled one waits without spending an attempt, and a lost authorization parks it until a reconnect.
 */
export function createBackfillWorker(deps: BackfillWorkerDeps): Worker<BackfillJobData> {
  const now = deps.now ?? (() => new Date());
  const worker = new Worker<BackfillJobData>(
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
      maxStalledCount: deps.maxStalledCount ?? 2,
      ...(deps.lockDurationMs !== undefined ? { lockDuration: deps.lockDurationMs } : {}),
      ...(deps.stalledIntervalMs !== undefined ? { stalledInterval: deps.stalledIntervalMs } : {}),
    },
  );

  // A job BullMQ gave up on never reached the runner's count: without this its backfill stays RUNNING.
  // A job stalled past maxStalledCount is failed by the next worker that takes it (BullMQ's deferred
  // failure, "job stalled more than allowable limit"), so that worker sees it here too.
  worker.on('failed', (job, error) => {
    if (!job || !isFinalFailure(job, error)) return;
    const reason = abandonReason(job.data, error);
    const abandoned =
      job.data.kind === 'plan'
        ? deps.runner.abandonPlan(job.data, reason)
        : deps.runner.abandonChunk(job.data, reason);
    abandoned.catch((cause: unknown) =>
      deps.logger.error(
        { err: cause, jobId: job.id, tenantId: job.data.tenantId },
        'could not record an abandoned backfill job',
      ),
    );
  });
  return worker;

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
