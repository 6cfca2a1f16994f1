import type { ConnectionState } from '../models/customer.js';
import type { Models } from '../models/index.js';
import { settingsOf, type QuickBooksSettings, type StoredSettings } from './quickbooks-settings.js';

export type ConnectionStatus = ConnectionState;

/** A tenant's QuickBooks connection without any credential material. */
export interface QuickBooksConnectionView {
  tenantId: string;
  status: ConnectionStatus;
  /** Why the connection is not healthy, in words an admin can act on; absent while CONNECTED. */
  reason?: string;
  realmId?: string;
  companyName?: string;
  environment?: string;
  scopes: string[];
  connectedAt?: Date;
  /** The user id (JWT `sub`) of the admin who connected. */
  connectedBy?: string;
  lastSyncedAt?: Date;
  accessTokenExpiresAt?: Date;
  refreshTokenExpiresAt?: Date;
  refreshTokenHardExpiresAt?: Date;
  /** How the tenant's sync behaves; set by getMany (kept whatever the connection's state). */
  settings?: QuickBooksSettings;
}

/**
 * What this service reads of `customers.integrations.quickbooks`. The token ciphers are deliberately not
 * part of it: they are never selected here (see getMany).
 */
export interface StoredIntegration {
  state?: ConnectionState | null;
  stateReason?: string | null;
  realmId?: string | null;
  companyName?: string | null;
  environment?: string | null;
  scopes?: string[] | null;
  connectedAt?: Date | null;
  connectedByUserId?: string | null;
  lastSyncedAt?: Date | null;
  accessTokenExpiresAt?: Date | null;
  refreshTokenExpiresAt?: Date | null;
  refreshTokenHardExpiresAt?: Date | null;
  settings?: StoredSettings | null;
}

export const REAUTH_REASON =
  'The QuickBooks authorization has expired; an admin of this customer must reconnect QuickBooks';
const DEFAULT_REASON: Record<Exclude<ConnectionStatus, 'CONNECTED' | 'DISCONNECTED'>, string> = {
  NEEDS_REAUTH: REAUTH_REASON,
  ERROR: 'QuickBooks is refusing calls for this company; an admin should check the connection',
};

export function disconnected(tenantId: string, reason?: string): QuickBooksConnectionView {
  return { tenantId, status: 'DISCONNECTED', scopes: [], ...(reason ? { reason } : {}) };
}

/**
 * The connection as the product shows it. The stored `state` is what the connect, refresh and disconnect
 * flows last wrote; on top of it, a CONNECTED company whose refresh token (or Intuit's five-year cap on the
 * token family) has lapsed reads as NEEDS_REAUTH at once, before any job notices: no call can succeed.
 * A state without a company (no realmId) has nothing to sync with and reads as DISCONNECTED.
 */
export function connectionView(
  tenantId: string,
  stored: StoredIntegration | undefined,
  now: Date,
): QuickBooksConnectionView {
  const state = stored?.state ?? 'DISCONNECTED';
  if (!stored || state === 'DISCONNECTED' || !stored.realmId) {
    return disconnected(tenantId, stored?.stateReason ?? undefined);
  }
  const lapsed = [stored.refreshTokenExpiresAt, stored.refreshTokenHardExpiresAt].some(
    (expiresAt) => expiresAt != null && expiresAt <= now,
  );
  let status: ConnectionStatus = state;
  let reason = stored.stateReason ?? undefined;
  if (state === 'CONNECTED') {
    status = lapsed ? 'NEEDS_REAUTH' : 'CONNECTED';
    reason = lapsed ? REAUTH_REASON : undefined;
  } else {
    reason ??= DEFAULT_REASON[state];
  }
  return {
    tenantId,
    status,
    ...(reason ? { reason } : {}),
    realmId: stored.realmId,
    companyName: stored.companyName ?? undefined,
    environment: stored.environment ?? undefined,
    scopes: stored.scopes ?? [],
    connectedAt: stored.connectedAt ?? undefined,
    connectedBy: stored.connectedByUserId ?? undefined,
    lastSyncedAt: stored.lastSyncedAt ?? undefined,
    accessTokenExpiresAt: stored.accessTokenExpiresAt ?? undefined,
    refreshTokenExpiresAt: stored.refreshTokenExpiresAt ?? undefined,
    refreshTokenHardExpiresAt: stored.refreshTokenHardExpiresAt ?? undefined,
  };
}

export interface ConnectionServiceDeps {
  models: Pick<Models, 'customers'>;
  now: () => Date;
}

export class ConnectionService {
  constructor(private readonly deps: ConnectionServiceDeps) {}

  /**
   * One query for any number of tenants. The token ciphers are `select: false` in the model and excluded
   * here as well, so a change to either still keeps them out of this process's reads.
   */
  async getMany(tenantIds: readonly string[]): Promise<QuickBooksConnectionView[]> {
    if (tenantIds.length === 0) return [];
    const docs = await this.deps.models.customers
      .find(
        { _id: { $in: [...new Set(tenantIds)] } },
        {
          'integrations.quickbooks.accessTokenCipher': 0,
          'integrations.quickbooks.refreshTokenCipher': 0,
        },
      )
      .lean<{ _id: string; integrations?: { quickbooks?: StoredIntegration | null } | null }[]>();
    const byId = new Map(docs.map((doc) => [doc._id, doc.integrations?.quickbooks ?? undefined]));
    const now = this.deps.now();
    return tenantIds.map((id) => {
      const stored = byId.get(id);
      return { ...connectionView(id, stored, now), settings: settingsOf(stored?.settings) };
    });
  }
}
