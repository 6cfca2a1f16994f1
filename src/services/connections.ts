import { CustomerModel } from '../models/customer.js';

export type ConnectionStatus = 'CONNECTED' | 'DISCONNECTED' | 'NEEDS_REAUTH';

/** A tenant's QuickBooks connection without any credential material. */
export interface QuickBooksConnectionView {
  customerId: string;
  status: ConnectionStatus;
  realmId?: string;
  scopes: string[];
  connectedAt?: Date;
  connectedByUserId?: string;
  lastSyncedAt?: Date;
  refreshTokenExpiresAt?: Date;
}

interface StoredIntegration {
  connected: boolean;
  realmId?: string | null;
  scopes?: string[] | null;
  connectedAt?: Date | null;
  connectedByUserId?: string | null;
  lastSyncedAt?: Date | null;
  refreshTokenExpiresAt?: Date | null;
}

export function disconnected(customerId: string): QuickBooksConnectionView {
  return { customerId, status: 'DISCONNECTED', scopes: [] };
}

export class ConnectionService {
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** One query for any number of tenants; never selects the token ciphers. */
  async getMany(customerIds: readonly string[]): Promise<QuickBooksConnectionView[]> {
    if (customerIds.length === 0) return [];
    const docs = await CustomerModel.find(
      { _id: { $in: [...new Set(customerIds)] } },
      {
        'integrations.quickbooks.accessTokenCipher': 0,
        'integrations.quickbooks.refreshTokenCipher': 0,
      },
    ).lean<{ _id: string; integrations?: { quickbooks?: StoredIntegration | null } | null }[]>();
    const byId = new Map(docs.map((doc) => [doc._id, doc.integrations?.quickbooks ?? undefined]));
    return customerIds.map((id) => this.toView(id, byId.get(id)));
  }

  private toView(customerId: string, stored: StoredIntegration | undefined): QuickBooksConnectionView {
    if (!stored?.connected || !stored.realmId) return disconnected(customerId);
    // A connection whose refresh token has lapsed cannot make a single call: the admin must reconnect.
    const lapsed = stored.refreshTokenExpiresAt != null && stored.refreshTokenExpiresAt <= this.now();
    return {
      customerId,
      status: lapsed ? 'NEEDS_REAUTH' : 'CONNECTED',
      realmId: stored.realmId,
      scopes: stored.scopes ?? [],
      connectedAt: stored.connectedAt ?? undefined,
      connectedByUserId: stored.connectedByUserId ?? undefined,
      lastSyncedAt: stored.lastSyncedAt ?? undefined,
      refreshTokenExpiresAt: stored.refreshTokenExpiresAt ?? undefined,
    };
  }
}
