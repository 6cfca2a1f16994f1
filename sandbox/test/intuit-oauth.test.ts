import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OAuthClient from 'intuit-oauth';
import type { Sandbox } from '../src/index.js';
import { US_REALM, start } from './helpers.js';

/**
 * Intuit's own Node client (intuit-oauth 4.2.5), pointed at the emulator, proves the OAuth side is
 * wire-compatible with a library we did not write. setAuthorizeURLs() mutates static fields, so the test
 * saves and restores them.
 */
describe('the official intuit-oauth client against the emulator', () => {
  let sandbox: Sandbox;
  const saved = {
    authorizeEndpoint: OAuthClient.authorizeEndpoint,
    tokenEndpoint: OAuthClient.tokenEndpoint,
    revokeEndpoint: OAuthClient.revokeEndpoint,
    userinfo: OAuthClient.userinfo_endpoint_sandbox,
    jwks: OAuthClient.jwks_uri,
    environment: { ...OAuthClient.environment },
    maxRetries: OAuthClient.retryConfig.maxRetries,
  };

  beforeAll(async () => {
    sandbox = await start({
      settings: { oauth: { authorizeMode: 'approve', autoApproveRealmId: US_REALM } },
    });
    OAuthClient.jwks_uri = sandbox.endpoints.jwks;
    OAuthClient.environment = { sandbox: `${sandbox.apiBaseUrl}/`, production: `${sandbox.apiBaseUrl}/` };
    // A failed refresh must not be replayed by the library's retry loop (research note §2.3 b).
    OAuthClient.retryConfig.maxRetries = 0;
  });

  afterAll(async () => {
    OAuthClient.authorizeEndpoint = saved.authorizeEndpoint;
    OAuthClient.tokenEndpoint = saved.tokenEndpoint;
    OAuthClient.revokeEndpoint = saved.revokeEndpoint;
    OAuthClient.userinfo_endpoint_sandbox = saved.userinfo;
    OAuthClient.jwks_uri = saved.jwks;
    OAuthClient.environment = saved.environment;
    OAuthClient.retryConfig.maxRetries = saved.maxRetries;
    await sandbox.close();
  });

  it('runs authorizeUri -> createToken -> API call -> refresh -> revoke', async () => {
    const client = new OAuthClient({
      clientId: sandbox.app.clientId,
      clientSecret: sandbox.app.clientSecret,
      environment: 'sandbox',
      redirectUri: sandbox.app.redirectUris[0] ?? '',
      includeRefreshTokenHardExpiresIn: true,
    });
    client.setAuthorizeURLs({
      authorizeEndpoint: sandbox.endpoints.authorize,
      tokenEndpoint: sandbox.endpoints.token,
      revokeEndpoint: sandbox.endpoints.revoke,
      userInfoEndpoint: sandbox.endpoints.userinfo,
    });

    const authorizeUri = client.authorizeUri({
      scope: [OAuthClient.scopes.Accounting, OAuthClient.scopes.OpenId, OAuthClient.scopes.Email],
      state: 'intuit-oauth-state',
    });
    expect(authorizeUri.startsWith(sandbox.endpoints.authorize)).toBe(true);

    // Auto-approve: follow the redirect by hand and capture the callback URL the app would receive.
    const approval = await fetch(authorizeUri, { redirect: 'manual' });
    expect(approval.status).toBe(302);
    const callbackUrl = approval.headers.get('location') ?? '';
    expect(new URL(callbackUrl).searchParams.get('state')).toBe('intuit-oauth-state');

    const created = await client.createToken(callbackUrl);
    expect(created.getIntuitTid()).toBeTruthy();
    const token = client.getToken().getToken();
    expect(token.realmId).toBe(US_REALM);
    expect(token.token_type).toBe('bearer');
    expect(token.expires_in).toBe(3600);
    expect(token.x_refresh_token_hard_expires_in).toBeGreaterThan(0);
    expect(client.isAccessTokenValid()).toBe(true);

    await expect(client.validateIdToken()).resolves.toBe(true);
    const userInfo = await client.getUserInfo();
    expect(userInfo.json).toMatchObject({ email: 'developer@sandbox.example' });

    const companyInfo = await client.makeApiCall({
      url: `${sandbox.apiBaseUrl}/v3/company/${US_REALM}/companyinfo/${US_REALM}?minorversion=75`,
      method: 'GET',
    });
    expect(companyInfo.status).toBe(200);
    expect(companyInfo.json).toMatchObject({ CompanyInfo: { Country: 'US' } });

    const firstRefreshToken = token.refresh_token ?? '';
    const refreshed = await client.refresh();
    expect(refreshed.getToken().access_token).not.toBe(token.access_token);
    // Within the 24-hour window the refresh-token value does not change.
    expect(refreshed.getToken().refresh_token).toBe(firstRefreshToken);

    const revoked = await client.revoke({ refresh_token: firstRefreshToken });
    expect(revoked.status()).toBe(200);
    expect(client.getToken().getToken().refresh_token).toBe('');

    await expect(client.refreshUsingToken(firstRefreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('surfaces an Intuit validation Fault through makeApiCall', async () => {
    const tokens = sandbox.control.issueTokens({ realmId: US_REALM });
    const client = new OAuthClient({
      clientId: sandbox.app.clientId,
      clientSecret: sandbox.app.clientSecret,
      environment: 'sandbox',
      redirectUri: sandbox.app.redirectUris[0] ?? '',
      token: { ...tokens, createdAt: Date.now() },
    });
    await expect(
      client.makeApiCall({
        url: `${sandbox.apiBaseUrl}/v3/company/${US_REALM}/customer`,
        method: 'POST',
        body: { DisplayName: "Amy's Bird Sanctuary" },
      }),
    ).rejects.toMatchObject({ code: '6240', faultType: 'ValidationFault' });
  });
});
