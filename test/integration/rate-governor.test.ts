import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import {
  GovernorTimeoutError,
  RateGovernor,
  type GovernorLimits,
  type GovernorGrant,
} from '../../src/quickbooks/governor.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { start, TestClient, US_REALM } from '../../sandbox/test/helpers.js';
import { eventually } from '../support/harness.js';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

let redis: Redis;

beforeAll(async () => {
  redis = createRedis(process.env.TEST_REDIS_URL!, 'pubsub');
  await redis.ping();
});

afterAll(async () => {
  await closeRedis(redis);
});

/** Each test its own key prefix and realm ids, so no test sees another's windows or slots. */
function governorWith(limits: Partial<GovernorLimits>, acquireTimeoutMs = 10_000) {
  const keyPrefix = `test:governor:${randomUUID()}`;
  return {
    keyPrefix,
    governor: new RateGovernor({ redis, keyPrefix, limits, acquireTimeoutMs }),
  };
}

const realm = () => `realm-${randomUUID().slice(0, 8)}`;

/** The largest number of timestamps inside any window of `spanMs` (sliding, as Intuit counts). */
function busiestWindow(times: number[], spanMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= spanMs) start += 1;
    busiest = Math.max(busiest, end - start + 1);
  }
  return busiest;
}

async function releaseAll(grants: GovernorGrant[]): Promise<void> {
  await Promise.all(grants.map((g) => g.release()));
}

