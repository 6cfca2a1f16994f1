import type { HostInvoiceSource } from '../../host/host-invoices.js';
import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { QuickBooksSide } from '../../quickbooks/setup.js';
import { CustomerDirectory, type CustomerDirectoryOptions } from '../../sync/customer-directory.js';
import { CustomerUpserter } from '../../sync/customer-upsert.js';
import { ConnectionService } from '../connections.js';
import { CsvExportedInvoices } from '../csv-export/exported-invoices.js';
import { MappingService } from '../mappings/mapping-service.js';
import { createTermLookup, QuickBooksSettingsService } from '../quickbooks-settings.js';
import { ReferenceDataService } from '../reference-data/service.js';
import { SyncLogService } from '../sync-log.js';
import type { SyncStatusService } from '../sync-status.js';
import { InvoicePushService } from './invoice-push-service.js';

/** What a push and a backfill chunk both work with, wired once (the same rules for both paths). */
export interface PushCollaborators {
  syncLog: SyncLogService;
  clientFor: QuickBooksSide['clientFor'];
  referenceData: ReferenceDataService;
  mappings: MappingService;
  settings: QuickBooksSettingsService;
  customers: CustomerUpserter;
  csvExports: CsvExportedInvoices;
}

/**
 * The collaborators of the push and of the backfill runner, as a composition root builds them (the worker
 * runtime, and the tests, which must exercise the same wiring). Audit entries are not written from a
 * push: it changes no mapping or setting. `directory` is the process's customer directory, shared by both
 * paths (one per worker process); without it, one is built from `customerDirectory` (tests), and with
 * neither the upserter queries QuickBooks to match.
 */
export function composePushCollaborators(deps: {
  models: Models;
  quickbooks: Pick<QuickBooksSide, 'clientFor'>;
  logger: Logger;
  now: () => Date;
  directory?: CustomerDirectory;
  customerDirectory?: Omit<CustomerDirectoryOptions, 'logger'>;
}): PushCollaborators {
  const { models, quickbooks, logger, now } = deps;
  const referenceData = new ReferenceDataService({
    models,
    quickbooks,
    now,
    logger: logger.child({ component: 'reference-data' }),
  });
  const noAudit = { record: async () => undefined };
  const clientFor: QuickBooksSide['clientFor'] = (tenantId, realmId) =>
    quickbooks.clientFor(tenantId, realmId);
  const directory =
    deps.directory ??
    (deps.customerDirectory
      ? new CustomerDirectory({
          now,
          ...deps.customerDirectory,
          logger: logger.child({ component: 'customer-directory' }),
        })
      : undefined);
  return {
    syncLog: new SyncLogService({ models, now }),
    clientFor,
    referenceData,
    mappings: new MappingService({ models, referenceData, auditLog: noAudit, now }),
    settings: new QuickBooksSettingsService({
      models,
      terms: createTermLookup({ connections: new ConnectionService({ models, now }), quickbooks }),
      auditLog: noAudit,
    }),
    customers: new CustomerUpserter({
      models,
      clientFor,
      now,
      logger: logger.child({ component: 'customer-upsert' }),
      ...(directory ? { directory } : {}),
    }),
    csvExports: new CsvExportedInvoices({ models }),
  };
}

/** The push service, wired as the worker runtime does (see composePushCollaborators). */
export function composeInvoicePush(deps: {
  models: Models;
  /** With the process's vault, the push's connection read lets it reuse an opened access token. */
  quickbooks: Pick<QuickBooksSide, 'clientFor'> & Partial<Pick<QuickBooksSide, 'vault'>>;
  host: HostInvoiceSource;
  syncStatus: SyncStatusService;
  logger: Logger;
  now?: () => Date;
  directory?: CustomerDirectory;
  /** Settings of a directory built for this service alone (tests); the default is a directory too. */
  customerDirectory?: Omit<CustomerDirectoryOptions, 'logger'>;
  /** QUICKBOOKS_PUSH_CONTEXT_CACHE_MS (config.quickbooks.pushContextCacheMs); absent: no cache. */
  contextCacheMs?: number;
}): InvoicePushService {
  const now = deps.now ?? (() => new Date());
  return new InvoicePushService({
    models: deps.models,
    host: deps.host,
    syncStatus: deps.syncStatus,
    ...composePushCollaborators({ ...deps, now, customerDirectory: deps.customerDirectory ?? {} }),
    now,
    logger: deps.logger.child({ component: 'invoice-push' }),
    ...(deps.contextCacheMs !== undefined ? { contextCacheMs: deps.contextCacheMs } : {}),
    ...(deps.quickbooks.vault ? { tokens: deps.quickbooks.vault } : {}),
  });
}
