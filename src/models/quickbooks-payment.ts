import { Schema, model, type InferSchemaType } from 'mongoose';

export const PAYMENT_STANDINGS = ['APPLIED', 'UNAPPLIED', 'VOIDED', 'DELETED'] as const;
export const UNMATCHED_REASONS = ['NOT_PUSHED_INVOICE', 'UNAPPLIED'] as const;

const ApplicationSchema = new Schema(
  {
    quickbooksInvoiceId: { type: String, required: true },
    /** The platform invoice pushed as that QuickBooks invoice; null when it is not one of ours. */
    invoiceId: { type: String, default: null },
    /** Decimal string, two places; "0.00" once the payment no longer applies to the invoice. */
    amount: { type: String, required: true },
    revision: { type: Number, required: true },
    deliveredRevision: { type: Number, required: true, default: 0 },
  },
  { _id: false },
);

/**
 * One QuickBooks Payment as the pull last read it, once per (tenant, realm, Payment Id): the record that
 * makes applying it exactly-once. `revision` grows with every change of what it applies; each application
 * remembers the revision the platform acknowledged, so an undelivered change is retried, never repeated.
 */
const QuickBooksPaymentSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    realmId: { type: String, required: true },
    paymentId: { type: String, required: true },
    standing: { type: String, enum: PAYMENT_STANDINGS, required: true },
    syncToken: { type: Number, required: true },
    revision: { type: Number, required: true },
    txnDate: { type: String, default: null },
    totalAmount: { type: String, required: true },
    unappliedAmount: { type: String, required: true },
    reference: { type: String, default: null },
    method: { type: String, default: null },
    quickbooksCustomerId: { type: String, default: null },
    creditMemoIds: { type: [String], default: [] },
    applications: { type: [ApplicationSchema], default: [] },
    /** Why the admin should look at it (it pays nothing we pushed), or null. */
    unmatchedReason: { type: String, enum: [...UNMATCHED_REASONS, null], default: null },
    /** Some application is not yet acknowledged by the platform. */
    pendingDelivery: { type: Boolean, required: true, default: false },
    quickbooksUpdatedAt: { type: String, default: null },
  },
  { timestamps: true, collection: 'quickbooks_payments' },
);

QuickBooksPaymentSchema.index({ tenantId: 1, realmId: 1, paymentId: 1 }, { unique: true });
QuickBooksPaymentSchema.index({ tenantId: 1, 'applications.invoiceId': 1 });
QuickBooksPaymentSchema.index({ tenantId: 1, realmId: 1, 'applications.quickbooksInvoiceId': 1 });
QuickBooksPaymentSchema.index({ tenantId: 1, realmId: 1, creditMemoIds: 1 });
QuickBooksPaymentSchema.index({ tenantId: 1, unmatchedReason: 1, updatedAt: -1 });
QuickBooksPaymentSchema.index({ tenantId: 1, pendingDelivery: 1 });

export type QuickBooksPaymentDocument = InferSchemaType<typeof QuickBooksPaymentSchema>;
export const QuickBooksPaymentModel = model('QuickBooksPayment', QuickBooksPaymentSchema);

/**
 * What QuickBooks says one of our pushed invoices still owes, from the last read of it (the payment pull
 * re-reads an invoice whenever a payment touching it changes). `invoiceSyncToken` guards against a slower
 * read overwriting a newer one.
 */
const QuickBooksInvoiceBalanceSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    invoiceId: { type: String, required: true },
    realmId: { type: String, required: true },
    quickbooksInvoiceId: { type: String, required: true },
    total: { type: String, required: true },
    balance: { type: String, required: true },
    invoiceSyncToken: { type: Number, required: true },
    readAt: { type: Date, required: true },
  },
  { collection: 'quickbooks_invoice_balances', versionKey: false },
);

QuickBooksInvoiceBalanceSchema.index({ tenantId: 1, invoiceId: 1 }, { unique: true });

export type QuickBooksInvoiceBalanceDocument = InferSchemaType<typeof QuickBooksInvoiceBalanceSchema>;
export const QuickBooksInvoiceBalanceModel = model(
  'QuickBooksInvoiceBalance',
  QuickBooksInvoiceBalanceSchema,
);

/**
 * Where a tenant's change-data-capture backstop stands: the next sweep asks CDC for changes since
 * `changedSince` (already minus the overlap). Advanced only after a sweep's changes are applied. A
 * checkpoint of another realm (the tenant reconnected to another company) counts as none.
 */
const PaymentCheckpointSchema = new Schema(
  {
    _id: { type: String, required: true },
    realmId: { type: String, required: true },
    changedSince: { type: Date, required: true },
    lastSweepAt: { type: Date, required: true },
    lastSweepMode: { type: String, enum: ['CDC', 'FULL'], required: true },
    lastSweepChanges: { type: Number, required: true, default: 0 },
  },
  { collection: 'quickbooks_payment_checkpoints', versionKey: false },
);

export type PaymentCheckpointDocument = InferSchemaType<typeof PaymentCheckpointSchema>;
export const PaymentCheckpointModel = model('QuickBooksPaymentCheckpoint', PaymentCheckpointSchema);
