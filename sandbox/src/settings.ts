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
  /**
   * A DocNumber supplied while CustomTxnNumbers is off: stored even if duplicate (older Invoice reference,
   * §6.1; the default: no safety net) or 6140 like a custom-numbering company.
   */
  duplicateDocNumberWhenAutoNumbered: 'store' | 'reject';
  /**
   * Preferences through the API: `documented` lets the small writable subset change and answers 2010 for a
   * changed read-only field (Intuit's Preferences reference); `read-only` refuses every update, so company
   * settings change only through the control surface.
   */
  preferencesUpdate: 'documented' | 'read-only';
  /** A minorversion that is not a positive integer: Intuit's answer is UNCONFIRMED (§3.2). */
  malformedMinorVersion: 'reject' | 'ignore';
  /**
   * Voiding an invoice that payments are applied to: what the API does is UNCONFIRMED (the QuickBooks UI
   * voids it and leaves the money as unapplied credit). `unapply` (default, the silent side effect a sync
   * engine must notice through the payment's own change event) or `reject` with 6000.
   */
  voidInvoiceWithPayments: 'unapply' | 'reject';
  /**
   * Deleting an Invoice or CreditMemo that a Payment links: "You must unlink any linked transactions ...
   * before deleting it" (Invoice reference), so `reject` (6000); `unapply` releases the links like a void.
   */
  deleteLinkedTransaction: 'reject' | 'unapply';
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
  /**
   * A character above U+00FF inside a string literal: 4000 lexical error (`latin1`, observed for U+2019, U+2013,
   * U+0142) or accepted (`any`). Where Intuit draws the line is UNCONFIRMED.
   */
  stringLiteralCharacters: 'latin1' | 'any';
  /** `<>` is undocumented and unobserved at Intuit (`!=` is observed): 4000 (`error`) or not-equal. */
  ltGtOperator: 'error' | 'not-equal';
  /** `PrimaryEmailAddr.Address` where `PrimaryEmailAddr` is filterable: 4001 (`error`) or same filter (`match`). */
  emailAddressSubfield: 'error' | 'match';
  /** ORDERBY on a property without the sortable trait: UNCONFIRMED; `lenient` sorts, `sortable` answers 4001. */
  orderBy: 'lenient' | 'sortable';
}

export interface BatchSettings {
  /** 30 per the API reference, 10 per the learn page (§3.5). */
  maxItems: number;
  /** "Execution order of BatchItemRequest objects should not be assumed" (batch reference): a seeded shuffle. */
  order: 'shuffled' | 'in-order';
  /** Seed of the shuffle; the same seed and bIds give the same order on every run. */
  seed: number;
  /** Items cannot depend on each other (batch reference, 2017 blog); true = the old sequential visibility. */
  itemsSeeEachOther: boolean;
  /** Order of BatchItemResponse: UNCONFIRMED (SDKs pair answers by bId), so by default execution order. */
  responseOrder: 'execution' | 'request';
}

export interface CdcSettings {
  lookbackDays: number;
  /** A changedSince older than the lookback: ValidationFault or clamp (UNCONFIRMED, §3.6). */
  tooOld: 'error' | 'clamp';
  maxObjects: number;
  /**
   * What `changedSince` is compared with. LastUpdatedTime shows whole seconds on the wire, but Intuit stamps
   * changes with sub-second times (webhook `time`) and says to back-fill with CDC from the last webhook
   * event, so `milliseconds` (the exact change instant) is the likely reading; a capture is missing (UNCONFIRMED).
   * `seconds` compares the whole-second LastUpdatedTime: a change at 15:20:00.700 is missed for 15:20:00.500Z.
   */
  changeTimePrecision: 'milliseconds' | 'seconds';
  /**
   * Row order inside each entity, and so which rows survive maxObjects: no source states an order
   * (UNCONFIRMED). `newest-first` by default, which breaks a client that checkpoints row by row or assumes
   * the oldest rows are the ones kept when the cap is hit.
   */
  order: 'newest-first' | 'oldest-first';
}

