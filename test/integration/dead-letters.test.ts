/**
 * Issue 11, operators: dead letters are replayed the way an admin's retry does, through the state table,
 * so only invoices still DEAD are queued again (runbook "Dead letters"). Real Redis and store; the CLI is
 * run as the operator runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { createSyncStatusEvents } from '../../src/events/sync-status-events.js';
import { connectDatabase, createIndexes, models } from '../../src/models/index.js';
import { replayDeadLetters } from '../../src/services/dead-letters.js';
import { InvoiceIntakeService } from '../../src/services/invoice-intake.js';
import { SyncStatusService, type InvoiceKey } from '../../src/services/sync-status.js';
import type { InvoicePushJobData } from '../../src/workers/invoice-push-job.js';
import { QueueName } from '../../src/workers/queues.js';
import { silentLogger, testConfig, testEnv, uniqueName } from '../support/harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const config = testConfig();

let redis: Redis;
let queue: Queue<InvoicePushJobData>;
let syncStatus: SyncStatusService;
let intake: InvoiceIntakeService;

beforeAll(async () => {
  await connectDatabase(config.mongo.uri, config.mongo.dbName);
  await createIndexes();
  redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  queue = new Queue<InvoicePushJobData>(QueueName.invoicePush, {
    connection: redis,
    prefix: config.redis.prefix,
  });
  syncStatus = new SyncStatusService({
    models,
    events: createSyncStatusEvents({
      publishClient: redis,
      subscribeClient: redis,
      prefix: config.redis.prefix,
    }),
    now: () => new Date(),
    logger: silentLogger(),
  });
  intake = new InvoiceIntakeService({
    syncStatus,
    queue,
    auditLog: { record: async () => undefined },
    now: () => new Date(),
    debounceMs: 60_000,
  });
});

afterAll(async () => {
  await queue.close();
  await redis.quit();
  await mongoose.connection.db?.dropDatabase();
  await mongoose.disconnect();
});

async function dead(tenantId: string, code: string): Promise<InvoiceKey> {
  const key = { tenantId, invoiceId: uniqueName('inv') };
  await syncStatus.record(key, { state: 'DEAD', lastError: { code, message: 'gave up', retryable: true } });
  return key;
}

const stateOf = async (key: InvoiceKey) => (await syncStatus.getMany([key]))[0]!.state;
const jobsOf = async (key: InvoiceKey) =>
  (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).filter(
    (job) => job.data.tenantId === key.tenantId && job.data.invoiceId === key.invoiceId,
  );

describe('replaying dead letters', () => {
  it('queues only the chosen tenant and error code, through the state table; a dry run changes nothing', async () => {
    const tenant = uniqueName('tenant');
    const other = uniqueName('tenant');
    const outage = await dead(tenant, 'QUICKBOOKS_UNAVAILABLE');
    const mapping = await dead(tenant, 'QUICKBOOKS_VALIDATION');
    const elsewhere = await dead(other, 'QUICKBOOKS_UNAVAILABLE');
    const synced = { tenantId: tenant, invoiceId: uniqueName('inv') };
    await syncStatus.record(synced, { state: 'SYNCED', quickbooksInvoiceId: '77' });

    const preview = await replayDeadLetters(
      { models, intake },
      { tenantId: tenant, codes: ['QUICKBOOKS_UNAVAILABLE'], limit: 10, dryRun: true },
    );
    expect(preview.found.map((letter) => letter.invoiceId)).toEqual([outage.invoiceId]);
    expect(preview.replayed).toBe(0);
    expect(await stateOf(outage)).toBe('DEAD');
    expect(await jobsOf(outage)).toHaveLength(0);

    const replay = await replayDeadLetters(
      { models, intake },
      { tenantId: tenant, codes: ['QUICKBOOKS_UNAVAILABLE'], limit: 10 },
    );
    expect(replay).toMatchObject({ replayed: 1, refused: [] });
    expect(await stateOf(outage)).toBe('QUEUED');
    const [job] = await jobsOf(outage);
    expect(job?.data).toMatchObject({
      tenantId: tenant,
      invoiceId: outage.invoiceId,
      trigger: 'RETRY_REQUESTED',
    });
    expect(await stateOf(mapping)).toBe('DEAD');
    expect(await stateOf(elsewhere)).toBe('DEAD');
    expect(await stateOf(synced)).toBe('SYNCED');
  });

  it('an invoice that left DEAD between the listing and the retry is refused and left as it is', async () => {
    const tenant = uniqueName('tenant');
    const first = await dead(tenant, 'QUICKBOOKS_UNAVAILABLE');
    const second = await dead(tenant, 'QUICKBOOKS_UNAVAILABLE');
    const racing = {
      retry: async (key: InvoiceKey, options?: Parameters<InvoiceIntakeService['retry']>[1]) => {
        // An admin dismissed the second one while the replay was running.
        if (key.invoiceId === second.invoiceId) await syncStatus.transition(key, 'DISMISSED', {});
        return intake.retry(key, options);
      },
    };

    const replay = await replayDeadLetters({ models, intake: racing }, { tenantId: tenant, limit: 10 });

    expect(replay.replayed).toBe(1);
    expect(replay.refused).toEqual([
      expect.objectContaining({ invoiceId: second.invoiceId, reason: expect.stringContaining('NOT_SYNCED') }),
    ]);
    expect(await stateOf(first)).toBe('QUEUED');
    expect(await stateOf(second)).toBe('NOT_SYNCED');
    expect(await jobsOf(second)).toHaveLength(0);
  });

  it('the CLI replays oldest first up to --limit and prints the result; bad arguments exit 2', async () => {
    const tenant = uniqueName('tenant');
    const older = await dead(tenant, 'QUICKBOOKS_UNAVAILABLE');
    const newer = await dead(tenant, 'QUICKBOOKS_UNAVAILABLE');
    const env = {
      ...testEnv({
        MONGODB_DB_NAME: config.mongo.dbName!,
        REDIS_PREFIX: config.redis.prefix,
      }),
      PATH: process.env.PATH,
    };
    const script = [path.join(root, 'node_modules/.bin/tsx'), 'scripts/replay-dead-letters.ts'] as const;

    const { stdout } = await run(script[0], [script[1], '--tenant', tenant, '--limit', '1'], {
      cwd: root,
      env,
    });

    const result = JSON.parse(stdout) as { replayed: number; found: { invoiceId: string }[] };
    expect(result.replayed).toBe(1);
    expect(result.found.map((letter) => letter.invoiceId)).toEqual([older.invoiceId]);
    expect(await stateOf(older)).toBe('QUEUED');
    expect(await stateOf(newer)).toBe('DEAD');

    const refused = await run(script[0], [script[1], '--limit', 'lots'], { cwd: root, env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--limit must be a positive integer'),
    });
  });
});
