import type { HostInvoiceLister, HostInvoiceSource } from '../../host/host-invoices.js';
import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { QuickBooksSide } from '../../quickbooks/setup.js';
import type { CustomerDirectory } from '../../sync/customer-directory.js';
import { CustomerUpserter } from '../../sync/customer-upsert.js';
import { ConnectionService } from '../connections.js';
import { MappingService } from '../mappings/mapping-service.js';
import { createTermLookup, QuickBooksSettingsService } from '../quickbooks-settings.js';
import { ReferenceDataService } from '../reference-data/service.js';
import { SyncLogService } from '../sync-log.js';
import type { SyncStatusService } from '../sync-status.js';
import { BackfillRunner } from './backfill-runner.js';
import type { BackfillService } from './backfill-service.js';
import type { BackfillQueue, BackfillRetryOptions } from './jobs.js';

/**
 * The backfill runner with the same collaborators the single push gets (compose.ts of invoice-push), as
 * the worker runtime builds it and the backfill tests exercise it.
 */
export function composeBackfillRunner(deps: {
  models: Models;
  quickbooks: Pick<QuickBooksSide, 'clientFor'>;
  host: HostInvoiceSource & HostInvoiceLister;
  syncStatus: SyncStatusService;
  backfills: BackfillService;
  queue: BackfillQueue;
  logger: Logger;
  now?: () => Date;
  retry?: BackfillRetryOptions;
  /** The process's customer directory (shared with the single push), so a first push matches in memory. */
  directory?: CustomerDirectory;
}): BackfillRunner {
  const now = deps.now ?? (() => new Date());
  const { models, quickbooks, logger } = deps;
  const referenceData = new ReferenceDataService({
    models,
    quickbooks,
    now,
    logger: logger.child({ component: 'reference-data' }),
  });
  const noAudit = { record: async () => undefined };
  return new BackfillRunner({
    models,
    host: deps.host,
    backfills: deps.backfills,
    queue: deps.queue,
    syncStatus: deps.syncStatus,
    syncLog: new SyncLogService({ models, now }),
    clientFor: (tenantId, realmId) => quickbooks.clientFor(tenantId, realmId),
    referenceData,
    mappings: new MappingService({ models, referenceData, auditLog: noAudit, now }),
    settings: new QuickBooksSettingsService({
      models,
      terms: createTermLookup({ connections: new ConnectionService({ models, now }), quickbooks }),
      auditLog: noAudit,
    }),
    customers: new CustomerUpserter({
      models,
      clientFor: (tenantId, realmId) => quickbooks.clientFor(tenantId, realmId),
      now,
      logger: logger.child({ component: 'customer-upsert' }),
      ...(deps.directory ? { directory: deps.directory } : {}),
    }),
    now,
    logger: logger.child({ component: 'backfill' }),
    ...(deps.retry ? { retry: deps.retry } : {}),
  });
}