export interface LimitSettings {
  enabled: boolean;
  /** 500 requests/minute per realm ID, whichever app sends them (limits page, §4.1). */
  perMinute: number;
  /** 10 concurrent per realm+app (2016 blog, §4.2) ... */
  concurrent: number;
  /** ... and 10 per second per realm+app (current limits page, §4.1); null = off. */
  perSecond: number | null;
  /**
   * What one batch counts for against perMinute and perSecond: "500 requests per minute per realmId,
   * including batch requests" (2016 blog) does not say whether per request or per item (UNCONFIRMED).
   */
  batchCost: 'items' | 'request';
  /** 40 batch requests/minute per realm+app, 120 per realm (§4.1). */
  batchPerMinute: number;
  batchPerMinutePerRealm: number;
  /**
   * Multiplies the 60 s and 1 s windows (counts unchanged), so a bench can run several "minutes" at a
   * realm's limit in seconds: 0.1 gives a 6 s minute. Not Intuit behaviour: 1 unless a bench sets it, and
   * the governor's QUICKBOOKS_GOVERNOR_WINDOW_SCALE must match.
   */
  windowScale: number;
  /** Retry-After on 429 is UNCONFIRMED (§4.3); null = header absent. */
  retryAfterSeconds: number | null;
  /** Sandbox companies may send 40 e-mails a day (§4.1); null = unlimited. */
  emailsPerDay: number | null;
}

