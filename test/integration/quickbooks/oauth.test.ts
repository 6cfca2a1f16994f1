import { describe, expect, it } from '@jest/globals';
import OAuthClient from 'intuit-oauth';
import { QuickBooksClient } from '../../../src/quickbooks/client.js';
import { emulatorEndpoints } from '../../../src/quickbooks/endpoints.js';
import { QuickBooksError } from '../../../src/quickbooks/errors.js';
import { SYSTEM_EDGES } from '../../../src/quickbooks/http.js';
import { IntuitOAuthClient } from '../../../src/quickbooks/oauth.js';
import { createPkcePair } from '../../../src/quickbooks/pkce.js';
import type { TokenSet } from '../../../src/quickbooks/tokens.js';
import { EmulatorTokens, US_REALM, closedPort, useEmulator } from './emulator.js';

const emulator = useEmulator({
  settings: { oauth: { authorizeMode: 'approve', autoApproveRealmId: US_REALM } },
});

const failureOf = async (promise: Promise<unknown>): Promise<QuickBooksError> => {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof QuickBooksError))
    throw new Error(`expected a QuickBooksError, got ${String(outcome)}`);
  return outcome;
};

const tokenRequests = () => emulator.sandbox.control.requests({ path: '/oauth2/v1/tokens/bearer' });

/** The browser's part: follow the authorize URL (the emulator approves at once) to the callback. */
async function approve(authorizeUrl: string): Promise<URLSearchParams> {
  const response = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '').searchParams;
}

async function apiWorksWith(tokens: Pick<TokenSet, 'accessToken' | 'refreshToken'>): Promise<void> {
  const client = new QuickBooksClient({
    http: emulator.http(),
    realmId: US_REALM,
    tokens: new EmulatorTokens(emulator.oauth(), tokens),
  });
  await expect(client.companyInfo()).resolves.toMatchObject({ entity: { Country: 'US' } });
}

describe('the authorize URL', () => {
  it("is intuit-oauth's, and leaves the library's process-wide endpoints as they were", () => {
    const before = OAuthClient.authorizeEndpoint;
    const url = new URL(emulator.oauth().authorizeUrl({ state: 'signed-state' }));
    expect(`${url.origin}${url.pathname}`).toBe(emulatorEndpoints(emulator.sandbox.url).authorize);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: emulator.sandbox.app.clientId,
      redirect_uri: emulator.sandbox.app.redirectUris[0],
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting',
      state: 'signed-state',
    });
    expect(OAuthClient.authorizeEndpoint).toBe(before);
  });

  it('carries an S256 challenge when PKCE is on, and insists on one', () => {
    const pkce = createPkcePair();
    const client = emulator.oauth({ pkce: true });
    const url = new URL(client.authorizeUrl({ state: 's', codeChallenge: pkce.challenge }));
    expect(url.searchParams.get('code_challenge')).toBe(pkce.challenge);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(() => client.authorizeUrl({ state: 's' })).toThrow(TypeError);
  });

  it('matches the emulator’s own endpoint table', () => {
    const ours = emulatorEndpoints(emulator.sandbox.url);
    const { endpoints, apiBaseUrl, discoveryUrl } = emulator.sandbox;
    expect(ours).toMatchObject({ ...endpoints, apiBaseUrl, discovery: discoveryUrl });
  });
});

