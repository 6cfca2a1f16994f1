import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Mutex, TimeoutError as LockTimeoutError } from 'redis-semaphore';
import type { Logger } from '../../logger.js';
import type { ConnectionState, CustomerModel } from '../../models/customer.js';
import type { AccessTokenSource } from '../client.js';
import { QuickBooksError, isQuickBooksError } from '../errors.js';
import type { OAuthTokenClient, TokenSet } from '../tokens.js';
import type { CipherContext, TokenCipher } from './token-cipher.js';

/**
 * One tenant's QuickBooks tokens: sealed at rest, opened for one call, refreshed single-flight.
 *
 * Why refresh needs so much care (research note §1.5, §2.3): Intuit rotates the refresh token about once a
 * day and may invalidate the previous value at once, so two processes refreshing with the same value can
 * leave one of them holding a dead token (`invalid_grant`, the most reported intuit-oauth problem), and a
 * refresh whose answer is lost after Intuit committed it strands the connection unless we recover. Hence:
 *
 * 1. in-process: concurrent callers for one tenant share one promise (no lock traffic for them);
 * 2. across processes: a Redis mutex per tenant (redis-semaphore: random owner token, compare-and-delete
 *    release, auto-extended while held) so one process at a time talks to Intuit for that tenant;
 * 3. after acquiring it, the connection is re-read: if its `tokenVersion` moved since the caller looked,
 *    another process refreshed meanwhile and its token is returned without calling Intuit;
 * 4. the new access and refresh tokens are written in one update guarded by compare-and-set on
 *    `tokenVersion`, so even a process whose lock lapsed cannot overwrite a newer token with an older one;
 * 5. a lost answer (`ambiguous`) is retried with the same refresh token while the lock is held: within
 *    Intuit's rotation window the value is still valid and the answer carries the current one.
 */

const Q = 'integrations.quickbooks';
const CIPHER_FIELDS = `+${Q}.accessTokenCipher +${Q}.refreshTokenCipher`;

/** States in which the connection holds tokens worth refreshing. */
const REFRESHABLE_STATES: readonly ConnectionState[] = ['CONNECTED', 'ERROR'];

export const INVALID_GRANT_REASON =
  'QuickBooks refused the refresh token (invalid_grant): reconnect to resume syncing';
export const LOST_ROTATION_REASON =
  'QuickBooks rotated the refresh token in an answer that never arrived, then refused the previous one ' +
  '(invalid_grant after a lost token response): reconnect to resume syncing';

/**
 * The mutex name for one tenant's refresh. redis-semaphore stores it as `mutex:<name>`, so the Redis key is
 * `mutex:<REDIS_PREFIX>:qbo:token-refresh:<tenantId>`.
 */
export function refreshLockName(lockPrefix: string, tenantId: string): string {
  return `${lockPrefix}:qbo:token-refresh:${tenantId}`;
}

export type RefreshReason = 'expiring' | 'unauthorized' | 'scheduled' | 'manual';

export interface RefreshOutcome {
  /** Plaintext: use it for the call at hand and drop it. */
  accessToken: string;
  /** False when another caller or process had refreshed already and its token was returned. */
  refreshed: boolean;
  tokenVersion: number;
}

/** The cipher fields of a connection, as stored in `integrations.quickbooks`. */
export interface SealedTokens {
  accessTokenCipher: string;
  refreshTokenCipher: string;
  accessTokenExpiresAt: Date;
  refreshTokenExpiresAt: Date;
  refreshTokenHardExpiresAt?: Date;
}

/**
 * `$set` paths for sealed tokens. A writer must also `$inc` `integrations.quickbooks.tokenVersion`, so a
 * refresh in flight for the previous grant notices it was overtaken.
 */
export function sealedTokenUpdate(sealed: SealedTokens): Record<string, string | Date> {
  const update: Record<string, string | Date> = {
    [`${Q}.accessTokenCipher`]: sealed.accessTokenCipher,
    [`${Q}.refreshTokenCipher`]: sealed.refreshTokenCipher,
    [`${Q}.accessTokenExpiresAt`]: sealed.accessTokenExpiresAt,
    [`${Q}.refreshTokenExpiresAt`]: sealed.refreshTokenExpiresAt,
  };
  // Intuit reports the five-year cap only when asked; an answer without it does not lift the cap.
  if (sealed.refreshTokenHardExpiresAt) {
    update[`${Q}.refreshTokenHardExpiresAt`] = sealed.refreshTokenHardExpiresAt;
  }
  return update;
}

