import mongoose from 'mongoose';
import type { DatabaseTimeouts } from '../config.js';
import { AuditLogModel } from './audit-log.js';
import { QuickBooksBackfillModel } from './backfill.js';
import { CustomerModel } from './customer.js';
import { CustomerLinkModel } from './customer-link.js';
import { CsvExportedInvoiceModel } from './csv-exported-invoice.js';
import { InvoiceSyncStateModel } from './invoice-sync-state.js';
import { MappingSetModel } from './mapping-set.js';
import {
  PaymentCheckpointModel,
  QuickBooksInvoiceBalanceModel,
  QuickBooksPaymentModel,
} from './quickbooks-payment.js';
import { RealmOwnerModel } from './realm-owner.js';
import { ReconciliationRowModel, ReconciliationRunModel } from './reconciliation.js';
import { ReferenceCacheModel } from './reference-cache.js';
import { QuickBooksSyncLogModel } from './sync-log.js';

export {
  AuditLogModel,
  CustomerLinkModel,
  CustomerModel,
  InvoiceSyncStateModel,
  QuickBooksBackfillModel,
  QuickBooksSyncLogModel,
  RealmOwnerModel,
  ReferenceCacheModel,
};
export { MappingSetModel, PaymentCheckpointModel, QuickBooksInvoiceBalanceModel, QuickBooksPaymentModel };

/**
 * The registered models. Composition roots (src/api.ts, src/workers/runtime.ts, test harnesses) pass this
 * object, or the part a service needs, into services; services import only the `Models` type, never a
 * model, so what they read and write is visible at the root and replaceable in tests.
 */
export const models = {
  customers: CustomerModel,
  invoiceSyncStates: InvoiceSyncStateModel,
  syncLogs: QuickBooksSyncLogModel,
  auditLogs: AuditLogModel,
  realmOwners: RealmOwnerModel,
  mappingSets: MappingSetModel,
  referenceCache: ReferenceCacheModel,
  customerLinks: CustomerLinkModel,
  backfills: QuickBooksBackfillModel,
  payments: QuickBooksPaymentModel,
  invoiceBalances: QuickBooksInvoiceBalanceModel,
  paymentCheckpoints: PaymentCheckpointModel,
  reconciliations: ReconciliationRunModel,
  reconciliationRows: ReconciliationRowModel,
  csvExportedInvoices: CsvExportedInvoiceModel,
} as const;

export type Models = typeof models;

export const ALL_MODELS = Object.values(models);

// Indexes are created explicitly at start-up (createIndexes below), never lazily on first use.
mongoose.set('autoIndex', false);
mongoose.set('autoCreate', false);

/**
 * Request-serving processes give every database call a deadline, so a paused or unreachable server fails
 * the call with a typed error (TIMEOUT to clients) instead of hanging the request:
 * - serverSelectionTimeoutMS: no reachable server; the same bound applies to opening a connection
 *   (connectTimeoutMS, 30 s by default: a server that accepts TCP but never answers the handshake held a
 *   request that long), to waiting for a free pooled connection (waitQueueTimeoutMS, unbounded by
 *   default) and to mongoose's buffering of commands while it reconnects (bufferTimeoutMS, 10 s);
 * - socketTimeoutMS: a server that stops answering on an open connection (paused, network partition);
 * - maxTimeMS on every query: the server itself stops a slow query first (socketTimeoutMS is larger).
 * Without `timeouts` (the worker process) only server selection is bounded: maintenance jobs run long
 * queries by design, and BullMQ's job lock, not a request, bounds them.
 */
export async function connectDatabase(
  uri: string,
  dbName?: string,
  timeouts?: DatabaseTimeouts,
): Promise<typeof mongoose> {
  if (!timeouts) return mongoose.connect(uri, { dbName, serverSelectionTimeoutMS: 5000 });
  mongoose.set('maxTimeMS', timeouts.maxTimeMs);
  mongoose.set('bufferTimeoutMS', timeouts.serverSelectionTimeoutMs);
  return mongoose.connect(uri, {
    dbName,
    serverSelectionTimeoutMS: timeouts.serverSelectionTimeoutMs,
    connectTimeoutMS: timeouts.serverSelectionTimeoutMs,
    waitQueueTimeoutMS: timeouts.serverSelectionTimeoutMs,
    socketTimeoutMS: timeouts.socketTimeoutMs,
  });
}

/**
 * Creates every declared index. Both MongoDB and FerretDB accept the plain and unique indexes used here;
 * no model declares TTL or partial indexes because FerretDB rejects them.
 */
export async function createIndexes(): Promise<void> {
  for (const model of ALL_MODELS) {
    await model.createCollection().catch((error: { codeName?: string }) => {
      if (error.codeName !== 'NamespaceExists') throw error;
    });
    await model.createIndexes();
  }
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}
