import { Schema, model, type InferSchemaType } from 'mongoose';
import { SYNC_STATES, type SyncState } from '../sync/state-machine.js';

/** The sync domain owns the states (its transition table); the store only validates against them. */
export const INVOICE_SYNC_STATES = SYNC_STATES;
export type InvoiceSyncStateName = SyncState;

const SyncErrorSchema = new Schema(
  {
    code: { type: String, required: true },
    message: { type: String, required: true },
    retryable: { type: Boolean, required: true },
    intuitTid: { type: String },
  },
  { _id: false },
);

const TaxLineFigureSchema = new Schema(
  {
    ratePercent: { type: String },
    name: { type: String },
    netCents: { type: Number },
    taxCents: { type: Number, required: true },
  },
  { _id: false },
);

/** QuickBooks' tax beside the platform's, when they differ (src/sync/tax-parity.ts). Cents are integers. */
const TaxDifferenceSchema = new Schema(
  {
    class: { type: String, enum: ['ROUNDING', 'TAX_RECOMPUTED'], required: true },
    oursCents: { type: Number, required: true },
    theirsCents: { type: Number, required: true },
    rule: { type: String },
    explanation: { type: String, required: true },
    policy: { type: String, required: true },
    platformTaxLines: { type: [TaxLineFigureSchema], default: [] },
    quickbooksTaxLines: { type: [TaxLineFigureSchema], default: [] },
  },
  { _id: false },
);

/**
 * A create that may have reached QuickBooks: written before the first send and cleared by SUCCEEDED, so
 * an attempt that finds one (after a crash, a kill or a lost answer) looks the invoice up before sending.
 */
const PendingCreateSchema = new Schema(
  {
    /** Deterministic from (tenant, invoice, generation): a resend is a replay QuickBooks recognises. */
    requestId: { type: String, required: true },
    generation: { type: Number, required: true },
    /** The DocNumber sent (the platform number, or a suffixed one); absent when QuickBooks numbers it. */
    docNumber: { type: String },
    /** The look-up's other keys, with the PrivateNote marker: the bill-to customer and the date sent. */
    quickbooksCustomerId: { type: String, required: true },
    txnDate: { type: String, required: true },
    /** The host version the payload was built from: a newer one is applied by an update after adoption. */
    hostVersion: { type: Number, required: true },
    startedAt: { type: Date, required: true },
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
    /** Set by SUCCEEDED_WITH_DIFFERENCES (and the STOP tax setting's hold), cleared by SUCCEEDED. */
    taxDifference: { type: TaxDifferenceSchema },
    lastAttemptAt: { type: Date },
    lastSyncedAt: { type: Date },
    pendingCreate: { type: PendingCreateSchema },
    /**
     * Part of the create's requestid. To be bumped when the QuickBooks invoice we created is gone (deleted
     * there) and must be created again: the new create needs a requestid QuickBooks has not answered
     * before. Nothing bumps it yet (a deleted invoice is reported, not re-created). Missing means 0.
     */
    createGeneration: { type: Number },
    /**
     * Bumped by every write, checked by every transition's conditional update: a transition computed from
     * a state another writer has since replaced is not applied. Documents written before this field
     * existed have none; the service treats a missing version as 0.
     */
    version: { type: Number, required: true, default: 0 },
  },
  { timestamps: true, collection: 'invoice_sync_states' },
);

InvoiceSyncStateSchema.index({ tenantId: 1, invoiceId: 1 }, { unique: true });
InvoiceSyncStateSchema.index({ tenantId: 1, state: 1, updatedAt: -1 });
// The payment pull finds our invoice from the QuickBooks invoice a payment links.
InvoiceSyncStateSchema.index({ tenantId: 1, quickbooksInvoiceId: 1 });
// Operators' sweeps across tenants: QUEUED invoices left without a job, dead letters to replay.
InvoiceSyncStateSchema.index({ state: 1, updatedAt: 1 });

export type InvoiceSyncStateDocument = InferSchemaType<typeof InvoiceSyncStateSchema>;
export const InvoiceSyncStateModel = model('InvoiceSyncState', InvoiceSyncStateSchema);
