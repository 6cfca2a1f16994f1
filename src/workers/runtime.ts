import { Queue, type Worker } from 'bullmq';
import { ConfigError, type Config } from '../config.js';
import { createSyncStatusEvents } from '../events/sync-status-events.js';
import { createGraphQLHostInvoiceSource } from '../host/graphql-host-invoices.js';
import { composeInvoicePush } from '../services/invoice-push/index.js';
import { CustomerDirectory } from '../sync/customer-directory.js';
import {
  BackfillService,
  composeBackfillRunner,
  createBackfillProgressEvents,
} from '../services/backfill/index.js';
import { createBackfillWorker } from './backfill.worker.js';
import { SyncStatusService } from '../services/sync-status.js';
import { createInvoicePushWorker } from './invoice-push.worker.js';
import { createMetrics } from '../observability/metrics.js';
import { startWorkerMetricsServer } from '../observability/metrics-server.js';
import type { Logger } from '../logger.js';
import { connectDatabase, createIndexes, disconnectDatabase, models } from '../models/index.js';
import { createConnectionEvents } from '../events/connection-events.js';
import { createQuickBooksSide } from '../quickbooks/setup.js';
import { closeRedis, createRedis } from '../redis.js';
import { AuditLogService, recordKeyRotation } from '../services/audit-log.js';
import { reportConnectionStateChanges } from '../services/connect/state-changes.js';
import { RetentionService } from '../services/retention.js';
import { createMaintenanceWorker, ORPHAN_AFTER_MS, scheduleMaintenance } from './maintenance.worker.js';
import { requeueOrphanedPushes } from '../services/push-reconciliation.js';
import { QueueName } from './queues.js';
import { createTokenRefreshWorker, scheduleTokenRefresh } from './token-refresh.worker.js';
import { createPaymentEvents } from '../events/payment-events.js';
import { createReconciliationEvents } from '../events/reconciliation-events.js';
import { createGraphQLHostPaymentSink } from '../host/graphql-host-payments.js';
import { PaymentPullService } from '../services/payments/payment-pull.js';
import { SyncLogService } from '../services/sync-log.js';
import { ReconciliationRuns } from '../services/reconciliation/reconciliation-runs.js';
import { ReconciliationService } from '../services/reconciliation/reconciliation-service.js';
import { createReconciliationWorker, scheduleNightlyReconciliation } from './reconciliation.worker.js';
import {
  createPaymentSweepWorker,
  createWebhookEventWorker,
  schedulePaymentSweeps,
} from './payment-pull.worker.js';

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs, lets in-flight jobs finish (up to the deadline), then closes connections. */
  shutdown(): Promise<{ drained: boolean }>;
}

/**
 * Closes workers gracefully: BullMQ's `close()` waits for active jobs. Past the deadline the remaining
 * jobs are abandoned to BullMQ's stalled-job recovery, which hands them to another worker.
 */
export async function closeWorkers(workers: Worker[], deadlineMs: number): Promise<{ drained: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
  });
  const outcome = await Promise.race([
    Promise.all(workers.map((w) => w.close())).then(() => 'drained' as const),
    deadline,
  ]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    // Not awaited: a forced close still settles only when the stuck processor returns, and the caller
    // is about to exit. The job's lock then lapses and BullMQ marks it stalled for another worker.
    for (const worker of workers) void worker.close(true).catch(() => undefined);
    return { drained: false };
  }
  return { drained: true };
}

