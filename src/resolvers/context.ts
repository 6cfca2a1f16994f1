import DataLoader from 'dataloader';
import type { Logger } from '../logger.js';
import type { QuickBooksAppLinks } from '../quickbooks/endpoints.js';
import type { Viewer } from '../auth/viewer.js';
import type { ConnectionEvents } from '../events/connection-events.js';
import type { AuditLogService } from '../services/audit-log.js';
import type { BackfillService } from '../services/backfill/backfill-service.js';
import type { ConnectService } from '../services/connect/connect-service.js';
import type { ConnectionService, QuickBooksConnectionView } from '../services/connections.js';
import type { CsvExportService } from '../services/csv-export/csv-export-service.js';
import type { InvoiceIntakeService } from '../services/invoice-intake.js';
import type { InvoicePreviewService } from '../services/invoice-preview.js';
import type { MappingService } from '../services/mappings/mapping-service.js';
import type { MappingStatusService } from '../services/mappings/status.js';
import type {
  InvoiceBalanceView,
  InvoicePaymentView,
  PaymentViewService,
} from '../services/payments/payment-views.js';
import type { ReconciliationRuns } from '../services/reconciliation/reconciliation-runs.js';
import type { QuickBooksSettingsService } from '../services/quickbooks-settings.js';
import type { ReferenceData } from '../services/reference-data/types.js';
import type { SyncLogService } from '../services/sync-log.js';
import type { InvoiceKey, InvoiceSyncStatus, SyncStatusService } from '../services/sync-status.js';
import type { SyncSummaryService } from '../services/sync-summary.js';

export interface Services {
  connections: ConnectionService;
  syncStatus: SyncStatusService;
  connect: ConnectService;
  auditLog: AuditLogService;
  connectionEvents: ConnectionEvents;
  referenceData: ReferenceData;
  mappings: MappingService;
  mappingStatus: MappingStatusService;
  quickbooksSettings: QuickBooksSettingsService;
  invoiceIntake: InvoiceIntakeService;
  syncLog: SyncLogService;
  syncSummary: SyncSummaryService;
  invoicePreview: InvoicePreviewService;
  backfills: BackfillService;
  paymentViews: PaymentViewService;
  reconciliations: ReconciliationRuns;
  /** The CSV export for QuickBooks Online's import (tenants without a connection). */
  csvExports: Pick<CsvExportService, 'export'>;
  /** Queues a payment sweep of one customer now (the payment pull's catch-up). */
  paymentSweeps: { request(tenantId: string): Promise<void> };
  /** Links for people into the QuickBooks web app (Invoice.quickbooksSyncStatus.quickbooksUrl). */
  quickbooksLinks: QuickBooksAppLinks;
}

export interface Loaders {
  /** Keyed by tenant id (the host Customer id). */
  connection: DataLoader<string, QuickBooksConnectionView>;
  syncStatus: DataLoader<InvoiceKey, InvoiceSyncStatus, string>;
  invoicePayments: DataLoader<InvoiceKey, InvoicePaymentView[], string>;
  invoiceBalance: DataLoader<InvoiceKey, InvoiceBalanceView | null, string>;
}

/** Per request (or per subscription operation): who is calling, and batched readers for this request. */
export interface GraphQLContext {
  viewer: Viewer | null;
  /** Why the caller is anonymous, when a token was sent but did not verify. */
  authFailure?: string;
  /**
   * The caller's verified bearer token, forwarded only to the platform's own API (the host's invoices),
   * so the host applies its own rules to this caller. Never logged or returned.
   */
  bearerToken?: string;
  services: Services;
  loaders: Loaders;
  logger: Logger;
}

/** `cache: false` for a context that outlives one execution (a subscription's): batching only. */
export function createLoaders(services: Services, options: { cache?: boolean } = {}): Loaders {
  const cache = options.cache ?? true;
  return {
    connection: new DataLoader((ids) => services.connections.getMany(ids), { cache }),
    syncStatus: new DataLoader((keys) => services.syncStatus.getMany(keys), {
      cacheKeyFn: invoiceKeyOf,
      cache,
    }),
    invoicePayments: new DataLoader((keys) => services.paymentViews.paymentsOf(keys), {
      cacheKeyFn: invoiceKeyOf,
      cache,
    }),
    invoiceBalance: new DataLoader((keys) => services.paymentViews.balancesOf(keys), {
      cacheKeyFn: invoiceKeyOf,
      cache,
    }),
  };
}

function invoiceKeyOf(key: InvoiceKey): string {
  return `${key.tenantId}\u0000${key.invoiceId}`;
}
