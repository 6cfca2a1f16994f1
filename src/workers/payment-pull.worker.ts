import { DelayedError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import type { Models } from '../models/index.js';
import { isQuickBooksError } from '../quickbooks/errors.js';
import type { PaymentPullService } from '../services/payments/payment-pull.js';
import type { WebhookEventJobData } from '../services/webhooks/intake.js';
import { DEFAULT_THROTTLE_WAIT_MS } from './invoice-push.worker.js';
import { QueueName } from './queues.js';
import { parkIfPaused } from './tenant-jobs.js';

export const PaymentSweepJob = { plan: 'plan-payment-sweeps', sweep: 'payment-sweep' } as const;

export interface PaymentSweepJobData {
  tenantId: string;
}

export interface PaymentPullWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  pull: Pick<PaymentPullService, 'handleEvent' | 'sweep'>;
  /** The sweep queue, for the planner to add one sweep per customer. */
  sweepQueue: Pick<Queue, 'addBulk'>;
  customers: Models['customers'];
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  now?: () => Date;
  /** Webhook events applied at once by one process (default 4). */
  concurrency?: number;
}

/** A throttled realm waits without spending an attempt; a lost authorization parks the job (tenant-jobs.ts). */
async function settleFailure(
  job: Job,
  token: string | undefined,
  error: unknown,
  now: () => Date,
): Promise<never> {
  await parkIfPaused(job, token, error, now);
  if (isQuickBooksError(error, 'throttled')) {
    await job.moveToDelayed(now().getTime() + (error.retryAfterMs ?? DEFAULT_THROTTLE_WAIT_MS), token);
    throw new DelayedError();
  }
  throw error;
}

/** `quickbooks-webhook-events`: thin; the pull service reads QuickBooks again and applies. */
export function createWebhookEventWorker(deps: PaymentPullWorkerDeps): Worker<WebhookEventJobData> {
  const now = deps.now ?? (() => new Date());
  return new Worker<WebhookEventJobData>(
    QueueName.webhookEvents,
    async (job, token) => {
      try {
        const outcome = await deps.pull.handleEvent(job.data);
        if (!outcome.applied)
          deps.logger.debug({ jobId: job.id, reason: outcome.reason }, 'webhook event not applied');
        return outcome;
      } catch (error) {
        return settleFailure(job, token, error, now);
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 4 },
  );
}

/**
 * `qbo-payment-sweep`: the planner adds one sweep per connected customer (deduplicated while one is still
 * pending, so a slow company never piles up sweeps); a sweep runs the CDC backstop for that customer.
 */
export function createPaymentSweepWorker(
  deps: PaymentPullWorkerDeps,
): Worker<PaymentSweepJobData | undefined> {
  const now = deps.now ?? (() => new Date());
  return new Worker<PaymentSweepJobData | undefined>(
    QueueName.paymentSweep,
    async (job, token) => {
      if (job.name === PaymentSweepJob.plan) return planSweeps(deps);
      if (!job.data?.tenantId) throw new Error('payment sweep job without tenantId');
      try {
        const outcome = await deps.pull.sweep(job.data.tenantId);
        if (outcome.changedPayments > 0)
          deps.logger.info({ tenantId: job.data.tenantId, ...outcome }, 'payment sweep applied changes');
        return outcome;
      } catch (error) {
        return settleFailure(job, token, error, now);
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 2 },
  );
}

/** Every customer connected now, whatever their setting: the sweep itself honours "pull payments". */
async function planSweeps(
  deps: Pick<PaymentPullWorkerDeps, 'sweepQueue' | 'customers'>,
): Promise<{ planned: number }> {
  const connected = await deps.customers
    .find({ 'integrations.quickbooks.state': 'CONNECTED' }, { _id: 1 })
    .lean<{ _id: string }[]>();
  await deps.sweepQueue.addBulk(
    connected.map((customer) => ({
      name: PaymentSweepJob.sweep,
      data: { tenantId: customer._id },
      opts: {
        deduplication: { id: `payment-sweep-${customer._id}` },
        attempts: 3,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: 100,
        removeOnFail: 500,
      },
    })),
  );
  return { planned: connected.length };
}

/** The planner on a fixed period; the scheduler id makes several worker processes converge on one. */
export async function schedulePaymentSweeps(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(
    PaymentSweepJob.plan,
    { every: everyMs },
    { name: PaymentSweepJob.plan, opts: { removeOnComplete: 20, removeOnFail: 100 } },
  );
}

/** A sweep for one customer now (a reconnect, or "pull payments" turned on): the catch-up. */
export async function requestPaymentSweep(queue: Pick<Queue, 'add'>, tenantId: string): Promise<void> {
  await queue.add(
    PaymentSweepJob.sweep,
    { tenantId },
    {
      deduplication: { id: `payment-sweep-${tenantId}` },
      attempts: 3,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: 100,
      removeOnFail: 500,
    },
  );
}