export interface ConnectionTokensOptions {
  /** getAccessToken refreshes first when the access token expires within this (default 5 min). */
  refreshMarginMs?: number;
  /** The token client's own per-request timeout; the lock outlives it (default 60 s). */
  tokenCallTimeoutMs?: number;
  /** How long the lock lives if its holder dies (default token call timeout + 10 s; extended while held). */
  lockTimeoutMs?: number;
  /** How long a caller waits for another process's refresh (default the lock timeout). */
  acquireTimeoutMs?: number;
  /** Extra attempts after a lost token response, with the same refresh token (default 2). */
  lostResponseRetries?: number;
  /** Wait before the n-th extra attempt: n × this (default 250 ms). */
  retryBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ConnectionTokensDeps {
  customers: typeof CustomerModel;
  cipher: TokenCipher;
  oauth: OAuthTokenClient;
  /** Any ioredis client; a `pubsub`-role one gives lock commands a deadline. */
  redis: Redis;
  /** Namespaces lock keys (REDIS_PREFIX). */
  lockPrefix: string;
  now: () => Date;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Told after the state is stored (NEEDS_REAUTH with the reason): emit the event, pause the tenant. */
  onStateChange: (tenantId: string, state: ConnectionState, reason: string) => void | Promise<void>;
  options?: ConnectionTokensOptions;
}

interface StoredConnection {
  state: ConnectionState;
  stateReason?: string | null;
  accessTokenCipher?: string | null;
  refreshTokenCipher?: string | null;
  accessTokenExpiresAt?: Date | null;
  refreshTokenExpiresAt?: Date | null;
  refreshTokenHardExpiresAt?: Date | null;
  tokenVersion: number;
}

/** A connection that holds tokens (checked by `usable`). */
type UsableConnection = StoredConnection & {
  accessTokenCipher: string;
  refreshTokenCipher: string;
  accessTokenExpiresAt: Date;
};

/** How long a caller's observation of a connection's tokenVersion vouches for a kept access token. */
const OBSERVATION_TTL_MS = 30_000;

interface KeptAccessToken {
  accessToken: string;
  tokenVersion: number;
  expiresAt: number;
}

export class ConnectionTokens {
  private readonly inFlight = new Map<string, Promise<RefreshOutcome>>();
  /**
   * Opened access tokens, kept in memory only (never logged, never stored) so a push's QuickBooks
   * requests do not each read the connection. Used only while a caller has observed the same tokenVersion
   * in the store recently (`observe`, called with the push's own connection read): a refresh, reconnect
   * or disconnect elsewhere changes the version or the state that read sees, and the kept token is not
   * used. Processes that never observe (the API) read the connection for every request, as before.
   */
  private readonly kept = new Map<string, KeptAccessToken>();
  private readonly observed = new Map<string, { tokenVersion: number; at: number }>();
  private readonly refreshMarginMs: number;
  private readonly lockTimeoutMs: number;
  private readonly acquireTimeoutMs: number;
  private readonly lostResponseRetries: number;
  private readonly retryBackoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: ConnectionTokensDeps) {
    const options = deps.options ?? {};
    this.refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.lockTimeoutMs = options.lockTimeoutMs ?? (options.tokenCallTimeoutMs ?? 60_000) + 10_000;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? this.lockTimeoutMs;
    this.lostResponseRetries = options.lostResponseRetries ?? 2;
    this.retryBackoffMs = options.retryBackoffMs ?? 250;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
  }

  /** The cipher fields for a token set (the connect flow stores them; see sealedTokenUpdate). */
  seal(tenantId: string, tokens: TokenSet): SealedTokens {
    const { cipher } = this.deps;
    return {
      accessTokenCipher: cipher.encrypt(tokens.accessToken, { tenantId, field: 'access' }),
      refreshTokenCipher: cipher.encrypt(tokens.refreshToken, { tenantId, field: 'refresh' }),
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
      refreshTokenHardExpiresAt: tokens.refreshTokenHardExpiresAt,
    };
  }

  /**
   * A caller read the tenant's connection (CONNECTED, at this tokenVersion) just now: for a short while,
   * an access token opened at that version may be reused without reading the connection again.
   */
  observe(tenantId: string, tokenVersion: number): void {
    this.observed.set(tenantId, { tokenVersion, at: this.deps.now().getTime() });
    const kept = this.kept.get(tenantId);
    if (kept && kept.tokenVersion !== tokenVersion) this.kept.delete(tenantId);
  }

  /** The caller found the connection unusable: nothing kept for it may be used. */
  forget(tenantId: string): void {
    this.kept.delete(tenantId);
    this.observed.delete(tenantId);
  }

