import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * One QuickBooks company's reference data (accounts, items, tax codes with rates, classes, payment terms,
 * company facts) as of one read, keyed by realmId: reads count against Intuit's per-realm limits, so a page
 * view reads this document instead of the company. Replaced whole by each read; `asOf` only moves forward
 * (see ReferenceDataService). The lists are Mixed: their shape is the `ReferenceSnapshot` contract
 * (src/services/reference-data/types.ts), written only by that service, and holds no key with `.` or `$`
 * (FerretDB refuses those). A company of 10,000 items stays well under MongoDB's 16 MB document limit.
 */
const ReferenceCacheSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** The tenant whose request read it: for support, not for access (access goes through the tenant). */
    tenantId: { type: String, required: true },
    asOf: { type: Date, required: true },
    facts: { type: Schema.Types.Mixed, required: true },
    accounts: { type: [Schema.Types.Mixed], default: undefined },
    items: { type: [Schema.Types.Mixed], default: undefined },
    taxCodes: { type: [Schema.Types.Mixed], default: undefined },
    classes: { type: [Schema.Types.Mixed], default: undefined },
    /** Absent on documents written before terms were read: the service reads those again (see `get`). */
    terms: { type: [Schema.Types.Mixed], default: undefined },
  },
  { collection: 'quickbooks_reference_cache', versionKey: false, minimize: false },
);

export type ReferenceCacheDocument = InferSchemaType<typeof ReferenceCacheSchema>;
export const ReferenceCacheModel = model('ReferenceCache', ReferenceCacheSchema);
