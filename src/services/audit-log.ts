import { Types } from 'mongoose';
import { SYSTEM_ACTOR, type AuditAction, type AuditOutcome } from '../models/audit-log.js';
import type { Models } from '../models/index.js';
import type { KeyRotationAuditEntry } from '../quickbooks/vault/key-rotation.js';

export interface AuditRecord {
  tenantId: string;
  actorUserId: string;
  action: AuditAction;
  outcome: AuditOutcome;
  realmId?: string;
  reason?: string;
}

export interface AuditLogEntry extends AuditRecord {
  id: string;
  createdAt: Date;
}

interface StoredEntry {
  _id: Types.ObjectId;
  tenantId: string;
  actorUserId: string;
  action: AuditAction;
  outcome: AuditOutcome;
  realmId?: string | null;
  reason?: string | null;
  createdAt: Date;
}

/** The tenant's QuickBooks audit trail: connects, reconnects, disconnects and failures on its behalf. */
export class AuditLogService {
  constructor(private readonly deps: { models: Pick<Models, 'auditLogs'> }) {}

  async record(entry: AuditRecord): Promise<void> {
    await this.deps.models.auditLogs.create(entry);
  }

  /**
   * Newest first, `limit + 1` rows after the cursor (createdAt, id), scoped to one tenant: the tenant
   * comes from the authorized request, and a cursor from another tenant's list only positions the scan.
   */
  async page(
    tenantId: string,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<AuditLogEntry[]> {
    const filter: Record<string, unknown> = { tenantId };
    if (after) {
      const at = new Date(after.createdAt);
      const id = new Types.ObjectId(after.id);
      filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }];
    }
    const rows = await this.deps.models.auditLogs
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit + 1)
      .lean<StoredEntry[]>();
    return rows.map((row) => ({
      id: row._id.toHexString(),
      tenantId: row.tenantId,
      actorUserId: row.actorUserId,
      action: row.action,
      outcome: row.outcome,
      realmId: row.realmId ?? undefined,
      reason: row.reason ?? undefined,
      createdAt: row.createdAt,
    }));
  }
}

/** Key rotation in each tenant's audit log (key ids and outcome only); the run's totals go to the job result. */
export async function recordKeyRotation(
  auditLog: AuditLogService,
  entry: KeyRotationAuditEntry,
): Promise<void> {
  if (entry.kind !== 'connection') return;
  await auditLog.record({
    tenantId: entry.tenantId,
    actorUserId: SYSTEM_ACTOR,
    action: 'QUICKBOOKS_TOKEN_KEYS_ROTATED',
    outcome: entry.outcome === 'failed' ? 'FAILED' : 'SUCCEEDED',
    reason:
      entry.outcome === 'failed'
        ? `token re-encryption from key ${entry.fromKeyIds.join(', ')} to ${entry.toKeyId} failed: ${entry.failure ?? 'unknown'}`
        : `tokens re-encrypted from key ${entry.fromKeyIds.join(', ')} to ${entry.toKeyId}${entry.outcome === 'raced' ? ' (by a concurrent refresh)' : ''}`,
  });
}
