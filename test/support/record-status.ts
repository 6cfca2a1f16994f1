/**
 * Run as a separate process by the subscription tests: records one invoice status change the way a
 * worker process does (real service, real MongoDB, real Redis), then exits.
 * Usage: tsx test/support/record-status.ts <tenantId> <invoiceId> <state>
 */
import { loadConfig } from '../../src/config.js';
import { createSyncStatusEvents } from '../../src/events/sync-status-events.js';
import { connectDatabase, disconnectDatabase, models } from '../../src/models/index.js';
import type { InvoiceSyncStateName } from '../../src/models/invoice-sync-state.js';
import { createRedis } from '../../src/redis.js';
import { SyncStatusService } from '../../src/services/sync-status.js';
import { silentLogger } from './harness.js';

const [tenantId, invoiceId, state] = process.argv.slice(2);
if (!tenantId || !invoiceId || !state) throw new Error('usage: record-status <tenantId> <invoiceId> <state>');

const config = loadConfig();
await connectDatabase(config.mongo.uri, config.mongo.dbName);
const publishClient = createRedis(config.redis.url, 'pubsub');
const subscribeClient = createRedis(config.redis.url, 'pubsub');
const service = new SyncStatusService({
  models,
  events: createSyncStatusEvents({ publishClient, subscribeClient, prefix: config.redis.prefix }),
  now: () => new Date(),
  logger: silentLogger(),
});
await service.record(
  { tenantId, invoiceId },
  {
    state: state as InvoiceSyncStateName,
    attemptStarted: true,
    quickbooksInvoiceId: state === 'SYNCED' ? '1042' : undefined,
    lastError:
      state === 'FAILED'
        ? { code: 'QBO_6000', message: 'A business validation error has occurred', retryable: false }
        : null,
  },
);
// Publishing is fire-and-forget in ioredis; quit() flushes the command before the process ends.
await publishClient.quit();
subscribeClient.disconnect();
await disconnectDatabase();
