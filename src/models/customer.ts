import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * The seed's `Customer.integrations.quickbooks` sub-document. This subgraph does not own Customer: the
 * document holds only our extension of the host's tenant account, keyed by the host's customer id.
 * Token fields hold ciphertext produced by the token cipher; nothing else reads or writes them.
 */
const QuickBooksIntegrationSchema = new Schema(
  {
    connected: { type: Boolean, required: true, default: false },
    realmId: { type: String },
    accessTokenCipher: { type: String },
    refreshTokenCipher: { type: String },
    accessTokenExpiresAt: { type: Date },
    refreshTokenExpiresAt: { type: Date },
    lastSyncedAt: { type: Date },
    scopes: { type: [String], default: [] },
    connectedByUserId: { type: String },
    connectedAt: { type: Date },
  },
  { _id: false },
);

const CustomerSchema = new Schema(
  {
    _id: { type: String, required: true },
    integrations: {
      quickbooks: { type: QuickBooksIntegrationSchema },
    },
  },
  { timestamps: true, collection: 'customers' },
);

// One QuickBooks company is connected to at most one tenant at a time: realm look-ups (webhooks) need it.
CustomerSchema.index({ 'integrations.quickbooks.realmId': 1 });

export type CustomerDocument = InferSchemaType<typeof CustomerSchema>;
export const CustomerModel = model('Customer', CustomerSchema);
