/**
 * The `qbo-backfill` queue's jobs: a planner per backfill, then one job per chunk. Job data carries ids
 * only (no invoice contents, no secrets); `tenantId` on every job makes the queue tenant-scoped, so a
 * disconnect removes a tenant's waiting backfill jobs (TENANT_SCOPED_QUEUES).
 */
import type { JobsOptions } from 'bullmq';

export const BACKFILL_PLAN_JOB = 'plan-backfill';
export const BACKFILL_CHUNK_JOB = 'push-backfill-chunk';

export interface BackfillPlanJobData {
  kind: 'plan';
  tenantId: string;
  backfillId: string;
}

export interface BackfillChunkJobData {
  kind: 'chunk';
  tenantId: string;
  backfillId: string;
  chunkIndex: number;
  invoiceIds: string[];
}

export type BackfillJobData = BackfillPlanJobData | BackfillChunkJobData;

/** The one thing the backfill needs of its queue (a BullMQ Queue satisfies it). */
export interface BackfillQueue {
  add(name: string, data: BackfillJobData, opts: JobsOptions): Promise<unknown>;
  /** A job by id (undefined once removed or never added): a dead planner's chunks are checked with it. */
  getJob(jobId: string): Promise<{ getState(): Promise<string> } | undefined | null>;
}

export interface BackfillRetryOptions {
  attempts: number;
  backoffMs: number;
}

/** As the single push (invoice-push-job.ts): eight attempts from 10 s doubling, some 40 minutes in all. */
export const DEFAULT_BACKFILL_RETRY: Readonly<BackfillRetryOptions> = { attempts: 8, backoffMs: 10_000 };

/**
 * Deterministic job ids (BullMQ ignores an add whose id exists): a planner that runs twice adds each chunk
 * once. BullMQ custom ids may not contain ':'.
 */
export function backfillJobId(data: BackfillJobData): string {
  return data.kind === 'plan'
    ? `backfill-${data.backfillId}-plan`
    : `backfill-${data.backfillId}-chunk-${data.chunkIndex}`;
}

/** BullMQ's highest priority number (2^21). */
const MAX_PRIORITY = 2_097_152;

export function backfillJobOptions(
  data: BackfillJobData,
  retry: BackfillRetryOptions = DEFAULT_BACKFILL_RETRY,
): JobsOptions {
  return {
    jobId: backfillJobId(data),
    // Tenant-fair order: chunk n of every running backfill goes before chunk n + 1 of any (BullMQ takes the
    // lowest priority first, FIFO within one), so a small backfill started behind a 2,000-invoice one
    // runs at once instead of after all of its chunks; two large ones alternate. The planner has none:
    // BullMQ runs unprioritized jobs before prioritized ones, so a new backfill is planned at once.
    ...(data.kind === 'chunk' ? { priority: Math.min(data.chunkIndex + 1, MAX_PRIORITY) } : {}),
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 10_000 },
  };
}
