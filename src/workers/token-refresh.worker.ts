import { Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import type { CustomerModel } from '../models/customer.js';
import { isQuickBooksError } from '../quickbooks/errors.js';
import type { ConnectionTokens } from '../quickbooks/vault/connection-tokens.js';
import {
  reencryptAll,
  type KeyRotationCounts,
  type KeyRotationDeps,
} from '../quickbooks/vault/key-rotation.js';
import { QueueName } from './queues.js';

/**
 * `qbo-token-refresh`: token upkeep. Two jobs:
 * - `refresh-expiring-tokens` (job scheduler, every QUICKBOOKS_REFRESH_EVERY_MINUTES): refreshes every
 *   CONNECTED connection whose access token expires within QUICKBOOKS_REFRESH_WITHIN_MINUTES, so API calls
 *   rarely wait on a refresh (on-demand refresh in the vault remains the safety net);
 * - `rotate-token-keys` (on demand, deduplicated): re-encrypts stored tokens under the active key.
 * Neither carries data: no secret ever sits in Redis.
 */
export const TOKEN_REFRESH_QUEUE = QueueName.tokenRefresh;

export const TokenJob = {
  refreshExpiring: 'refresh-expiring-tokens',
  rotateKeys: 'rotate-token-keys',
} as const;

const Q = 'integrations.quickbooks';

export interface RefreshSweepCounts {
  /** Connections whose access token expires within the window, when the sweep read them. */
  due: number;
  refreshed: number;
  /** Refreshed meanwhile by someone else (a 401, another sweep): nothing to do. */
  skipped: number;
  /** Transient, ambiguous or configuration failures: state unchanged, retried by the next run. */
  failed: number;
  /** `invalid_grant`, lapsed or already flagged: NEEDS_REAUTH. */
  needsReauth: number;
}

export interface TokenRefreshSweepDeps {
  customers: typeof CustomerModel;
  tokens: Pick<ConnectionTokens, 'refresh'>;
  withinMinutes: number;
  now: () => Date;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Refreshes in flight at once (default 5): bounded so one sweep cannot flood Intuit or the lock server. */
  concurrency?: number;
  /** Connections read per query (default 100). */
  batchSize?: number;
}

/** The scheduled sweep, oldest expiry first so the most urgent connections never wait behind others. */
export async function refreshExpiringTokens(deps: TokenRefreshSweepDeps): Promise<RefreshSweepCounts> {
  const { customers, tokens, logger } = deps;
  const concurrency = deps.concurrency ?? 5;
  const batchSize = deps.batchSize ?? 100;
  const cutoff = new Date(deps.now().getTime() + deps.withinMinutes * 60_000);
  const counts: RefreshSweepCounts = { due: 0, refreshed: 0, skipped: 0, failed: 0, needsReauth: 0 };
  let after: { expiresAt: Date; id: string } | undefined;
  for (;;) {
    // Uses the (state, accessTokenExpiresAt) index. Keyset paging, because connections that fail stay due
    // and would otherwise come back in every page.
    const page = await customers
      .find({
        [`${Q}.state`]: 'CONNECTED',
        [`${Q}.accessTokenExpiresAt`]: { $lte: cutoff },
        ...(after && {
          $or: [
            { [`${Q}.accessTokenExpiresAt`]: { $gt: after.expiresAt } },
            { [`${Q}.accessTokenExpiresAt`]: after.expiresAt, _id: { $gt: after.id } },
          ],
        }),
      })
      .select({ _id: 1, [`${Q}.tokenVersion`]: 1, [`${Q}.accessTokenExpiresAt`]: 1 })
      .sort({ [`${Q}.accessTokenExpiresAt`]: 1, _id: 1 })
      .limit(batchSize)
      .lean<
        { _id: string; integrations: { quickbooks: { tokenVersion: number; accessTokenExpiresAt: Date } } }[]
      >();
    counts.due += page.length;
    await forEachConcurrently(page, concurrency, async (doc) => {
      const tenantId = doc._id;
      try {
        const outcome = await tokens.refresh(tenantId, {
          reason: 'scheduled',
          observedVersion: doc.integrations.quickbooks.tokenVersion,
        });
        if (outcome.refreshed) counts.refreshed++;
        else counts.skipped++;
      } catch (error) {
        if (isQuickBooksError(error, 'reauthorization')) {
          counts.needsReauth++;
          return;
        }
        counts.failed++;
        logger.warn(
          { tenantId, kind: isQuickBooksError(error) ? error.kind : undefined, err: error },
          'scheduled token refresh failed',
        );
      }
    });
    if (page.length < batchSize) break;
    const last = page[page.length - 1]!;
    after = { expiresAt: last.integrations.quickbooks.accessTokenExpiresAt, id: last._id };
  }
  const log = counts.failed > 0 ? logger.warn.bind(logger) : logger.info.bind(logger);
  log({ ...counts, withinMinutes: deps.withinMinutes }, 'token refresh sweep finished');
  return counts;
}

async function forEachConcurrently<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Converges on one scheduler however many worker processes start (the id is the key). */
export async function scheduleTokenRefresh(queue: Queue, everyMinutes: number): Promise<void> {
  await queue.upsertJobScheduler(
    TokenJob.refreshExpiring,
    { every: everyMinutes * 60_000 },
    { name: TokenJob.refreshExpiring, opts: { removeOnComplete: 100, removeOnFail: 500 } },
  );
}

/** Asks the workers to re-encrypt stored tokens; a request while one is queued or running is ignored. */
export async function enqueueKeyRotation(queue: Queue): Promise<void> {
  await queue.add(
    TokenJob.rotateKeys,
    {},
    { deduplication: { id: TokenJob.rotateKeys }, removeOnComplete: 100, removeOnFail: 500 },
  );
}

export interface TokenWorkerDeps {
  sweep: Omit<TokenRefreshSweepDeps, 'logger'>;
  rotation: Omit<KeyRotationDeps, 'logger'>;
  logger: Logger;
}

export function createTokenRefreshProcessor(deps: TokenWorkerDeps) {
  return async (job: Job): Promise<RefreshSweepCounts | KeyRotationCounts> => {
    switch (job.name) {
      case TokenJob.refreshExpiring:
        return refreshExpiringTokens({ ...deps.sweep, logger: deps.logger });
      case TokenJob.rotateKeys:
        return createKeyRotationProcessor({ ...deps.rotation, logger: deps.logger })(job);
      default:
        throw new Error(`unknown token job ${job.name}`);
    }
  };
}

/** The key rotation as a BullMQ processor: returns the counts (the job's result), never tokens. */
export function createKeyRotationProcessor(deps: KeyRotationDeps) {
  return async (_job: Job): Promise<KeyRotationCounts> => reencryptAll(deps);
}

export function createTokenRefreshWorker(
  deps: TokenWorkerDeps & { connection: ConnectionOptions; prefix: string },
): Worker {
  // One job at a time: two overlapping sweeps would only contend for the same locks.
  return new Worker(TOKEN_REFRESH_QUEUE, createTokenRefreshProcessor(deps), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 1,
  });
}
