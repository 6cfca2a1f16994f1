import { Schema, model, type InferSchemaType } from 'mongoose';

export const INVOICE_SYNC_STATES = ['NOT_SYNCED', 'QUEUED', 'SYNCING', 'SYNCED', 'FAILED'] as const;
export type InvoiceSyncStateName = (typeof INVOICE_SYNC_STATES)[number];

const SyncErrorSchema = new Schema(
  {
    code: { type: String, required: true },
    message: { type: String, required: true },
    retryable: { type: Boolean, required: true },
    intuitTid: { type: String },
  },
  { _id: false },
);

/** The current QuickBooks state of one host invoice; the sync log keeps the history of attempts. */
const InvoiceSyncStateSchema = new Schema(
  {
    /** The host Customer id the invoice belongs to. */
    tenantId: { type: String, required: true },
    invoiceId: { type: String, required: true },
    state: { type: String, enum: INVOICE_SYNC_STATES, required: true },
    quickbooksInvoiceId: { type: String },
    quickbooksSyncToken: { type: String },
    quickbooksDocNumber: { type: String },
    attempts: { type: Number, required: true, default: 0 },
    lastError: { type: SyncErrorSchema },
    lastAttemptAt: { type: Date },
    lastSyncedAt: { type: Date },
  },
  { timestamps: true, collection: 'invoice_sync_states' },
);

InvoiceSyncStateSchema.index({ tenantId: 1, invoiceId: 1 }, { unique: true });
InvoiceSyncStateSchema.index({ tenantId: 1, state: 1, updatedAt: -1 });

export type InvoiceSyncStateDocument = InferSchemaType<typeof InvoiceSyncStateSchema>;
export const InvoiceSyncStateModel = model('InvoiceSyncState', InvoiceSyncStateSchema);
