import crypto from 'node:crypto';
import type { Logger } from '../../logger.js';
import { isQuickBooksError, QuickBooksError, type QuickBooksErrorKind } from '../../quickbooks/errors.js';
import type { OAuthTokenClient, TokenSet } from '../../quickbooks/tokens.js';
import type { ConnectionState } from '../../models/customer.js';
import { OAuthStateError, type StateSigner } from './oauth-state.js';
import { checkReturnTo, withOutcome } from './return-to.js';
import type { StateStore } from './state-store.js';

/** What the connect flow needs from the QuickBooks side; the composition root passes the real ones. */
export interface ConnectOAuth extends OAuthTokenClient {
  authorizeUrl(input: { state: string; codeChallenge?: string }): string;
}

export interface Pkce {
  createVerifier(): string;
  challengeOf(verifier: string): string;
}

export interface SealedTokens {
  accessTokenCipher: string;
  refreshTokenCipher: string;
}

export interface ConnectTokenVault {
  seal(tenantId: string, tokens: TokenSet): SealedTokens | Promise<SealedTokens>;
  /** The stored refresh token in plaintext, for revocation; undefined when none is stored. */
  openRefreshToken(tenantId: string): Promise<string | undefined>;
}

export type AuditAction =
  'QUICKBOOKS_CONNECTED' | 'QUICKBOOKS_RECONNECTED' | 'QUICKBOOKS_DISCONNECTED' | 'QUICKBOOKS_CONNECT_FAILED';

export interface AuditEntry {
  tenantId: string;
  actorUserId: string;
  action: AuditAction;
  outcome: 'SUCCEEDED' | 'FAILED';
  realmId?: string;
  reason?: string;
}

/** The stored connection as this flow reads and writes it (never with plaintext tokens). */
export interface StoredConnection {
  state: ConnectionState;
  realmId?: string;
}

export interface ConnectionStore {
  read(tenantId: string): Promise<StoredConnection | undefined>;
  /** Stores a fresh grant, replacing any prior ciphers and bumping the token version. */
  saveGrant(
    tenantId: string,
    grant: {
      realmId: string;
      companyName?: string;
      environment: string;
      scopes: string[];
      userId: string;
      tokens: TokenSet;
      sealed: SealedTokens;
      connectedAt: Date;
    },
  ): Promise<void>;
  /** Clears tokens and realm; bumps the token version so an in-flight refresh cannot write back. */
  clear(tenantId: string, at: Date): Promise<void>;
  /** Claims a realm for a tenant, atomically; answers the owner (the tenant itself when it won). */
  claimRealm(realmId: string, tenantId: string, at: Date): Promise<{ ownerTenantId: string }>;
  releaseRealm(realmId: string, tenantId: string): Promise<void>;
}

export interface ConnectDeps {
  oauth: ConnectOAuth;
  pkce: Pkce | undefined;
  signer: StateSigner;
  states: StateStore;
  vault: ConnectTokenVault;
  store: ConnectionStore;
  readCompanyName(realmId: string, accessToken: string): Promise<string | undefined>;
  audit(entry: AuditEntry): Promise<void>;
  connectionChanged(tenantId: string): Promise<void>;
  cancelPendingJobs(tenantId: string): Promise<number>;
  /** Wakes the tenant's jobs parked while its authorization was gone (NEEDS_REAUTH). */
  resumePausedJobs(tenantId: string): Promise<number>;
  settings: {
    environment: string;
    scopes: string[];
    redirectUri: string;
    returnToOrigins: readonly string[];
    /** Where the browser goes when the connect did not name a returnTo. */
    defaultReturnTo: string;
  };
  now(): Date;
  sleep(ms: number): Promise<void>;
  logger: Logger;
}

