import type { Models } from '../../models/index.js';
import { QuickBooksError } from '../../quickbooks/errors.js';

/** The vault's view of what this read saw (ConnectionTokens.observe / forget). */
export interface TokenObserver {
  observe(tenantId: string, tokenVersion: number): void;
  forget(tenantId: string): void;
}

/**
 * The realm a tenant is connected to, for a push or a backfill chunk about to run; the vault's
 * `reauthorization` error (so the job is parked, not failed) when the connection is not usable. Told to
 * `tokens`, the read also vouches for the vault's kept access token of that tokenVersion.
 */
export async function connectedRealm(
  customers: Pick<Models, 'customers'>['customers'],
  tenantId: string,
  tokens?: TokenObserver,
): Promise<string> {
  const doc = await customers
    .findById(tenantId, {
      'integrations.quickbooks.state': 1,
      'integrations.quickbooks.realmId': 1,
      'integrations.quickbooks.tokenVersion': 1,
    })
    .lean<{
      integrations?: {
        quickbooks?: { state?: string; realmId?: string | null; tokenVersion?: number | null } | null;
      } | null;
    }>();
  const connection = doc?.integrations?.quickbooks;
  if (
    connection?.state === 'CONNECTED' &&
    connection.realmId &&
    typeof connection.tokenVersion === 'number'
  ) {
    tokens?.observe(tenantId, connection.tokenVersion);
  } else {
    tokens?.forget(tenantId);
  }
  if (connection?.state !== 'CONNECTED' || !connection.realmId) {
    throw new QuickBooksError({
      kind: 'reauthorization',
      code: connection?.state === 'NEEDS_REAUTH' ? 'needs_reauth' : 'not_connected',
      message: `QuickBooks is not connected for tenant "${tenantId}" (${connection?.state ?? 'DISCONNECTED'})`,
    });
  }
  return connection.realmId;
}
