import type { QuickBooksEnvironment, QuickBooksSettings } from '../config.js';

/**
 * Where one QuickBooks provider lives. Production, Intuit's sandbox and the local emulator differ only in
 * these URLs (research note §1.1), so they are data, chosen once from configuration, never string-replaced
 * in code.
 */
export interface QuickBooksEndpoints {
  environment: QuickBooksEnvironment;
  authorize: string;
  token: string;
  revoke: string;
  userinfo: string;
  jwks: string;
  discovery: string;
  /** The id_token issuer; the emulator keeps Intuit's, because clients compare it literally. */
  issuer: string;
  /** Accounting API base: requests go to `{apiBaseUrl}/v3/company/{realmId}/…`. */
  apiBaseUrl: string;
}

const INTUIT_ISSUER = 'https://oauth.platform.intuit.com/op/v1';

/** Intuit's OAuth endpoints are shared by sandbox and production except userinfo (§1.1). */
const INTUIT_OAUTH = {
  authorize: 'https://appcenter.intuit.com/connect/oauth2',
  token: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  revoke: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
  jwks: 'https://oauth.platform.intuit.com/op/v1/jwks',
  issuer: INTUIT_ISSUER,
} as const;

export const INTUIT_ENDPOINTS: Readonly<Record<'production' | 'sandbox', QuickBooksEndpoints>> = {
  production: {
    environment: 'production',
    ...INTUIT_OAUTH,
    userinfo: 'https://accounts.platform.intuit.com/v1/openid_connect/userinfo',
    discovery: 'https://developer.api.intuit.com/.well-known/openid_configuration',
    apiBaseUrl: 'https://quickbooks.api.intuit.com',
  },
  sandbox: {
    environment: 'sandbox',
    ...INTUIT_OAUTH,
    userinfo: 'https://sandbox-accounts.platform.intuit.com/v1/openid_connect/userinfo',
    discovery: 'https://developer.api.intuit.com/.well-known/openid_sandbox_configuration',
    apiBaseUrl: 'https://sandbox-quickbooks.api.intuit.com',
  },
};

/**
 * The emulator serves every Intuit host on one base URL with Intuit's paths (sandbox/README.md "Pointing
 * a client at it"); it is a sandbox, so userinfo and discovery are the sandbox ones.
 */
export function emulatorEndpoints(baseUrl: string): QuickBooksEndpoints {
  const base = baseUrl.replace(/\/+$/, '');
  const at = (intuitUrl: string) => `${base}${new URL(intuitUrl).pathname}`;
  const sandbox = INTUIT_ENDPOINTS.sandbox;
  return {
    environment: 'emulator',
    authorize: at(sandbox.authorize),
    token: at(sandbox.token),
    revoke: at(sandbox.revoke),
    userinfo: at(sandbox.userinfo),
    jwks: at(sandbox.jwks),
    discovery: at(sandbox.discovery),
    issuer: INTUIT_ISSUER,
    apiBaseUrl: base,
  };
}

export function endpointsFor(
  settings: Pick<QuickBooksSettings, 'environment' | 'emulatorUrl'>,
): QuickBooksEndpoints {
  return settings.environment === 'emulator'
    ? emulatorEndpoints(settings.emulatorUrl)
    : INTUIT_ENDPOINTS[settings.environment];
}

/**
 * QuickBooks Online's web app, where a person opens a transaction (the API hosts above serve programs).
 * Intuit documents no deep-link format; `/app/invoice?txnId=<Id>` is the page QuickBooks itself shows for
 * an invoice and the form public integrations link to. It names no company: the app opens the id in the
 * company the person is signed in to (multi-company users must switch first), and Intuit documents no
 * realm parameter, so none is sent. The emulator serves the same path and does need the realm.
 */
export const INTUIT_APP_URLS: Readonly<Record<'production' | 'sandbox', string>> = {
  production: 'https://app.qbo.intuit.com',
  sandbox: 'https://app.sandbox.qbo.intuit.com',
};

/** The web page that shows one invoice of one company, for people (not an API URL). */
export function invoiceAppUrl(
  endpoints: Pick<QuickBooksEndpoints, 'environment' | 'apiBaseUrl'>,
  realmId: string,
  invoiceId: string,
): string {
  const txnId = encodeURIComponent(invoiceId);
  if (endpoints.environment === 'emulator') {
    return `${endpoints.apiBaseUrl}/app/invoice?txnId=${txnId}&realmId=${encodeURIComponent(realmId)}`;
  }
  return `${INTUIT_APP_URLS[endpoints.environment]}/app/invoice?txnId=${txnId}`;
}

/** Links for people into the QuickBooks web app of the configured provider. */
export interface QuickBooksAppLinks {
  /** Whether a link needs the company's realm (the emulator's does; Intuit's names none). */
  readonly needsRealm: boolean;
  /** Undefined when the realm is needed and not known. */
  invoiceUrl(invoiceId: string, realmId: string | undefined): string | undefined;
}

export function appLinksFor(
  endpoints: Pick<QuickBooksEndpoints, 'environment' | 'apiBaseUrl'>,
): QuickBooksAppLinks {
  const needsRealm = endpoints.environment === 'emulator';
  return {
    needsRealm,
    invoiceUrl: (invoiceId, realmId) =>
      needsRealm && realmId === undefined ? undefined : invoiceAppUrl(endpoints, realmId ?? '', invoiceId),
  };
}