/** Why a callback failed, as the `code` query parameter the settings page receives. */
export const CALLBACK_ERRORS = {
  STATE_INVALID: 'The connect link is not valid. Start again from the QuickBooks settings.',
  STATE_EXPIRED: 'The connect link expired (10 minutes). Start again from the QuickBooks settings.',
  STATE_USED: 'This connect link was already used. Start again from the QuickBooks settings.',
  ACCESS_DENIED: 'QuickBooks access was not granted.',
  INVALID_CALLBACK: 'QuickBooks sent an incomplete answer. Start again from the QuickBooks settings.',
  REALM_IN_USE:
    'This QuickBooks company is already connected to another account. Disconnect it there first, or choose another company.',
  QUICKBOOKS_CONFIGURATION:
    'The QuickBooks app is misconfigured (client id, secret or redirect URI). Contact support.',
  QUICKBOOKS_UNAVAILABLE: 'QuickBooks could not be reached. Try again in a few minutes.',
} as const;

export type CallbackErrorCode = keyof typeof CALLBACK_ERRORS;

/** A callback outcome: redirect the browser, or (when the state cannot be trusted) show a page here. */
export type CallbackResult =
  | { kind: 'redirect'; location: string }
  | { kind: 'page'; status: number; code: CallbackErrorCode; message: string };

export class ReturnToError extends Error {
  override readonly name = 'ReturnToError';
}

const REVOKE_ATTEMPTS = 3;

/** Answers to the post-connect company check that mean the grant does not cover the callback's realmId. */
const REALM_REFUSALS: ReadonlySet<QuickBooksErrorKind> = new Set([
  'wrong_realm',
  'scope',
  'authentication',
  'reauthorization',
  'not_found',
]);

/**
 * Connecting and disconnecting a tenant's QuickBooks company. The browser carries only a signed state;
 * everything else (PKCE verifier, returnTo, who started it) stays on the server. A realm belongs to one
 * tenant, enforced by the store's realm-keyed claim, not by a check-then-write.
 */
export class ConnectService {
  constructor(private readonly deps: ConnectDeps) {}

  async start(input: { tenantId: string; userId: string; returnTo?: string | null }): Promise<string> {
    const { deps } = this;
    let returnTo = deps.settings.defaultReturnTo;
    if (input.returnTo != null) {
      const checked = checkReturnTo(input.returnTo, deps.settings.returnToOrigins);
      if (!checked.ok) throw new ReturnToError(checked.reason);
      returnTo = checked.url;
    }
    const nonce = crypto.randomBytes(24).toString('base64url');
    const codeVerifier = deps.pkce?.createVerifier();
    await deps.states.put(nonce, {
      tenantId: input.tenantId,
      userId: input.userId,
      returnTo,
      codeVerifier,
      startedAt: deps.now().toISOString(),
    });
    const state = await deps.signer.sign({ nonce, tenantId: input.tenantId, userId: input.userId });
    return deps.oauth.authorizeUrl({
      state,
      codeChallenge: codeVerifier === undefined ? undefined : deps.pkce!.challengeOf(codeVerifier),
    });
  }