describe('the token endpoint calls', () => {
  it('exchanges a code without PKCE for tokens that work, lifetimes on our clock', async () => {
    const oauth = emulator.oauth();
    const callback = await approve(oauth.authorizeUrl({ state: 'plain' }));
    expect(callback.get('state')).toBe('plain');
    expect(callback.get('realmId')).toBe(US_REALM);
    const before = Date.now();
    const tokens = await oauth.exchangeCode({
      code: callback.get('code') ?? '',
      redirectUri: emulator.sandbox.app.redirectUris[0] ?? '',
    });
    const after = Date.now();
    expect(tokens.accessTokenExpiresAt.getTime()).toBeGreaterThanOrEqual(before + 3600_000);
    expect(tokens.accessTokenExpiresAt.getTime()).toBeLessThanOrEqual(after + 3600_000);
    expect(tokens.refreshTokenExpiresAt.getTime() - tokens.accessTokenExpiresAt.getTime()).toBe(
      (8_726_400 - 3600) * 1000,
    );
    // We ask for the five-year cap (x-include-refresh-token-hard-expires-in) and get it.
    expect(tokens.refreshTokenHardExpiresAt?.getTime()).toBeGreaterThan(before + 4 * 365 * 86_400_000);
    expect(tokens.intuitTid).toBe(tokenRequests()[0]?.intuitTid);
    await apiWorksWith(tokens);
  });

  it('exchanges a code with a PKCE verifier, and refuses a wrong or missing one as invalid_grant', async () => {
    const oauth = emulator.oauth({ pkce: true });
    const redirectUri = emulator.sandbox.app.redirectUris[0] ?? '';
    const pkce = createPkcePair();
    const code =
      (await approve(oauth.authorizeUrl({ state: 's', codeChallenge: pkce.challenge }))).get('code') ?? '';
    const tokens = await oauth.exchangeCode({ code, redirectUri, codeVerifier: pkce.verifier });
    await apiWorksWith(tokens);

    for (const codeVerifier of [createPkcePair().verifier, undefined]) {
      const next = createPkcePair();
      const other =
        (await approve(oauth.authorizeUrl({ state: 's', codeChallenge: next.challenge }))).get('code') ?? '';
      const failure = await failureOf(oauth.exchangeCode({ code: other, redirectUri, codeVerifier }));
      expect(failure).toMatchObject({ kind: 'reauthorization', code: 'invalid_grant', status: 400 });
    }
  });

  it('refuses a code used twice (invalid_grant)', async () => {
    const oauth = emulator.oauth();
    const redirectUri = emulator.sandbox.app.redirectUris[0] ?? '';
    const code = (await approve(oauth.authorizeUrl({ state: 's' }))).get('code') ?? '';
    await oauth.exchangeCode({ code, redirectUri });
    await expect(oauth.exchangeCode({ code, redirectUri })).rejects.toMatchObject({
      kind: 'reauthorization',
    });
  });

  it('refreshes: a new access token that works, with the expiries moved on', async () => {
    emulator.sandbox.control.updateSettings({ oauth: { refreshTokenRotationSeconds: 0 } });
    const issued = emulator.sandbox.control.issueTokens({ realmId: US_REALM });
    const refreshed = await emulator.oauth().refresh(issued.refresh_token);
    expect(refreshed.accessToken).not.toBe(issued.access_token);
    expect(refreshed.refreshToken).not.toBe(issued.refresh_token);
    expect(refreshed.refreshTokenHardExpiresAt).toBeInstanceOf(Date);
    await apiWorksWith(refreshed);
    const [logged] = tokenRequests();
    expect([logged?.status, logged?.operation]).toEqual([200, 'token']);
  });

  it('revokes the grant: the emulator records it, and the refresh token is dead afterwards', async () => {
    const oauth = emulator.oauth();
    const issued = emulator.sandbox.control.issueTokens({ realmId: US_REALM });
    await oauth.revoke(issued.refresh_token);
    const revokes = emulator.sandbox.control.requests({ path: '/v2/oauth2/tokens/revoke' });
    expect(revokes.map((entry) => [entry.status, entry.clientId])).toEqual([
      [200, emulator.sandbox.app.clientId],
    ]);
    await expect(oauth.refresh(issued.refresh_token)).rejects.toMatchObject({ kind: 'reauthorization' });
    const api = await failureOf(
      new QuickBooksClient({
        http: emulator.http(),
        realmId: US_REALM,
        tokens: { getAccessToken: async () => issued.access_token, refreshAfterUnauthorized: async (t) => t },
      }).companyInfo(),
    );
    expect(api.kind).toBe('authentication');
  });

  it('maps invalid_grant to reauthorization, without the refresh token in the error', async () => {
    const refreshToken = 'AB11' + 'x'.repeat(46);
    const failure = await failureOf(emulator.oauth().refresh(refreshToken));
    expect(failure).toMatchObject({
      kind: 'reauthorization',
      retryable: false,
      status: 400,
      code: 'invalid_grant',
      detail: 'Incorrect or invalid refresh token',
    });
    expect(JSON.stringify({ ...failure, message: failure.message })).not.toContain(refreshToken.slice(0, 8));
  });

  it('maps invalid_client to configuration, without the secret anywhere', async () => {
    const wrongSecret = 'not-the-secret-0000000000000000000000000';
    const issued = emulator.sandbox.control.issueTokens({ realmId: US_REALM });
    const failure = await failureOf(
      emulator.oauth({ clientSecret: wrongSecret }).refresh(issued.refresh_token),
    );
    expect(failure).toMatchObject({
      kind: 'configuration',
      status: 401,
      code: 'invalid_client',
      retryable: false,
    });
    expect(`${failure.message} ${emulator.log.text()}`).not.toContain(wrongSecret.slice(0, 12));
  });

  it('reports a refresh whose answer was lost as ambiguous, and does not resend it', async () => {
    // Rotation on every refresh: the lost answer carried the only valid refresh token (§2.3 b).
    emulator.sandbox.control.updateSettings({ oauth: { refreshTokenRotationSeconds: 0 } });
    const issued = emulator.sandbox.control.issueTokens({ realmId: US_REALM });
    emulator.sandbox.control.injectFault({
      match: { operation: 'token' },
      action: { type: 'commit-then-drop' },
    });
    const oauth = emulator.oauth();
    const failure = await failureOf(oauth.refresh(issued.refresh_token));
    expect(failure).toMatchObject({ kind: 'ambiguous', retryable: true });
    expect(tokenRequests().map((entry) => [entry.status, entry.outcome])).toEqual([[0, 'dropped']]);
    // This is why the module never retries by itself: the old token is already superseded at Intuit.
    await expect(oauth.refresh(issued.refresh_token)).rejects.toMatchObject({ kind: 'reauthorization' });
  });

  it('reports a token endpoint it cannot reach as transient', async () => {
    const port = await closedPort();
    const oauth = new IntuitOAuthClient({
      ...SYSTEM_EDGES,
      settings: {
        environment: 'emulator',
        clientId: emulator.sandbox.app.clientId,
        clientSecret: emulator.sandbox.app.clientSecret,
        redirectUri: emulator.sandbox.app.redirectUris[0] ?? '',
        scopes: ['com.intuit.quickbooks.accounting'],
        pkce: false,
        httpTimeoutMs: 5000,
      },
      endpoints: emulatorEndpoints(`http://127.0.0.1:${port}`),
      logger: emulator.log.logger,
    });
    await expect(oauth.refresh('AB11-anything')).rejects.toMatchObject({ kind: 'transient' });
  });

  it('logs no code, token or secret through a whole connect, refresh and revoke', async () => {
    const oauth = emulator.oauth({ pkce: true });
    const pkce = createPkcePair();
    const code =
      (await approve(oauth.authorizeUrl({ state: 's', codeChallenge: pkce.challenge }))).get('code') ?? '';
    const redirectUri = emulator.sandbox.app.redirectUris[0] ?? '';
    const first = await oauth.exchangeCode({ code, redirectUri, codeVerifier: pkce.verifier });
    const second = await oauth.refresh(first.refreshToken);
    await oauth.revoke(second.refreshToken);
    const logged = emulator.log.text();
    expect(emulator.log.lines.length).toBe(3);
    for (const secret of [
      code,
      pkce.verifier,
      first.accessToken,
      first.refreshToken,
      second.accessToken,
      emulator.sandbox.app.clientSecret,
    ]) {
      expect(logged).not.toContain(secret.slice(0, 12));
    }
  });
});