export interface IdempotencySettings {
  enabled: boolean;
  /** How long a requestid is remembered is UNDOCUMENTED (§3.7). */
  windowSeconds: number;
  /**
   * The same requestid on another method, path, query string or body: UNDOCUMENTED (the blog only shows a
   * retry "specifying the same content"). `error` answers 6000, `replay` returns the first stored answer.
   */
  onBodyMismatch: 'replay' | 'error';
  /**
   * A batch sent again under its requestid: the stored answer (blog) or 6000 on every item, as one developer
   * saw (ruckus/quickbooks-ruby#344). Sources disagree.
   */
  batchReplay: 'replay' | 'item-fault';
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

/** Invoice arithmetic and tax where Intuit's behaviour is UNCONFIRMED (api/entities/invoice.ts cites sources). */
export interface InvoiceSettings {
  /** Amounts with 3-5 decimals (inside Intuit's "10.5 format"): `reject` (2140) or round half away from zero. */
  subCentAmounts: 'reject' | 'round';
  /** Amount with Qty but no UnitPrice (or the reverse): `strict` = item UnitPrice / Qty 1, then 6070; `derive`. */
  partialQtyUnitPrice: 'strict' | 'derive';
  /** TaxInclusive line whose Amount is not the net of its TaxInclusiveAmt: `reject` (6000) or `recompute`. */
  taxInclusiveAmountMismatch: 'reject' | 'recompute';
  /** AST and an explicit TotalTax on an invoice without a taxable line: `ignore` (tax 0) or `apply`. */
  astOverrideWithoutTaxableLines: 'ignore' | 'apply';
}

/**
 * Tax arithmetic where sources disagree or are silent (docs/research/reports-and-tax.md §5, §7; api/entities/sales-tax.ts
 * cites them). Global for every company: the settings model has no per-company overrides.
 */
export interface TaxSettings {
  /**
   * Where non-US tax is rounded. `line` (default): each line's tax per rate, then summed; "QuickBooks Online
   * will always calculate line-by-line" (Intuit community, en-ca, 31 lines at 1.59 and 12 % give 9.71).
   * `component`: each rate once on the subtotal it taxes; `subtotal`: each tax code's combined rate once on
   * its subtotal, split over its rates. Neither alternative has a QuickBooks source (UNCONFIRMED).
   */
  roundingScope: 'line' | 'subtotal' | 'component';
  /** Half cents: away from zero (`halfUp`, default) or to even. No source shows QuickBooks with a half cent (UNCONFIRMED). */
  roundingMode: 'halfUp' | 'halfEven';
  /**
   * TaxLineDetail.OverrideDeltaAmount, "the difference between the actual tax and the overridden amount
   * supplied by the user" (Invoice reference): its sign is UNCONFIRMED (no capture); default override − computed.
   */
  overrideDeltaSign: 'overrideMinusComputed' | 'computedMinusOverride';
}

/** Reports API (/reports/TransactionList, /reports/AgedReceivableDetail; docs/research/reports-and-tax.md §1-3, §7). */
export interface ReportSettings {
  /**
   * Cells (rows × columns) after which a report ends with the row "Unable to display more data. Please reduce
   * the date range." and still answers 200: 400,000 per 3P notes quoting Intuit's Reports API blog (not read
   * directly). null = no cap.
   */
  maxCells: number | null;
  /**
   * Intuit only advises windows of six months or less (run-reports page); no source shows a refusal. null (default)
   * accepts any window; a number answers a longer TransactionList window with 400/2010 (code UNCONFIRMED).
   */
  maxWindowMonths: number | null;
  /** An unknown report name: HTTP 400 per a 3P note; Intuit's fault code and wording are UNCONFIRMED. */
  unknownReportStatus: number;
  /** Zero in a Money cell: ".00" as in a captured TransactionList (teixeirab/algo-backend) or "0.00". */
  zeroMoney: '.00' | '0.00';
  /** TransactionList window with no dates (or unreadable ones): Intuit's default macro is UNCONFIRMED. */
  defaultDateMacro: string;
  /** Voided transactions in TransactionList (amount 0.00, memo "Voided"): UNCONFIRMED for the API. */
  voidedTransactions: 'include' | 'exclude';
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
  invoice: InvoiceSettings;
  tax: TaxSettings;
  reports: ReportSettings;
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
      duplicateDocNumberWhenAutoNumbered: 'store',
      preferencesUpdate: 'documented',
      malformedMinorVersion: 'reject',
      voidInvoiceWithPayments: 'unapply',
      deleteLinkedTransaction: 'reject',
    },
    query: {
      overMaxResults: 'cap',
      maxResults: 1000,
      defaultMaxResults: 100,
      totalCountOnSelect: false,
      activeOnlyByDefault: true,
      stringLiteralCharacters: 'latin1',
      ltGtOperator: 'error',
      emailAddressSubfield: 'error',
      orderBy: 'lenient',
    },
    batch: { maxItems: 30, order: 'shuffled', seed: 7, itemsSeeEachOther: false, responseOrder: 'execution' },
    cdc: {
      lookbackDays: 30,
      tooOld: 'error',
      maxObjects: 1000,
      changeTimePrecision: 'milliseconds',
      order: 'newest-first',
    },
    limits: {
      enabled: true,
      perMinute: 500,
      concurrent: 10,
      perSecond: 10,
      batchCost: 'items',
      batchPerMinute: 40,
      batchPerMinutePerRealm: 120,
      windowScale: 1,
      retryAfterSeconds: null,
      emailsPerDay: 40,
    },
    idempotency: {
      enabled: true,
      windowSeconds: 86_400,
      onBodyMismatch: 'error',
      batchReplay: 'item-fault',
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
    invoice: {
      subCentAmounts: 'reject',
      partialQtyUnitPrice: 'strict',
      taxInclusiveAmountMismatch: 'reject',
      astOverrideWithoutTaxableLines: 'ignore',
    },
    tax: {
      roundingScope: 'line',
      roundingMode: 'halfUp',
      overrideDeltaSign: 'overrideMinusComputed',
    },
    reports: {
      maxCells: 400_000,
      maxWindowMonths: null,
      unknownReportStatus: 400,
      zeroMoney: '.00',
      defaultDateMacro: 'This Month-to-date',
      voidedTransactions: 'include',
    },
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
