import type { CustomerModel } from '../../models/customer.js';
import type { RealmOwnerModel } from '../../models/realm-owner.js';
import type { ConnectionStore, StoredConnection } from './connect-service.js';

const Q = 'integrations.quickbooks';

interface Models {
  customers: typeof CustomerModel;
  realmOwners: typeof RealmOwnerModel;
}

const isDuplicateKey = (error: unknown) => (error as { code?: unknown }).code === 11000;

/** MongoDB side of the connect flow: the tenant's connection document and the realm-keyed ownership. */
export function createConnectionStore(models: Models): ConnectionStore {
  return {
    async read(tenantId) {
      const doc = await models.customers
        .findById(tenantId, { [`${Q}.state`]: 1, [`${Q}.realmId`]: 1 })
        .lean<{ integrations?: { quickbooks?: { state?: StoredConnection['state']; realmId?: string } } }>();
      const stored = doc?.integrations?.quickbooks;
      if (!stored) return undefined;
      return { state: stored.state ?? 'DISCONNECTED', realmId: stored.realmId ?? undefined };
    },

    async saveGrant(tenantId, grant) {
      const { tokens } = grant;
      const unset: Record<string, ''> = { [`${Q}.stateReason`]: '', [`${Q}.disconnectedAt`]: '' };
      if (!tokens.refreshTokenHardExpiresAt) unset[`${Q}.refreshTokenHardExpiresAt`] = '';
      if (!grant.companyName) unset[`${Q}.companyName`] = '';
      await models.customers.updateOne(
        { _id: tenantId },
        {
          $set: {
            [`${Q}.connected`]: true,
            [`${Q}.state`]: 'CONNECTED',
            [`${Q}.realmId`]: grant.realmId,
            [`${Q}.environment`]: grant.environment,
            [`${Q}.scopes`]: grant.scopes,
            [`${Q}.connectedByUserId`]: grant.userId,
            [`${Q}.connectedAt`]: grant.connectedAt,
            [`${Q}.lastRefreshedAt`]: grant.connectedAt,
            [`${Q}.accessTokenCipher`]: grant.sealed.accessTokenCipher,
            [`${Q}.refreshTokenCipher`]: grant.sealed.refreshTokenCipher,
            [`${Q}.accessTokenExpiresAt`]: tokens.accessTokenExpiresAt,
            [`${Q}.refreshTokenExpiresAt`]: tokens.refreshTokenExpiresAt,
            ...(tokens.refreshTokenHardExpiresAt
              ? { [`${Q}.refreshTokenHardExpiresAt`]: tokens.refreshTokenHardExpiresAt }
              : {}),
            ...(grant.companyName ? { [`${Q}.companyName`]: grant.companyName } : {}),
          },
          $unset: unset,
          // A refresh that read the old version cannot write its (now older) tokens over these.
          $inc: { [`${Q}.tokenVersion`]: 1 },
        },
        { upsert: true },
      );
    },

    async clear(tenantId, at) {
      await models.customers.updateOne(
        { _id: tenantId },
        {
          $set: { [`${Q}.connected`]: false, [`${Q}.state`]: 'DISCONNECTED', [`${Q}.disconnectedAt`]: at },
          $unset: Object.fromEntries(
            [
              'accessTokenCipher',
              'refreshTokenCipher',
              'accessTokenExpiresAt',
              'refreshTokenExpiresAt',
              'refreshTokenHardExpiresAt',
              'realmId',
              'companyName',
              'stateReason',
            ].map((field) => [`${Q}.${field}`, '']),
          ),
          $inc: { [`${Q}.tokenVersion`]: 1 },
        },
      );
    },

    async claimRealm(realmId, tenantId, at) {
      // An upsert on the realm's _id: of two tenants racing, one inserts and the other reads its owner.
      for (let attempt = 0; ; attempt += 1) {
        try {
          const owner = await models.realmOwners
            .findOneAndUpdate(
              { _id: realmId },
              { $setOnInsert: { tenantId, claimedAt: at } },
              { upsert: true, returnDocument: 'after' },
            )
            .lean<{ tenantId: string }>();
          return { ownerTenantId: owner!.tenantId };
        } catch (error) {
          // Two upserts of one _id at once: the loser gets E11000; the next attempt reads the winner.
          if (!isDuplicateKey(error) || attempt > 0) throw error;
        }
      }
    },

    async releaseRealm(realmId, tenantId) {
      await models.realmOwners.deleteOne({ _id: realmId, tenantId });
    },
  };
}
