import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { CA_REALM, US_REALM, TestClient, toApiResponse, useSandbox } from './helpers.js';

const DAY = 86_400_000;

const t = useSandbox();

function basic(clientId = t.sandbox.app.clientId, secret = t.sandbox.app.clientSecret): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

async function tokenRequest(params: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(t.sandbox.endpoints.token, {
    method: 'POST',
    headers: {
      authorization: basic(),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...headers,
    },
    body: new URLSearchParams(params).toString(),
  });
  return toApiResponse(response);
}

/** Authorize with auto-approve and return the callback query. */
async function authorize(
  extra: Record<string, string> = {},
  scopes = 'com.intuit.quickbooks.accounting openid',
) {
  t.sandbox.control.setAuthorizeMode('approve', extra.realm ?? null);
  const url = new URL(t.sandbox.endpoints.authorize);
  url.search = new URLSearchParams({
    client_id: t.sandbox.app.clientId,
    response_type: 'code',
    scope: scopes,
    redirect_uri: t.sandbox.app.redirectUris[0] ?? '',
    state: 'xyz',
    ...Object.fromEntries(Object.entries(extra).filter(([key]) => key !== 'realm')),
  }).toString();
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '').searchParams;
}

async function exchange(code: string, extra: Record<string, string> = {}) {
  return tokenRequest({
    grant_type: 'authorization_code',
    code,
    redirect_uri: t.sandbox.app.redirectUris[0] ?? '',
    ...extra,
  });
}

describe('authorize page', () => {
  it('shows a consent page with a company picker that a person can approve', async () => {
    const page = await fetch(t.sandbox.authorizeUrl({ state: 's1' }));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Sandbox Company_US_1');
    expect(html).toContain(`value="${CA_REALM}"`);
    const pending = /name="pending" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const decision = await fetch(`${t.sandbox.url}/connect/oauth2/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ pending, realmId: CA_REALM, decision: 'approve' }).toString(),
      redirect: 'manual',
    });
    expect(decision.status).toBe(302);
    const location = new URL(decision.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(t.sandbox.app.redirectUris[0]);
    expect(location.searchParams.get('state')).toBe('s1');
    expect(location.searchParams.get('realmId')).toBe(CA_REALM);
    expect(location.searchParams.get('code')).toMatch(/^AB11/);
  });

  it('redirects a denial with error=access_denied and the state', async () => {
    const html = await (await fetch(t.sandbox.authorizeUrl({ state: 's2' }))).text();
    const pending = /name="pending" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const decision = await fetch(`${t.sandbox.url}/connect/oauth2/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ pending, decision: 'deny' }).toString(),
      redirect: 'manual',
    });
    const location = new URL(decision.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('s2');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('answers an unregistered redirect_uri with an error page, never a redirect', async () => {
    t.sandbox.control.setAuthorizeMode('approve');
    const response = await fetch(t.sandbox.authorizeUrl({ redirectUri: 'https://evil.example/callback' }), {
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('The redirect_uri query parameter value is invalid');
  });

  it('answers an unknown client_id with an error page', async () => {
    const response = await fetch(
      t.sandbox.authorizeUrl({ clientId: 'nope' }).replace(t.sandbox.app.clientId, 'nope'),
      {
        redirect: 'manual',
      },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('auto-approves for tests and leaves realmId out for OpenID-only sign-in', async () => {
    const withCompany = await authorize({ realm: CA_REALM });
    expect(withCompany.get('realmId')).toBe(CA_REALM);
    const openIdOnly = await authorize({}, 'openid email');
    expect(openIdOnly.get('code')).toBeTruthy();
    expect(openIdOnly.get('realmId')).toBeNull();
  });

  it('can be told to deny automatically', async () => {
    t.sandbox.control.setAuthorizeMode('deny');
    const response = await fetch(t.sandbox.authorizeUrl({ state: 'd' }), { redirect: 'manual' });
    expect(new URL(response.headers.get('location') ?? '').searchParams.get('error')).toBe('access_denied');
  });
});

describe('token endpoint', () => {
  it('exchanges a code for tokens with the documented fields and headers', async () => {
    const code = (await authorize()).get('code') ?? '';
    const response = await exchange(code);
    expect(response.status).toBe(200);
    expect(response.headers.get('intuit_tid')).toBeTruthy();
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect(response.json).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      x_refresh_token_expires_in: 8726400,
    });
    expect(response.json.refresh_token).toMatch(/^AB11/);
    expect(response.json.x_refresh_token_hard_expires_in).toBeUndefined();
    expect(typeof response.json.id_token).toBe('string');
  });

  it('signs id_tokens that verify against the JWKS with Intuit claims', async () => {
    const code = (await authorize({ realm: US_REALM })).get('code') ?? '';
    const { json } = await exchange(code);
    const jwks = createRemoteJWKSet(new URL(t.sandbox.endpoints.jwks));
    const { payload } = await jwtVerify(json.id_token, jwks, {
      issuer: 'https://oauth.platform.intuit.com/op/v1',
    });
    expect(payload.aud).toEqual([t.sandbox.app.clientId]);
    expect(payload.realmid).toBe(US_REALM);
  });

  it('rejects a replayed code with invalid_grant and kills the tokens it produced', async () => {
    const code = (await authorize()).get('code') ?? '';
    const first = await exchange(code);
    const replay = await exchange(code);
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
    const refresh = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: first.json.refresh_token,
    });
    expect(refresh.json.error).toBe('invalid_grant');
    const api = await new TestClient(t.sandbox, first.json.access_token, US_REALM).get('/companyinfo/1');
    expect(api.status).toBe(401);
  });

  it('verifies PKCE S256 when a challenge was sent', async () => {
    const verifier = 'a-long-random-code-verifier-with-enough-entropy-0123456789';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
    const bad = await exchange((await authorize(pkce)).get('code') ?? '', { code_verifier: 'wrong' });
    expect(bad.json.error).toBe('invalid_grant');
    const good = await exchange((await authorize(pkce)).get('code') ?? '', { code_verifier: verifier });
    expect(good.status).toBe(200);
  });

  it('rejects bad client credentials with invalid_client (401)', async () => {
    const code = (await authorize()).get('code') ?? '';
    const response = await tokenRequest(
      { grant_type: 'authorization_code', code, redirect_uri: t.sandbox.app.redirectUris[0] ?? '' },
      { authorization: basic(t.sandbox.app.clientId, 'wrong') },
    );
    expect(response.status).toBe(401);
    expect(response.json.error).toBe('invalid_client');
  });

  it('rejects a redirect_uri that differs from the authorize request', async () => {
    const code = (await authorize()).get('code') ?? '';
    const response = await exchange(code, { redirect_uri: t.sandbox.app.redirectUris[1] ?? '' });
    expect(response.json.error).toBe('invalid_grant');
  });

  it('accepts client_secret_post and answers a missing code with invalid_request', async () => {
    const code = (await authorize()).get('code') ?? '';
    const response = await fetch(t.sandbox.endpoints.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: t.sandbox.app.redirectUris[0] ?? '',
        client_id: t.sandbox.app.clientId,
        client_secret: t.sandbox.app.clientSecret,
      }).toString(),
    });
    expect(response.status).toBe(200);
    const missing = await tokenRequest({ grant_type: 'authorization_code' });
    expect(missing.json.error).toBe('invalid_request');
  });

  it('answers unknown grant types with unsupported_grant_type', async () => {
    const response = await tokenRequest({ grant_type: 'password' });
    expect(response.status).toBe(400);
    expect(response.json.error).toBe('unsupported_grant_type');
  });

  it('reports the five-year hard expiry only when asked with the opt-in header', async () => {
    const code = (await authorize()).get('code') ?? '';
    const response = await exchange(code);
    const refreshed = await tokenRequest(
      { grant_type: 'refresh_token', refresh_token: response.json.refresh_token },
      { 'x-include-refresh-token-hard-expires-in': 'true' },
    );
    expect(refreshed.json.x_refresh_token_hard_expires_in).toBeGreaterThan(157_000_000);
    expect(refreshed.json.x_refresh_token_hard_expires_in).toBeLessThanOrEqual(5 * 365 * 86_400);
  });
});