  async complete(query: Record<string, string | undefined>): Promise<CallbackResult> {
    const { deps } = this;
    const page = (code: CallbackErrorCode, status = 400): CallbackResult => ({
      kind: 'page',
      status,
      code,
      message: CALLBACK_ERRORS[code],
    });
    if (!query.state) return page('STATE_INVALID');
    let claims;
    try {
      claims = await deps.signer.verify(query.state);
    } catch (error) {
      if (!(error instanceof OAuthStateError)) throw error;
      deps.logger.warn({ problem: error.problem }, 'QuickBooks callback refused: bad state');
      return page(error.problem === 'expired' ? 'STATE_EXPIRED' : 'STATE_INVALID');
    }
    const pending = await deps.states.take(claims.nonce);
    if (!pending) {
      deps.logger.warn({ tenantId: claims.tenantId }, 'QuickBooks callback refused: state already used');
      return page('STATE_USED');
    }
    if (pending.tenantId !== claims.tenantId || pending.userId !== claims.userId) {
      return page('STATE_INVALID');
    }
    const { tenantId, userId } = pending;
    const fail = async (
      code: CallbackErrorCode,
      reason: string,
      realmId?: string,
    ): Promise<CallbackResult> => {
      await deps.audit({
        tenantId,
        actorUserId: userId,
        action: 'QUICKBOOKS_CONNECT_FAILED',
        outcome: 'FAILED',
        realmId,
        reason,
      });
      return { kind: 'redirect', location: withOutcome(pending.returnTo, { quickbooks: 'error', code }) };
    };

    if (query.error) {
      const code = query.error === 'access_denied' ? 'ACCESS_DENIED' : 'INVALID_CALLBACK';
      return fail(code, `authorization answered ${query.error.slice(0, 64)}`);
    }
    const { code, realmId } = query;
    if (!code || !realmId || !/^\d{1,32}$/.test(realmId)) {
      return fail('INVALID_CALLBACK', 'callback without code or realmId');
    }

    let tokens: TokenSet;
    try {
      tokens = await deps.oauth.exchangeCode({
        code,
        redirectUri: deps.settings.redirectUri,
        codeVerifier: pending.codeVerifier,
      });
    } catch (error) {
      if (!isQuickBooksError(error)) throw error;
      deps.logger.warn({ tenantId, realmId, err: describe(error) }, 'QuickBooks code exchange failed');
      const failure = error.kind === 'configuration' ? 'QUICKBOOKS_CONFIGURATION' : 'QUICKBOOKS_UNAVAILABLE';
      return fail(
        error.kind === 'reauthorization' ? 'STATE_USED' : failure,
        `code exchange failed: ${error.kind}`,
        realmId,
      );
    }

    // The realmId is the browser's word (a query parameter anyone can edit); Intuit's token answer does not
    // name the company. Only a call to that company with the new token proves the grant covers it (a token
    // of another company gets 401/100), so nothing is claimed or stored before that call succeeds: an
    // edited realmId must neither take another customer's company nor file these tokens under it.
    let companyName: string | undefined;
    try {
      companyName = await deps.readCompanyName(realmId, tokens.accessToken);
    } catch (error) {
      if (!isQuickBooksError(error)) throw error;
      deps.logger.warn(
        { tenantId, realmId, err: describe(error) },
        'QuickBooks company check after connect failed',
      );
      return REALM_REFUSALS.has(error.kind)
        ? fail(
            'INVALID_CALLBACK',
            `the authorization does not cover company ${realmId} (${error.kind})`,
            realmId,
          )
        : fail('QUICKBOOKS_UNAVAILABLE', `company check failed: ${error.kind}`, realmId);
    }

    const now = deps.now();
    const owner = await deps.store.claimRealm(realmId, tenantId, now);
    if (owner.ownerTenantId !== tenantId) {
      // The new tokens are dropped, not revoked: Intuit's grant is per app and company, and "revoking the
      // refresh token disconnects the app from the company" (notes §1.7), which would cut off the
      // customer that owns this realm.
      return fail('REALM_IN_USE', 'realm is connected to another customer', realmId);
    }

    const previous = await deps.store.read(tenantId);
    await deps.store.saveGrant(tenantId, {
      realmId,
      companyName,
      environment: deps.settings.environment,
      scopes: deps.settings.scopes,
      userId,
      tokens,
      sealed: await deps.vault.seal(tenantId, tokens),
      connectedAt: now,
    });
    if (previous?.realmId && previous.realmId !== realmId) {
      await deps.store.releaseRealm(previous.realmId, tenantId);
    }
    await deps.audit({
      tenantId,
      actorUserId: userId,
      action: previous?.realmId ? 'QUICKBOOKS_RECONNECTED' : 'QUICKBOOKS_CONNECTED',
      outcome: 'SUCCEEDED',
      realmId,
      reason:
        previous?.realmId && previous.realmId !== realmId
          ? `replaced company ${previous.realmId}`
          : previous?.state === 'NEEDS_REAUTH'
            ? 'reconnected after the grant was refused'
            : undefined,
    });
    await this.followUp('publish the change', tenantId, () => deps.connectionChanged(tenantId));
    const resumed = await this.followUp('resume paused jobs', tenantId, () =>
      deps.resumePausedJobs(tenantId),
    );
    deps.logger.info({ tenantId, realmId, resumed }, 'QuickBooks connected');
    return {
      kind: 'redirect',
      location: withOutcome(pending.returnTo, { quickbooks: 'connected', realmId }),
    };
  }

