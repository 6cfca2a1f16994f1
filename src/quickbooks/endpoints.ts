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
