import { Schema, model, type InferSchemaType } from 'mongoose';

export const BACKFILL_STATES = ['PLANNING', 'RUNNING', 'COMPLETED', 'CANCELLED'] as const;
export type BackfillStateName = (typeof BACKFILL_STATES)[number];

/** The states in which a backfill holds its tenant: a second start is refused meanwhile. */
export const ACTIVE_BACKFILL_STATES: readonly BackfillStateName[] = ['PLANNING', 'RUNNING'];

/** One chunk of the plan: at most 30 invoices, one batch create (an array of objects: FerretDB has no nested arrays). */
const BackfillChunkSchema = new Schema(
  {
    index: { type: Number, required: true },
    invoiceIds: { type: [String], required: true },
  },
  { _id: false },
);

/**
 * A tenant's backfill of existing invoices (syncExistingQuickBooksInvoices). One document per tenant,
 * holding its latest backfill: the unique tenantId index is the "one running backfill per tenant" guard
 * (a start replaces only a finished one; see BackfillService.start). The counters are moved only by
 * conditional updates keyed on the chunk index, so a chunk job that runs twice counts once.
 */
const QuickBooksBackfillSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    backfillId: { type: String, required: true },
    realmId: { type: String, required: true },
    state: { type: String, enum: BACKFILL_STATES, required: true },
    /** Invoices issued on or after this date (YYYY-MM-DD, the host's issueDate). */
    since: { type: String, required: true },
    startedBy: { type: String, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date },
    /** Invoices queued by the plan; absent while PLANNING. */
    total: { type: Number },
    done: { type: Number, required: true, default: 0 },
    failed: { type: Number, required: true, default: 0 },
    /** Finalized invoices since the date left alone: QuickBooks holds them or a push is already queued. */
    skipped: { type: Number, required: true, default: 0 },
    /** Planned invoices a single push of the same invoice took over mid-backfill (its status tells the rest). */
    handedOff: { type: Number, required: true, default: 0 },
    chunks: { type: [BackfillChunkSchema], default: undefined },
    /** Indexes of chunks whose outcome is counted. */
    chunksCounted: { type: [Number], default: [] },
  },
  { timestamps: true, collection: 'quickbooks_backfills' },
);

QuickBooksBackfillSchema.index({ tenantId: 1 }, { unique: true });

export type QuickBooksBackfillDocument = InferSchemaType<typeof QuickBooksBackfillSchema>;
export const QuickBooksBackfillModel = model('QuickBooksBackfill', QuickBooksBackfillSchema);