/** Composition root of the worker process. */
export async function startWorkers(config: Config, logger: Logger): Promise<RunningWorkers> {
  // Refused before anything starts: a push worker that cannot read invoices would fail every job.
  if (config.host.credentials.kind === 'none') throw new ConfigError([config.host.credentials.reason]);
  await connectDatabase(config.mongo.uri, config.mongo.dbName);
  await createIndexes();
  const connection = createRedis(config.redis.url, 'worker', {}, logger);
  const queueConnection = createRedis(config.redis.url, 'worker', {}, logger);

  const maintenanceQueue = new Queue(QueueName.maintenance, {
    connection: queueConnection,
    prefix: config.redis.prefix,
  });
  await scheduleMaintenance(maintenanceQueue);
  const tokenQueue = new Queue(QueueName.tokenRefresh, {
    connection: queueConnection,
    prefix: config.redis.prefix,
  });
  await scheduleTokenRefresh(tokenQueue, config.quickbooks.refresh.everyMinutes);
  // The push worker's own queue, for the maintenance sweep that requeues orphaned pushes.
  const pushQueue = new Queue(QueueName.invoicePush, {
    connection: queueConnection,
    prefix: config.redis.prefix,
  });

  // Locks and events: commands with a deadline, never a blocking BullMQ connection.
  const commandClient = createRedis(
    config.redis.url,
    'pubsub',
    { commandTimeout: config.redis.commandTimeoutMs },
    logger,
  );
  const auditLog = new AuditLogService({ models });
  const connectionEvents = createConnectionEvents({
    publishClient: commandClient,
    // Workers only publish; the subscriber side is never put in subscriber mode here.
    subscribeClient: commandClient,
    prefix: config.redis.prefix,
  });
  const metrics = createMetrics({ process: 'worker' });
  const quickbooks = createQuickBooksSide({
    config,
    models,
    redis: commandClient,
    logger,
    metrics,
    onStateChange: reportConnectionStateChanges({ auditLog, connectionEvents, logger }),
    // Every governed request of this process is a push's or a backfill's: none may hold a worker slot
    // long for a busy realm.
    work: 'background',
  });

  const now = () => new Date();
  const syncStatus = new SyncStatusService({
    models,
    events: createSyncStatusEvents({
      publishClient: commandClient,
      subscribeClient: commandClient,
      prefix: config.redis.prefix,
    }),
    now,
    logger: logger.child({ component: 'sync-status' }),
  });
  const host = createGraphQLHostInvoiceSource({
    url: config.host.graphqlUrl,
    credentials: config.host.credentials,
  });
  // One customer directory per process, shared by single pushes and backfills of the same companies.
  const directory = new CustomerDirectory({
    freshForMs: config.quickbooks.customerDirectoryFreshMs,
    now,
    logger: logger.child({ component: 'customer-directory' }),
  });
  const invoicePush = composeInvoicePush({
    models,
    quickbooks,
    host,
    syncStatus,
    logger,
    now,
    directory,
    contextCacheMs: config.quickbooks.pushContextCacheMs,
  });
  const backfillQueue = new Queue(QueueName.backfill, {
    connection: queueConnection,
    prefix: config.redis.prefix,
  });
  const paymentSweepQueue = new Queue(QueueName.paymentSweep, {
    connection: queueConnection,
    prefix: config.redis.prefix,
  });
  await schedulePaymentSweeps(paymentSweepQueue, config.quickbooks.paymentSweep.everyMs);
  const paymentPull = new PaymentPullService({
    models,
    clientFor: (tenantId, realmId) => quickbooks.clientFor(tenantId, realmId),
    host: createGraphQLHostPaymentSink({ url: config.host.graphqlUrl, credentials: config.host.credentials }),
    events: createPaymentEvents({
      publishClient: commandClient,
      subscribeClient: commandClient,
      prefix: config.redis.prefix,
    }),
    syncLog: new SyncLogService({ models, now }),
    now,
    logger: logger.child({ component: 'payment-pull' }),
    options: { overlapMs: config.quickbooks.paymentSweep.overlapMs },
  });
  const reconciliationQueue = new Queue(QueueName.reconciliation, {
    connection: queueConnection,
    prefix: config.redis.prefix,
  });
  await scheduleNightlyReconciliation(reconciliationQueue, config.quickbooks.reconciliation.nightlyPattern);
  const reconciliationRuns = new ReconciliationRuns({
    models,
    queue: reconciliationQueue,
    events: createReconciliationEvents({
      publishClient: commandClient,
      subscribeClient: commandClient,
      prefix: config.redis.prefix,
    }),
    now,
    logger: logger.child({ component: 'reconciliation' }),
  });
  const reconciliation = new ReconciliationService({
    models,
    clientFor: (tenantId, realmId) => quickbooks.clientFor(tenantId, realmId),
    host,
    logger: logger.child({ component: 'reconciliation' }),
  });
  const paymentWorkerDeps = {
    connection,
    prefix: config.redis.prefix,
    pull: paymentPull,
    sweepQueue: paymentSweepQueue,
    customers: models.customers,
    now,
  };
  const backfillRunner = composeBackfillRunner({
    models,
    quickbooks,
    host,
    syncStatus,
    directory,
    backfills: new BackfillService({
      models,
      events: createBackfillProgressEvents({
        publishClient: commandClient,
        subscribeClient: commandClient,
        prefix: config.redis.prefix,
      }),
      now,
      logger: logger.child({ component: 'backfill' }),
    }),
    queue: backfillQueue,
    logger,
    now,
  });

  const workers = [
    createInvoicePushWorker({
      connection,
      prefix: config.redis.prefix,
      push: invoicePush,
      syncStatus,
      logger: logger.child({ queue: QueueName.invoicePush }),
      observer: metrics.push,
      now,
    }),
    createBackfillWorker({
      connection,
      prefix: config.redis.prefix,
      runner: backfillRunner,
      logger: logger.child({ queue: QueueName.backfill }),
      now,
    }),
    createWebhookEventWorker({
      ...paymentWorkerDeps,
      logger: logger.child({ queue: QueueName.webhookEvents }),
    }),
    createPaymentSweepWorker({
      ...paymentWorkerDeps,
      logger: logger.child({ queue: QueueName.paymentSweep }),
    }),
    createReconciliationWorker({
      connection,
      prefix: config.redis.prefix,
      runs: reconciliationRuns,
      service: reconciliation,
      nightlyWindowDays: config.quickbooks.reconciliation.windowDays,
      logger: logger.child({ queue: QueueName.reconciliation }),
      now,
    }),
    createMaintenanceWorker({
      connection,
      prefix: config.redis.prefix,
      retention: new RetentionService({
        models,
        retentionDays: config.syncLogRetentionDays,
        now: () => new Date(),
      }),
      requeueOrphanedPushes: () =>
        requeueOrphanedPushes(
          { models, queue: pushQueue, now: () => new Date() },
          { olderThanMs: ORPHAN_AFTER_MS, limit: 500 },
        ),
      logger: logger.child({ queue: QueueName.maintenance }),
    }),
    createTokenRefreshWorker({
      connection,
      prefix: config.redis.prefix,
      sweep: {
        customers: models.customers,
        tokens: quickbooks.vault,
        withinMinutes: config.quickbooks.refresh.withinMinutes,
        now: () => new Date(),
      },
      rotation: {
        customers: models.customers,
        cipher: quickbooks.cipher,
        audit: (entry) => recordKeyRotation(auditLog, entry),
      },
      logger: logger.child({ queue: QueueName.tokenRefresh }),
    }),
  ];
  for (const worker of workers) {
    worker.on('failed', (job, error) =>
      logger.warn({ queue: worker.name, jobId: job?.id, err: error }, 'job failed'),
    );
    worker.on('error', (error) => logger.error({ queue: worker.name, err: error }, 'worker error'));
  }
  // BullMQ prints a queue's 'error' event to stderr when nothing listens (every failed reconnect while
  // Redis is away); the connection's own listener (createRedis) reports the outage once.
  for (const queue of [
    pushQueue,
    backfillQueue,
    maintenanceQueue,
    tokenQueue,
    paymentSweepQueue,
    reconciliationQueue,
  ]) {
    queue.on('error', (error) => logger.debug({ queue: queue.name, err: error }, 'queue error'));
  }
  metrics.watchQueues([
    pushQueue,
    backfillQueue,
    maintenanceQueue,
    tokenQueue,
    paymentSweepQueue,
    reconciliationQueue,
  ]);
  const metricsServer = await startWorkerMetricsServer(
    config.metrics,
    metrics,
    logger.child({ component: 'metrics' }),
  );
  logger.info({ queues: workers.map((w) => w.name) }, 'workers started');

  return {
    workers,
    async shutdown() {
      const result = await closeWorkers(workers, config.workerShutdownTimeoutMs);
      await metricsServer?.close();
      await Promise.all([
        maintenanceQueue.close(),
        tokenQueue.close(),
        pushQueue.close(),
        backfillQueue.close(),
        paymentSweepQueue.close(),
        reconciliationQueue.close(),
      ]);
      await Promise.all([closeRedis(connection), closeRedis(queueConnection), closeRedis(commandClient)]);
      await disconnectDatabase();
      return result;
    },
  };
}
