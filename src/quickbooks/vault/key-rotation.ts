import type { Logger } from '../../logger.js';
import type { CustomerModel } from '../../models/customer.js';
import { TokenCipherError, type TokenCipher } from './token-cipher.js';

/**
 * Re-encrypts every stored token under the active key, so an old key can be retired. Reads keep working
 * throughout (the cipher names its key), and the run can be repeated at any time: connections already
 * under the active key are skipped.
 *
 * Each write is a compare-and-set on the version and both ciphers as read. It does not bump the version:
 * the tokens are unchanged, and a refresh waiting on the version it saw must still go ahead. A refresh
 * that lands between the read and the write wins (it wrote new ciphers under the active key already).
 */

const Q = 'integrations.quickbooks';

export interface KeyRotationCounts {
  /** Connections holding ciphers. */
  scanned: number;
  reencrypted: number;
  /** Already under the active key, or rewritten by a concurrent refresh. */
  skipped: number;
  /** Could not be decrypted (unknown key, tampered): these still need an operator. */
  failed: number;
}

/** What the audit trail records: key ids and outcomes, never tokens or ciphers. */
export type KeyRotationAuditEntry =
  | {
      kind: 'connection';
      tenantId: string;
      outcome: 'reencrypted' | 'raced' | 'failed';
      fromKeyIds: string[];
      toKeyId: string;
      /** For `failed`: the cipher error's kind and message (which name no secret). */
      failure?: string;
    }
  | { kind: 'run'; toKeyId: string; counts: KeyRotationCounts };

export interface KeyRotationDeps {
  customers: typeof CustomerModel;
  cipher: TokenCipher;
  audit: (entry: KeyRotationAuditEntry) => void | Promise<void>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Connections read per query (default 200). */
  batchSize?: number;
}

interface StoredCiphers {
  _id: string;
  integrations?: {
    quickbooks?: {
      accessTokenCipher?: string | null;
      refreshTokenCipher?: string | null;
      tokenVersion: number;
    } | null;
  } | null;
}

export async function reencryptAll(deps: KeyRotationDeps): Promise<KeyRotationCounts> {
  const { customers, cipher, audit, logger } = deps;
  const batchSize = deps.batchSize ?? 200;
  const toKeyId = cipher.activeKeyId;
  const counts: KeyRotationCounts = { scanned: 0, reencrypted: 0, skipped: 0, failed: 0 };
  let after: string | undefined;
  for (;;) {
    // Keyset paging on _id: stable while documents change underneath, unlike skip/limit.
    const page = await customers
      .find({
        [`${Q}.refreshTokenCipher`]: { $exists: true },
        ...(after === undefined ? {} : { _id: { $gt: after } }),
      })
      .select(`+${Q}.accessTokenCipher +${Q}.refreshTokenCipher`)
      .sort({ _id: 1 })
      .limit(batchSize)
      .lean<StoredCiphers[]>();
    for (const doc of page) {
      const stored = doc.integrations?.quickbooks;
      if (!stored?.accessTokenCipher || !stored.refreshTokenCipher) continue;
      counts.scanned++;
      const tenantId = doc._id;
      const ciphers = { access: stored.accessTokenCipher, refresh: stored.refreshTokenCipher };
      let fromKeyIds: string[] = [];
      try {
        fromKeyIds = [...new Set([cipher.keyIdOf(ciphers.access), cipher.keyIdOf(ciphers.refresh)])];
        if (!cipher.needsReencryption(ciphers.access) && !cipher.needsReencryption(ciphers.refresh)) {
          counts.skipped++;
          continue;
        }
        const reencrypted = {
          access: cipher.encrypt(cipher.decrypt(ciphers.access, { tenantId, field: 'access' }), {
            tenantId,
            field: 'access',
          }),
          refresh: cipher.encrypt(cipher.decrypt(ciphers.refresh, { tenantId, field: 'refresh' }), {
            tenantId,
            field: 'refresh',
          }),
        };
        const written = await customers.updateOne(
          {
            _id: tenantId,
            [`${Q}.tokenVersion`]: stored.tokenVersion,
            [`${Q}.accessTokenCipher`]: ciphers.access,
            [`${Q}.refreshTokenCipher`]: ciphers.refresh,
          },
          {
            $set: {
              [`${Q}.accessTokenCipher`]: reencrypted.access,
              [`${Q}.refreshTokenCipher`]: reencrypted.refresh,
            },
          },
        );
        if (written.matchedCount === 0) {
          counts.skipped++;
          await audit({ kind: 'connection', tenantId, outcome: 'raced', fromKeyIds, toKeyId });
          continue;
        }
        counts.reencrypted++;
        await audit({ kind: 'connection', tenantId, outcome: 'reencrypted', fromKeyIds, toKeyId });
      } catch (error) {
        if (!(error instanceof TokenCipherError)) throw error;
        counts.failed++;
        logger.error(
          { tenantId, failure: error.failure, keyId: error.keyId, err: error },
          'token re-encryption failed',
        );
        await audit({
          kind: 'connection',
          tenantId,
          outcome: 'failed',
          fromKeyIds,
          toKeyId,
          failure: `${error.failure}: ${error.message}`,
        });
      }
    }
    if (page.length < batchSize) break;
    after = page[page.length - 1]!._id;
  }
  await audit({ kind: 'run', toKeyId, counts });
  const log = counts.failed > 0 ? logger.error.bind(logger) : logger.info.bind(logger);
  log({ toKeyId, ...counts }, 'token key rotation finished');
  return counts;
}
