import type { Models } from '../../models/index.js';
import type { ConnectionService } from '../connections.js';

/** Which tenant each realm is connected to now; realms with no connected tenant are absent. */
export interface RealmDirectory {
  tenantsOf(realmIds: readonly string[]): Promise<Map<string, string>>;
}

/**
 * A realm belongs to at most one tenant (quickbooks_realm_owners is keyed by realmId). The owner record is
 * written before a connection is stored, so the tenant's own connection is read as well: it must still
 * name this realm and not be DISCONNECTED. A connection that needs re-authorization still owns its realm
 * (the events are routed; the worker decides what it can do, and the CDC backstop catches up later).
 */
export function createRealmDirectory(deps: {
  models: Pick<Models, 'realmOwners'>;
  connections: Pick<ConnectionService, 'getMany'>;
}): RealmDirectory {
  return {
    async tenantsOf(realmIds) {
      const result = new Map<string, string>();
      if (realmIds.length === 0) return result;
      const owners = await deps.models.realmOwners
        .find({ _id: { $in: [...new Set(realmIds)] } }, { tenantId: 1 })
        .lean<{ _id: string; tenantId: string }[]>();
      if (owners.length === 0) return result;
      const views = await deps.connections.getMany(owners.map((owner) => owner.tenantId));
      const byTenant = new Map(views.map((view) => [view.tenantId, view]));
      for (const owner of owners) {
        const view = byTenant.get(owner.tenantId);
        if (view && view.status !== 'DISCONNECTED' && view.realmId === owner._id) {
          result.set(owner._id, owner.tenantId);
        }
      }
      return result;
    },
  };
}
