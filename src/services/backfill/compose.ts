import type { HostInvoiceLister, HostInvoiceSource } from '../../host/host-invoices.js';
import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { QuickBooksSide } from '../../quickbooks/setup.js';
import type { CustomerDirectory } from '../../sync/customer-directory.js';
import type { SyncStatusService } from '../sync-status.js';
import { composePushCollaborators } from '../invoice-push/compose.js';
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
  return new BackfillRunner({
    models: deps.models,
    host: deps.host,
    backfills: deps.backfills,
    queue: deps.queue,
    syncStatus: deps.syncStatus,
    ...composePushCollaborators({ ...deps, now }),
    now,
    logger: deps.logger.child({ component: 'backfill' }),
    ...(deps.retry ? { retry: deps.retry } : {}),
  });
}
