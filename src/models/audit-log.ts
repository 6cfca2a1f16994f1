import { Schema, model, type InferSchemaType } from 'mongoose';

export const AUDIT_ACTIONS = [
  'QUICKBOOKS_CONNECTED',
  'QUICKBOOKS_DISCONNECTED',
  'QUICKBOOKS_RECONNECTED',
] as const;

/** Who connected or disconnected which QuickBooks company, for the tenant's admins and for support. */
const AuditLogSchema = new Schema(
  {
    parentCompany: { type: String, required: true },
    actorUserId: { type: String, required: true },
    action: { type: String, enum: AUDIT_ACTIONS, required: true },
    realmId: { type: String },
    reason: { type: String },
  },
  { timestamps: { createdAt: true, updatedAt: false }, collection: 'audit_logs' },
);

AuditLogSchema.index({ parentCompany: 1, createdAt: -1 });

export type AuditLogDocument = InferSchemaType<typeof AuditLogSchema>;
export const AuditLogModel = model('AuditLog', AuditLogSchema);
