import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { QUICKBOOKS_RESULT_PATH, type Config } from './config.js';
import type { Logger } from './logger.js';
import { createTokenVerifier } from './auth/token-verifier.js';
import { createConnectionEvents, type ConnectionEvents } from './events/connection-events.js';
import { createSyncStatusEvents } from './events/sync-status-events.js';
import { connectDatabase, createIndexes, disconnectDatabase, models } from './models/index.js';
import { QuickBooksClient } from './quickbooks/client.js';
import { QuickBooksError } from './quickbooks/errors.js';
import { appLinksFor } from './quickbooks/endpoints.js';
import { codeChallengeS256, createCodeVerifier } from './quickbooks/pkce.js';
import { createQuickBooksSide, type QuickBooksSide } from './quickbooks/setup.js';
import { closeRedis, createRedis } from './redis.js';
import { buildFederatedSchema } from './schema/build-schema.js';
import { createMetrics } from './observability/metrics.js';
import { createContextFactory } from './server/context.js';
import { createHttpServer } from './server/http-server.js';
import { createQuickBooksRoutes } from './server/quickbooks-routes.js';
import { createWebhookRoutes, QUICKBOOKS_WEBHOOK_PATH } from './server/webhook-routes.js';
import { AuditLogService } from './services/audit-log.js';
import { BackfillService, createBackfillProgressEvents } from './services/backfill/index.js';
import { ConnectService } from './services/connect/connect-service.js';
import { createConnectionStore } from './services/connect/connection-store.js';
import { createStateSigner } from './services/connect/oauth-state.js';
import { reportConnectionStateChanges } from './services/connect/state-changes.js';
import { createStateStore } from './services/connect/state-store.js';
import { ConnectionService } from './services/connections.js';
import { InvoiceIntakeService } from './services/invoice-intake.js';
import { InvoicePreviewService } from './services/invoice-preview.js';
import { createGraphQLHostInvoiceSource, HostInvoiceError } from './host/graphql-host-invoices.js';
import type { HostInvoiceLister, HostInvoiceSource } from './host/host-invoices.js';
import { createCsvExportRoutes, QUICKBOOKS_EXPORT_PATH } from './server/csv-export-routes.js';
import { CsvExportService } from './services/csv-export/csv-export-service.js';
import { CsvExportedInvoices } from './services/csv-export/exported-invoices.js';
import { ExportLinkSigner } from './services/csv-export/export-links.js';
import { ExportStore } from './services/csv-export/export-store.js';
import { MappingService } from './services/mappings/mapping-service.js';
import { createHostInvoiceReader, MappingStatusService } from './services/mappings/status.js';
import { createTermLookup, QuickBooksSettingsService } from './services/quickbooks-settings.js';
import { ReferenceDataService } from './services/reference-data/service.js';
import { SyncLogService } from './services/sync-log.js';
import { SyncStatusService } from './services/sync-status.js';
import { SyncSummaryService } from './services/sync-summary.js';
import { PaymentViewService } from './services/payments/payment-views.js';
import { ReconciliationRuns } from './services/reconciliation/reconciliation-runs.js';
import { createPaymentEvents } from './events/payment-events.js';
import { createReconciliationEvents } from './events/reconciliation-events.js';
import { WebhookIntake } from './services/webhooks/intake.js';
import { createRealmDirectory } from './services/webhooks/realm-routing.js';
import { QueueName, TENANT_SCOPED_QUEUES } from './workers/queues.js';
import { requestPaymentSweep } from './workers/payment-pull.worker.js';
import { cancelPendingJobs, resumeTenantJobs } from './workers/tenant-jobs.js';

