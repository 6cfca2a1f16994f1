import mongoose from 'mongoose';
import { AuditLogModel } from './audit-log.js';
import { CustomerModel } from './customer.js';
import { InvoiceSyncStateModel } from './invoice-sync-state.js';
import { QuickBooksSyncLogModel } from './sync-log.js';

export { AuditLogModel, CustomerModel, InvoiceSyncStateModel, QuickBooksSyncLogModel };

export const ALL_MODELS = [
  CustomerModel,
  InvoiceSyncStateModel,
  QuickBooksSyncLogModel,
  AuditLogModel,
] as const;

// Indexes are created explicitly at start-up (createIndexes below), never lazily on first use.
mongoose.set('autoIndex', false);
mongoose.set('autoCreate', false);

export async function connectDatabase(uri: string, dbName?: string): Promise<typeof mongoose> {
  return mongoose.connect(uri, { dbName, serverSelectionTimeoutMS: 5000 });
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
