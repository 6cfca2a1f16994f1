/**
 * The shape of a `qbo-invoice-push` job, shared by every producer (this API's intake, the host writing to
 * the queue directly, backfills) and the push worker. docs/architecture.md ("Invoice push intake")
 * documents it for the host; keep the two in step.
 */
import type { JobsOptions } from 'bullmq';

export const INVOICE_CHANGES = ['FINALIZED', 'UPDATED', 'VOIDED'] as const;
/** What the host says happened to an invoice. */
export type InvoiceChange = (typeof INVOICE_CHANGES)[number];

/**
 * Why the push was queued: the host announced a change, an admin asked for a retry / "sync now", or the
 * maintenance sweep found the invoice QUEUED without a job (the job add failed after QUEUED was written).
 */
export type InvoicePushTrigger = 'NOTIFIED' | 'RETRY_REQUESTED' | 'RECONCILED';

export const INVOICE_PUSH_JOB_NAME = 'push-invoice';

export interface InvoicePushJobData {
  tenantId: string;
  invoiceId: string;
  /**
   * The latest change announced. A hint only: the worker pushes the invoice as the host holds it when the
   * job runs. Absent on a retry, which pushes whatever the host holds.
   */
  change?: InvoiceChange;
  trigger: InvoicePushTrigger;
  /** ISO-8601: when the change was announced (enqueue-to-synced latency starts here). */
  notifiedAt: string;
}

/**
 * One pending push per invoice: the deduplication id. Tenant first because invoice ids are only unique
 * within their tenant. (BullMQ custom job ids may not contain ':', but deduplication ids may.)
 */
export function pushDeduplicationId(tenantId: string, invoiceId: string): string {
  return `${tenantId}:${invoiceId}`;
}

/** How often a push is attempted and the first backoff; tests shorten them. */
export interface PushRetryOptions {
  attempts: number;
  backoffMs: number;
}

/**
 * Eight attempts from 10 s doubling (jittered down by up to half): about 10 s, 20 s, ... 21 min, some
 * 40 minutes in all, enough to ride out a QuickBooks incident of that length before the dead letter.
 */
export const DEFAULT_PUSH_RETRY: Readonly<PushRetryOptions> = { attempts: 8, backoffMs: 10_000 };

/**
 * BullMQ options of a push job. `delayMs` is the debounce window (0 for a retry: run now).
 *
 * Debounce through BullMQ's deduplication (bullmq >= 5.5; checked against the installed 6.7):
 * - `replace`: a job still delayed (inside its window) is removed and this one added with a fresh delay,
 *   so the window restarts and the job carries the latest change: ten notifications in the window give
 *   one job with the last change.
 * - `keepLastIfActive`: a notification that arrives while the invoice's push is running is kept as the
 *   next job and queued when the running one finishes, instead of being dropped (the plain debounce mode,
 *   `ttl` + `extend`, drops it, so an edit made during a push would never reach QuickBooks). It also
 *   keeps the deduplication key for the job's whole life, so no `ttl` is set: BullMQ ignores it then.
 * A notification that finds the job waiting (window over, no worker free yet) is absorbed by it: that
 * job has not started, and it pushes the invoice as the host holds it when it runs.
 */
export function invoicePushJobOptions(
  tenantId: string,
  invoiceId: string,
  delayMs: number,
  retry: PushRetryOptions = DEFAULT_PUSH_RETRY,
): JobsOptions {
  return {
    delay: delayMs,
    attempts: retry.attempts,
    // BullMQ's exponential backoff (delay × 2^(n-1)) with jitter: pushes that failed together (a 5xx burst
    // of one realm) do not come back together. A 429 does not spend an attempt (the worker delays the job).
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
    deduplication: { id: pushDeduplicationId(tenantId, invoiceId), replace: true, keepLastIfActive: true },
    // No data beyond ids in Redis for long: the status and the sync log keep the history.
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 10_000 },
  };
}
