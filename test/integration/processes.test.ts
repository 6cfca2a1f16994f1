import { afterAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { MaintenanceJob, QueueName } from '../../src/workers/queues.js';
import { eventually, testEnv } from '../support/harness.js';
import { startEntry } from '../support/entry-process.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const databases: { uri: string; dbName: string }[] = [];
function serviceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...testEnv(), LOG_LEVEL: 'info' };
  databases.push({ uri: env.MONGODB_URI!, dbName: env.MONGODB_DB_NAME! });
  return env;
}

afterAll(async () => {
  for (const { uri, dbName } of databases) {
    const connection = await mongoose.createConnection(uri, { dbName }).asPromise();
    await connection.dropDatabase();
    await connection.close();
  }
});

const start = startEntry;

describe('process entry points', () => {
  it('the API refuses to start on invalid configuration, naming each problem (exit 78)', async () => {
    const { exited, lines } = start('src/index.ts', {
      REDIS_URL: 'localhost',
      AUTH_JWT_SECRET: 'x'.repeat(40),
    });
    expect(await exited).toBe(78);
    const output = lines.join('\n');
    expect(output).toContain('MONGODB_URI: MONGODB_URI is required');
    expect(output).toContain('REDIS_URL: REDIS_URL must start with redis:// or rediss://');
  });

  it('the worker finishes the job in flight at SIGTERM, then exits cleanly (drained)', async () => {
    const env = serviceEnv();
    // The worker reaches MongoDB through a proxy the test holds shut, so its prune stays in flight for as
    // long as the test needs, without depending on how fast the prune would otherwise be.
    const mongoUrl = new URL(env.MONGODB_URI!);
    const mongoProxy = await startTcpProxy(mongoUrl.hostname, Number(mongoUrl.port || 27017));
    const proxied = new URL(mongoUrl);
    proxied.host = mongoProxy.address;
    proxied.searchParams.set('directConnection', 'true'); // a replica set would point the driver past it
    const redis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: null });
    const queue = new Queue(QueueName.maintenance, { connection: redis, prefix: env.REDIS_PREFIX });
    const db = await mongoose.createConnection(env.MONGODB_URI!, { dbName: env.MONGODB_DB_NAME }).asPromise();
    const worker = start('src/workers/index.ts', {
      ...env,
      MONGODB_URI: proxied.toString(),
      WORKER_SHUTDOWN_TIMEOUT_MS: '20000',
    });
    try {
      const longAgo = new Date(Date.now() - 1000 * 86_400_000);
      await db.collection('quickbooks_sync_logs').insertMany([
        ...['old-1', 'old-2', 'old-3'].map((entityId) => ({
          tenantId: 'cust-a',
          entityId,
          createdAt: longAgo,
        })),
        { tenantId: 'cust-a', entityId: 'fresh', createdAt: new Date() },
      ]);
      await worker.waitFor('workers started');
      // Only the prune under test may run: the ten-minute sweep must not take the one maintenance slot.
      await queue.removeJobScheduler(MaintenanceJob.requeueOrphanedPushes);

      mongoProxy.pause();
      const job = await queue.add(MaintenanceJob.pruneSyncLogs, {});
      await eventually(async () => ((await job.getState()) === 'active' ? true : undefined), 10_000);
      worker.child.kill('SIGTERM');
      await worker.waitFor('shutting down');
      // Shutdown has begun and must now wait for the job: the process stays up while the job is in flight.
      // (A shutdown that abandons the job may also still be up, stuck closing MongoDB behind the proxy; the
      // job's completion below is what tells the two apart.)
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(worker.child.exitCode).toBeNull();
      expect(await job.getState()).toBe('active');

      mongoProxy.resume();
      expect(await worker.exited).toBe(0);
      const logged = worker.lines.map((l) => JSON.parse(l) as { msg: string; drained?: boolean });
      expect(logged.find((l) => l.msg === 'in-flight jobs drained')?.drained).toBe(true);
      const finished = await queue.getJob(job.id!);
      expect(await finished?.getState()).toBe('completed');
      expect(finished?.returnvalue).toEqual({ deleted: 3 });
      const left = await db.collection('quickbooks_sync_logs').find().toArray();
      expect(left.map((doc) => doc.entityId as string)).toEqual(['fresh']);
    } finally {
      mongoProxy.resume();
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await mongoProxy.close();
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
      await db.close();
    }
  });

  it('the API serves health and stops cleanly on SIGTERM', async () => {
    const api = start('src/index.ts', serviceEnv());
    await api.waitFor('subgraph listening');
    const { url } = api.lines
      .map((l) => JSON.parse(l) as { msg: string; url?: string })
      .find((l) => l.msg === 'subgraph listening')!;
    const health = await fetch(url!.replace('/graphql', '/health'));
    expect(health.status).toBe(200);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });
});
