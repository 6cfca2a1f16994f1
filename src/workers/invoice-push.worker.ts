import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.js';
import type { InvoicePushService, PushResult } from '../services/invoice-push/index.js';
import type { SyncStatusService } from '../services/sync-status.js';
import type { InvoicePushJobData } from './invoice-push-job.js';
import { QueueName } from './queues.js';
import { parkIfPaused } from './tenant-jobs.js';

/** Intuit's advice when a 429 names no Retry-After: wait a minute (§4.1). */
export const DEFAULT_THROTTLE_WAIT_MS = 60_000;

/** What metrics need from the push worker; the metrics module implements it (no prom-client here). */
export interface PushObserver {
  /** `DEAD`: a retryable failure on the last attempt (the job is in the dead letter). */
  pushFinished(outcome: PushResult['outcome'] | 'DEAD', enqueueToSyncedSeconds?: number): void;
}

export interface InvoicePushWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  push: Pick<InvoicePushService, 'push'>;
  /** For the one outcome the processor never sees: a job BullMQ gave up on after repeated stalls. */
  syncStatus: Pick<SyncStatusService, 'transition'>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  observer?: PushObserver;
  now?: () => Date;
  /** Pushes one worker process runs at once (default 10). The realm governor bounds each company. */
  concurrency?: number;
  /** BullMQ's stalled check period (default 30 s); tests shorten it to take over a killed worker's job sooner. */
  stalledIntervalMs?: number;
}

/**
 * How many times a job whose worker died (SIGKILL, OOM, lost lock) is handed to another worker before
 * BullMQ fails it. Each re-run is safe: the pending create is looked up before anything is resent.
 */
const MAX_STALLED = 2;

/**
 * `qbo-invoice-push`: a thin processor. The push service does the work and records every outcome in the
 * sync state; this file only speaks BullMQ: UnrecoverableError for what a person must fix, a rethrow for
 * BullMQ's backoff, a delay without spending an attempt for a throttled realm, a park for a lost
 * authorization.
 */
export function createInvoicePushWorker(deps: InvoicePushWorkerDeps): Worker<InvoicePushJobData> {
  const now = deps.now ?? (() => new Date());
  const worker = new Worker<InvoicePushJobData>(
    QueueName.invoicePush,
    async (job, token) => {
      const attempt = job.attemptsMade + 1;
      const result = await deps.push.push({
        job: job.data,
        attempt,
        lastAttempt: attempt >= (job.opts.attempts ?? 1),
      });
      return settle(job, token, result);
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? 10,
      maxStalledCount: MAX_STALLED,
      ...(deps.stalledIntervalMs !== undefined ? { stalledInterval: deps.stalledIntervalMs } : {}),
    },
  );

  async function settle(job: Job<InvoicePushJobData>, token: string | undefined, result: PushResult) {
    switch (result.outcome) {
      case 'SYNCED': {
        const notifiedAt = Date.parse(job.data.notifiedAt);
        const latency = Number.isNaN(notifiedAt) ? undefined : (now().getTime() - notifiedAt) / 1000;
        deps.observer?.pushFinished(result.outcome, latency);
        return {
          outcome: result.outcome,
          operation: result.operation,
          quickbooksInvoiceId: result.quickbooksInvoiceId,
        };
      }
      case 'NOT_IN_QUICKBOOKS':
      case 'SKIPPED':
        deps.observer?.pushFinished(result.outcome);
        return { outcome: result.outcome };
      case 'ACTION_REQUIRED':
        deps.observer?.pushFinished(result.outcome);
        throw new UnrecoverableError(`${result.error.code}: ${result.error.message}`);
      case 'FAILED':
        deps.observer?.pushFinished(result.exhausted ? 'DEAD' : result.outcome);
        // BullMQ's backoff schedules the next attempt; on the last one the job lands in the failed set
        // (the dead letter) and the service has recorded DEAD.
        throw result.cause instanceof Error ? result.cause : new Error(result.error.message);
      case 'THROTTLED': {
        deps.observer?.pushFinished(result.outcome);
        // Back to delayed without spending an attempt; the HTTP layer pauses the realm in the governor.
        await job.moveToDelayed(now().getTime() + (result.retryAfterMs ?? DEFAULT_THROTTLE_WAIT_MS), token);
        throw new DelayedError();
      }
      case 'PAUSED':
        deps.observer?.pushFinished(result.outcome);
        await parkIfPaused(job, token, result.cause, now);
        // Not a reauthorization (cannot happen: PAUSED comes from one): retry with backoff.
        throw result.cause instanceof Error ? result.cause : new Error('QuickBooks connection unusable');
    }
  }

  worker.on('failed', (job, error) => {
    if (!job || !/stalled more than allowable limit/i.test(error.message)) return;
    // The processor never ran to report this: record the dead letter for the invoice.
    void deps.syncStatus
      .transition({ tenantId: job.data.tenantId, invoiceId: job.data.invoiceId }, 'EXHAUSTED', {
        error: {
          code: 'PUSH_STALLED',
          message: 'The push was interrupted repeatedly (worker stopped mid-push); retry it.',
          retryable: true,
        },
      })
      .catch((cause: unknown) =>
        deps.logger.error({ err: cause, jobId: job.id }, 'could not record a stalled push as dead'),
      );
  });
  return worker;
}
