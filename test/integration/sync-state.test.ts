/**
 * Issue 11: sync state changes go through one transition table, applied with a conditional write on the
 * real store, and the status event is published after the write without ever failing it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { pino } from 'pino';
import {
  createSyncStatusEvents,
  type SyncStatusChangedEvent,
  type SyncStatusEvents,
} from '../../src/events/sync-status-events.js';
import { connectDatabase, createIndexes, models } from '../../src/models/index.js';
import { SyncStatusService, type InvoiceKey } from '../../src/services/sync-status.js';
import type { SyncState } from '../../src/sync/state-machine.js';
import { eventually, silentLogger, testConfig, uniqueName } from '../support/harness.js';

const config = testConfig();
const clock = () => new Date('2026-12-01T10:00:00Z');
const transientError = { code: 'QBO_SERVER', message: 'QuickBooks answered 503', retryable: true };

let publishClient: Redis;
let subscribeClient: Redis;
let inspector: Redis;
let events: SyncStatusEvents;
let service: SyncStatusService;

beforeAll(async () => {
  await connectDatabase(config.mongo.uri, config.mongo.dbName);
  await createIndexes();
  publishClient = new Redis(config.redis.url);
  subscribeClient = new Redis(config.redis.url);
  inspector = new Redis(config.redis.url);
  events = createSyncStatusEvents({ publishClient, subscribeClient, prefix: config.redis.prefix });
  service = new SyncStatusService({ models, events, now: clock, logger: silentLogger() });
});

afterAll(async () => {
  await Promise.all([publishClient.quit(), subscribeClient.quit(), inspector.quit()]);
  await mongoose.disconnect();
});

const newInvoice = (): InvoiceKey => ({ tenantId: uniqueName('tenant'), invoiceId: uniqueName('inv') });

const stored = (key: InvoiceKey) =>
  models.invoiceSyncStates
    .findOne(key)
    .lean<{ state: SyncState; version?: number; attempts: number; lastError?: { code: string } | null }>();

/** Everything the tenant's subscribers receive, from the moment Redis confirms the subscription. */
async function follow(tenantId: string) {
  const received: SyncStatusChangedEvent[] = [];
  const iterator = events.subscribe([tenantId]);
  void (async () => {
    for await (const event of iterator) received.push(event);
  })();
  const channel = `${config.redis.prefix}:sync-status-changed:${tenantId}`;
  await eventually(async () => {
    const channels = (await inspector.pubsub('CHANNELS', channel)) as string[];
    return channels.length > 0 ? true : undefined;
  });
  return {
    states: () => received.map((event) => event.status.state),
    stop: () => iterator.return?.(),
  };
}

