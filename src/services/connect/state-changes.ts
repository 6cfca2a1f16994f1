import type { ConnectionEvents } from '../../events/connection-events.js';
import type { Logger } from '../../logger.js';
import type { ConnectionState } from '../../models/customer.js';
import { SYSTEM_ACTOR } from '../../models/audit-log.js';
import type { AuditLogService } from '../audit-log.js';

/**
 * What happens when the vault changes a connection's state on its own (a refresh QuickBooks refused): the
 * admins' audit log says why, and live subscribers hear of it. Used by the API and worker roots alike.
 */
export function reportConnectionStateChanges(deps: {
  auditLog: AuditLogService;
  connectionEvents: ConnectionEvents;
  logger: Logger;
}) {
  return async (tenantId: string, state: ConnectionState, reason: string): Promise<void> => {
    deps.logger.warn({ tenantId, state }, 'QuickBooks connection state changed');
    await deps.auditLog.record({
      tenantId,
      actorUserId: SYSTEM_ACTOR,
      action: 'QUICKBOOKS_TOKEN_REFRESH_FAILED',
      outcome: 'FAILED',
      reason,
    });
    await deps.connectionEvents.publish({ tenantId });
  };
}