describe('per-realm rate governor', () => {
  it('never admits more than the per-minute limit in any window (scaled window), and uses all of it', async () => {
    const { governor } = governorWith({ perMinute: 5, minuteMs: 1000, perSecond: null, concurrent: 50 });
    const realmId = realm();
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const grant = await governor.acquire(realmId);
        granted.push(Date.now());
        await grant.release();
      }),
    );

    expect(granted).toHaveLength(12);
    expect(busiestWindow(granted, 1000)).toBe(5);
  });

  it('counts a batch per item against the minute and once against the batch limit', async () => {
    const { governor } = governorWith(
      { perMinute: 5, batchesPerMinute: 1, minuteMs: 60_000, perSecond: null, concurrent: 50 },
      200,
    );
    const realmId = realm();
    const batch = await governor.acquire(realmId, { cost: governor.costOfBatch(3), batch: true });
    const singles = [await governor.acquire(realmId), await governor.acquire(realmId)];

    const overMinute = await governor.acquire(realmId).catch((e: unknown) => e);
    expect(overMinute).toBeInstanceOf(GovernorTimeoutError);
    expect(overMinute).toMatchObject({ realmId, reason: 'rate', retryable: true });
    expect((overMinute as GovernorTimeoutError).retryAfterMs).toBeGreaterThan(50_000);

    const other = realm();
    await (await governor.acquire(other, { cost: 1, batch: true })).release();
    await expect(governor.acquire(other, { cost: 1, batch: true })).rejects.toMatchObject({ reason: 'rate' });
    await releaseAll([batch, ...singles]);
  });

  it('counts a batch once when batchCost is per request', async () => {
    const { governor } = governorWith({ perMinute: 2, batchCost: 'request', perSecond: null }, 200);
    const realmId = realm();
    const grants = [
      await governor.acquire(realmId, { cost: governor.costOfBatch(30), batch: true }),
      await governor.acquire(realmId),
    ];
    await expect(governor.acquire(realmId)).rejects.toMatchObject({ reason: 'rate' });
    await releaseAll(grants);
  });

  it('gives the in-flight slot back when it times out waiting for the window', async () => {
    const { governor, keyPrefix } = governorWith({ perMinute: 1, minuteMs: 60_000, concurrent: 1 }, 200);
    const realmId = realm();
    await (await governor.acquire(realmId)).release();
    await expect(governor.acquire(realmId)).rejects.toMatchObject({ reason: 'rate' });
    // redis-semaphore keeps holders in a sorted set named semaphore:<key>.
    expect(await redis.zcard(`semaphore:${keyPrefix}:{${realmId}}:inflight`)).toBe(0);
  });

  it('rejects a cost that no window could ever admit instead of waiting forever', async () => {
    const { governor } = governorWith({ perMinute: 5 });
    await expect(governor.acquire(realm(), { cost: 6 })).rejects.toThrow(RangeError);
    await expect(governor.acquire(realm(), { cost: 0 })).rejects.toThrow(RangeError);
  });

  it('holds the per-second window too', async () => {
    const { governor } = governorWith({ perMinute: 500, perSecond: 2, secondMs: 60_000 }, 200);
    const realmId = realm();
    const grants = [await governor.acquire(realmId), await governor.acquire(realmId)];
    await expect(governor.acquire(realmId)).rejects.toMatchObject({ reason: 'rate' });
    await releaseAll(grants);
  });

  it('never has more requests in flight than the cap, and a waiter gets the slot a release frees', async () => {
    const { governor } = governorWith({ concurrent: 3, perMinute: 500, perSecond: null }, 300);
    const realmId = realm();
    let holding = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const grant = await governor.acquire(realmId, { timeoutMs: 10_000 });
        holding += 1;
        peak = Math.max(peak, holding);
        await delay(20);
        holding -= 1;
        await grant.release();
      }),
    );
    expect(peak).toBe(3);

    const held = await Promise.all([1, 2, 3].map(() => governor.acquire(realmId)));
    const refused = await governor.acquire(realmId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GovernorTimeoutError);
    expect(refused).toMatchObject({ reason: 'in_flight', retryable: true });

    const waiter = governor.acquire(realmId, { timeoutMs: 10_000 });
    await held[0]!.release();
    await held[0]!.release(); // a second release must not free another holder's slot
    const next = await waiter;
    await expect(governor.acquire(realmId)).rejects.toMatchObject({ reason: 'in_flight' });
    await releaseAll([next, held[1]!, held[2]!]);
  });

  it('a paused realm waits out its pause while another realm flows', async () => {
    const { governor } = governorWith({ perSecond: null }, 200);
    const paused = realm();
    const flowing = realm();
    await governor.pauseRealm(paused, 1500);
    // A shorter pause (a second 429 with a smaller Retry-After) does not cut the first one short.
    await governor.pauseRealm(paused, 10);
    expect(await governor.pausedFor(paused)).toBeGreaterThan(1000);

    const refused = await governor.acquire(paused).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GovernorTimeoutError);
    expect(refused).toMatchObject({ realmId: paused, reason: 'paused' });
    expect((refused as GovernorTimeoutError).retryAfterMs).toBeGreaterThan(1000);

    const waiting = governor.acquire(paused, { timeoutMs: 10_000 });
    let waitingSettled = false;
    void waiting.then(() => (waitingSettled = true));
    const other = await Promise.all([1, 2, 3].map(() => governor.acquire(flowing)));
    expect(other).toHaveLength(3);
    expect(waitingSettled).toBe(false);
    await releaseAll(other);

    const resumed = await waiting;
    expect(await governor.pausedFor(paused)).toBe(0);
    await resumed.release();
  });

  it("keeps a burst inside the emulator's Intuit limits (10 a second, 10 in flight): no 429, where the same burst ungoverned gets them", async () => {
    const sandbox = await start();
    try {
      // Slow responses make the in-flight cap matter as well as the per-second window.
      sandbox.control.injectLatency({ match: { path: '/companyinfo' }, fixedMs: 40, times: null });
      const client = TestClient.connect(sandbox, US_REALM);
      const burst = async (send: () => Promise<number>) => {
        const statuses: number[] = [];
        await Promise.all(
          Array.from({ length: 15 }, async () => {
            for (let i = 0; i < 2; i += 1) statuses.push(await send());
          }),
        );
        return statuses;
      };
      const read = async () => (await client.get(`/companyinfo/${US_REALM}`)).status;

      const ungoverned = await burst(read);
      expect(ungoverned.filter((s) => s === 429).length).toBeGreaterThan(0);

      sandbox.control.reset({ keepConnections: true });
      sandbox.control.injectLatency({ match: { path: '/companyinfo' }, fixedMs: 40, times: null });
      const { governor } = governorWith({}); // Intuit's own limits, unscaled
      const governed = await burst(async () => {
        const grant = await governor.acquire(US_REALM);
        try {
          return await read();
        } finally {
          await grant.release();
        }
      });
      expect(governed).toHaveLength(30);
      expect(governed.filter((s) => s !== 200)).toEqual([]);
    } finally {
      await sandbox.close();
    }
  }, 30_000);

  it('a worker killed while holding slots frees them once their lease runs out', async () => {
    const keyPrefix = `test:governor:${randomUUID()}`;
    const realmId = realm();
    const limits: Partial<GovernorLimits> = { concurrent: 2, perSecond: null };
    const child = spawn(
      // Node itself with tsx's loader, not the tsx CLI: the CLI runs the script in a grandchild that a
      // SIGKILL to the CLI would not reach.
      process.execPath,
      [
        '--import',
        'tsx',
        'test/support/governor-client.ts',
        realmId,
        keyPrefix,
        'hold',
        '2',
        JSON.stringify(limits),
      ],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          TEST_REDIS_URL: process.env.TEST_REDIS_URL,
          GOVERNOR_LEASE_MS: '1000',
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await eventually(async () => (lines.includes('ready') ? true : undefined), 20_000);
    child.stdin.write('go\n');
    await eventually(async () => (lines.includes('held') ? true : undefined), 10_000);
    child.kill('SIGKILL');
    await exited;

    const governor = new RateGovernor({ redis, keyPrefix, limits, acquireTimeoutMs: 100 });
    await expect(governor.acquire(realmId)).rejects.toMatchObject({ reason: 'in_flight' });
    const grants = await Promise.all([1, 2].map(() => governor.acquire(realmId, { timeoutMs: 10_000 })));
    expect(grants).toHaveLength(2);
    await releaseAll(grants);
  }, 30_000);

  it('two worker processes together never exceed the realm limits', async () => {
    const keyPrefix = `test:governor:${randomUUID()}`;
    const realmId = realm();
    const limits: Partial<GovernorLimits> = { perMinute: 8, minuteMs: 1000, concurrent: 3, perSecond: null };
    const perProcess = 14;
    const children = [0, 1].map(() => {
      const child = spawn(
        tsx,
        [
          'test/support/governor-client.ts',
          realmId,
          keyPrefix,
          String(perProcess),
          '4',
          JSON.stringify(limits),
        ],
        {
          cwd: root,
          env: { PATH: process.env.PATH, TEST_REDIS_URL: process.env.TEST_REDIS_URL },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      const lines: string[] = [];
      readline.createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
      const stderr: string[] = [];
      readline.createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      return { child, lines, stderr, exited };
    });
    await eventually(
      async () => (children.every((c) => c.lines.includes('ready')) ? true : undefined),
      20_000,
    );
    for (const { child } of children) child.stdin.write('go\n');
    const codes = await Promise.all(children.map((c) => c.exited));

    expect({ codes, stderr: children.flatMap((c) => c.stderr) }).toEqual({ codes: [0, 0], stderr: [] });
    const grants = (await redis.lrange(`${keyPrefix}:stats:grants`, 0, -1)).map(Number);
    expect(grants).toHaveLength(2 * perProcess);
    expect(busiestWindow(grants, 1000)).toBe(8);
    expect(Number(await redis.get(`${keyPrefix}:stats:peak`))).toBe(3);
  }, 60_000);
});
