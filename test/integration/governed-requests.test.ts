import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { QuickBooksClient } from '../../src/quickbooks/client.js';
import { QuickBooksError } from '../../src/quickbooks/errors.js';
import { RateGovernor, type GovernorLimits } from '../../src/quickbooks/governor.js';
import { GOVERNOR_BUSY_CODE, newRequestId, QuickBooksHttp, SYSTEM_EDGES } from '../../src/quickbooks/http.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import type { RequestLogEntry } from '../../sandbox/src/request-log.js';
import { eventually } from '../support/harness.js';
import { CA_REALM, US_REALM, useEmulator } from './quickbooks/emulator.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The governor in the request path, against the emulator with Intuit's limits on (its real 60 s and 1 s
 * windows; smaller numbers so a test takes seconds). Each "process" is its own QuickBooksHttp, governor
 * and Redis connection, as two worker processes would have; they share only Redis and the key prefix.
 */
const emulator = useEmulator({ settings: { limits: { perSecond: 10 } } });

const opened: Redis[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((redis) => closeRedis(redis)));
});

interface Stack {
  governor: RateGovernor;
  metrics: Metrics;
  client(realmId: string): QuickBooksClient;
}

function stacks(count: number, limits: Partial<GovernorLimits>, acquireTimeoutMs = 15_000): Stack[] {
  const keyPrefix = `test:governed:${randomUUID()}`;
  const tokens = new Map<string, ReturnType<typeof emulator.tokens>>();
  const tokensFor = (realmId: string) => {
    if (!tokens.has(realmId)) tokens.set(realmId, emulator.tokens(realmId));
    return tokens.get(realmId)!;
  };
  return Array.from({ length: count }, () => {
    const redis = createRedis(process.env.TEST_REDIS_URL!, 'pubsub');
    opened.push(redis);
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    const governor = new RateGovernor({
      redis,
      keyPrefix,
      limits,
      acquireTimeoutMs,
      onWait: metrics.governorWait,
    });
    const http = new QuickBooksHttp({
      ...SYSTEM_EDGES,
      apiBaseUrl: emulator.sandbox.apiBaseUrl,
      timeoutMs: 10_000,
      logger: pino({ level: 'silent' }),
      governor,
      metrics: metrics.requests,
    });
    return {
      governor,
      metrics,
      client: (realmId: string) => new QuickBooksClient({ http, realmId, tokens: tokensFor(realmId) }),
    };
  });
}

const apiRequests = (realmId?: string): RequestLogEntry[] =>
  emulator.sandbox.control.requests({ realmId }).filter((entry) => entry.path.startsWith('/v3/'));

