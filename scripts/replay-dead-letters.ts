/**
 * `npm run replay-dead-letters -- [--tenant <customerId>] [--code <code> ...] [--limit 100] [--dry-run]`:
 * queues a push again for invoices in the dead letter (sync state DEAD), oldest first, the way an admin's
 * retry does. Reads MONGODB_URI, REDIS_URL and REDIS_PREFIX like the services. Prints the result as JSON on
 * stdout; logs go to stderr. Exit codes: 0 done, 2 bad arguments, 78 invalid configuration. Safe to run
 * again: an invoice that is no longer DEAD is left alone.
 */
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { createSyncStatusEvents } from '../src/events/sync-status-events.js';
import { createLogger } from '../src/logger.js';
import { connectDatabase, disconnectDatabase, models } from '../src/models/index.js';
import { closeRedis, createRedis } from '../src/redis.js';
import { AuditLogService } from '../src/services/audit-log.js';
import { replayDeadLetters } from '../src/services/dead-letters.js';
import { InvoiceIntakeService } from '../src/services/invoice-intake.js';
import { SyncStatusService } from '../src/services/sync-status.js';
import { QueueName } from '../src/workers/queues.js';

let args: { tenant?: string; code?: string[]; limit: string; 'dry-run': boolean };
try {
  args = parseArgs({
    options: {
      tenant: { type: 'string' },
      code: { type: 'string', multiple: true },
      limit: { type: 'string', default: '100' },
      'dry-run': { type: 'boolean', default: false },
    },
  }).values as typeof args;
} catch (error) {
  console.error(`replay-dead-letters: ${(error as Error).message}`);
  process.exit(2);
}
const limit = Number(args.limit);
if (!Number.isInteger(limit) || limit < 1) {
  console.error(`replay-dead-letters: --limit must be a positive integer, got "${args.limit}"`);
  process.exit(2);
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`replay-dead-letters: ${error.message}`);
  process.exit(78);
}

const logger = createLogger({ level: config.logLevel, name: 'replay-dead-letters' }, pino.destination(2));
await connectDatabase(config.mongo.uri, config.mongo.dbName);
const redis = createRedis(config.redis.url, 'producer', { commandTimeout: config.redis.commandTimeoutMs });
const queue = new Queue(QueueName.invoicePush, { connection: redis, prefix: config.redis.prefix });
try {
  const syncStatus = new SyncStatusService({
    models,
    events: createSyncStatusEvents({
      publishClient: redis,
      subscribeClient: redis,
      prefix: config.redis.prefix,
    }),
    now: () => new Date(),
    logger,
  });
  const intake = new InvoiceIntakeService({
    syncStatus,
    queue,
    auditLog: new AuditLogService({ models }),
    now: () => new Date(),
    debounceMs: config.quickbooks.pushDebounceMs,
  });
  logger.info(
    { tenantId: args.tenant ?? 'ALL', codes: args.code ?? [], limit, dryRun: args['dry-run'] },
    'replaying dead letters',
  );
  const result = await replayDeadLetters(
    { models, intake },
    {
      limit,
      dryRun: args['dry-run'],
      ...(args.tenant ? { tenantId: args.tenant } : {}),
      ...(args.code ? { codes: args.code } : {}),
    },
  );
  console.log(JSON.stringify(result));
} finally {
  await queue.close();
  await closeRedis(redis);
  await disconnectDatabase();
}
