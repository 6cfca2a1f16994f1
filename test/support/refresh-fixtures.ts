/**
 * Test-only wiring of the token vault against the emulator: the real IntuitOAuthClient, the real cipher,
 * real Redis and the real database. Shared by the refresh and key-rotation tests and the child process
 * that races a refresh from another process (refresh-race.ts).
 */
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { CustomerModel } from '../../src/models/customer.js';
import { emulatorEndpoints } from '../../src/quickbooks/endpoints.js';
import { IntuitOAuthClient } from '../../src/quickbooks/oauth.js';
import type { TokenSet } from '../../src/quickbooks/tokens.js';
import {
  ConnectionTokens,
  sealedTokenUpdate,
  type ConnectionTokensDeps,
  type ConnectionTokensOptions,
} from '../../src/quickbooks/vault/connection-tokens.js';
import { TokenCipher } from '../../src/quickbooks/vault/token-cipher.js';

export function oauthClientFor(config: Config, logger: Logger): IntuitOAuthClient {
  return new IntuitOAuthClient({
    settings: { ...config.quickbooks, httpTimeoutMs: 5000 },
    endpoints: emulatorEndpoints(config.quickbooks.emulatorUrl),
    fetch: (input, init) => globalThis.fetch(input, init),
    now: () => Date.now(),
    logger,
  });
}

export interface VaultOverrides extends Partial<Omit<ConnectionTokensDeps, 'options'>> {
  options?: ConnectionTokensOptions;
}

export function vaultFor(config: Config, redis: Redis, logger: Logger, overrides: VaultOverrides = {}) {
  return new ConnectionTokens({
    customers: CustomerModel,
    cipher: new TokenCipher(config.quickbooks.tokenKeys),
    oauth: oauthClientFor(config, logger),
    redis,
    lockPrefix: config.redis.prefix,
    now: () => new Date(),
    logger,
    onStateChange: () => undefined,
    ...overrides,
    options: { retryBackoffMs: 20, ...overrides.options },
  });
}

/** The emulator's token response (control.issueTokens or the token endpoint) as a TokenSet. */
export function tokenSetOf(
  issued: {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    x_refresh_token_expires_in: number;
    x_refresh_token_hard_expires_in?: number;
  },
  issuedAt = Date.now(),
): TokenSet {
  const at = (seconds: number) => new Date(issuedAt + seconds * 1000);
  return {
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    accessTokenExpiresAt: at(issued.expires_in),
    refreshTokenExpiresAt: at(issued.x_refresh_token_expires_in),
    refreshTokenHardExpiresAt:
      issued.x_refresh_token_hard_expires_in === undefined
        ? undefined
        : at(issued.x_refresh_token_hard_expires_in),
  };
}

/**
 * Stores a CONNECTED connection the way the connect flow does: sealed tokens, version bumped. Creates the
 * tenant document when missing (a reconnect of an existing one keeps its realm and bumps the version).
 */
export async function storeConnection(
  vault: ConnectionTokens,
  tenantId: string,
  realmId: string,
  tokens: TokenSet,
): Promise<void> {
  const Q = 'integrations.quickbooks';
  await CustomerModel.updateOne(
    { _id: tenantId },
    {
      $set: {
        ...sealedTokenUpdate(vault.seal(tenantId, tokens)),
        [`${Q}.connected`]: true,
        [`${Q}.state`]: 'CONNECTED',
        [`${Q}.realmId`]: realmId,
        [`${Q}.connectedAt`]: new Date(),
      },
      $unset: { [`${Q}.stateReason`]: 1 },
      $inc: { [`${Q}.tokenVersion`]: 1 },
    },
    { upsert: true },
  );
}

export interface StoredTokens {
  state: string;
  stateReason?: string;
  realmId?: string;
  tokenVersion: number;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  lastRefreshedAt?: Date;
  accessKeyId: string;
  refreshKeyId: string;
}

/** What the database holds for a tenant, decrypted (for assertions only). */
export async function readStored(cipher: TokenCipher, tenantId: string): Promise<StoredTokens> {
  const doc = await CustomerModel.findById(tenantId)
    .select('+integrations.quickbooks.accessTokenCipher +integrations.quickbooks.refreshTokenCipher')
    .lean();
  const stored = doc?.integrations?.quickbooks;
  if (!stored?.accessTokenCipher || !stored.refreshTokenCipher || !stored.accessTokenExpiresAt) {
    throw new Error(`no stored tokens for ${tenantId}`);
  }
  return {
    state: stored.state,
    stateReason: stored.stateReason ?? undefined,
    realmId: stored.realmId ?? undefined,
    tokenVersion: stored.tokenVersion,
    accessToken: cipher.decrypt(stored.accessTokenCipher, { tenantId, field: 'access' }),
    refreshToken: cipher.decrypt(stored.refreshTokenCipher, { tenantId, field: 'refresh' }),
    accessTokenExpiresAt: stored.accessTokenExpiresAt,
    lastRefreshedAt: stored.lastRefreshedAt ?? undefined,
    accessKeyId: cipher.keyIdOf(stored.accessTokenCipher),
    refreshKeyId: cipher.keyIdOf(stored.refreshTokenCipher),
  };
}
