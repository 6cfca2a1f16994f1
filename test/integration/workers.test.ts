import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { connectDatabase, createIndexes, models, QuickBooksSyncLogModel } from '../../src/models/index.js';
import { createRedis } from '../../src/redis.js';
import { requeueOrphanedPushes } from '../../src/services/push-reconciliation.js';
import { RetentionService } from '../../src/services/retention.js';
import { createMaintenanceWorker } from '../../src/workers/maintenance.worker.js';
import {
  INVOICE_PUSH_JOB_NAME,
  invoicePushJobOptions,
  type InvoicePushJobData,
} from '../../src/workers/invoice-push-job.js';
import { MaintenanceJob, QueueName } from '../../src/workers/queues.js';
import { closeWorkers } from '../../src/workers/runtime.js';
import { silentLogger, testConfig, uniqueName } from '../support/harness.js';

const config = testConfig();
const connections: Redis[] = [];
/** BullMQ never closes a connection it was handed, so the test keeps them and closes them at the end. */
function redis(): Redis {
  const connection = createRedis(config.redis.url, 'worker');
  connections.push(connection);
  return connection;
}
const DAY = 86_400_000;
const now = new Date('2026-11-25T12:00:00Z');

beforeAll(async () => {
  // With the production timeouts: every query then carries maxTimeMS, which FerretDB refuses on some
  // commands (distinct), and the sweep must work there.
  await connectDatabase(config.mongo.uri, config.mongo.dbName, config.mongo.timeouts);
  await createIndexes();
});

afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await mongoose.connection.db?.dropDatabase();
  await mongoose.disconnect();
});

