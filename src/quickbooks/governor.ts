import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Semaphore, TimeoutError as SemaphoreTimeoutError } from 'redis-semaphore';

/**
 * The per-realm rate governor every worker process shares, so we never cause our own 429s.
 *
 * Intuit's limits (/work/shared/notes/quickbooks-api.md §4.1-4.2): 500 requests a minute per realm, 10 a
 * second per realm and app, 40 batch requests a minute per realm and app, and at most 10 requests in flight
 * per realm and app (2016 blog). "Batch requests count toward the 500/min"; whether a batch counts once or
 * once per item is UNCONFIRMED, so the cost of a batch is a setting (`batchCost`, default per item: the
 * conservative reading, and the emulator's default).
 *
 * How it is built:
 * - In-flight cap: redis-semaphore's Semaphore (a sorted set of owner tokens with a lease that the holder
 *   refreshes, so a crashed process frees its slot when the lease runs out; release is owner-checked).
 * - Request windows and the realm pause: one Lua script, so the check and the grant across every window
 *   are atomic and use Redis' clock (one clock for all processes). It is a sliding log, not a fixed window:
 *   Intuit (and the emulator) count the last 60 s, so a fixed-window limiter (rate-limiter-flexible's
 *   RateLimiterRedis) would admit up to twice the limit across a window boundary and cause the very 429s
 *   this module exists to prevent.
 * - Every key of a realm carries the hash tag `{realmId}`, so the multi-key script runs on Redis Cluster.
 *
 * The slot is taken before the window budget, so a granted request is sent right after its grant: a
 * request granted and then left waiting for a slot could reach Intuit later, bunched with newer ones.
 */

export interface GovernorLimits {
  /** Requests (batch items, when `batchCost` is `items`) per `minuteMs` per realm. Intuit: 500. */
  perMinute: number;
  /** Requests per `secondMs` per realm; null turns the short window off. Intuit: 10. */
  perSecond: number | null;
  /** Batch requests per `minuteMs` per realm. Intuit: 40 per realm and app. */
  batchesPerMinute: number;
  /** Requests in flight per realm. Intuit: 10 concurrent (2016 blog). */
  concurrent: number;
  /** What one batch counts for against perMinute and perSecond (UNCONFIRMED at Intuit, §4.2). */
  batchCost: 'items' | 'request';
  /** The long window; tests scale it down (with perMinute) so a run takes seconds. */
  minuteMs: number;
  secondMs: number;
  /**
   * Added to each window: our grant happens before the request reaches Intuit, and the delay between the
   * two varies (a request on a fresh connection first pays TCP and TLS set-up), so two requests granted
   * exactly one window apart can arrive within one window at Intuit's end. Measured against the
   * emulator: a fresh worker process's first request arrived ~110 ms after its grant and, with a 100 ms
   * margin, met a 429 from the 10/second window (test/integration/governed-requests.test.ts). With 250 ms
   * the second window admits at most 8/s sustained: 480 a minute, 96% of Intuit's 500.
   */
  marginMs: number;
}

export const INTUIT_LIMITS: GovernorLimits = {
  perMinute: 500,
  perSecond: 10,
  batchesPerMinute: 40,
  concurrent: 10,
  batchCost: 'items',
  minuteMs: 60_000,
  secondMs: 1000,
  marginMs: 250,
};

/** Intuit: "wait 60 seconds" after a 429 when no Retry-After is given (§4.1). */
export const DEFAULT_THROTTLE_PAUSE_MS = 60_000;

export type GovernorWaitReason = 'in_flight' | 'rate' | 'paused';

/** One stretch of waiting inside acquire(), reported through `onWait` (metrics: how long realms hold us). */
export interface GovernorWait {
  realmId: string;
  reason: GovernorWaitReason;
  waitedMs: number;
  /** True when this reason is why acquire() gave up (GovernorTimeoutError); waitedMs may then be 0. */
  gaveUp: boolean;
}

