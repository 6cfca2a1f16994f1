import type { HostInvoiceSource } from '../../host/host-invoices.js';
import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { QuickBooksSide } from '../../quickbooks/setup.js';
import { CustomerDirectory, type CustomerDirectoryOptions } from '../../sync/customer-directory.js';
import { CustomerUpserter } from '../../sync/customer-upsert.js';
import { ConnectionService } from '../connections.js';
import { MappingService } from '../mappings/mapping-service.js';
import { createTermLookup, QuickBooksSettingsService } from '../quickbooks-settings.js';
import { ReferenceDataService } from '../reference-data/service.js';
import { SyncLogService } from '../sync-log.js';
import type { SyncStatusService } from '../sync-status.js';
import { InvoicePushService } from './invoice-push-service.js';

/**
 * The push service with its collaborators, as a composition root builds it (the worker runtime, and
 * the push tests, which must exercise the same wiring). Audit entries are not written from the push:
 * it changes no mapping or setting.
 */
export function composeInvoicePush(deps: {
  models: Models;
  quickbooks: Pick<QuickBooksSide, 'clientFor'>;
  host: HostInvoiceSource;
  syncStatus: SyncStatusService;
  logger: Logger;
  now?: () => Date;
  /**
   * The process's customer directory, shared with the backfill runner (one per worker process); when
   * absent, one is built from `customerDirectory` (tests).
   */
  directory?: CustomerDirectory;
  customerDirectory?: Omit<CustomerDirectoryOptions, 'logger'>;
}): InvoicePushService {
  const now = deps.now ?? (() => new Date());
  const { models, quickbooks, logger } = deps;
  const referenceData = new ReferenceDataService({
    models,
    quickbooks,
    now,
    logger: logger.child({ component: 'reference-data' }),
  });
  const noAudit = { record: async () => undefined };
  return new InvoicePushService({
    models,
    host: deps.host,
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
      directory:
        deps.directory ??
        new CustomerDirectory({
          now,
          ...deps.customerDirectory,
          logger: logger.child({ component: 'customer-directory' }),
        }),
    }),
    now,
    logger: logger.child({ component: 'invoice-push' }),
  });
}
