import DataLoader from 'dataloader';
import type { Logger } from '../logger.js';
import type { Viewer } from '../auth/viewer.js';
import type { ConnectionEvents } from '../events/connection-events.js';
import type { AuditLogService } from '../services/audit-log.js';
import type { ConnectService } from '../services/connect/connect-service.js';
import type { ConnectionService, QuickBooksConnectionView } from '../services/connections.js';
import type { InvoiceKey, InvoiceSyncStatus, SyncStatusService } from '../services/sync-status.js';

export interface Services {
  connections: ConnectionService;
  syncStatus: SyncStatusService;
  connect: ConnectService;
  auditLog: AuditLogService;
  connectionEvents: ConnectionEvents;
}

export interface Loaders {
  /** Keyed by tenant id (the host Customer id). */
  connection: DataLoader<string, QuickBooksConnectionView>;
  syncStatus: DataLoader<InvoiceKey, InvoiceSyncStatus, string>;
}

/** Per request (or per subscription operation): who is calling, and batched readers for this request. */
export interface GraphQLContext {
  viewer: Viewer | null;
  /** Why the caller is anonymous, when a token was sent but did not verify. */
  authFailure?: string;
  services: Services;
  loaders: Loaders;
  logger: Logger;
}

export function createLoaders(services: Services): Loaders {
  return {
    connection: new DataLoader((ids) => services.connections.getMany(ids)),
    syncStatus: new DataLoader((keys) => services.syncStatus.getMany(keys), {
      cacheKeyFn: (key) => `${key.tenantId}\u0000${key.invoiceId}`,
    }),
  };
}
