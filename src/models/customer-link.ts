import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * CREATING: the create's requestid and exact body are stored before the first send, so a retry after a
 * crash or a dropped answer resends the same request (Intuit replays the stored answer for a repeated
 * requestid, §3.7). LINKED: the bill-to party is this QuickBooks customer.
 */
export const CUSTOMER_LINK_STATES = ['CREATING', 'LINKED'] as const;
export type CustomerLinkState = (typeof CUSTOMER_LINK_STATES)[number];

/**
 * Which QuickBooks customer stands for one bill-to party of a tenant, in one company (realm).
 *
 * `platformKey` is the party's stable key: `email:<address lower-cased>` when the bill-to has an e-mail,
 * else `name:<name NFC, trimmed, spaces collapsed, lower-cased>`. The host sends bill-to parties without an
 * id of their own; the e-mail survives renames and spelling changes of the name, and two people with one
 * name are told apart by it. A party without e-mail can only be keyed by its name.
 *
 * Both unique indexes are plain (FerretDB has no partial indexes): one link per party, and one party per
 * QuickBooks customer. While CREATING, `quickbooksCustomerId` holds `creating:<requestid>` (unique per
 * party) because a missing value would index as null and collide across parties creating at once.
 */
const CustomerLinkSchema = new Schema(
  {
    /** The host Customer id (the tenant). */
    tenantId: { type: String, required: true },
    realmId: { type: String, required: true },
    platformKey: { type: String, required: true },
    state: { type: String, enum: CUSTOMER_LINK_STATES, required: true },
    quickbooksCustomerId: { type: String, required: true },
    /** The DisplayName sent or matched. */
    displayName: { type: String, required: true },
    /** CREATING only: the create request, sent again byte for byte on every retry. */
    createRequestId: { type: String },
    /** 1 for the party's own name, n for "Name (n)". */
    createOrdinal: { type: Number },
    createBody: { type: Schema.Types.Mixed },
    linkedAt: { type: Date },
  },
  { timestamps: true, collection: 'quickbooks_customer_links', versionKey: false },
);

CustomerLinkSchema.index({ tenantId: 1, realmId: 1, platformKey: 1 }, { unique: true });
CustomerLinkSchema.index({ realmId: 1, quickbooksCustomerId: 1 }, { unique: true });

export type CustomerLinkDocument = InferSchemaType<typeof CustomerLinkSchema>;
export const CustomerLinkModel = model('CustomerLink', CustomerLinkSchema);