/**
 * acquire() waited past its deadline. Retryable: the realm is busy, not broken; a job processor should
 * delay the job (by `retryAfterMs` when known) rather than fail it.
 */
export class GovernorTimeoutError extends Error {
  override readonly name = 'GovernorTimeoutError';
  readonly retryable = true;

  constructor(
    readonly realmId: string,
    readonly reason: GovernorWaitReason,
    readonly waitedMs: number,
    /** For `rate` and `paused`: how long until the realm would have admitted this request. */
    readonly retryAfterMs?: number,
  ) {
    super(`QuickBooks realm ${realmId} did not admit a request within ${waitedMs} ms (${reason})`);
  }
}

/** An in-flight slot; release it when the response (or the failure) is in. Releasing twice is harmless. */
export interface GovernorGrant {
  readonly realmId: string;
  readonly cost: number;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** What this request counts for against the per-minute and per-second windows; see costOfBatch. */
  cost?: number;
  /** A batch request also counts once against batchesPerMinute. */
  batch?: boolean;
  /** Overrides the governor's acquireTimeoutMs for this call. */
  timeoutMs?: number;
}

export interface RateGovernorOptions {
  /** A client that fails commands rather than queueing them forever (not a BullMQ blocking connection). */
  redis: Redis;
  limits?: Partial<GovernorLimits>;
  /** Distinguishes deployments (and tests) sharing one Redis. */
  keyPrefix?: string;
  /** How long acquire() waits in all before it throws GovernorTimeoutError. */
  acquireTimeoutMs?: number;
  /** The in-flight lease: a process that dies holding a slot frees it after this long. */
  leaseMs?: number;
  /** How often a waiter for an in-flight slot asks again. */
  slotRetryMs?: number;
  /** Called when a held slot's lease was lost (the process stalled longer than leaseMs). */
  onLeaseLost?: (realmId: string) => void;
  /**
   * Called once per reason that made an acquire() wait, with the time spent on it (a request that waited
   * for a slot and then for the window reports twice). Must not throw; it runs on the request path.
   */
  onWait?: (wait: GovernorWait) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Validates limits once, so a misconfiguration fails at start-up and not on the first request. */
export function resolveLimits(overrides: Partial<GovernorLimits> = {}): GovernorLimits {
  const limits = { ...INTUIT_LIMITS, ...overrides };
  const positiveIntegers: Array<[string, number | null]> = [
    ['perMinute', limits.perMinute],
    ['perSecond', limits.perSecond],
    ['batchesPerMinute', limits.batchesPerMinute],
    ['concurrent', limits.concurrent],
    ['minuteMs', limits.minuteMs],
    ['secondMs', limits.secondMs],
  ];
  for (const [name, value] of positiveIntegers) {
    if (value !== null && (!Number.isInteger(value) || value < 1)) {
      throw new RangeError(`governor limit ${name} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isInteger(limits.marginMs) || limits.marginMs < 0) {
    throw new RangeError(`governor limit marginMs must be a non-negative integer, got ${limits.marginMs}`);
  }
  return limits;
}

/** What a batch of `items` operations counts for against the request windows. */
export function costOfBatch(items: number, batchCost: GovernorLimits['batchCost']): number {
  if (!Number.isInteger(items) || items < 1)
    throw new RangeError(`a batch has at least one item, got ${items}`);
  return batchCost === 'items' ? items : 1;
}

/**
 * KEYS[1]: the realm's pause key; KEYS[2..]: one sorted set per window.
 * ARGV[1]: a unique grant id; then per window: limit, span (ms), cost.
 * Returns {0, 0} when granted (and recorded in every window), {1, ms} while the realm is paused,
 * {2, ms} when a window is full: ms until enough of it has slid out for this request.
 */
const ADMIT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return {1, paused} end
local wait = 0
for i = 2, #KEYS do
  local base = (i - 2) * 3 + 2
  local limit = tonumber(ARGV[base])
  local span = tonumber(ARGV[base + 1])
  local cost = tonumber(ARGV[base + 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - span)
  local used = redis.call('ZCARD', KEYS[i])
  if used + cost > limit then
    local index = used + cost - limit - 1
    local entry = redis.call('ZRANGE', KEYS[i], index, index, 'WITHSCORES')
    local until_free = tonumber(entry[2]) + span - now + 1
    if until_free > wait then wait = until_free end
  end
end
if wait > 0 then return {2, wait} end
for i = 2, #KEYS do
  local base = (i - 2) * 3 + 2
  local cost = tonumber(ARGV[base + 2])
  local args = {}
  for n = 1, cost do
    args[#args + 1] = now
    args[#args + 1] = ARGV[1] .. ':' .. n
  end
  redis.call('ZADD', KEYS[i], unpack(args))
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[base + 1]))
end
return {0, 0}
`;

/** Extends a pause, never shortens it: two 429s in a row must not let the shorter one win. */
const PAUSE_SCRIPT = `
local current = redis.call('PTTL', KEYS[1])
local wanted = tonumber(ARGV[1])
if current < wanted then redis.call('SET', KEYS[1], '1', 'PX', wanted) end
return redis.call('PTTL', KEYS[1])
`;

interface Window {
  key: string;
  limit: number;
  spanMs: number;
  cost: number;
}

export class RateGovernor {
  readonly limits: GovernorLimits;
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly acquireTimeoutMs: number;
  private readonly leaseMs: number;
  private readonly slotRetryMs: number;
  private readonly onLeaseLost: (realmId: string) => void;
  private readonly onWait: (wait: GovernorWait) => void;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: RateGovernorOptions) {
    this.redis = options.redis;
    this.limits = resolveLimits(options.limits);
    this.keyPrefix = options.keyPrefix ?? 'qbo:governor';
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 120_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.slotRetryMs = options.slotRetryMs ?? 10;
    this.onLeaseLost = options.onLeaseLost ?? (() => undefined);
    this.onWait = options.onWait ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
  }

  /** What a batch of `items` operations costs under this governor's batchCost. */
  costOfBatch(items: number): number {
    return costOfBatch(items, this.limits.batchCost);
  }

  /**
   * Waits until the realm admits one request of `cost`: an in-flight slot is free, the realm is not
   * paused, and every window has room. Throws GovernorTimeoutError after the timeout, having released
   * anything it took.
   */
  async acquire(realmId: string, options: AcquireOptions = {}): Promise<GovernorGrant> {
    const cost = options.cost ?? 1;
    if (!Number.isInteger(cost) || cost < 1 || cost > this.limits.perMinute) {
      // A cost above the window's limit could never be admitted: waiting would only hide the bug.
      throw new RangeError(`request cost must be an integer from 1 to ${this.limits.perMinute}, got ${cost}`);
    }
    const started = this.now();
    const deadline = started + (options.timeoutMs ?? this.acquireTimeoutMs);

    const slot = new Semaphore(this.redis, this.key(realmId, 'inflight'), this.limits.concurrent, {
      lockTimeout: this.leaseMs,
      acquireTimeout: Math.max(1, deadline - this.now()),
      retryInterval: this.slotRetryMs,
      // The default handler throws an unhandled error; a lost lease only means a stalled holder.
      onLockLost: () => this.onLeaseLost(realmId),
    });
    try {
      await slot.acquire();
    } catch (error) {
      if (error instanceof SemaphoreTimeoutError) {
        this.reportWait(realmId, 'in_flight', this.now() - started, true);
        throw new GovernorTimeoutError(realmId, 'in_flight', this.now() - started);
      }
      throw error;
    }
    // redis-semaphore tries once at once, then every slotRetryMs: anything slower than one retry interval
    // means the realm's slots were all taken (a single Redis round trip is far below it).
    const slotWaitMs = this.now() - started;
    if (slotWaitMs >= this.slotRetryMs) this.reportWait(realmId, 'in_flight', slotWaitMs, false);

    try {
      await this.admit(realmId, cost, options.batch === true, started, deadline);
    } catch (error) {
      await slot.release();
      throw error;
    }

    let released = false;
    return {
      realmId,
      cost,
      release: async () => {
        if (released) return;
        released = true;
        await slot.release();
      },
    };
  }

  /**
   * After a 429: no process sends to this realm for `ms` (Retry-After, else Intuit's 60 s). Other realms
   * are untouched. A longer pause already in place is kept.
   */
  async pauseRealm(realmId: string, ms: number = DEFAULT_THROTTLE_PAUSE_MS): Promise<void> {
    if (!Number.isFinite(ms) || ms <= 0) return;
    await this.redis.eval(PAUSE_SCRIPT, 1, this.key(realmId, 'paused'), Math.ceil(ms));
  }

  /** Milliseconds left on the realm's pause; 0 when it is not paused. */
  async pausedFor(realmId: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.key(realmId, 'paused')));
  }

  private async admit(
    realmId: string,
    cost: number,
    batch: boolean,
    started: number,
    deadline: number,
  ): Promise<void> {
    const windows = this.windowsFor(realmId, cost, batch);
    const keys = [this.key(realmId, 'paused'), ...windows.map((w) => w.key)];
    const args = windows.flatMap((w) => [w.limit, w.spanMs, w.cost]);
    const waited: Record<'rate' | 'paused', number> = { rate: 0, paused: 0 };
    const report = (gaveUpOn?: 'rate' | 'paused') => {
      for (const reason of ['rate', 'paused'] as const) {
        const gaveUp = reason === gaveUpOn;
        if (waited[reason] > 0 || gaveUp) this.reportWait(realmId, reason, waited[reason], gaveUp);
      }
    };
    for (;;) {
      const [status, waitMs] = (await this.redis.eval(
        ADMIT_SCRIPT,
        keys.length,
        ...keys,
        randomUUID(),
        ...args,
      )) as [number, number];
      if (status === 0) {
        report();
        return;
      }
      const reason = status === 1 ? 'paused' : 'rate';
      if (this.now() + waitMs > deadline) {
        report(reason);
        throw new GovernorTimeoutError(realmId, reason, this.now() - started, waitMs);
      }
      // The script says exactly when room appears; another process may take it first, then we ask again.
      const sleptFrom = this.now();
      await this.sleep(waitMs);
      waited[reason] += this.now() - sleptFrom;
    }
  }

  private reportWait(realmId: string, reason: GovernorWaitReason, waitedMs: number, gaveUp: boolean): void {
    try {
      this.onWait({ realmId, reason, waitedMs, gaveUp });
    } catch {
      // An observer's bug must not fail a request to QuickBooks.
    }
  }

  private windowsFor(realmId: string, cost: number, batch: boolean): Window[] {
    const { limits } = this;
    const windows: Window[] = [
      {
        key: this.key(realmId, 'minute'),
        limit: limits.perMinute,
        spanMs: limits.minuteMs + limits.marginMs,
        cost,
      },
    ];
    if (limits.perSecond !== null) {
      windows.push({
        key: this.key(realmId, 'second'),
        limit: limits.perSecond,
        spanMs: limits.secondMs + limits.marginMs,
        // A batch costlier than the short window could never pass it: it counts as the whole window.
        cost: Math.min(cost, limits.perSecond),
      });
    }
    if (batch) {
      windows.push({
        key: this.key(realmId, 'batches'),
        limit: limits.batchesPerMinute,
        spanMs: limits.minuteMs + limits.marginMs,
        cost: 1,
      });
    }
    return windows;
  }

  private key(realmId: string, part: string): string {
    return `${this.keyPrefix}:{${realmId}}:${part}`;
  }
}