/** The most requests that started inside any window of `spanMs` (sliding, as Intuit counts). */
function busiestWindow(entries: RequestLogEntry[], spanMs: number): number {
  const starts = entries.map((entry) => Date.parse(entry.at)).sort((a, b) => a - b);
  let busiest = 0;
  let first = 0;
  for (let last = 0; last < starts.length; last += 1) {
    while (starts[last]! - starts[first]! >= spanMs) first += 1;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}

/** The most requests the emulator held at once (from each entry's start and duration). */
function peakInFlight(entries: RequestLogEntry[]): number {
  const events = entries.flatMap((entry) => {
    const start = Date.parse(entry.at);
    return [
      { at: start, delta: 1 },
      { at: start + (entry.durationMs ?? 0), delta: -1 },
    ];
  });
  // An end and a start at the same millisecond: count the end first (the slot was free again).
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const { delta } of events) {
    current += delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

async function settle<T>(promises: Promise<T>[]) {
  const results = await Promise.allSettled(promises);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  return { succeeded: results.length - failures.length, failures };
}

describe('every QuickBooks request passes the shared rate governor', () => {
  it('two processes hammering one company stay inside its limits together and never get a 429', async () => {
    const limits = { perMinute: 40, perSecond: 10, concurrent: 3 };
    emulator.sandbox.control.updateSettings({ limits });
    // Slow answers make the in-flight cap bind as well as the windows.
    emulator.sandbox.control.injectLatency({ match: { realmId: US_REALM }, fixedMs: 150, times: null });
    const [first, second] = stacks(2, limits);

    const { succeeded, failures } = await settle(
      [first!, second!].flatMap((stack) =>
        Array.from({ length: 25 }, () => stack.client(US_REALM).read('Customer', '1')),
      ),
    );

    const sent = apiRequests(US_REALM);
    expect(sent.filter((entry) => entry.status === 429)).toEqual([]);
    // Both processes together got exactly the realm's minute and not one request more ...
    expect(succeeded).toBe(40);
    expect(sent).toHaveLength(40);
    expect(busiestWindow(sent, 1000)).toBeLessThanOrEqual(10);
    expect(peakInFlight(sent)).toBeLessThanOrEqual(3);
    // ... and the rest were held back as a retryable wait, never sent.
    expect(failures).toHaveLength(10);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(QuickBooksError);
      expect(failure).toMatchObject({ kind: 'throttled', code: GOVERNOR_BUSY_CODE, retryable: true });
      expect((failure as QuickBooksError).status).toBeUndefined();
      expect((failure as QuickBooksError).retryAfterMs).toBeGreaterThan(30_000);
    }
    // Each process counted only its own requests; together they are what the emulator saw.
    const counted = await Promise.all(
      [first!, second!].map(async (stack) => {
        const metric = await stack.metrics.registry.getSingleMetric('qbo_requests_total')!.get();
        return metric.values.find((v) => v.labels.status === '200')?.value ?? 0;
      }),
    );
    expect(counted[0]! + counted[1]!).toBe(40);
    // The waits were reported: the per-second window held some back, and the full minute refused ten.
    const governorCounts = await Promise.all(
      [first!, second!].map(async (stack) => {
        const waits = await stack.metrics.registry.getSingleMetric('qbo_governor_wait_seconds')!.get();
        const timeouts = await stack.metrics.registry.getSingleMetric('qbo_governor_timeouts_total')!.get();
        return {
          rateWaits:
            waits.values.find(
              (v) =>
                (v as { metricName?: string }).metricName === 'qbo_governor_wait_seconds_count' &&
                v.labels.reason === 'rate',
            )?.value ?? 0,
          rateTimeouts: timeouts.values.find((v) => v.labels.reason === 'rate')?.value ?? 0,
        };
      }),
    );
    expect(governorCounts[0]!.rateWaits + governorCounts[1]!.rateWaits).toBeGreaterThan(0);
    expect(governorCounts[0]!.rateTimeouts + governorCounts[1]!.rateTimeouts).toBe(10);
  }, 30_000);

  it('two real worker processes together stay inside the limits of one company, with no 429', async () => {
    const limits = { perMinute: 30, perSecond: 10, concurrent: 3 };
    emulator.sandbox.control.updateSettings({ limits });
    emulator.sandbox.control.injectLatency({ match: { realmId: US_REALM }, fixedMs: 100, times: null });
    const { access_token: accessToken } = emulator.sandbox.control.issueTokens({ realmId: US_REALM });
    const keyPrefix = `test:governed:${randomUUID()}`;

    const processes = [1, 2].map(() => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'test/support/governed-sender.ts',
          emulator.sandbox.apiBaseUrl,
          US_REALM,
          keyPrefix,
          '20',
          '5',
          JSON.stringify(limits),
        ],
        {
          cwd: root,
          env: {
            PATH: process.env.PATH,
            TEST_REDIS_URL: process.env.TEST_REDIS_URL,
            QBO_ACCESS_TOKEN: accessToken,
          },
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      const lines: string[] = [];
      readline.createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      return { child, lines, exited };
    });
    try {
      for (const { lines } of processes) {
        await eventually(async () => (lines.includes('ready') ? true : undefined), 20_000);
      }
      for (const { child } of processes) child.stdin.write('go\n');
      expect(await Promise.all(processes.map((p) => p.exited))).toEqual([0, 0]);
    } finally {
      for (const { child } of processes) if (child.exitCode === null) child.kill('SIGKILL');
    }

    const results = processes.map(({ lines }) => {
      const line = lines.find((l) => l.startsWith('result '));
      return JSON.parse(line!.slice('result '.length)) as { ok: number; busy: number; other: string[] };
    });
    expect(results.flatMap((r) => r.other)).toEqual([]);
    expect(results[0]!.ok + results[1]!.ok).toBe(30);
    expect(results[0]!.busy + results[1]!.busy).toBe(10);
    const sent = apiRequests(US_REALM);
    expect(sent.filter((entry) => entry.status !== 200)).toEqual([]);
    expect(sent).toHaveLength(30);
    expect(busiestWindow(sent, 1000)).toBeLessThanOrEqual(10);
    expect(peakInFlight(sent)).toBeLessThanOrEqual(3);
  }, 60_000);

  it('a 429 with Retry-After pauses that company for every process while another company keeps flowing', async () => {
    emulator.sandbox.control.updateSettings({ limits: { retryAfterSeconds: 30 } });
    emulator.sandbox.control.injectFault({ match: { realmId: US_REALM }, action: { type: 'throttle' } });
    const [first, second] = stacks(2, {}, 2000);

    const throttled = await first!
      .client(US_REALM)
      .read('Customer', '1')
      .catch((e: unknown) => e);
    expect(throttled).toMatchObject({ kind: 'throttled', status: 429, retryAfterMs: 30_000 });
    expect(await second!.governor.pausedFor(US_REALM)).toBeGreaterThan(25_000);

    // The other process does not send to the paused company at all ...
    const held = await second!
      .client(US_REALM)
      .read('Customer', '1')
      .catch((e: unknown) => e);
    expect(held).toMatchObject({ kind: 'throttled', code: GOVERNOR_BUSY_CODE, retryable: true });
    expect((held as QuickBooksError).retryAfterMs).toBeGreaterThan(25_000);
    expect(apiRequests(US_REALM).map((entry) => entry.status)).toEqual([429]);

    // ... while another company is untouched, from either process.
    const others = await Promise.all([first!, second!].map((stack) => stack.client(CA_REALM).companyInfo()));
    expect(others).toHaveLength(2);
    expect(apiRequests(CA_REALM).map((entry) => entry.status)).toEqual([200, 200]);
    expect(await first!.governor.pausedFor(CA_REALM)).toBe(0);

    const metrics = await first!.metrics.render();
    expect(metrics.body).toContain('qbo_throttled_total{process="worker"} 1');
    expect(metrics.body).toContain('qbo_requests_total{operation="read",status="429",process="worker"} 1');
    const waits = await second!.metrics.render();
    expect(waits.body).toContain('qbo_governor_timeouts_total{reason="paused",process="worker"} 1');
  }, 30_000);

  it('a batch counts one per item against the minute, and once against the batch limit', async () => {
    const limits = { perMinute: 5, batchesPerMinute: 1, perSecond: null };
    emulator.sandbox.control.updateSettings({ limits: { perMinute: 5, perSecond: null, batchPerMinute: 1 } });
    const [first, second] = stacks(2, limits, 1000);

    const batch = await first!.client(US_REALM).batch(
      [1, 2, 3].map((n) => ({ bId: `q${n}`, query: `SELECT * FROM Customer WHERE Id = '${n}'` })),
      { requestId: newRequestId().slice(0, 30) },
    );
    expect(batch.items.every((item) => item.ok)).toBe(true);
    await second!.client(US_REALM).read('Customer', '1');
    await first!.client(US_REALM).read('Customer', '2');

    // 3 + 1 + 1 = 5: the minute is full, for either process; a batch of one would also pass no more.
    const over = await second!
      .client(US_REALM)
      .read('Customer', '3')
      .catch((e: unknown) => e);
    expect(over).toMatchObject({ kind: 'throttled', code: GOVERNOR_BUSY_CODE });
    const secondBatch = await second!
      .client(CA_REALM)
      .batch([{ bId: 'a', query: 'SELECT * FROM Customer' }], { requestId: newRequestId().slice(0, 30) });
    expect(secondBatch.items).toHaveLength(1);
    const overBatch = await first!
      .client(CA_REALM)
      .batch([{ bId: 'b', query: 'SELECT * FROM Customer' }], { requestId: newRequestId().slice(0, 30) })
      .catch((e: unknown) => e);
    expect(overBatch).toMatchObject({ kind: 'throttled', code: GOVERNOR_BUSY_CODE });

    expect(apiRequests().map((entry) => entry.status)).toEqual([200, 200, 200, 200]);
  }, 30_000);
});