/** How long an export's download link (and its zip in Redis) lives. */
const CSV_EXPORT_LINK_TTL_MS = 15 * 60_000;

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Composition root of the API process: wires config, stores, services and transports. */
export async function startApi(config: Config, logger: Logger): Promise<RunningApi> {
  await connectDatabase(config.mongo.uri, config.mongo.dbName, config.mongo.timeouts);
  await createIndexes();

  const redisOptions = { commandTimeout: config.redis.commandTimeoutMs };
  const publishClient = createRedis(config.redis.url, 'pubsub', redisOptions, logger);
  const subscribeClient = createRedis(config.redis.url, 'pubsub', redisOptions, logger);
  // Adding and removing jobs while a request waits: fails fast when Redis is down.
  const producerClient = createRedis(config.redis.url, 'producer', redisOptions, logger);
  const tenantQueues = TENANT_SCOPED_QUEUES.map(
    (name) => new Queue(name, { connection: producerClient, prefix: config.redis.prefix }),
  );
  // BullMQ prints a queue's 'error' event to stderr when nothing listens (every failed reconnect while
  // Redis is away); the connection's own listener (createRedis) reports the outage once.
  for (const queue of tenantQueues) {
    queue.on('error', (error) => logger.debug({ queue: queue.name, err: error }, 'queue error'));
  }
  const redisChannels = { publishClient, subscribeClient, prefix: config.redis.prefix };
  const events = createSyncStatusEvents(redisChannels);
  const connectionEvents = createConnectionEvents(redisChannels);
  const now = () => new Date();
  const auditLog = new AuditLogService({ models });
  const metrics = createMetrics({ process: 'api' });
  metrics.watchQueues(tenantQueues);
  const quickbooks = createQuickBooksSide({
    config,
    models,
    redis: publishClient,
    logger,
    metrics,
    onStateChange: reportConnectionStateChanges({ auditLog, connectionEvents, logger }),
  });
  const connect = createConnectService({
    config,
    quickbooks,
    redis: publishClient,
    tenantQueues,
    auditLog,
    connectionEvents,
    logger,
  });
  const referenceData = new ReferenceDataService({
    models,
    quickbooks,
    now,
    logger: logger.child({ component: 'reference-data' }),
  });
  const connections = new ConnectionService({ models, now });
  const mappings = new MappingService({ models, referenceData, auditLog, now });
  const syncStatus = new SyncStatusService({
    models,
    events,
    now,
    logger: logger.child({ component: 'sync-status' }),
  });
  function queueNamed(name: QueueName): Queue {
    const queue = tenantQueues.find((candidate) => candidate.name === name);
    if (!queue) throw new Error(`${name} is not among the tenant-scoped queues`);
    return queue;
  }
  const csvExports = new CsvExportService({
    models,
    exportedInvoices: new CsvExportedInvoices({ models }),
    host: hostInvoiceSourceOf(config),
    store: new ExportStore(publishClient, config.redis.prefix),
    signer: new ExportLinkSigner(config.quickbooks.stateSecret, now),
    auditLog,
    now,
    logger: logger.child({ component: 'csv-export' }),
    linkTtlMs: CSV_EXPORT_LINK_TTL_MS,
    downloadBaseUrl: `${config.quickbooks.publicUrl}${QUICKBOOKS_EXPORT_PATH}`,
  });
  const invoicePushQueue = queueNamed(QueueName.invoicePush);
  const backfillQueue = queueNamed(QueueName.backfill);
  const paymentSweepQueue = queueNamed(QueueName.paymentSweep);
  const services = {
    backfills: new BackfillService({
      models,
      queue: backfillQueue,
      events: createBackfillProgressEvents(redisChannels),
      now,
      logger: logger.child({ component: 'backfill' }),
    }),
    connections,
    syncStatus,
    connect,
    auditLog,
    connectionEvents,
    referenceData,
    mappings,
    mappingStatus: new MappingStatusService({
      referenceData,
      mappings,
      invoices: createHostInvoiceReader({ url: config.host.graphqlUrl }),
    }),
    quickbooksSettings: new QuickBooksSettingsService({
      models,
      terms: createTermLookup({ connections, quickbooks }),
      auditLog,
      onPullPaymentsEnabled: (tenantId) =>
        requestPaymentSweep(paymentSweepQueue, tenantId).catch((error: unknown) =>
          logger.warn(
            { tenantId, err: error },
            'catch-up payment sweep not queued; the scheduled sweep will run it',
          ),
        ),
    }),
    invoiceIntake: new InvoiceIntakeService({
      syncStatus,
      queue: invoicePushQueue,
      auditLog,
      now,
      debounceMs: config.quickbooks.pushDebounceMs,
    }),
    syncLog: new SyncLogService({ models, now }),
    syncSummary: new SyncSummaryService({ models }),
    invoicePreview: new InvoicePreviewService({
      connections,
      invoices: hostInvoiceSourceOf(config),
      referenceData,
      mappings,
      models,
    }),
    quickbooksLinks: appLinksFor(quickbooks.endpoints),
    paymentViews: new PaymentViewService({ models, events: createPaymentEvents(redisChannels) }),
    paymentSweeps: { request: (tenantId: string) => requestPaymentSweep(paymentSweepQueue, tenantId) },
    reconciliations: new ReconciliationRuns({
      models,
      queue: queueNamed(QueueName.reconciliation),
      auditLog,
      events: createReconciliationEvents(redisChannels),
      now,
      logger: logger.child({ component: 'reconciliation' }),
    }),
    csvExports,
  };

  // Producer only: the worker process drains it (payment-pull.worker.ts).
  const { webhookVerifierToken } = config.quickbooks;
  const webhookQueue = webhookVerifierToken ? queueNamed(QueueName.webhookEvents) : undefined;
  const tokenVerifier = createTokenVerifier(config.auth);
  const routes = [
    createQuickBooksRoutes(connect, logger),
    createCsvExportRoutes({ exports: csvExports, verifier: tokenVerifier, logger }),
  ];
  if (webhookQueue && webhookVerifierToken) {
    const intake = new WebhookIntake({
      verifierToken: webhookVerifierToken,
      realms: createRealmDirectory({ models, connections }),
      queue: webhookQueue,
      logger: logger.child({ component: 'quickbooks-webhooks' }),
    });
    routes.push(createWebhookRoutes(intake, logger.child({ component: 'quickbooks-webhooks' })));
  } else {
    logger.info(
      { path: QUICKBOOKS_WEBHOOK_PATH },
      'QuickBooks webhooks are off (QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN is not set): the endpoint answers 404',
    );
  }

  const server = createHttpServer({
    schema: await buildFederatedSchema(),
    createContext: createContextFactory(tokenVerifier, services, logger),
    routes,
    introspection: config.http.introspection,
    landingPage: config.env !== 'production',
    limits: config.limits,
    maxBodyBytes: config.http.maxBodyBytes,
    requestTimeoutMs: config.http.requestTimeoutMs,
    subscriptions: config.subscriptions,
    metrics: config.metrics.enabled ? { metrics, token: config.metrics.token } : undefined,
    logger,
    readiness: [
      {
        name: 'mongodb',
        check: async () => {
          const db = mongoose.connection.db;
          if (!db) throw new Error('not connected');
          await db.admin().ping();
        },
      },
      { name: 'redis', check: async () => void (await publishClient.ping()) },
    ],
  });
  const port = await server.start(config.http.host, config.http.port);
  const url = `http://${config.http.host}:${port}/graphql`;
  logger.info({ url, quickbooks: config.quickbooks.environment }, 'subgraph listening');

  return {
    url,
    port,
    async close() {
      await server.stop();
      await Promise.all(tenantQueues.map((q) => q.close()));
      await Promise.all([closeRedis(subscribeClient), closeRedis(publishClient), closeRedis(producerClient)]);
      await disconnectDatabase();
    },
  };
}