  /** A valid access token, refreshed first when it expires within the margin. */
  async getAccessToken(tenantId: string): Promise<string> {
    const kept = this.keptToken(tenantId);
    if (kept) return kept;
    const connection = usable(tenantId, await this.load(tenantId));
    if (connection.accessTokenExpiresAt.getTime() - this.deps.now().getTime() > this.refreshMarginMs) {
      const accessToken = this.open(tenantId, 'access', connection.accessTokenCipher);
      this.keep(tenantId, accessToken, connection.tokenVersion, connection.accessTokenExpiresAt);
      return accessToken;
    }
    const outcome = await this.refresh(tenantId, {
      reason: 'expiring',
      observedVersion: connection.tokenVersion,
    });
    return outcome.accessToken;
  }

  private keptToken(tenantId: string): string | undefined {
    const kept = this.kept.get(tenantId);
    const observed = this.observed.get(tenantId);
    if (!kept || !observed) return undefined;
    const now = this.deps.now().getTime();
    if (observed.tokenVersion !== kept.tokenVersion || now - observed.at > OBSERVATION_TTL_MS)
      return undefined;
    // Dropped before the margin, like a stored token: the refresh decision is made on a fresh read.
    if (kept.expiresAt - now <= this.refreshMarginMs) {
      this.kept.delete(tenantId);
      return undefined;
    }
    return kept.accessToken;
  }

  private keep(tenantId: string, accessToken: string, tokenVersion: number, expiresAt: Date): void {
    // Kept only for tenants a caller observes; the API process never does and keeps nothing.
    if (!this.observed.has(tenantId)) return;
    this.kept.set(tenantId, { accessToken, tokenVersion, expiresAt: expiresAt.getTime() });
  }

  /**
   * After a 401: refresh, unless the stored token already differs from the refused one (another call or
   * process refreshed meanwhile; its token is the one to retry with).
   */
  async refreshAfterUnauthorized(tenantId: string, rejectedAccessToken: string): Promise<string> {
    // Whatever is kept may be what QuickBooks just refused: the store decides from here on.
    this.kept.delete(tenantId);
    const connection = usable(tenantId, await this.load(tenantId));
    const stored = this.open(tenantId, 'access', connection.accessTokenCipher);
    if (stored !== rejectedAccessToken) return stored;
    const outcome = await this.refresh(tenantId, {
      reason: 'unauthorized',
      observedVersion: connection.tokenVersion,
    });
    return outcome.accessToken;
  }

  /**
   * Single-flight refresh. `observedVersion` is the `tokenVersion` the caller based its decision on; a
   * newer stored version means someone else refreshed and their token is returned instead. Without it,
   * the version is read now.
   */
  refresh(
    tenantId: string,
    input: { reason: RefreshReason; observedVersion?: number },
  ): Promise<RefreshOutcome> {
    const running = this.inFlight.get(tenantId);
    if (running) return running.then((outcome) => ({ ...outcome, refreshed: false }));
    const outcome = this.refreshUnderLock(tenantId, input).finally(() => this.inFlight.delete(tenantId));
    this.inFlight.set(tenantId, outcome);
    return outcome;
  }

  /**
   * The stored refresh token, to revoke it at disconnect: in any state (a NEEDS_REAUTH grant may still be
   * live at Intuit); undefined when none is stored. A cipher that cannot be decrypted throws.
   */
  async openRefreshToken(tenantId: string): Promise<string | undefined> {
    const stored = (await this.load(tenantId))?.refreshTokenCipher;
    return stored ? this.open(tenantId, 'refresh', stored) : undefined;
  }

  /** The vault as the QuickBooks client sees it: one realm's token source. */
  forTenant(tenantId: string): AccessTokenSource {
    return {
      getAccessToken: () => this.getAccessToken(tenantId),
      refreshAfterUnauthorized: (rejected) => this.refreshAfterUnauthorized(tenantId, rejected),
    };
  }

