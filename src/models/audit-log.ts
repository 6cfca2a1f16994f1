import { Schema, model, type InferSchemaType } from 'mongoose';

export const AUDIT_ACTIONS = [
  'QUICKBOOKS_CONNECTED',
  'QUICKBOOKS_RECONNECTED',
  'QUICKBOOKS_DISCONNECTED',
  'QUICKBOOKS_CONNECT_FAILED',
  'QUICKBOOKS_TOKEN_REFRESH_FAILED',
  'QUICKBOOKS_TOKEN_KEYS_ROTATED',
  'QUICKBOOKS_MAPPING_CHANGED',
  'QUICKBOOKS_SETTINGS_CHANGED',
  'QUICKBOOKS_SYNC_ERROR_DISMISSED',
  'QUICKBOOKS_RECONCILIATION_ROW_DISMISSED',
  'QUICKBOOKS_RECONCILIATION_FIGURE_ACCEPTED',
  'QUICKBOOKS_TAX_DIFFERENCE_ACCEPTED',
  'QUICKBOOKS_CSV_EXPORTED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_OUTCOMES = ['SUCCEEDED', 'FAILED'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** `actorUserId` of what a background job did on nobody's request (a token refresh, a key rotation). */
export const SYSTEM_ACTOR = 'system';

/**
 * Who connected, reconnected or disconnected which QuickBooks company, and what failed on the tenant's
 * behalf, for the tenant's admins and for support. Append-only. Never a token, a cipher or an Intuit
 * response body: `reason` is a sentence an admin can act on.
 */
const AuditLogSchema = new Schema(
  {
    tenantId: { type: String, required: true },
    /** The JWT `sub` of the user who acted, or SYSTEM_ACTOR for jobs. */
    actorUserId: { type: String, required: true },
    action: { type: String, enum: AUDIT_ACTIONS, required: true },
    outcome: { type: String, enum: AUDIT_OUTCOMES, required: true },
    realmId: { type: String },
    reason: { type: String },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'audit_logs' },
);

// The admin's audit page: one tenant's entries, newest first, paged by (createdAt, _id).
AuditLogSchema.index({ tenantId: 1, createdAt: -1, _id: -1 });

export type AuditLogDocument = InferSchemaType<typeof AuditLogSchema>;
export const AuditLogModel = model('AuditLog', AuditLogSchema);