describe('refresh-token rotation and expiry', () => {
  async function connect() {
    const code = (await authorize()).get('code') ?? '';
    return (await exchange(code)).json;
  }
  const refresh = (token: string) => tokenRequest({ grant_type: 'refresh_token', refresh_token: token });

  it('returns the same refresh token within 24 h and a new one after, invalidating the old at once', async () => {
    const tokens = await connect();
    t.sandbox.control.advanceClock(2 * 3600_000);
    const sameDay = await refresh(tokens.refresh_token);
    expect(sameDay.json.refresh_token).toBe(tokens.refresh_token);
    expect(sameDay.json.access_token).not.toBe(tokens.access_token);

    t.sandbox.control.advanceClock(DAY);
    const rotated = await refresh(tokens.refresh_token);
    expect(rotated.status).toBe(200);
    expect(rotated.json.refresh_token).not.toBe(tokens.refresh_token);

    const stale = await refresh(tokens.refresh_token);
    expect(stale.status).toBe(400);
    expect(stale.json).toEqual({
      error: 'invalid_grant',
      error_description: 'Incorrect or invalid refresh token',
    });
    expect((await refresh(rotated.json.refresh_token)).status).toBe(200);
  });

  it('lets only one of two concurrent refreshes win once rotation is due (the invalid_grant race)', async () => {
    const tokens = await connect();
    t.sandbox.control.advanceClock(DAY + 1000);
    const [a, b] = await Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    expect((a.status === 400 ? a : b).json.error).toBe('invalid_grant');
  });

  it('honours a superseded token during the configured grace period', async () => {
    t.sandbox.control.updateSettings({ oauth: { supersededRefreshTokenGraceSeconds: 3600 } });
    const tokens = await connect();
    t.sandbox.control.advanceClock(DAY + 1000);
    const rotated = await refresh(tokens.refresh_token);
    const graced = await refresh(tokens.refresh_token);
    expect(graced.status).toBe(200);
    expect(graced.json.refresh_token).toBe(rotated.json.refresh_token);
    t.sandbox.control.advanceClock(2 * 3600_000);
    expect((await refresh(tokens.refresh_token)).json.error).toBe('invalid_grant');
  });

  it('expires access tokens after 3600 s: the API answers 401 / 3200 in the lowercase envelope', async () => {
    const tokens = await connect();
    const client = new TestClient(t.sandbox, tokens.access_token, US_REALM);
    expect((await client.get('/companyinfo/1')).status).toBe(200);
    t.sandbox.control.advanceClock(3600_000);
    const expired = await client.get('/companyinfo/1');
    expect(expired.status).toBe(401);
    expect(expired.json.fault.error[0].code).toBe('3200');
    expect(expired.json.fault.error[0].detail).toMatch(/^Token expired: /);
    expect(expired.json.fault.type).toBe('AUTHENTICATION');
    expect(typeof expired.json.time).toBe('number');
  });

  it('lets a refresh token lapse after 100+ days unused, and caps rolling expiry at the hard expiry', async () => {
    const tokens = await connect();
    t.sandbox.control.advanceClock(102 * DAY);
    expect((await refresh(tokens.refresh_token)).json.error).toBe('invalid_grant');

    t.sandbox.control.reset();
    t.sandbox.control.updateSettings({ oauth: { refreshTokenHardLifetimeSeconds: 10 * 86_400 } });
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    const capped = await connect();
    expect(capped.x_refresh_token_expires_in).toBe(10 * 86_400);
    t.sandbox.control.advanceClock(9 * DAY);
    const near = await refresh(capped.refresh_token);
    expect(near.json.x_refresh_token_expires_in).toBe(86_400);
    t.sandbox.control.advanceClock(DAY);
    expect((await refresh(near.json.refresh_token)).json.error).toBe('invalid_grant');
  });
});