/**
 * The previews' reader of host invoices. Without credentials for the host (AUTH_JWKS_URL and no
 * HOST_SERVICE_TOKEN) the API still starts; each preview then answers HOST_UNAVAILABLE, not retryable.
 */
function hostInvoiceSourceOf(config: Config): HostInvoiceSource & HostInvoiceLister {
  const { credentials } = config.host;
  if (credentials.kind === 'none') {
    return {
      load: () => Promise.reject(new HostInvoiceError(credentials.reason, false)),
      list: () => Promise.reject(new HostInvoiceError(credentials.reason, false)),
    };
  }
  return createGraphQLHostInvoiceSource({ url: config.host.graphqlUrl, credentials });
}

/** The connect flow's collaborators: OAuth, PKCE, signed state, the vault, and where results go. */
function createConnectService(deps: {
  config: Config;
  quickbooks: QuickBooksSide;
  redis: Redis;
  tenantQueues: readonly Queue[];
  auditLog: AuditLogService;
  connectionEvents: ConnectionEvents;
  logger: Logger;
}): ConnectService {
  const { config, quickbooks } = deps;
  const settings = config.quickbooks;
  const now = () => new Date();
  return new ConnectService({
    oauth: quickbooks.oauth,
    pkce: settings.pkce ? { createVerifier: createCodeVerifier, challengeOf: codeChallengeS256 } : undefined,
    signer: createStateSigner(settings.stateSecret, now),
    states: createStateStore(deps.redis, config.redis.prefix),
    vault: quickbooks.vault,
    store: createConnectionStore(models),
    async readCompanyName(realmId, accessToken) {
      const client = new QuickBooksClient({
        http: quickbooks.http,
        realmId,
        tokens: {
          getAccessToken: async () => accessToken,
          // A token minted a moment ago that is refused will not be saved by a refresh either.
          refreshAfterUnauthorized: async () => {
            throw new QuickBooksError({ kind: 'authentication', message: 'fresh access token refused' });
          },
        },
      });
      const { entity } = await client.companyInfo();
      return typeof entity.CompanyName === 'string' ? entity.CompanyName : undefined;
    },
    audit: (entry) => deps.auditLog.record(entry),
    connectionChanged: (tenantId) => deps.connectionEvents.publish({ tenantId }),
    cancelPendingJobs: (tenantId) => cancelPendingJobs(deps.tenantQueues, tenantId),
    resumePausedJobs: (tenantId) => resumeTenantJobs(deps.tenantQueues, tenantId),
    settings: {
      environment: settings.environment,
      scopes: settings.scopes,
      redirectUri: settings.redirectUri,
      returnToOrigins: settings.returnToOrigins,
      defaultReturnTo: `${settings.publicUrl}${QUICKBOOKS_RESULT_PATH}`,
    },
    now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    logger: deps.logger.child({ component: 'quickbooks-connect' }),
  });
}
