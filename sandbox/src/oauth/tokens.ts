import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { OAuthSettings } from '../settings.js';
import { randomToken, uuid } from '../util/ids.js';

export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';
export const PAYMENT_SCOPE = 'com.intuit.quickbooks.payment';
export const OPENID_SCOPES = ['openid', 'profile', 'email', 'phone', 'address'];
const KNOWN_SCOPES = new Set([
  ACCOUNTING_SCOPE,
  PAYMENT_SCOPE,
  'payroll.compensation.read',
  'project-management.project',
  'app-foundations.custom-dimensions.read',
  'app-foundations.custom-field-definitions',
  'time-tracking.time-entry',
  'indirect-tax.tax-calculation.quickbooks',
  ...OPENID_SCOPES,
]);

export function isKnownScope(scope: string): boolean {
  return KNOWN_SCOPES.has(scope);
}

/** realmId is part of the callback only when accounting or payments was requested (§1.3). */
export function scopesNeedCompany(scopes: string[]): boolean {
  return scopes.includes(ACCOUNTING_SCOPE) || scopes.includes(PAYMENT_SCOPE);
}

/** A token-endpoint error: `{"error":…,"error_description":…}`, never a Fault (§1.4). */
export class OAuthProtocolError extends Error {
  override readonly name = 'OAuthProtocolError';
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description?: string,
  ) {
    super(description ?? error);
  }
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  redirectUri: string;
  realmId: string | null;
  scopes: string[];
  userSub: string;
  expiresAt: number;
  used: boolean;
  grantId: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

/** One connection of an app to a company: the refresh-token family and the access tokens it minted. */
export interface Grant {
  grantId: string;
  clientId: string;
  realmId: string | null;
  scopes: string[];
  userSub: string;
  createdAt: number;
  hardExpiresAt: number;
  refreshToken: string;
  refreshIssuedAt: number;
  refreshExpiresAt: number;
  /** Superseded refresh-token values and when they were replaced. */
  superseded: Map<string, number>;
  revoked: boolean;
  accessTokens: Set<string>;
}

export interface AccessTokenRecord {
  token: string;
  grantId: string;
  clientId: string;
  realmId: string | null;
  scopes: string[];
  userSub: string;
  issuedAt: number;
  expiresAt: number;
}

export interface IssuedTokens {
  grant: Grant;
  accessToken: AccessTokenRecord;
  /** Seconds until the refresh token's rolling expiry, capped at the hard expiry. */
  refreshExpiresIn: number;
  hardExpiresIn: number;
}

export type BearerCheck =
  | { ok: true; record: AccessTokenRecord }
  | { ok: false; reason: 'malformed' | 'unknown' | 'expired'; token: string };

export interface TokenStoreHooks {
  onConnect(clientId: string, realmId: string): void;
  onDisconnect(clientId: string, realmId: string): void;
}

export class TokenStore {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly grants = new Map<string, Grant>();
  /** Current and superseded refresh-token values -> grant id. */
  private readonly refreshIndex = new Map<string, string>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private issuedSinceSweep = 0;

  constructor(
    private readonly clock: Clock,
    private readonly settings: () => OAuthSettings,
    private readonly hooks: TokenStoreHooks,
  ) {}

  reset(): void {
    this.codes.clear();
    this.grants.clear();
    this.refreshIndex.clear();
    this.accessTokens.clear();
  }

  createCode(input: Omit<AuthorizationCode, 'code' | 'expiresAt' | 'used' | 'grantId'>): AuthorizationCode {
    const code: AuthorizationCode = {
      ...input,
      // Intuit codes start with AB11 and are at most 512 characters (§1.3).
      code: randomToken('AB11', 36),
      expiresAt: this.clock.now() + this.settings().authorizationCodeLifetimeSeconds * 1000,
      used: false,
      grantId: null,
    };
    this.codes.set(code.code, code);
    return code;
  }

