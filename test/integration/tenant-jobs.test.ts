import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { connectDatabase, createIndexes, models } from '../../src/models/index.js';
import { QuickBooksError } from '../../src/quickbooks/errors.js';
import type { OAuthTokenClient } from '../../src/quickbooks/tokens.js';
import { ConnectionTokens } from '../../src/quickbooks/vault/connection-tokens.js';
import { TokenCipher } from '../../src/quickbooks/vault/token-cipher.js';
import { createRedis } from '../../src/redis.js';
import { cancelPendingJobs, parkIfPaused, resumeTenantJobs } from '../../src/workers/tenant-jobs.js';
import { eventually, silentLogger, testConfig, uniqueName } from '../support/harness.js';

const config = testConfig();
const connections: Redis[] = [];
function redis(role: 'worker' | 'pubsub' = 'worker'): Redis {
  const connection = createRedis(config.redis.url, role);
  connections.push(connection);
  return connection;
}
const queues: Queue[] = [];
function queue(): Queue {
  const created = new Queue(uniqueName('tenant-jobs'), { connection: redis(), prefix: config.redis.prefix });
  queues.push(created);
  return created;
}

/** The token endpoint must never be reached: these connections are either paused or hold fresh tokens. */
const unreachableOAuth: OAuthTokenClient = {
  exchangeCode: () => Promise.reject(new Error('not expected')),
  refresh: () => Promise.reject(new Error('not expected')),
  revoke: () => Promise.reject(new Error('not expected')),
};
const cipher = new TokenCipher(config.quickbooks.tokenKeys);
let vault: ConnectionTokens;

async function storeConnection(tenantId: string, state: 'CONNECTED' | 'NEEDS_REAUTH', accessToken: string) {
  const sealed = vault.seal(tenantId, {
    accessToken,
    refreshToken: `refresh-${tenantId}`,
    accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
    refreshTokenExpiresAt: new Date(Date.now() + 86_400_000 * 100),
  });
  await models.customers.updateOne(
    { _id: tenantId },
    {
      $set: {
        'integrations.quickbooks.state': state,
        'integrations.quickbooks.connected': true,
        'integrations.quickbooks.realmId': '9130350000000001',
        'integrations.quickbooks.accessTokenCipher': sealed.accessTokenCipher,
        'integrations.quickbooks.refreshTokenCipher': sealed.refreshTokenCipher,
        'integrations.quickbooks.accessTokenExpiresAt': new Date(Date.now() + 3_600_000),
        'integrations.quickbooks.refreshTokenExpiresAt': new Date(Date.now() + 86_400_000 * 100),
      },
      $inc: { 'integrations.quickbooks.tokenVersion': 1 },
    },
    { upsert: true },
  );
}

beforeAll(async () => {
  await connectDatabase(config.mongo.uri, config.mongo.dbName);
  await createIndexes();
  vault = new ConnectionTokens({
    customers: models.customers,
    cipher,
    oauth: unreachableOAuth,
    redis: redis('pubsub'),
    lockPrefix: config.redis.prefix,
    now: () => new Date(),
    logger: silentLogger(),
    onStateChange: () => undefined,
  });
});

afterAll(async () => {
  for (const created of queues) await created.obliterate({ force: true }).catch(() => undefined);
  await Promise.all(queues.map((created) => created.close()));
  for (const connection of connections) connection.disconnect();
  await mongoose.connection.db?.dropDatabase();
  await mongoose.disconnect();
});

describe("a tenant's jobs", () => {
  it('disconnect cancels only that tenant’s waiting and delayed jobs, across pages', async () => {
    const pushes = queue();
    // More than one page (500) of each tenant, interleaved: removal shifts later jobs into earlier pages.
    await pushes.addBulk(
      Array.from({ length: 1300 }, (_, i) => ({
        name: 'push-invoice',
        data: { tenantId: i % 2 === 0 ? 'cust-a' : 'cust-b', invoiceId: `inv-${i}` },
        opts: i % 10 === 0 ? { delay: 60_000 } : {},
      })),
    );
    expect(await cancelPendingJobs([pushes], 'cust-a')).toBe(650);
    const left = await pushes.getJobs(['waiting', 'delayed'], 0, -1);
    expect(left).toHaveLength(650);
    expect(left.every((job) => (job.data as { tenantId: string }).tenantId === 'cust-b')).toBe(true);
  });

  it('a job whose tenant needs reauthorization is parked without spending an attempt, and reconnecting wakes it', async () => {
    const pushes = queue();
    const events = new QueueEvents(pushes.name, { connection: redis(), prefix: config.redis.prefix });
    const failures: string[] = [];
    events.on('failed', ({ jobId }) => failures.push(jobId));
    await events.waitUntilReady();
    await storeConnection('cust-paused', 'NEEDS_REAUTH', 'at-paused');
    await storeConnection('cust-other', 'NEEDS_REAUTH', 'at-other');
    const worker = new Worker(
      pushes.name,
      async (job: Job, token?: string) => {
        try {
          // What a push does first: take the tenant's access token from the vault.
          return await vault.getAccessToken((job.data as { tenantId: string }).tenantId);
        } catch (error) {
          await parkIfPaused(job, token, error);
          throw error;
        }
      },
      { connection: redis(), prefix: config.redis.prefix },
    );
    try {
      const paused = await pushes.add('push-invoice', { tenantId: 'cust-paused' }, { attempts: 3 });
      const other = await pushes.add('push-invoice', { tenantId: 'cust-other' }, { attempts: 3 });
      await eventually(async () =>
        (await paused.getState()) === 'delayed' && (await other.getState()) === 'delayed' ? true : undefined,
      );
      expect((await pushes.getJob(paused.id!))?.attemptsMade).toBe(0);
      expect(failures).toEqual([]);

      // The admin reconnects: the stored tokens are good again, and the tenant's parked jobs run now.
      await storeConnection('cust-paused', 'CONNECTED', 'at-after-reconnect');
      expect(await resumeTenantJobs([pushes], 'cust-paused')).toBe(1);
      await eventually(async () => ((await paused.getState()) === 'completed' ? true : undefined));
      expect((await pushes.getJob(paused.id!))?.returnvalue).toBe('at-after-reconnect');
      // Another tenant still waiting for its admin stays parked.
      expect(await other.getState()).toBe('delayed');
      expect(failures).toEqual([]);
    } finally {
      await worker.close();
      await events.close();
    }
  });

  it('a failure other than a lost authorization is left to BullMQ: the job fails as usual', async () => {
    const pushes = queue();
    const worker = new Worker(
      pushes.name,
      async (job: Job, token?: string) => {
        const error = new QuickBooksError({
          kind: 'validation',
          message: 'Duplicate Name Exists Error',
          code: '6240',
        });
        await parkIfPaused(job, token, error);
        throw error;
      },
      { connection: redis(), prefix: config.redis.prefix },
    );
    try {
      const job = await pushes.add('push-invoice', { tenantId: 'cust-a' }, { attempts: 1 });
      await eventually(async () => ((await job.getState()) === 'failed' ? true : undefined));
      expect((await pushes.getJob(job.id!))?.failedReason).toBe('Duplicate Name Exists Error');
    } finally {
      await worker.close();
    }
  });
});
