import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GovernorWait, GovernorWaitReason } from '../quickbooks/governor.js';
import type { RequestMetrics } from '../quickbooks/http.js';

/**
 * The Prometheus metrics of one process (API or worker), on its own Registry so tests and a process that
 * embeds both sides never collide in prom-client's global one. Labels are bounded sets chosen by code:
 * never a tenant id or realm id (one series per company would grow without bound, and the ids do not
 * belong in a monitoring system); per-company detail is in the sync log.
 */

/**
 * The outcomes of one push job run: the sync state it ended in (DEAD: the last attempt failed), SKIPPED (a
 * stale job, nothing sent), NOT_IN_QUICKBOOKS (voided before it was ever pushed), THROTTLED (delayed for
 * the realm's budget or a 429, no attempt spent) and PAUSED (parked until the customer reconnects).
 */
export const PUSH_OUTCOMES = [
  'SYNCED',
  'ACTION_REQUIRED',
  'FAILED',
  'DEAD',
  'SKIPPED',
  'NOT_IN_QUICKBOOKS',
  'THROTTLED',
  'PAUSED',
] as const;
export type PushOutcome = (typeof PUSH_OUTCOMES)[number];

/** BullMQ job states reported per queue; `completed` grows without bound and is not a depth. */
export const QUEUE_STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

/** What the push worker reports when a job ends (given to it by the composition root). */
export interface PushMetrics {
  /**
   * One push job ended in `outcome` (an unknown outcome is counted as `OTHER`, so a typo cannot create
   * new series). `enqueueToSyncedSeconds`: from the first notification of this version to SYNCED.
   */
  pushFinished(outcome: string, enqueueToSyncedSeconds?: number): void;
}

/** A queue whose depth is read on every scrape (BullMQ's Queue fits). */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

export interface Metrics {
  readonly registry: Registry;
  /** For QuickBooksHttp's `metrics` option. */
  readonly requests: RequestMetrics;
  /** For RateGovernor's `onWait` option. */
  readonly governorWait: (wait: GovernorWait) => void;
  readonly push: PushMetrics;
  /** Reports these queues' depths from now on (read at scrape time). */
  watchQueues(queues: readonly CountableQueue[]): void;
  /** The exposition text and its content type, for a /metrics handler. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Seconds; from a 10 ms slot wait to a 60 s pause after a 429 (and the 120 s acquire ceiling). */
const GOVERNOR_WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];
/** Seconds; the debounce (3 s) is the floor of a healthy push, a 60 s pause a throttled one. */
const PUSH_LATENCY_BUCKETS = [1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];
/** A scrape must not hang on a stalled Redis; the queue series are left out instead. */
const QUEUE_COUNT_TIMEOUT_MS = 2000;

export function createMetrics(options: { process: 'api' | 'worker'; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process: options.process });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const pushes = new Counter({
    name: 'qbo_pushes_total',
    help: 'Invoice push jobs by the state they ended in',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'qbo_requests_total',
    help: 'QuickBooks Accounting API attempts by operation and HTTP status (network: no answer)',
    labelNames: ['operation', 'status'],
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'qbo_throttled_total',
    help: 'HTTP 429 (ThrottleExceeded) answers from QuickBooks',
    registers: [registry],
  });
  const governorWaits = new Histogram({
    name: 'qbo_governor_wait_seconds',
    help: "Time requests waited for their realm's budget, by reason (in_flight, rate, paused)",
    labelNames: ['reason'],
    buckets: GOVERNOR_WAIT_BUCKETS,
    registers: [registry],
  });
  const governorTimeouts = new Counter({
    name: 'qbo_governor_timeouts_total',
    help: 'Requests not sent because their realm did not admit them in time, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const pushLatency = new Histogram({
    name: 'qbo_push_enqueue_to_synced_seconds',
    help: 'From the change notification to SYNCED',
    buckets: PUSH_LATENCY_BUCKETS,
    registers: [registry],
  });

  const watched: CountableQueue[] = [];
  new Gauge({
    name: 'qbo_queue_jobs',
    help: 'Jobs per queue and state, read from BullMQ at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      // Start from nothing: a queue that could not be read shows as absent, not as its last value.
      this.reset();
      await Promise.all(
        watched.map(async (queue) => {
          const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), QUEUE_COUNT_TIMEOUT_MS).catch(
            () => undefined,
          );
          if (!counts) return;
          for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }),
      );
    },
  });

  // Zero series for every known label value, so rate() and alerts see 0 before the first event.
  for (const outcome of PUSH_OUTCOMES) pushes.inc({ outcome }, 0);
  for (const reason of ['in_flight', 'rate', 'paused'] satisfies GovernorWaitReason[]) {
    governorTimeouts.inc({ reason }, 0);
  }
  throttled.inc(0);

  const knownOutcomes = new Set<string>(PUSH_OUTCOMES);
  return {
    registry,
    requests: {
      requestFinished(operation, status) {
        requests.inc({ operation, status: String(status) });
      },
      throttled() {
        throttled.inc();
      },
    },
    governorWait({ reason, waitedMs, gaveUp }) {
      governorWaits.observe({ reason }, waitedMs / 1000);
      if (gaveUp) governorTimeouts.inc({ reason });
    },
    push: {
      pushFinished(outcome, enqueueToSyncedSeconds) {
        pushes.inc({ outcome: knownOutcomes.has(outcome) ? outcome : 'OTHER' });
        if (enqueueToSyncedSeconds !== undefined && Number.isFinite(enqueueToSyncedSeconds)) {
          pushLatency.observe(Math.max(0, enqueueToSyncedSeconds));
        }
      },
    },
    watchQueues(queues) {
      watched.push(...queues);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