  exchangeCode(input: {
    clientId: string;
    code: string | undefined;
    redirectUri: string | undefined;
    codeVerifier: string | undefined;
  }): IssuedTokens {
    if (!input.code) throw new OAuthProtocolError(400, 'invalid_request', 'code is missing');
    const code = this.codes.get(input.code);
    if (!code || code.clientId !== input.clientId) {
      throw new OAuthProtocolError(400, 'invalid_grant', 'Token invalid');
    }
    if (code.used) {
      // A second exchange of the same code kills the chain it produced ([OBS] oauth-jsclient#173).
      if (this.settings().codeReplayRevokesGrant && code.grantId) this.revokeGrant(code.grantId);
      throw new OAuthProtocolError(400, 'invalid_grant', 'Token invalid');
    }
    if (this.clock.now() > code.expiresAt)
      throw new OAuthProtocolError(400, 'invalid_grant', 'Token invalid');
    if (input.redirectUri !== code.redirectUri) {
      throw new OAuthProtocolError(400, 'invalid_grant', 'Token invalid');
    }
    if (code.codeChallenge && this.settings().pkce === 'verify') {
      if (
        !input.codeVerifier ||
        !verifyPkce(code.codeChallenge, code.codeChallengeMethod, input.codeVerifier)
      ) {
        throw new OAuthProtocolError(400, 'invalid_grant', 'Token invalid');
      }
    }
    code.used = true;
    const issued = this.createGrant(code.clientId, code.realmId, code.scopes, code.userSub);
    code.grantId = issued.grant.grantId;
    return issued;
  }

  /** Used by auto-approve shortcuts and the control surface: a connection without the browser dance. */
  createGrant(clientId: string, realmId: string | null, scopes: string[], userSub: string): IssuedTokens {
    const now = this.clock.now();
    const settings = this.settings();
    const grant: Grant = {
      grantId: uuid(),
      clientId,
      realmId,
      scopes,
      userSub,
      createdAt: now,
      hardExpiresAt: now + settings.refreshTokenHardLifetimeSeconds * 1000,
      refreshToken: newRefreshToken(),
      refreshIssuedAt: now,
      refreshExpiresAt: now + settings.refreshTokenLifetimeSeconds * 1000,
      superseded: new Map(),
      revoked: false,
      accessTokens: new Set(),
    };
    grant.refreshExpiresAt = Math.min(grant.refreshExpiresAt, grant.hardExpiresAt);
    this.grants.set(grant.grantId, grant);
    this.refreshIndex.set(grant.refreshToken, grant.grantId);
    if (realmId) this.hooks.onConnect(clientId, realmId);
    return this.issue(grant, now);
  }

  refresh(clientId: string, refreshToken: string | undefined): IssuedTokens {
    if (!refreshToken) throw new OAuthProtocolError(400, 'invalid_request', 'refresh_token is missing');
    const invalid = () => new OAuthProtocolError(400, 'invalid_grant', 'Incorrect or invalid refresh token');
    const grantId = this.refreshIndex.get(refreshToken);
    const grant = grantId === undefined ? undefined : this.grants.get(grantId);
    if (!grant || grant.revoked || grant.clientId !== clientId) throw invalid();
    const now = this.clock.now();
    const settings = this.settings();
    if (refreshToken !== grant.refreshToken) {
      // Old value after rotation: invalid at once per Intuit's KB, or after a grace period per the
      // intuit-oauth README (§1.5). The grace answer carries the current value so the client catches up.
      const supersededAt = grant.superseded.get(refreshToken) ?? 0;
      if (now - supersededAt >= settings.supersededRefreshTokenGraceSeconds * 1000) throw invalid();
    }
    if (now >= grant.hardExpiresAt || now > grant.refreshExpiresAt) throw invalid();
    // The value rotates about once every 24 h; within the window the same value comes back (§1.5).
    if (now - grant.refreshIssuedAt >= settings.refreshTokenRotationSeconds * 1000) {
      grant.superseded.set(grant.refreshToken, now);
      grant.refreshToken = newRefreshToken();
      grant.refreshIssuedAt = now;
      this.refreshIndex.set(grant.refreshToken, grant.grantId);
    }
    grant.refreshExpiresAt = Math.min(now + settings.refreshTokenLifetimeSeconds * 1000, grant.hardExpiresAt);
    return this.issue(grant, now);
  }