  /**
   * Revokes at Intuit (retried), then clears the connection whatever the revoke did: a tenant who asks to
   * disconnect must end disconnected here. A failed revoke is recorded in the audit log for support.
   */
  async disconnect(input: { tenantId: string; userId: string }): Promise<{ revoked: boolean | null }> {
    const { deps } = this;
    const { tenantId, userId } = input;
    const current = await deps.store.read(tenantId);
    // Nothing connected: nothing to revoke (null), and nothing happened worth an audit entry.
    if (!current?.realmId) return { revoked: null };
    const refreshToken = await deps.vault.openRefreshToken(tenantId).catch((error: unknown) => {
      deps.logger.error({ tenantId, err: describe(error) }, 'stored refresh token unreadable at disconnect');
      return undefined;
    });
    const revokeFailure = refreshToken
      ? await this.revokeWithRetries(refreshToken, { tenantId, realmId: current.realmId })
      : 'no readable refresh token';
    await deps.store.clear(tenantId, deps.now());
    await deps.store.releaseRealm(current.realmId, tenantId);
    const cancelled = await this.followUp('cancel pending jobs', tenantId, () =>
      deps.cancelPendingJobs(tenantId),
    );
    await deps.audit({
      tenantId,
      actorUserId: userId,
      action: 'QUICKBOOKS_DISCONNECTED',
      outcome: revokeFailure ? 'FAILED' : 'SUCCEEDED',
      realmId: current.realmId,
      reason: revokeFailure
        ? `disconnected here; revoking at QuickBooks failed (${revokeFailure})`
        : undefined,
    });
    await this.followUp('publish the change', tenantId, () => deps.connectionChanged(tenantId));
    deps.logger.info(
      { tenantId, realmId: current.realmId, cancelled, revoked: !revokeFailure },
      'QuickBooks disconnected',
    );
    return { revoked: !revokeFailure };
  }

  /**
   * Work that follows a stored change and must not undo it by failing (Redis down, a broken queue): the
   * stored connection is what every reader sees, a subscriber refetches after a missed event, a job left
   * queued finds the connection gone, and a paused job looks again on its own. Undefined when it failed.
   */
  private async followUp<T>(step: string, tenantId: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.deps.logger.warn(
        { tenantId, step, err: describe(error) },
        'QuickBooks connection follow-up failed',
      );
      return undefined;
    }
  }

  /** Undefined on success, else a short reason (no token). */
  private async revokeWithRetries(
    token: string,
    where: { tenantId: string; realmId: string },
  ): Promise<string | undefined> {
    let last: unknown;
    for (let attempt = 1; attempt <= REVOKE_ATTEMPTS; attempt += 1) {
      try {
        await this.deps.oauth.revoke(token);
        return undefined;
      } catch (error) {
        last = error;
        if (isQuickBooksError(error) && !error.retryable) break;
        if (attempt < REVOKE_ATTEMPTS) await this.deps.sleep(250 * 2 ** (attempt - 1));
      }
    }
    this.deps.logger.warn({ ...where, err: describe(last) }, 'QuickBooks revoke failed');
    return last instanceof QuickBooksError
      ? `${last.kind}${last.status ? ` ${last.status}` : ''}`
      : 'network';
  }
}

/** Error fields safe to log: kind, status, Intuit code and tid; never messages that might echo a body. */
function describe(error: unknown): Record<string, unknown> {
  if (error instanceof QuickBooksError) {
    return { kind: error.kind, status: error.status, code: error.code, intuitTid: error.intuitTid };
  }
  return { name: error instanceof Error ? error.name : typeof error };
}
