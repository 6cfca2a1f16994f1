/**
 * Every behaviour the research note (shared/notes/quickbooks-api.md) marks UNCONFIRMED or where its sources
 * disagree is a setting here, so a test can pin the variant it depends on instead of trusting a guess.
 */

export type AuthorizeMode = 'manual' | 'approve' | 'deny';
export type WebhookFormat = 'cloudevents' | 'legacy';

export interface OAuthSettings {
  /** `manual` shows the consent page; `approve`/`deny` answer at once (tests, headless runs). */
  authorizeMode: AuthorizeMode;
  /** Company chosen by auto-approve; null picks the first realm. */
  autoApproveRealmId: string | null;
  accessTokenLifetimeSeconds: number;
  /** Rolling refresh-token lifetime; 8726400 s (101 days) is what Intuit's fixtures show (§1.4). */
  refreshTokenLifetimeSeconds: number;
  /** Five-year hard cap announced 2025-11-12 (§1.6). */
  refreshTokenHardLifetimeSeconds: number;
  /** The refresh-token value changes about every 24-26 h, not on every call (§1.5). 0 = every refresh. */
  refreshTokenRotationSeconds: number;
  /** Sources disagree on how long a superseded refresh token works (§1.5): 0 = immediately invalid (KB). */
  supersededRefreshTokenGraceSeconds: number;
  /** Auth-code lifetime is UNCONFIRMED (§1.3); RFC 6749 suggests at most 10 minutes. */
  authorizationCodeLifetimeSeconds: number;
  /** A replayed code invalidates the token chain it produced ([OBS] oauth-jsclient#173). */
  codeReplayRevokesGrant: boolean;
  /** PKCE is not documented by Intuit (§1.2). `verify` checks S256/plain when a challenge was sent. */
  pkce: 'verify' | 'ignore';
  /** intuit-oauth's validateIdToken() compares `iss` with Intuit's issuer literally. */
  issuer: string;
}

export interface ApiSettings {
  /** Minor versions 1-74 are ignored and answered as 75 since 2025-08-01 (§3.2). */
  defaultMinorVersion: number;
  /** Status for an unknown resource path (SystemFault 10000); HTTP 500 is UNCONFIRMED (§5.4). */
  unknownResourceStatus: number;
  /** DisplayName uniqueness normalisation is UNCONFIRMED (§6.2). */
  displayNameMatch: 'case-insensitive' | 'exact';
  /** Reciprocal Invoice.LinkedTxn to the Payment is standard but not captured (§6.5). */
  reciprocalLinkedTxn: boolean;
  /** Reject writes dated on or before Preferences.AccountingInfoPrefs.BookCloseDate with 6210. */
  enforceBookCloseDate: boolean;
  /** Status of "entity not found" on read; 400 + code 610 is UNCONFIRMED (§5.5). */
  notFoundStatus: number;
}

export interface QuerySettings {
  /** MAXRESULTS above 1000: UNCONFIRMED whether capped or rejected (§3.4). */
  overMaxResults: 'cap' | 'error';
  maxResults: number;
  defaultMaxResults: number;
  /** Intuit's sample shows totalCount on SELECT *; real clients see it only on COUNT(*) (§3.4). */
  totalCountOnSelect: boolean;
  /** Name-list queries return only Active records unless the WHERE clause mentions Active. */
  activeOnlyByDefault: boolean;
}

export interface BatchSettings {
  /** 30 per the API reference, 10 per the learn page (§3.5). */
  maxItems: number;
}

export interface CdcSettings {
  lookbackDays: number;
  /** A changedSince older than the lookback: ValidationFault or clamp (UNCONFIRMED, §3.6). */
  tooOld: 'error' | 'clamp';
  maxObjects: number;
}

export interface LimitSettings {
  enabled: boolean;
  /** 500 requests/minute per realm (and app) (§4.1). */
  perMinute: number;
  /** 10 concurrent per realm+app (2016 blog) ... */
  concurrent: number;
  /** ... or 10 per second per realm+app (current page). Both configurable; null = off (§4.2). */
  perSecond: number | null;
  /** 40 batch requests/minute per realm+app, 120 per realm (§4.1). */
  batchPerMinute: number;
  batchPerMinutePerRealm: number;
  /** Retry-After on 429 is UNCONFIRMED (§4.3); null = header absent. */
  retryAfterSeconds: number | null;
  /** Sandbox companies may send 40 e-mails a day (§4.1); null = unlimited. */
  emailsPerDay: number | null;
}