describe('SyncStatusService.transition against the real store', () => {
  it('a push goes QUEUED -> SYNCING -> SYNCED, each write versioned and published', async () => {
    const key = newInvoice();
    const subscriber = await follow(key.tenantId);

    const queued = await service.transition(key, 'ENQUEUED', {});
    const started = await service.transition(key, 'STARTED', {});
    const synced = await service.transition(key, 'SUCCEEDED', {
      quickbooksInvoiceId: '1042',
      quickbooksSyncToken: '0',
      quickbooksDocNumber: 'INV-7',
    });

    expect([queued, started, synced].map((result) => result.applied && result.status.state)).toEqual([
      'QUEUED',
      'SYNCING',
      'SYNCED',
    ]);
    expect(synced).toMatchObject({ applied: true, from: 'SYNCING' });
    const doc = await stored(key);
    expect(doc).toMatchObject({ state: 'SYNCED', version: 3, attempts: 1, quickbooksInvoiceId: '1042' });
    expect(doc).toMatchObject({
      quickbooksSyncToken: '0',
      quickbooksDocNumber: 'INV-7',
      lastSyncedAt: clock(),
    });
    await eventually(async () => (subscriber.states().length === 3 ? true : undefined));
    expect(subscriber.states()).toEqual(['QUEUED', 'SYNCING', 'SYNCED']);
    await subscriber.stop();
  });

  it('a late failure of an older attempt leaves SYNCED untouched and publishes nothing', async () => {
    const key = newInvoice();
    await service.transition(key, 'ENQUEUED', {});
    await service.transition(key, 'STARTED', {});
    await service.transition(key, 'SUCCEEDED', { quickbooksInvoiceId: '77' });
    const before = await stored(key);
    const subscriber = await follow(key.tenantId);

    const late = await service.transition(key, 'FAILED_RETRYABLE', { error: transientError });
    const lateDead = await service.transition(key, 'EXHAUSTED', { error: transientError });

    expect(late).toMatchObject({ applied: false, reason: 'REFUSED', event: 'FAILED_RETRYABLE' });
    expect(late.status).toMatchObject({ state: 'SYNCED', quickbooksInvoiceId: '77' });
    expect(lateDead).toMatchObject({ applied: false, reason: 'REFUSED' });
    expect(await stored(key)).toEqual(before);
    // Redis keeps one connection's messages in order: had the refusals published, they would come first.
    await service.transition(key, 'ENQUEUED', {});
    await eventually(async () => (subscriber.states().length > 0 ? true : undefined));
    expect(subscriber.states()).toEqual(['QUEUED']);
    await subscriber.stop();
  });

  it('a failure whose read raced a success is re-read and refused, not written over SYNCED', async () => {
    const key = newInvoice();
    await service.transition(key, 'ENQUEUED', {});
    await service.transition(key, 'STARTED', {});
    // The other attempt's success lands between the late failure's read and its conditional write.
    let raced = false;
    const racingModels = {
      invoiceSyncStates: new Proxy(models.invoiceSyncStates, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (property !== 'findOneAndUpdate' || raced || typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            raced = true;
            await service.transition(key, 'SUCCEEDED', { quickbooksInvoiceId: '501' });
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }),
    };
    const lateWorker = new SyncStatusService({
      models: racingModels,
      events,
      now: clock,
      logger: silentLogger(),
    });

    const result = await lateWorker.transition(key, 'FAILED_RETRYABLE', { error: transientError });

    expect(raced).toBe(true);
    expect(result).toMatchObject({ applied: false, reason: 'REFUSED', status: { state: 'SYNCED' } });
    expect(await stored(key)).toMatchObject({ state: 'SYNCED', version: 3, quickbooksInvoiceId: '501' });
    expect((await stored(key))?.lastError).toBeUndefined();
  });

  it('an invoice that other writers keep changing gives a typed CONTENDED, not an exception', async () => {
    const key = newInvoice();
    await service.transition(key, 'ENQUEUED', {});
    await service.transition(key, 'STARTED', {});
    let races = 0;
    const busyModels = {
      invoiceSyncStates: new Proxy(models.invoiceSyncStates, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (property !== 'findOneAndUpdate' || typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            races += 1;
            // Another writer lands before every one of our writes (same state, newer version).
            await service.record(key, { state: 'SYNCING' });
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }),
    };
    const worker = new SyncStatusService({ models: busyModels, events, now: clock, logger: silentLogger() });

    const result = await worker.transition(key, 'SUCCEEDED', { quickbooksInvoiceId: '3' });

    expect(result).toMatchObject({ applied: false, reason: 'CONTENDED', status: { state: 'SYNCING' } });
    expect(races).toBe(5);
    expect(await stored(key)).toMatchObject({ state: 'SYNCING', version: 7 });
  });

  it('retryable failures, the dead letter, an admin retry and a dismissal follow the table', async () => {
    const key = newInvoice();
    await service.transition(key, 'ENQUEUED', {});
    await service.transition(key, 'STARTED', {});
    expect(await service.transition(key, 'FAILED_RETRYABLE', { error: transientError })).toMatchObject({
      applied: true,
      status: { state: 'FAILED', lastError: transientError },
    });
    await service.transition(key, 'STARTED', {});
    expect(await service.transition(key, 'EXHAUSTED', { error: transientError })).toMatchObject({
      status: { state: 'DEAD', attempts: 2 },
    });
    // A job left in the queue cannot restart a dead letter; an admin retry can.
    expect(await service.transition(key, 'STARTED', {})).toMatchObject({ applied: false, reason: 'REFUSED' });
    expect(await service.transition(key, 'RETRY_REQUESTED', {})).toMatchObject({
      status: { state: 'QUEUED', lastError: transientError },
    });
    await service.transition(key, 'STARTED', {});
    await service.transition(key, 'NEEDS_ACTION', {
      error: { code: 'MAPPING_REQUIRED', message: 'Map item kind "labor"', retryable: false },
    });
    const dismissed = await service.transition(key, 'DISMISSED', {});

    expect(dismissed).toMatchObject({
      applied: true,
      from: 'ACTION_REQUIRED',
      status: { state: 'NOT_SYNCED' },
    });
    const doc = await stored(key);
    expect(doc).toMatchObject({ state: 'NOT_SYNCED', attempts: 3, version: 9 });
    expect(doc?.lastError).toBeUndefined();
  });

  it('an event refused from an invoice never stored writes nothing', async () => {
    const key = newInvoice();
    const result = await service.transition(key, 'SUCCEEDED', { quickbooksInvoiceId: '1' });
    expect(result).toEqual({
      applied: false,
      reason: 'REFUSED',
      event: 'SUCCEEDED',
      status: { invoiceId: key.invoiceId, state: 'NOT_SYNCED', attempts: 0 },
    });
    expect(await stored(key)).toBeNull();
  });

  it('two first events of one invoice at once both apply, one document, written once', async () => {
    const key = newInvoice();
    const results = await Promise.all([
      service.transition(key, 'ENQUEUED', {}),
      service.transition(key, 'ENQUEUED', {}),
    ]);
    expect(results.map((result) => result.applied)).toEqual([true, true]);
    expect(await models.invoiceSyncStates.countDocuments(key)).toBe(1);
    // The loser of the insert re-reads QUEUED, and ENQUEUED onto QUEUED has nothing to write.
    expect(await stored(key)).toMatchObject({ state: 'QUEUED', version: 1 });
  });

  it('a burst of notifications for a queued invoice never contends: nothing to write, all applied', async () => {
    const key = newInvoice();
    await service.transition(key, 'ENQUEUED', {});
    await service.transition(key, 'STARTED', {});
    await service.transition(key, 'ENQUEUED', {});
    const results = await Promise.all(
      Array.from({ length: 20 }, () => service.transition(key, 'ENQUEUED', {})),
    );
    expect(results.every((result) => result.applied && result.status.state === 'QUEUED')).toBe(true);
    expect(await stored(key)).toMatchObject({ state: 'QUEUED', version: 3 });
  });

  it('a document written before versions existed is transitioned and starts counting', async () => {
    const key = newInvoice();
    await models.invoiceSyncStates.collection.insertOne({ ...key, state: 'FAILED', attempts: 2 });
    const result = await service.transition(key, 'STARTED', {});
    expect(result).toMatchObject({
      applied: true,
      from: 'FAILED',
      status: { state: 'SYNCING', attempts: 3 },
    });
    expect(await stored(key)).toMatchObject({ version: 1 });
  });

  it('a status event that cannot be published is logged and the transition still applies', async () => {
    const key = newInvoice();
    const closedClient = new Redis(config.redis.url);
    await closedClient.quit();
    const logLines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => logLines.push(line) });
    const unpublishable = createSyncStatusEvents({
      publishClient: closedClient,
      subscribeClient: closedClient,
      prefix: config.redis.prefix,
    });
    const worker = new SyncStatusService({ models, events: unpublishable, now: clock, logger });

    const result = await worker.transition(key, 'ENQUEUED', {});

    expect(result).toMatchObject({ applied: true, status: { state: 'QUEUED' } });
    expect(await stored(key)).toMatchObject({ state: 'QUEUED', version: 1 });
    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0]!)).toMatchObject({
      level: 40,
      tenantId: key.tenantId,
      invoiceId: key.invoiceId,
      event: 'ENQUEUED',
      state: 'QUEUED',
      err: { message: expect.stringMatching(/closed/i) },
    });
  });

  it('record still sets a state directly and bumps the version a transition checks', async () => {
    const key = newInvoice();
    await service.transition(key, 'ENQUEUED', {});
    await service.record(key, { state: 'SYNCED', quickbooksInvoiceId: '9' });
    expect(await stored(key)).toMatchObject({ state: 'SYNCED', version: 2 });
    expect(await service.transition(key, 'FAILED_RETRYABLE', { error: transientError })).toMatchObject({
      applied: false,
      reason: 'REFUSED',
    });
  });
});
