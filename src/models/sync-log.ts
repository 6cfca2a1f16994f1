import { Schema, model, type InferSchemaType } from 'mongoose';

// QUICKBOOKS_CUSTOMER is Intuit's Customer (an invoice's bill-to in QuickBooks), never the tenant.
export const SYNC_ENTITY_TYPES = ['INVOICE', 'QUICKBOOKS_CUSTOMER', 'PAYMENT'] as const;
export const SYNC_OPERATIONS = ['INVOICE_PUSH', 'QUICKBOOKS_CUSTOMER_UPSERT', 'PAYMENT_MATCH'] as const;
export const SYNC_ATTEMPT_OUTCOMES = ['STARTED', 'SUCCEEDED', 'FAILED'] as const;

/**
 * The seed's QuickBooksSyncLog: one document per attempt, append-only, scoped by tenant (`tenantId`, the
 * host Customer id). FerretDB has no TTL indexes, so retention is enforced by the maintenance queue, not by the server.
 */
const QuickBooksSyncLogSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    entityType: { type: String, enum: SYNC_ENTITY_TYPES, required: true },
    entityId: { type: String, required: true },
    operation: { type: String, enum: SYNC_OPERATIONS, required: true },
    outcome: { type: String, enum: SYNC_ATTEMPT_OUTCOMES, required: true },
    attempt: { type: Number, required: true },
    trigger: { type: String },
    realmId: { type: String },
    requestId: { type: String },
    quickbooksId: { type: String },
    intuitTid: { type: String },
    durationMs: { type: Number },
    error: {
      code: { type: String },
      message: { type: String },
      retryable: { type: Boolean },
      detail: { type: String },
    },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'quickbooks_sync_logs' },
);

// The sync log page (src/services/sync-log.ts): one tenant newest first by (createdAt, _id), optionally
// narrowed to one outcome or one entity type / entity; `since`/`until` bound the createdAt range of each.
QuickBooksSyncLogSchema.index({ tenantId: 1, entityType: 1, entityId: 1, createdAt: -1 });
QuickBooksSyncLogSchema.index({ tenantId: 1, createdAt: -1, _id: -1 });
QuickBooksSyncLogSchema.index({ tenantId: 1, outcome: 1, createdAt: -1, _id: -1 });
QuickBooksSyncLogSchema.index({ createdAt: 1 });

export type QuickBooksSyncLogDocument = InferSchemaType<typeof QuickBooksSyncLogSchema>;
export const QuickBooksSyncLogModel = model('QuickBooksSyncLog', QuickBooksSyncLogSchema);