  private async refreshUnderLock(
    tenantId: string,
    input: { reason: RefreshReason; observedVersion?: number },
  ): Promise<RefreshOutcome> {
    const { logger } = this.deps;
    const observedVersion = input.observedVersion ?? usable(tenantId, await this.load(tenantId)).tokenVersion;
    const mutex = new Mutex(this.deps.redis, refreshLockName(this.deps.lockPrefix, tenantId), {
      lockTimeout: this.lockTimeoutMs,
      acquireTimeout: this.acquireTimeoutMs,
      retryInterval: 50,
      // The library's default throws from a timer (an uncaught exception). Losing the lock is survivable:
      // no further token call is made without it, and the compare-and-set guards the write.
      onLockLost: () => logger.warn({ tenantId }, 'token refresh lock lost while held'),
    });
    try {
      await mutex.acquire();
    } catch (error) {
      if (!(error instanceof LockTimeoutError)) throw error;
      // The holder may have finished just as we gave up; otherwise it is still busy (or hung).
      const current = usable(tenantId, await this.load(tenantId));
      if (current.tokenVersion !== observedVersion) return this.storedOutcome(tenantId, current);
      throw new QuickBooksError({
        kind: 'transient',
        message: `QuickBooks token refresh for tenant "${tenantId}" is held by another process; try again`,
        cause: error,
      });
    }
    try {
      const current = usable(tenantId, await this.load(tenantId));
      if (current.tokenVersion !== observedVersion) {
        logger.info(
          { tenantId, reason: input.reason, observedVersion, tokenVersion: current.tokenVersion },
          'token already refreshed by another caller',
        );
        return this.storedOutcome(tenantId, current);
      }
      return await this.exchangeAndStore(tenantId, current, input.reason, mutex);
    } finally {
      await mutex.release().catch((error: unknown) =>
        // The lock expires on its own; a failed release only delays the next refresh of this tenant.
        logger.warn({ tenantId, err: error }, 'token refresh lock release failed'),
      );
    }
  }

  private async exchangeAndStore(
    tenantId: string,
    current: UsableConnection,
    reason: RefreshReason,
    mutex: Mutex,
  ): Promise<RefreshOutcome> {
    const { customers, logger, now } = this.deps;
    const lapsed = refreshTokenLapse(current, now());
    if (lapsed) return this.needsReauth(tenantId, current.tokenVersion, lapsed);

    const refreshToken = this.open(tenantId, 'refresh', current.refreshTokenCipher);
    let sawLostResponse = false;
    let tokens: TokenSet;
    for (let attempt = 1; ; attempt++) {
      if (!mutex.isAcquired) {
        // Another process may be refreshing now; a second exchange could invalidate its token.
        throw new QuickBooksError({
          kind: 'transient',
          message: `QuickBooks token refresh for tenant "${tenantId}" lost its lock; try again`,
        });
      }
      try {
        tokens = await this.deps.oauth.refresh(refreshToken);
        break;
      } catch (error) {
        if (!isQuickBooksError(error)) throw error;
        // After a lost answer a transient failure is retried too: while we hold the lock we can still
        // learn what happened to the rotated token; once we let go, nobody can.
        const retry =
          attempt <= this.lostResponseRetries &&
          (error.kind === 'ambiguous' || (sawLostResponse && error.kind === 'transient'));
        if (retry) {
          sawLostResponse ||= error.kind === 'ambiguous';
          logger.warn(
            { tenantId, reason, attempt, kind: error.kind, intuitTid: error.intuitTid },
            'token response lost; retrying with the same refresh token',
          );
          await this.sleep(this.retryBackoffMs * attempt);
          continue;
        }
        if (error.kind === 'reauthorization') {
          const why = sawLostResponse ? LOST_ROTATION_REASON : INVALID_GRANT_REASON;
          return this.needsReauth(tenantId, current.tokenVersion, why, error);
        }
        logger.warn(
          {
            tenantId,
            reason,
            attempt,
            kind: error.kind,
            retryable: error.retryable,
            intuitTid: error.intuitTid,
          },
          'token refresh failed; connection state unchanged',
        );
        throw error;
      }
    }

    const refreshedAt = now();
    const written = await customers.updateOne(
      {
        _id: tenantId,
        [`${Q}.tokenVersion`]: current.tokenVersion,
        [`${Q}.state`]: { $in: REFRESHABLE_STATES },
      },
      {
        $set: { ...sealedTokenUpdate(this.seal(tenantId, tokens)), [`${Q}.lastRefreshedAt`]: refreshedAt },
        $inc: { [`${Q}.tokenVersion`]: 1 },
      },
    );
    if (written.matchedCount === 0) {
      // Only possible if the lock lapsed or the tenant reconnected or disconnected meanwhile: whatever is
      // stored now is newer than what we hold, so it wins.
      logger.warn(
        { tenantId, reason, tokenVersion: current.tokenVersion },
        'token refresh lost the compare-and-set',
      );
      return this.storedOutcome(tenantId, usable(tenantId, await this.load(tenantId)));
    }
    logger.info(
      {
        tenantId,
        reason,
        tokenVersion: current.tokenVersion + 1,
        accessTokenExpiresAt: tokens.accessTokenExpiresAt,
        rotated: tokens.refreshToken !== refreshToken,
        recoveredLostResponse: sawLostResponse,
        intuitTid: tokens.intuitTid,
      },
      'token refreshed',
    );
    if (this.observed.has(tenantId)) {
      // Our compare-and-set is itself an observation of the new version: the old token is not used again.
      this.observed.set(tenantId, { tokenVersion: current.tokenVersion + 1, at: refreshedAt.getTime() });
      this.keep(tenantId, tokens.accessToken, current.tokenVersion + 1, tokens.accessTokenExpiresAt);
    }
    return { accessToken: tokens.accessToken, refreshed: true, tokenVersion: current.tokenVersion + 1 };
  }