describe('revoke, discovery, userinfo', () => {
  it('revokes a refresh token: refresh fails with invalid_grant and API calls with 401', async () => {
    const code = (await authorize()).get('code') ?? '';
    const tokens = (await exchange(code)).json;
    const response = await fetch(t.sandbox.endpoints.revoke, {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token: tokens.refresh_token }),
    });
    expect(response.status).toBe(200);
    const refresh = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refresh.json.error).toBe('invalid_grant');
    expect(
      (await new TestClient(t.sandbox, tokens.access_token, US_REALM).get('/companyinfo/1')).status,
    ).toBe(401);
  });

  it('accepts a form-encoded revoke as node-quickbooks sends it', async () => {
    const tokens = t.sandbox.control.issueTokens({ realmId: US_REALM });
    const response = await fetch(t.sandbox.endpoints.revoke, {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${tokens.access_token}`,
    });
    expect(response.status).toBe(200);
    expect(
      (await new TestClient(t.sandbox, tokens.access_token, US_REALM).get('/companyinfo/1')).status,
    ).toBe(401);
  });

  it('serves the sandbox discovery document with this emulator’s endpoints', async () => {
    const response = await toApiResponse(await fetch(t.sandbox.discoveryUrl));
    expect(response.json).toMatchObject({
      issuer: 'https://oauth.platform.intuit.com/op/v1',
      authorization_endpoint: t.sandbox.endpoints.authorize,
      token_endpoint: t.sandbox.endpoints.token,
      revocation_endpoint: t.sandbox.endpoints.revoke,
      jwks_uri: t.sandbox.endpoints.jwks,
      response_types_supported: ['code'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    });
    expect(response.json.code_challenge_methods_supported).toBeUndefined();
    expect((await fetch(`${t.sandbox.discoveryUrl}/`)).status).toBe(200);
  });

  it('answers userinfo for an OpenID token', async () => {
    const tokens = t.sandbox.control.issueTokens({
      realmId: US_REALM,
      scopes: ['openid', 'email', 'profile'],
    });
    const response = await toApiResponse(
      await fetch(t.sandbox.endpoints.userinfo, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      }),
    );
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      email: 'developer@sandbox.example',
      emailVerified: true,
      givenName: 'Sandbox',
    });
    const accountingOnly = t.sandbox.control.issueTokens({
      realmId: US_REALM,
      scopes: ['com.intuit.quickbooks.accounting'],
    });
    const denied = await fetch(t.sandbox.endpoints.userinfo, {
      headers: { authorization: `Bearer ${accountingOnly.access_token}` },
    });
    expect(denied.status).toBe(403);
  });
});
