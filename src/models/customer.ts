import { Schema, model, type InferSchemaType } from 'mongoose';

export const CONNECTION_STATES = ['CONNECTED', 'DISCONNECTED', 'NEEDS_REAUTH', 'ERROR'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** When a pushed invoice's number already exists in QuickBooks (an invoice made there directly). */
export const EXISTING_INVOICE_NUMBER_ACTIONS = ['LINK', 'SUFFIX', 'STOP'] as const;
export type ExistingInvoiceNumberAction = (typeof EXISTING_INVOICE_NUMBER_ACTIONS)[number];

/**
 * When QuickBooks' tax on a pushed invoice differs from the tax the platform billed (automated sales tax,
 * per-line rounding, sales tax turned off): keep ours by sending it, accept QuickBooks', or stop and ask.
 */
export const TAX_DIFFERENCE_POLICIES = ['OVERRIDE', 'ACCEPT', 'STOP'] as const;
export type TaxDifferencePolicy = (typeof TAX_DIFFERENCE_POLICIES)[number];

/**
 * How this tenant's sync behaves; an admin changes it through `updateQuickBooksSettings`. Kept apart from
 * the connection fields, so connecting, reconnecting and disconnecting (path-level writes) leave it alone.
 */
const QuickBooksSettingsSchema = new Schema(
  {
    autoSync: { type: Boolean, required: true, default: true },
    /** STOP ("stop and ask") by default: linking or suffixing are choices an admin makes knowingly. */
    existingInvoiceNumber: {
      type: String,
      enum: EXISTING_INVOICE_NUMBER_ACTIONS,
      required: true,
      default: 'STOP',
    },
    pullPayments: { type: Boolean, required: true, default: true },
    /**
     * OVERRIDE by default: the invoice the customer received is the record, so the books carry the tax it
     * billed (Torqvoice PR #330 made this its default after an invoice taxed 25 % landed in QuickBooks at $0).
     */
    taxDifferences: { type: String, enum: TAX_DIFFERENCE_POLICIES, required: true, default: 'OVERRIDE' },
    /** A QuickBooks Term Id of the company connected when it was set. */
    defaultTermsId: { type: String },
  },
  { _id: false },
);

/**
 * The seed's `Customer.integrations.quickbooks` sub-document. This subgraph does not own Customer: the
 * document holds only our extension of the host's tenant account, keyed by the host's customer id (the
 * tenant id). Token fields hold ciphertext made by the token vault (`keyId.iv.tag.ciphertext`); they are
 * never selected unless a query names them (`select: false`), and only the vault reads them.
 */
const QuickBooksIntegrationSchema = new Schema(
  {
    /** Kept for the seed's shape: true while `state` is CONNECTED or NEEDS_REAUTH (a realm is bound). */
    connected: { type: Boolean, required: true, default: false },
    state: { type: String, enum: CONNECTION_STATES, required: true, default: 'DISCONNECTED' },
    /** Why the connection is not healthy, in words an admin can act on. */
    stateReason: { type: String },
    realmId: { type: String },
    companyName: { type: String },
    environment: { type: String },
    accessTokenCipher: { type: String, select: false },
    refreshTokenCipher: { type: String, select: false },
    accessTokenExpiresAt: { type: Date },
    refreshTokenExpiresAt: { type: Date },
    /** Intuit's five-year cap on the refresh-token family, when the token endpoint reported it. */
    refreshTokenHardExpiresAt: { type: Date },
    /** Compare-and-set guard: every token write requires the version it read and increments it. */
    tokenVersion: { type: Number, required: true, default: 0 },
    lastRefreshedAt: { type: Date },
    lastSyncedAt: { type: Date },
    scopes: { type: [String], default: [] },
    connectedByUserId: { type: String },
    connectedAt: { type: Date },
    disconnectedAt: { type: Date },
    settings: { type: QuickBooksSettingsSchema },
  },
  { _id: false },
);

const CustomerSchema = new Schema(
  {
    /** The tenant id: the host platform's Customer id. */
    _id: { type: String, required: true },
    integrations: {
      quickbooks: { type: QuickBooksIntegrationSchema },
    },
  },
  { timestamps: true, collection: 'customers' },
);

// Webhooks and the refresh scheduler look connections up by realm and by access-token expiry.
CustomerSchema.index({ 'integrations.quickbooks.realmId': 1 });
CustomerSchema.index({
  'integrations.quickbooks.state': 1,
  'integrations.quickbooks.accessTokenExpiresAt': 1,
});

export type CustomerDocument = InferSchemaType<typeof CustomerSchema>;
export const CustomerModel = model('Customer', CustomerSchema);
