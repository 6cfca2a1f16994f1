import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * Which tenant a QuickBooks company (realm) belongs to. Keyed by realmId, so the database itself refuses a
 * second owner: FerretDB has no partial unique indexes, and a unique index on the customers' optional
 * realmId would collide on every disconnected tenant. Written before a connection is stored, removed when
 * that tenant disconnects.
 */
const RealmOwnerSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    claimedAt: { type: Date, required: true },
  },
  { collection: 'quickbooks_realm_owners', versionKey: false },
);

RealmOwnerSchema.index({ tenantId: 1 });

export type RealmOwnerDocument = InferSchemaType<typeof RealmOwnerSchema>;
export const RealmOwnerModel = model('RealmOwner', RealmOwnerSchema);