describe('maintenance queue', () => {
  it('prunes sync logs past the retention period and keeps the rest', async () => {
    const log = (entityId: string, ageDays: number) => ({
      tenantId: 'cust-acme',
      entityType: 'INVOICE',
      entityId,
      operation: 'INVOICE_PUSH',
      outcome: 'SUCCEEDED',
      attempt: 1,
      createdAt: new Date(now.getTime() - ageDays * DAY),
    });
    // timestamps would overwrite createdAt on create(); insertMany through the driver keeps it.
    await QuickBooksSyncLogModel.collection.insertMany([
      log('old-1', 31),
      log('old-2', 400),
      log('fresh', 29),
    ]);

    const connection = redis();
    const prefix = uniqueName('qbs-test');
    const queue = new Queue(QueueName.maintenance, { connection, prefix });
    const events = new QueueEvents(QueueName.maintenance, { connection: redis(), prefix });
    const worker = createMaintenanceWorker({
      connection: redis(),
      prefix,
      retention: new RetentionService({ models, retentionDays: 30, now: () => now }),
      requeueOrphanedPushes: () => Promise.reject(new Error('not part of this test')),
      logger: silentLogger(),
    });
    try {
      await events.waitUntilReady();
      const job = await queue.add(MaintenanceJob.pruneSyncLogs, {});
      expect(await job.waitUntilFinished(events, 10_000)).toEqual({ deleted: 2 });
      const remaining = await QuickBooksSyncLogModel.find({}, { entityId: 1 }).lean();
      expect(remaining.map((doc) => doc.entityId)).toEqual(['fresh']);
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

/** A queue and a worker whose one job takes `jobMs`; resolves once that job is in flight. */
async function slowJobInFlight(jobMs: number) {
  const prefix = uniqueName('qbs-test');
  const queueName = uniqueName('shutdown');
  const queue = new Queue(queueName, { connection: redis(), prefix });
  let started!: () => void;
  const jobStarted = new Promise<void>((resolve) => (started = resolve));
  const finished: string[] = [];
  const worker = new Worker(
    queueName,
    async (job) => {
      started();
      await new Promise((resolve) => setTimeout(resolve, jobMs));
      finished.push(job.id!);
    },
    { connection: redis(), prefix },
  );
  const job = await queue.add('slow', {});
  await jobStarted;
  return {
    job,
    worker,
    finished,
    async cleanUp() {
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

describe('the orphaned-push sweep', () => {
  it('queues the push of an invoice left QUEUED, SYNCING or FAILED without a live job, through the maintenance worker, and only those', async () => {
    const prefix = uniqueName('qbs-test');
    const tenantId = uniqueName('tenant');
    const pushes = new Queue<InvoicePushJobData>(QueueName.invoicePush, { connection: redis(), prefix });
    const maintenance = new Queue(QueueName.maintenance, { connection: redis(), prefix });
    const events = new QueueEvents(QueueName.maintenance, { connection: redis(), prefix });
    const state = (invoiceId: string, value: 'QUEUED' | 'SYNCING' | 'FAILED' | 'DEAD' | 'SYNCED') =>
      models.invoiceSyncStates.create({ tenantId, invoiceId, state: value, attempts: 0, version: 1 });
    await state('inv-orphan', 'QUEUED');
    await state('inv-live', 'QUEUED');
    await state('inv-done', 'SYNCED');
    // Redis lost the running job, or the delayed retry: nothing would move these again.
    await state('inv-lost-running', 'SYNCING');
    await state('inv-lost-retry', 'FAILED');
    // A FAILED invoice whose retry is delayed in the queue is not stranded; a DEAD one waits for a person.
    await state('inv-retry-pending', 'FAILED');
    await state('inv-dead', 'DEAD');
    await pushes.add(
      INVOICE_PUSH_JOB_NAME,
      { tenantId, invoiceId: 'inv-retry-pending', trigger: 'NOTIFIED', notifiedAt: new Date().toISOString() },
      invoicePushJobOptions(tenantId, 'inv-retry-pending', 600_000),
    );
    // Another tenant's backfill is running: its QUEUED invoices wait for their chunk, not for a push job.
    const backfilling = uniqueName('tenant');
    await models.backfills.create({
      tenantId: backfilling,
      backfillId: uniqueName('bf'),
      realmId: '9130350000000001',
      state: 'RUNNING',
      since: '2026-01-01',
      startedBy: 'admin-1',
      startedAt: new Date(),
    });
    await models.invoiceSyncStates.create({
      tenantId: backfilling,
      invoiceId: 'inv-in-chunk',
      state: 'QUEUED',
      attempts: 0,
      version: 1,
    });
    // inv-live's job is waiting out its debounce: not orphaned.
    await pushes.add(
      INVOICE_PUSH_JOB_NAME,
      { tenantId, invoiceId: 'inv-live', trigger: 'NOTIFIED', notifiedAt: new Date().toISOString() },
      invoicePushJobOptions(tenantId, 'inv-live', 60_000),
    );
    // The sweep runs an hour later; other test files' invoices may be QUEUED too, so count only ours.
    const later = () => new Date(Date.now() + 3_600_000);
    const worker = createMaintenanceWorker({
      connection: redis(),
      prefix,
      retention: new RetentionService({ models, retentionDays: 30, now: () => now }),
      requeueOrphanedPushes: () =>
        requeueOrphanedPushes(
          { models, queue: pushes, now: later },
          { olderThanMs: 1_800_000, limit: 10_000 },
        ),
      logger: silentLogger(),
    });
    try {
      await events.waitUntilReady();
      const job = await maintenance.add(MaintenanceJob.requeueOrphanedPushes, {});
      await job.waitUntilFinished(events, 10_000);
      const pending = await pushes.getJobs(['waiting', 'delayed', 'prioritized']);
      expect(pending.filter((job) => job.data.tenantId === backfilling)).toEqual([]);
      const ours = pending.filter((job) => job.data.tenantId === tenantId);
      expect(ours.map((job) => [job.data.invoiceId, job.data.trigger]).sort()).toEqual([
        ['inv-live', 'NOTIFIED'],
        ['inv-lost-retry', 'RECONCILED'],
        ['inv-lost-running', 'RECONCILED'],
        ['inv-orphan', 'RECONCILED'],
        ['inv-retry-pending', 'NOTIFIED'],
      ]);

      // A second sweep finds the requeued job live and adds nothing.
      const again = await requeueOrphanedPushes(
        { models, queue: pushes, now: later },
        { olderThanMs: 1_800_000, limit: 10_000 },
      );
      expect(again.requeued.filter((entry) => entry.tenantId === tenantId)).toEqual([]);
      // Invoices that changed within the window are not touched at all.
      const recent = await requeueOrphanedPushes(
        { models, queue: pushes, now: () => new Date() },
        { olderThanMs: 1_800_000, limit: 10_000 },
      );
      expect(recent.requeued.filter((entry) => entry.tenantId === tenantId)).toEqual([]);
    } finally {
      await worker.close();
      await events.close();
      await Promise.all([pushes.obliterate({ force: true }), maintenance.obliterate({ force: true })]);
      await Promise.all([pushes.close(), maintenance.close()]);
    }
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight job finish before the worker closes', async () => {
    const { job, worker, finished, cleanUp } = await slowJobInFlight(400);
    try {
      expect(await closeWorkers([worker], 5_000)).toEqual({ drained: true });
      expect(finished).toEqual([job.id]);
      expect(await job.getState()).toBe('completed');
    } finally {
      await cleanUp();
    }
  });

  it('gives up at the deadline and leaves the job to stalled-job recovery', async () => {
    const { job, worker, finished, cleanUp } = await slowJobInFlight(3_000);
    try {
      expect(await closeWorkers([worker], 100)).toEqual({ drained: false });
      expect(finished).toEqual([]);
      expect(await job.getState()).toBe('active');
      // Let the abandoned processor return before the connections close.
      await new Promise((resolve) => setTimeout(resolve, 3_100));
    } finally {
      await cleanUp();
    }
  });
});
