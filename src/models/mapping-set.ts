import { Schema, model, type InferSchemaType } from 'mongoose';

/** What a mapping points at in QuickBooks; the source key's syntax depends on it (services/mappings). */
export const MAPPING_KINDS = ['ITEM', 'TAX_CODE', 'CLASS', 'INCOME_ACCOUNT', 'DEPOSIT_ACCOUNT'] as const;
export type MappingKind = (typeof MAPPING_KINDS)[number];

const MappingEntrySchema = new Schema(
  {
    kind: { type: String, enum: MAPPING_KINDS, required: true },
    /** The platform side, e.g. `ITEM_KIND:LABOR`, `TAX_RATE:0.0725`, `INCOME_ACCOUNT`. */
    sourceKey: { type: String, required: true },
    /** The QuickBooks object's Id. */
    targetId: { type: String, required: true },
    /** Its name when the mapping was made, so a mapping whose target vanished can still be shown. */
    targetName: { type: String, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: String, required: true },
  },
  { _id: false },
);

/**
 * One tenant's mappings from platform concepts to QuickBooks objects. One document per tenant (`_id` is the
 * tenant id) so a bulk change is a single-document `updateOne`: all or nothing without transactions, which
 * FerretDB lacks. `realmId` is the company the entries were made for: after a reconnect to another company
 * the ids mean nothing there, and the entries read as broken until remapped. `version` counts writes.
 */
const MappingSetSchema = new Schema(
  {
    _id: { type: String, required: true },
    realmId: { type: String, required: true },
    entries: { type: [MappingEntrySchema], default: [] },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true, default: 0 },
  },
  { collection: 'quickbooks_mapping_sets', versionKey: false },
);

export type MappingSetDocument = InferSchemaType<typeof MappingSetSchema>;
export const MappingSetModel = model('QuickBooksMappingSet', MappingSetSchema);