export interface IdempotencySettings {
  enabled: boolean;
  /** How long a requestid is remembered is UNDOCUMENTED (§3.7). */
  windowSeconds: number;
  /** Replay with a different body: UNDOCUMENTED; the blog implies the stored response is returned. */
  onBodyMismatch: 'replay' | 'error';
  /** Whether faults are stored and replayed is UNCONFIRMED. */
  replayFaults: boolean;
  /** Oldest entries are forgotten beyond this many (memory bound for long benchmarks). */
  maxEntries: number;
}

export interface WebhookSettings {
  /** Retry delays after a failed attempt: Intuit's best-practices page (§7.5), then the last repeats. */
  retryScheduleMs: number[];
  /** Multiplies every delay; tests compress the schedule with e.g. 0.001. */
  retryTimeScale: number;
  /** null = retry forever (Intuit keeps retrying every 6 h). */
  maxAttempts: number | null;
  /** Endpoints must answer within 3 s (§7.5). */
  timeoutMs: number;
  maxEventsPerDelivery: number;
  /** Events are sent only for companies connected through OAuth (§7.1). */
  requireConnection: boolean;
  /** Coalescing window so changes made by one request arrive in one delivery. */
  batchWindowMs: number;
}

export interface SandboxSettings {
  oauth: OAuthSettings;
  api: ApiSettings;
  query: QuerySettings;
  batch: BatchSettings;
  cdc: CdcSettings;
  limits: LimitSettings;
  idempotency: IdempotencySettings;
  webhooks: WebhookSettings;
  requestLog: { maxEntries: number };
}

export function defaultSettings(): SandboxSettings {
  return {
    oauth: {
      authorizeMode: 'manual',
      autoApproveRealmId: null,
      accessTokenLifetimeSeconds: 3600,
      refreshTokenLifetimeSeconds: 8_726_400,
      refreshTokenHardLifetimeSeconds: 5 * 365 * 86_400,
      refreshTokenRotationSeconds: 86_400,
      supersededRefreshTokenGraceSeconds: 0,
      authorizationCodeLifetimeSeconds: 600,
      codeReplayRevokesGrant: true,
      pkce: 'verify',
      issuer: 'https://oauth.platform.intuit.com/op/v1',
    },
    api: {
      defaultMinorVersion: 75,
      unknownResourceStatus: 500,
      displayNameMatch: 'case-insensitive',
      reciprocalLinkedTxn: true,
      enforceBookCloseDate: true,
      notFoundStatus: 400,
    },
    query: {
      overMaxResults: 'cap',
      maxResults: 1000,
      defaultMaxResults: 100,
      totalCountOnSelect: false,
      activeOnlyByDefault: true,
    },
    batch: { maxItems: 30 },
    cdc: { lookbackDays: 30, tooOld: 'error', maxObjects: 1000 },
    limits: {
      enabled: true,
      perMinute: 500,
      concurrent: 10,
      perSecond: null,
      batchPerMinute: 40,
      batchPerMinutePerRealm: 120,
      retryAfterSeconds: null,
      emailsPerDay: 40,
    },
    idempotency: {
      enabled: true,
      windowSeconds: 86_400,
      onBodyMismatch: 'replay',
      replayFaults: true,
      maxEntries: 100_000,
    },
    webhooks: {
      retryScheduleMs: [10_000, 20_000, 30_000, 300_000, 1_200_000, 7_200_000, 14_400_000, 21_600_000],
      retryTimeScale: 1,
      maxAttempts: null,
      timeoutMs: 3000,
      maxEventsPerDelivery: 100,
      requireConnection: true,
      batchWindowMs: 10,
    },
    requestLog: { maxEntries: 10_000 },
  };
}

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object | null ? DeepPartial<T[K]> : T[K];
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Applies a partial patch in place; unknown keys are rejected so a typo in a test fails loudly. */
export function applySettingsPatch(target: SandboxSettings, patch: unknown, path = ''): void {
  if (!isPlainObject(patch)) throw new SettingsError(`settings patch${path} must be an object`);
  const record = target as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in record)) throw new SettingsError(`unknown setting ${path}${key}`);
    const current = record[key];
    if (isPlainObject(current)) {
      applySettingsPatch(current as unknown as SandboxSettings, value, `${path}${key}.`);
    } else {
      if (current !== null && value !== null && typeof current !== typeof value) {
        throw new SettingsError(`setting ${path}${key} must be a ${typeof current}`);
      }
      record[key] = value;
    }
  }
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}