  /**
   * Stores NEEDS_REAUTH (keeping the realm, so reconnecting the same company resumes it), tells
   * onStateChange, and throws `reauthorization`. Guarded by the token version: if a reconnect or another
   * refresh stored newer tokens meanwhile, those are returned instead.
   */
  private async needsReauth(
    tenantId: string,
    tokenVersion: number,
    reason: string,
    cause?: QuickBooksError,
  ): Promise<RefreshOutcome> {
    const { customers, logger } = this.deps;
    this.forget(tenantId);
    const written = await customers.updateOne(
      { _id: tenantId, [`${Q}.tokenVersion`]: tokenVersion, [`${Q}.state`]: { $in: REFRESHABLE_STATES } },
      { $set: { [`${Q}.state`]: 'NEEDS_REAUTH', [`${Q}.stateReason`]: reason } },
    );
    if (written.matchedCount === 0) {
      return this.storedOutcome(tenantId, usable(tenantId, await this.load(tenantId)));
    }
    logger.warn(
      { tenantId, reason, intuitTid: cause?.intuitTid },
      'QuickBooks connection needs reauthorization',
    );
    try {
      await this.deps.onStateChange(tenantId, 'NEEDS_REAUTH', reason);
    } catch (error) {
      // The state is stored and is what every reader sees; a lost notification must not hide that.
      logger.error({ tenantId, err: error }, 'connection state change notification failed');
    }
    throw new QuickBooksError({ kind: 'reauthorization', code: 'invalid_grant', message: reason, cause });
  }

  private storedOutcome(tenantId: string, connection: UsableConnection): RefreshOutcome {
    return {
      accessToken: this.open(tenantId, 'access', connection.accessTokenCipher),
      refreshed: false,
      tokenVersion: connection.tokenVersion,
    };
  }

  private open(tenantId: string, field: CipherContext['field'], stored: string): string {
    try {
      return this.deps.cipher.decrypt(stored, { tenantId, field });
    } catch (error) {
      this.deps.logger.error({ tenantId, field, err: error }, 'stored QuickBooks token cannot be decrypted');
      throw error;
    }
  }

  private async load(tenantId: string): Promise<StoredConnection | undefined> {
    const doc = await this.deps.customers
      .findById(tenantId)
      .select(CIPHER_FIELDS)
      .lean<{ integrations?: { quickbooks?: StoredConnection | null } | null }>();
    return doc?.integrations?.quickbooks ?? undefined;
  }
}

/** Throws `reauthorization` (pause, do not retry) unless the connection holds tokens that may still work. */
function usable(tenantId: string, connection: StoredConnection | undefined): UsableConnection {
  if (connection?.state === 'NEEDS_REAUTH') {
    throw new QuickBooksError({
      kind: 'reauthorization',
      code: 'needs_reauth',
      message: connection.stateReason ?? 'QuickBooks needs to be reconnected',
    });
  }
  if (
    !connection ||
    !REFRESHABLE_STATES.includes(connection.state) ||
    !connection.accessTokenCipher ||
    !connection.refreshTokenCipher ||
    !connection.accessTokenExpiresAt
  ) {
    throw new QuickBooksError({
      kind: 'reauthorization',
      code: 'not_connected',
      message: `QuickBooks is not connected for tenant "${tenantId}"`,
    });
  }
  return connection as UsableConnection;
}

/** Intuit would answer invalid_grant anyway (§1.5, §1.6); saying why is kinder than its message. */
function refreshTokenLapse(connection: StoredConnection, now: Date): string | undefined {
  const hard = connection.refreshTokenHardExpiresAt;
  if (hard && hard <= now) {
    return `The QuickBooks connection reached Intuit's five-year limit on ${hard.toISOString().slice(0, 10)}: reconnect to resume syncing`;
  }
  const rolling = connection.refreshTokenExpiresAt;
  if (rolling && rolling <= now) {
    return `The QuickBooks refresh token expired on ${rolling.toISOString().slice(0, 10)} (unused for 100 days): reconnect to resume syncing`;
  }
  return undefined;
}
