/**
 * A tenant's jobs in the tenant-scoped queues (TENANT_SCOPED_QUEUES, `data.tenantId` on every job):
 * cancelled when it disconnects, parked while its QuickBooks authorization is gone, woken when it reconnects.
 */
import { DelayedError, type Job, type Queue } from 'bullmq';
import { isQuickBooksError } from '../quickbooks/errors.js';

/** Job states that have not started: removing them is safe. Active jobs finish or fail on their own. */
const PENDING_STATES = ['waiting', 'delayed', 'prioritized', 'waiting-children'] as const;
const PAGE = 500;

/**
 * Removes a tenant's jobs that have not started from the given queues (the tenant-scoped QuickBooks
 * queues), e.g. when the tenant disconnects: pushes queued for a company we no longer hold tokens for
 * would only fail. Every tenant-scoped job carries `data.tenantId`. Returns how many were removed.
 */
export async function cancelPendingJobs(queues: readonly Queue[], tenantId: string): Promise<number> {
  let removed = 0;
  for (const queue of queues) {
    let start = 0;
    for (;;) {
      const jobs = await queue.getJobs([...PENDING_STATES], start, start + PAGE - 1, true);
      let removedHere = 0;
      for (const job of jobs) {
        if ((job?.data as { tenantId?: unknown } | undefined)?.tenantId !== tenantId) continue;
        try {
          await job.remove();
          removedHere += 1;
        } catch {
          // Started between the listing and the removal (locked): it will find the connection gone.
        }
      }
      removed += removedHere;
      if (jobs.length < PAGE) break;
      // Removals shift later jobs forward into this page: advance only past what stayed.
      start += PAGE - removedHere;
    }
  }
  return removed;
}

/**
 * How long a paused tenant's job sleeps before it looks again. Reconnecting promotes the tenant's jobs at
 * once (resumeTenantJobs), so this only bounds how stale a missed promotion can leave them.
 */
export const PAUSED_RECHECK_MS = 15 * 60_000;

/**
 * For the processors of tenant-scoped queues: a job that finds its tenant's QuickBooks authorization gone
 * (the vault's `reauthorization` error: NEEDS_REAUTH or not connected) is parked, not failed. It moves
 * back to delayed without spending an attempt, and `resumeTenantJobs` wakes it when an admin reconnects,
 * so nothing a tenant queued is lost while they fix the connection.
 *
 * Usage in a processor: `try { … } catch (error) { await parkIfPaused(job, token, error, now); throw error; }`
 */
export async function parkIfPaused(
  job: Job,
  token: string | undefined,
  error: unknown,
  now: () => Date = () => new Date(),
): Promise<void> {
  if (!isQuickBooksError(error, 'reauthorization')) return;
  await job.moveToDelayed(now().getTime() + PAUSED_RECHECK_MS, token);
  // BullMQ's signal that the job was moved on purpose: not a failure, no attempt consumed.
  throw new DelayedError();
}

/** After a reconnect: the tenant's parked (delayed) jobs run now. Returns how many were woken. */
export async function resumeTenantJobs(queues: readonly Queue[], tenantId: string): Promise<number> {
  let woken = 0;
  const PAGE = 500;
  for (const queue of queues) {
    let start = 0;
    for (;;) {
      const jobs = await queue.getJobs(['delayed'], start, start + PAGE - 1, true);
      let wokenHere = 0;
      for (const job of jobs) {
        if ((job?.data as { tenantId?: unknown } | undefined)?.tenantId !== tenantId) continue;
        try {
          await job.promote();
          wokenHere += 1;
        } catch {
          // No longer delayed (already promoted, removed or running): nothing to wake.
        }
      }
      woken += wokenHere;
      if (jobs.length < PAGE) break;
      // Promoted jobs leave the delayed set, shifting later ones into this page.
      start += PAGE - wokenHere;
    }
  }
  return woken;
}
