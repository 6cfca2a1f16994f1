import { Schema, model, type InferSchemaType } from 'mongoose';
import { DIFFERENCE_CLASSES } from '../sync/reconciliation.js';

export const RECONCILIATION_STATES = ['RUNNING', 'SUCCEEDED', 'FAILED'] as const;

/** The steps of a run, in order (src/services/reconciliation/reconciliation-service.ts). */
export const RECONCILIATION_PHASES = [
  'READING_REPORTS',
  'READING_PLATFORM',
  'REREADING',
  'READING_RECEIVABLES',
  'SAVING',
] as const;
export type ReconciliationPhase = (typeof RECONCILIATION_PHASES)[number];

/**
 * One reconciliation of a tenant's invoices over a date window (issue 14): requested, run by the worker,
 * its summary kept here and its differing invoices in `quickbooks_reconciliation_rows`.
 */
const ReconciliationRunSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    realmId: { type: String, required: true },
    from: { type: String, required: true },
    to: { type: String, required: true },
    state: { type: String, enum: RECONCILIATION_STATES, required: true },
    requestedBy: { type: String, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date },
    summary: {
      invoicesCompared: { type: Number },
      atStakeCents: { type: Number },
      /** Per difference class, how many rows: { AMOUNT: 2, ... } (only classes that occur). */
      counts: { type: Schema.Types.Mixed },
      readCalls: {
        reports: { type: Number },
        rereads: { type: Number },
        changeDataCapture: { type: Number },
      },
      receivableCredits: {
        type: [
          new Schema(
            {
              txnType: { type: String },
              quickbooksId: { type: String, default: null },
              docNumber: { type: String, default: null },
              customerName: { type: String },
              quickbooksCustomerId: { type: String, default: null },
              openBalanceCents: { type: Number },
            },
            { _id: false },
          ),
        ],
        default: undefined,
      },
    },
    error: { code: { type: String }, message: { type: String } },
    /** Where a RUNNING run is: written by the worker as it goes, for the live view. */
    progress: {
      phase: { type: String, enum: RECONCILIATION_PHASES },
      done: { type: Number },
      total: { type: Number },
    },
  },
  { collection: 'quickbooks_reconciliations', versionKey: false },
);

ReconciliationRunSchema.index({ tenantId: 1, startedAt: -1 });

const FindingSchema = new Schema(
  {
    class: { type: String, enum: DIFFERENCE_CLASSES, required: true },
    ours: { type: Number, default: null },
    theirs: { type: Number, default: null },
    explanation: { type: String, required: true },
    rule: { type: String },
  },
  { _id: false },
);

const TaxLineFigureSchema = new Schema(
  {
    ratePercent: { type: String, default: null },
    name: { type: String, default: null },
    netCents: { type: Number, default: null },
    taxCents: { type: Number, required: true },
  },
  { _id: false },
);

const ReconciliationRowSchema = new Schema(
  {
    runId: { type: Schema.Types.ObjectId, required: true },
    tenantId: { type: String, required: true },
    invoiceId: { type: String, default: null },
    quickbooksInvoiceId: { type: String, default: null },
    number: { type: String, default: null },
    class: { type: String, enum: DIFFERENCE_CLASSES, required: true },
    atStakeCents: { type: Number, required: true },
    findings: { type: [FindingSchema], default: [] },
    /** For a tax difference: the tax per rate on both sides. */
    taxLines: {
      type: new Schema(
        { platform: [TaxLineFigureSchema], quickbooks: [TaxLineFigureSchema] },
        { _id: false },
      ),
      default: undefined,
    },
    /**
     * An admin looked and decided (the reason is in the audit log too): it is fine (DISMISS), or QuickBooks'
     * figure stands (ACCEPT_QUICKBOOKS). Rows decided before the decision was kept read as DISMISS.
     */
    dismissed: {
      by: { type: String },
      at: { type: Date },
      reason: { type: String },
      decision: { type: String, enum: ['DISMISS', 'ACCEPT_QUICKBOOKS'] },
    },
  },
  { collection: 'quickbooks_reconciliation_rows', versionKey: false },
);

// Rows of one run, most money first, then by id (the page order).
ReconciliationRowSchema.index({ tenantId: 1, runId: 1, atStakeCents: -1, _id: 1 });

export type ReconciliationRunDocument = InferSchemaType<typeof ReconciliationRunSchema>;
export const ReconciliationRunModel = model('QuickBooksReconciliation', ReconciliationRunSchema);
export type ReconciliationRowDocument = InferSchemaType<typeof ReconciliationRowSchema>;
export const ReconciliationRowModel = model('QuickBooksReconciliationRow', ReconciliationRowSchema);