  /** Either token type may be revoked; both end the connection (§1.7). Unknown tokens are ignored. */
  revoke(clientId: string, token: string): void {
    const grantId = this.refreshIndex.get(token) ?? this.accessTokens.get(token)?.grantId;
    if (grantId === undefined) return;
    const grant = this.grants.get(grantId);
    if (!grant || grant.clientId !== clientId) return;
    this.revokeGrant(grantId);
  }

  checkBearer(token: string): BearerCheck {
    // Intuit's detail for garbage tokens: "Malformed bearer token: too short or too long" (§5.3a).
    if (token.length < 20 || token.length > 4096) return { ok: false, reason: 'malformed', token };
    const record = this.accessTokens.get(token);
    if (!record) return { ok: false, reason: 'unknown', token };
    if (this.clock.now() >= record.expiresAt) return { ok: false, reason: 'expired', token };
    return { ok: true, record };
  }

  grantsFor(clientId?: string): Grant[] {
    return [...this.grants.values()].filter((g) => clientId === undefined || g.clientId === clientId);
  }

  private issue(grant: Grant, now: number): IssuedTokens {
    const record: AccessTokenRecord = {
      token: newAccessToken(),
      grantId: grant.grantId,
      clientId: grant.clientId,
      realmId: grant.realmId,
      scopes: grant.scopes,
      userSub: grant.userSub,
      issuedAt: now,
      expiresAt: now + this.settings().accessTokenLifetimeSeconds * 1000,
    };
    this.accessTokens.set(record.token, record);
    grant.accessTokens.add(record.token);
    if (++this.issuedSinceSweep >= 1000) this.sweepExpiredAccessTokens(now);
    return {
      grant,
      accessToken: record,
      refreshExpiresIn: Math.max(0, Math.floor((grant.refreshExpiresAt - now) / 1000)),
      hardExpiresIn: Math.max(0, Math.floor((grant.hardExpiresAt - now) / 1000)),
    };
  }

  /** Expired access tokens answer 3200 "Token expired" only while remembered; keep an hour of them. */
  private sweepExpiredAccessTokens(now: number): void {
    this.issuedSinceSweep = 0;
    for (const [token, record] of this.accessTokens) {
      if (record.expiresAt + 3600_000 < now) {
        this.accessTokens.delete(token);
        this.grants.get(record.grantId)?.accessTokens.delete(token);
      }
    }
  }

  private revokeGrant(grantId: string): void {
    const grant = this.grants.get(grantId);
    if (!grant || grant.revoked) return;
    grant.revoked = true;
    for (const token of grant.accessTokens) this.accessTokens.delete(token);
    grant.accessTokens.clear();
    if (grant.realmId) {
      const stillConnected = [...this.grants.values()].some(
        (g) => !g.revoked && g.clientId === grant.clientId && g.realmId === grant.realmId,
      );
      if (!stillConnected) this.hooks.onDisconnect(grant.clientId, grant.realmId);
    }
  }
}

function verifyPkce(challenge: string, method: string | null, verifier: string): boolean {
  if (method === 'S256') return createHash('sha256').update(verifier).digest('base64url') === challenge;
  return verifier === challenge;
}

/** Intuit access tokens are JWE compact strings; shape only, they carry nothing readable. */
function newAccessToken(): string {
  return `eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..${randomToken('', 16)}.${randomToken('', 96)}.${randomToken('', 16)}`;
}

function newRefreshToken(): string {
  return randomToken('AB11', 36);
}
