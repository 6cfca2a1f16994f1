import { describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { CustomerModel } from '../../src/models/index.js';
import { createStateSigner } from '../../src/services/connect/oauth-state.js';
import { Browser } from '../support/connect-browser.js';
import { AUDIT_LOG, CONNECT, CONNECTION, codesOf, type ConnectResult } from '../support/connect-graphql.js';
import {
  adminOf,
  SETTINGS_PAGE,
  TOKEN_PATH,
  useConnectRig,
  type ConnectRig,
} from '../support/connect-rig.js';

const rigOf = useConnectRig();

const CIPHER_FIELDS =
  '+integrations.quickbooks.accessTokenCipher +integrations.quickbooks.refreshTokenCipher';

async function ciphersOf(tenantId: string) {
  const doc = await CustomerModel.findById(tenantId).select(CIPHER_FIELDS).lean();
  const stored = doc?.integrations?.quickbooks;
  return {
    accessTokenCipher: stored?.accessTokenCipher ?? undefined,
    refreshTokenCipher: stored?.refreshTokenCipher ?? undefined,
    tokenVersion: stored?.tokenVersion,
  };
}

/** The search parameters of a URL, as an object: what the settings page reads. */
const paramsOf = (url: string | undefined) => Object.fromEntries(new URL(url ?? 'about:blank').searchParams);

/** Every secret the connect produced that a client must never see: the code, tokens and their ciphers. */
async function secretsOf(rig: ConnectRig, tenantId: string, callbackUrl: string): Promise<string[]> {
  const stored = await rig.stored(tenantId);
  const ciphers = await ciphersOf(tenantId);
  return [
    paramsOf(callbackUrl).code!,
    stored.accessToken,
    stored.refreshToken,
    ciphers.accessTokenCipher!,
    ciphers.refreshTokenCipher!,
    rig.config.quickbooks.clientSecret,
  ];
}

describe('connecting QuickBooks as a person does', () => {
  it('walks the consent page: callback, redirect to returnTo, and a CONNECTED connection with no secret in it', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId, companyName } = rig.newRealm();
    const admin = adminOf(tenant, 'user-ada');
    const startedAt = Date.now();
    const mark = rig.mark();

    const outcome = await rig.connect(admin, tenant, { realmId, returnTo: SETTINGS_PAGE, mode: 'manual' });

    // The authorize URL: the emulator's, with a signed state and a PKCE S256 challenge.
    const authorize = new URL(outcome.authorizeUrl);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(rig.sandbox.endpoints.authorize);
    const asked = paramsOf(outcome.authorizeUrl);
    expect(asked).toMatchObject({
      client_id: rig.config.quickbooks.clientId,
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting',
      redirect_uri: rig.callbackUrl,
      code_challenge_method: 'S256',
    });
    expect(asked.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeJwt(asked.state!)).toMatchObject({
      tid: tenant,
      sub: 'user-ada',
      aud: 'quickbooks-oauth-state',
    });
    // Nothing but the signed state travels: the verifier and returnTo stay on the server.
    expect(outcome.authorizeUrl).not.toContain(encodeURIComponent(SETTINGS_PAGE));

    // The person's steps: consent page, the form posted, back to our callback, on to the settings page.
    expect(outcome.steps.map(({ method, status }) => `${method} ${status}`)).toEqual([
      'GET 200',
      'POST 302',
      'GET 303',
    ]);
    expect(outcome.steps[1]!.url).toBe(`${rig.sandbox.url}/connect/oauth2/decision`);
    expect(outcome.callbackUrl.startsWith(`${rig.callbackUrl}?`)).toBe(true);
    expect(paramsOf(outcome.callbackUrl)).toEqual({
      code: expect.any(String),
      state: asked.state,
      realmId,
    });
    const back = new URL(outcome.callback.location!);
    expect(`${back.origin}${back.pathname}`).toBe(
      `${new URL(SETTINGS_PAGE).origin}${new URL(SETTINGS_PAGE).pathname}`,
    );
    expect(paramsOf(outcome.callback.location)).toEqual({
      tab: 'accounting',
      quickbooks: 'connected',
      realmId,
    });
    expect(outcome.callback.headers.get('cache-control')).toBe('no-store');
    expect(outcome.callback.headers.get('referrer-policy')).toBe('no-referrer');

    // One code exchange (PKCE verified by the emulator, else it answers invalid_grant) and one CompanyInfo read.
    expect(rig.requestsSince(mark, TOKEN_PATH).map((r) => r.status)).toEqual([200]);
    expect(rig.requestsSince(mark, '/companyinfo/').map((r) => [r.realmId, r.status])).toEqual([
      [realmId, 200],
    ]);

    const connection = await rig.connection(tenant);
    expect(connection).toMatchObject({
      customerId: tenant,
      status: 'CONNECTED',
      reason: null,
      realmId,
      companyName,
      environment: 'emulator',
      connectedBy: 'user-ada',
      scopes: ['com.intuit.quickbooks.accounting'],
    });
    const at = (field: string | null) => new Date(field ?? 0).getTime();
    expect(at(connection.connectedAt)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(at(connection.accessTokenExpiresAt) - startedAt).toBeGreaterThan(55 * 60_000);
    expect(at(connection.accessTokenExpiresAt) - startedAt).toBeLessThanOrEqual(61 * 60_000);
    expect(at(connection.refreshTokenExpiresAt) - startedAt).toBeGreaterThan(99 * 86_400_000);
    expect(at(connection.refreshTokenHardExpiresAt) - startedAt).toBeGreaterThan(4 * 365 * 86_400_000);

    expect(await rig.realmOwner(realmId)).toBe(tenant);
    const audit = await rig.auditLog(tenant);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'QUICKBOOKS_CONNECTED',
        outcome: 'SUCCEEDED',
        actorUserId: 'user-ada',
        realmId,
      }),
    ]);

    // The secrets exist (the stored tokens work at the emulator) and appear in no answer a client gets.
    const secrets = await secretsOf(rig, tenant, outcome.callbackUrl);
    expect(await rig.companyInfoStatus(realmId, secrets[1]!)).toBe(200);
    const answers = [
      (await rig.graphql(adminOf(tenant), CONNECTION, { customerId: tenant })).text,
      (await rig.graphql(adminOf(tenant), AUDIT_LOG, { customerId: tenant })).text,
      outcome.callback.text,
      outcome.callback.location!,
    ];
    for (const secret of secrets) {
      for (const answer of answers) expect(answer).not.toContain(secret);
    }
  });

  it('lands on the built-in result page when the connect named no returnTo', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    const browser = new Browser();
    const authorizeUrl = await rig.startConnect(adminOf(tenant), tenant);
    const callback = await browser.get(await rig.authorize(browser, authorizeUrl, { realmId }));
    expect(callback.status).toBe(303);
    expect(callback.location).toBe(`${rig.resultUrl}?quickbooks=connected&realmId=${realmId}`);

    const result = await browser.get(callback.location!);
    expect(result.status).toBe(200);
    expect(result.text).toContain('QuickBooks connected');
    expect((await rig.connection(tenant)).status).toBe('CONNECTED');
  });

  it('also connects when the emulator approves at once (authorize mode approve)', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId, companyName } = rig.newRealm();
    const outcome = await rig.connect(adminOf(tenant), tenant, {
      realmId,
      returnTo: SETTINGS_PAGE,
      mode: 'approve',
    });
    expect(outcome.steps.map(({ method, status }) => `${method} ${status}`)).toEqual(['GET 302', 'GET 303']);
    expect(paramsOf(outcome.callback.location)).toMatchObject({ quickbooks: 'connected', realmId });
    expect(await rig.connection(tenant)).toMatchObject({ status: 'CONNECTED', realmId, companyName });
  });
});

describe('callbacks whose state cannot be trusted get a page here, never a redirect', () => {
  /** A real approval at the emulator for `tenant`, stopped before the browser reaches our callback. */
  async function approvedCallback(rig: ConnectRig, tenant: string) {
    const { realmId } = rig.newRealm();
    const browser = new Browser();
    const authorizeUrl = await rig.startConnect(adminOf(tenant, 'user-eve'), tenant, SETTINGS_PAGE);
    const callbackUrl = await rig.authorize(browser, authorizeUrl, { realmId, mode: 'approve' });
    const state = paramsOf(callbackUrl).state!;
    return { realmId, callbackUrl, state, claims: decodeJwt(state) };
  }

  const withState = (callbackUrl: string, state: string | undefined) => {
    const url = new URL(callbackUrl);
    if (state === undefined) url.searchParams.delete('state');
    else url.searchParams.set('state', state);
    return url.toString();
  };

  async function expectRefusal(rig: ConnectRig, url: string, code: string) {
    const mark = rig.mark();
    const page = await new Browser().get(url);
    expect({ status: page.status, code: page.headers.get('x-quickbooks-error') }).toEqual({
      status: 400,
      code,
    });
    expect(page.location).toBeUndefined();
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).not.toContain(new URL(SETTINGS_PAGE).host);
    // Refused before the code was exchanged: the code is worth nothing to whoever replays it.
    expect(rig.requestsSince(mark, TOKEN_PATH)).toEqual([]);
    return page;
  }

  it('a state whose payload was edited to name another customer', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const victim = rig.newTenant('victim');
    const { callbackUrl, state } = await approvedCallback(rig, tenant);
    const [header, payload, signature] = state.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...claims, tid: victim })).toString('base64url');

    const page = await expectRefusal(
      rig,
      withState(callbackUrl, `${header}.${edited}.${signature}`),
      'STATE_INVALID',
    );
    expect(page.text).toContain('The connect link is not valid');
    expect((await rig.connection(victim)).status).toBe('DISCONNECTED');
    expect(await rig.auditLog(victim)).toEqual([]);
  });

  it('a state signed with another key', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { callbackUrl, claims } = await approvedCallback(rig, tenant);
    const other = createStateSigner('not-our-state-secret-but-long-enough-000000', () => new Date());
    const forged = await other.sign({ nonce: claims.jti!, tenantId: tenant, userId: claims.sub! });
    await expectRefusal(rig, withState(callbackUrl, forged), 'STATE_INVALID');
    expect((await rig.connection(tenant)).status).toBe('DISCONNECTED');
    expect(await rig.auditLog(tenant)).toEqual([]);
  });

  it('an expired state (signed with our key more than ten minutes ago)', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { callbackUrl, claims } = await approvedCallback(rig, tenant);
    const elevenMinutesAgo = () => new Date(Date.now() - 11 * 60_000);
    const signer = createStateSigner(rig.config.quickbooks.stateSecret, elevenMinutesAgo);
    const expired = await signer.sign({ nonce: claims.jti!, tenantId: tenant, userId: claims.sub! });

    const page = await expectRefusal(rig, withState(callbackUrl, expired), 'STATE_EXPIRED');
    expect(page.text).toContain('expired');
    expect((await rig.connection(tenant)).status).toBe('DISCONNECTED');
  });

  it('a state signed with our key for a nonce this server never issued', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { callbackUrl, claims } = await approvedCallback(rig, tenant);
    const signer = createStateSigner(rig.config.quickbooks.stateSecret, () => new Date());
    const unknown = await signer.sign({ nonce: 'never-issued', tenantId: tenant, userId: claims.sub! });
    await expectRefusal(rig, withState(callbackUrl, unknown), 'STATE_USED');
  });

  it('a state signed with our key that names another customer than the one its nonce was issued for', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const victim = rig.newTenant('victim');
    const { callbackUrl, claims } = await approvedCallback(rig, tenant);
    const signer = createStateSigner(rig.config.quickbooks.stateSecret, () => new Date());
    const crossed = await signer.sign({ nonce: claims.jti!, tenantId: victim, userId: claims.sub! });
    await expectRefusal(rig, withState(callbackUrl, crossed), 'STATE_INVALID');
    expect((await rig.connection(victim)).status).toBe('DISCONNECTED');
    expect((await rig.connection(tenant)).status).toBe('DISCONNECTED');
  });

  it('a callback without a state, with or without an error', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { callbackUrl } = await approvedCallback(rig, tenant);
    await expectRefusal(rig, withState(callbackUrl, undefined), 'STATE_INVALID');
    await expectRefusal(rig, `${rig.callbackUrl}?error=access_denied`, 'STATE_INVALID');
    await expectRefusal(rig, rig.callbackUrl, 'STATE_INVALID');
    await expectRefusal(rig, withState(callbackUrl, 'not.a-jws'), 'STATE_INVALID');
  });

  it('a replayed callback: the second answer is STATE_USED, and the code was exchanged once', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId, callbackUrl } = await approvedCallback(rig, tenant);
    const mark = rig.mark();
    const browser = new Browser();

    const first = await browser.get(callbackUrl);
    expect(first.status).toBe(303);
    expect(paramsOf(first.location)).toMatchObject({ quickbooks: 'connected', realmId });
    const stored = await ciphersOf(tenant);

    const again = await browser.get(callbackUrl);
    expect({ status: again.status, code: again.headers.get('x-quickbooks-error') }).toEqual({
      status: 400,
      code: 'STATE_USED',
    });
    expect(again.location).toBeUndefined();
    expect(rig.requestsSince(mark, TOKEN_PATH)).toHaveLength(1);
    // The replay changed nothing: same tokens, one audit entry.
    expect(await ciphersOf(tenant)).toEqual(stored);
    expect((await rig.auditLog(tenant)).map((e) => e.action)).toEqual(['QUICKBOOKS_CONNECTED']);
  });

  it('two callbacks with one state at the same moment: exactly one proceeds', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { callbackUrl } = await approvedCallback(rig, tenant);
    const mark = rig.mark();
    const answers = await Promise.all([new Browser().get(callbackUrl), new Browser().get(callbackUrl)]);
    expect(answers.map((a) => a.status).sort()).toEqual([303, 400]);
    expect(rig.requestsSince(mark, TOKEN_PATH)).toHaveLength(1);
  });
});

describe('the person says no', () => {
  it('access_denied (authorize mode deny): back to returnTo with ACCESS_DENIED, audited, still DISCONNECTED', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    const mark = rig.mark();
    const outcome = await rig.connect(adminOf(tenant, 'user-bob'), tenant, {
      realmId,
      returnTo: SETTINGS_PAGE,
      mode: 'deny',
    });
    expect(paramsOf(outcome.callbackUrl)).toMatchObject({ error: 'access_denied' });
    expect(outcome.callback.status).toBe(303);
    expect(paramsOf(outcome.callback.location)).toEqual({
      tab: 'accounting',
      quickbooks: 'error',
      code: 'ACCESS_DENIED',
    });
    expect(rig.requestsSince(mark, TOKEN_PATH)).toEqual([]);
    expect(await rig.connection(tenant)).toMatchObject({ status: 'DISCONNECTED', realmId: null });
    expect(await rig.auditLog(tenant)).toEqual([
      expect.objectContaining({
        action: 'QUICKBOOKS_CONNECT_FAILED',
        outcome: 'FAILED',
        actorUserId: 'user-bob',
        reason: 'authorization answered access_denied',
      }),
    ]);
    expect(await rig.realmOwner(realmId)).toBeUndefined();
  });

  it('Cancel on the consent page does the same', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    const outcome = await rig.connect(adminOf(tenant), tenant, { realmId, button: 'Cancel' });
    expect(outcome.steps.map(({ method, status }) => `${method} ${status}`)).toEqual([
      'GET 200',
      'POST 302',
      'GET 303',
    ]);
    expect(outcome.callback.location).toBe(`${rig.resultUrl}?quickbooks=error&code=ACCESS_DENIED`);
    const result = await new Browser().get(outcome.callback.location!);
    expect(result.text).toContain('QuickBooks access was not granted.');
    expect((await rig.connection(tenant)).status).toBe('DISCONNECTED');
  });

  it('the code exchange failing at QuickBooks: back to returnTo with QUICKBOOKS_UNAVAILABLE, nothing stored', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    rig.sandbox.control.injectFault({ match: { path: TOKEN_PATH }, action: { type: 'status', status: 503 } });
    const outcome = await rig.connect(adminOf(tenant), tenant, {
      realmId,
      returnTo: SETTINGS_PAGE,
      mode: 'approve',
    });
    expect(paramsOf(outcome.callback.location)).toMatchObject({
      quickbooks: 'error',
      code: 'QUICKBOOKS_UNAVAILABLE',
    });
    expect((await rig.connection(tenant)).status).toBe('DISCONNECTED');
    expect(await rig.realmOwner(realmId)).toBeUndefined();
    expect(await rig.auditLog(tenant)).toEqual([
      expect.objectContaining({
        action: 'QUICKBOOKS_CONNECT_FAILED',
        realmId,
        reason: 'code exchange failed: transient',
      }),
    ]);
  });
});

describe('reconnecting', () => {
  it('the same company replaces the token ciphers and is audited as RECONNECTED', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    await rig.connected(tenant, realmId);
    const before = await ciphersOf(tenant);
    const tokensBefore = await rig.stored(tenant);

    await rig.connected(tenant, realmId, adminOf(tenant, 'user-second-admin'));

    const after = await ciphersOf(tenant);
    const tokensAfter = await rig.stored(tenant);
    expect(after.accessTokenCipher).not.toBe(before.accessTokenCipher);
    expect(after.refreshTokenCipher).not.toBe(before.refreshTokenCipher);
    expect(after.tokenVersion).toBe(before.tokenVersion! + 1);
    expect(tokensAfter.refreshToken).not.toBe(tokensBefore.refreshToken);
    expect(tokensAfter.accessToken).not.toBe(tokensBefore.accessToken);
    expect(await rig.companyInfoStatus(realmId, tokensAfter.accessToken)).toBe(200);

    expect(await rig.connection(tenant)).toMatchObject({
      status: 'CONNECTED',
      realmId,
      connectedBy: 'user-second-admin',
    });
    expect(
      (await rig.auditLog(tenant)).map((e) => [e.action, e.outcome, e.actorUserId, e.realmId, e.reason]),
    ).toEqual([
      ['QUICKBOOKS_RECONNECTED', 'SUCCEEDED', 'user-second-admin', realmId, null],
      ['QUICKBOOKS_CONNECTED', 'SUCCEEDED', `admin-of-${tenant}`, realmId, null],
    ]);
    expect(await rig.realmOwner(realmId)).toBe(tenant);
  });

  it('another company releases the first one, which another customer can then connect', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const other = rig.newTenant();
    const first = rig.newRealm();
    const second = rig.newRealm();
    await rig.connected(tenant, first.realmId);
    await rig.connected(tenant, second.realmId);

    expect(await rig.connection(tenant)).toMatchObject({
      status: 'CONNECTED',
      realmId: second.realmId,
      companyName: second.companyName,
    });
    expect(await rig.realmOwner(first.realmId)).toBeUndefined();
    expect((await rig.auditLog(tenant))[0]).toMatchObject({
      action: 'QUICKBOOKS_RECONNECTED',
      realmId: second.realmId,
      reason: `replaced company ${first.realmId}`,
    });
    await rig.connected(other, first.realmId);
    expect(await rig.realmOwner(first.realmId)).toBe(other);
  });
});

describe('a company belongs to one customer', () => {
  it("refuses a second customer's connect with REALM_IN_USE and leaves the owner's connection working", async () => {
    const rig = rigOf();
    const owner = rig.newTenant('owner');
    const intruder = rig.newTenant('second');
    const { realmId } = rig.newRealm();
    await rig.connected(owner, realmId);
    const ownerBefore = await ciphersOf(owner);
    const ownerTokens = await rig.stored(owner);
    const mark = rig.mark();

    const outcome = await rig.connect(adminOf(intruder, 'user-mallory'), intruder, {
      realmId,
      returnTo: SETTINGS_PAGE,
      mode: 'approve',
    });
    expect(outcome.callback.status).toBe(303);
    expect(paramsOf(outcome.callback.location)).toEqual({
      tab: 'accounting',
      quickbooks: 'error',
      code: 'REALM_IN_USE',
    });
    // The code was exchanged (only then is the realm known to be granted), but nothing was revoked: revoking
    // would disconnect the app from the company, the owner's connection included.
    expect(rig.requestsSince(mark, TOKEN_PATH)).toHaveLength(1);
    expect(rig.requestsSince(mark, '/revoke')).toEqual([]);

    expect(await rig.connection(intruder)).toMatchObject({ status: 'DISCONNECTED', realmId: null });
    expect(await ciphersOf(intruder)).toEqual({
      accessTokenCipher: undefined,
      refreshTokenCipher: undefined,
      tokenVersion: undefined,
    });
    expect(await rig.auditLog(intruder)).toEqual([
      expect.objectContaining({
        action: 'QUICKBOOKS_CONNECT_FAILED',
        outcome: 'FAILED',
        actorUserId: 'user-mallory',
        realmId,
        reason: 'realm is connected to another customer',
      }),
    ]);

    expect(await ciphersOf(owner)).toEqual(ownerBefore);
    expect(await rig.realmOwner(realmId)).toBe(owner);
    expect(await rig.connection(owner)).toMatchObject({ status: 'CONNECTED', realmId });
    expect(await rig.companyInfoStatus(realmId, ownerTokens.accessToken)).toBe(200);
    expect(await rig.refreshStatus(ownerTokens.refreshToken)).toEqual({ status: 200 });
  });

  it('a connected customer trying to switch to a company another customer holds keeps its own', async () => {
    const rig = rigOf();
    const owner = rig.newTenant('owner');
    const switcher = rig.newTenant('switcher');
    const held = rig.newRealm();
    const own = rig.newRealm();
    await rig.connected(owner, held.realmId);
    await rig.connected(switcher, own.realmId);
    const before = await ciphersOf(switcher);

    const outcome = await rig.connect(adminOf(switcher), switcher, {
      realmId: held.realmId,
      mode: 'approve',
    });
    expect(paramsOf(outcome.callback.location)).toMatchObject({ quickbooks: 'error', code: 'REALM_IN_USE' });
    expect(await rig.connection(switcher)).toMatchObject({ status: 'CONNECTED', realmId: own.realmId });
    expect(await ciphersOf(switcher)).toEqual(before);
    expect(await rig.realmOwner(own.realmId)).toBe(switcher);
    expect(await rig.realmOwner(held.realmId)).toBe(owner);
  });
});

describe('callbacks QuickBooks did not send as they arrive', () => {
  /** An approved callback for `tenant`, for the company `realmId`, not yet followed. */
  async function approved(rig: ConnectRig, tenant: string, realmId: string) {
    const browser = new Browser();
    const authorizeUrl = await rig.startConnect(adminOf(tenant), tenant, SETTINGS_PAGE);
    return new URL(await rig.authorize(browser, authorizeUrl, { realmId, mode: 'approve' }));
  }

  it('a realmId edited to another company: refused, that company stays free, and no tokens are stored', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const granted = rig.newRealm();
    const target = rig.newRealm();
    const callback = await approved(rig, tenant, granted.realmId);
    callback.searchParams.set('realmId', target.realmId);

    const answer = await new Browser().get(callback.toString());
    expect(answer.status).toBe(303);
    expect(paramsOf(answer.location)).toMatchObject({ quickbooks: 'error', code: 'INVALID_CALLBACK' });
    expect(await rig.realmOwner(target.realmId)).toBeUndefined();
    expect(await rig.connection(tenant)).toMatchObject({ status: 'DISCONNECTED', realmId: null });
    expect((await ciphersOf(tenant)).refreshTokenCipher).toBeUndefined();
    expect((await rig.auditLog(tenant))[0]).toMatchObject({
      action: 'QUICKBOOKS_CONNECT_FAILED',
      realmId: target.realmId,
      reason: `the authorization does not cover company ${target.realmId} (wrong_realm)`,
    });
    // The company's real owner can still connect it.
    const owner = rig.newTenant('owner');
    await rig.connected(owner, target.realmId);
    expect(await rig.realmOwner(target.realmId)).toBe(owner);
  });

  it('the company check after the exchange failing at QuickBooks: QUICKBOOKS_UNAVAILABLE, nothing claimed or stored', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    rig.sandbox.control.injectFault({
      match: { path: '/companyinfo/' },
      times: null,
      action: { type: 'status', status: 503 },
    });
    const answer = await new Browser().get((await approved(rig, tenant, realmId)).toString());
    expect(paramsOf(answer.location)).toMatchObject({ quickbooks: 'error', code: 'QUICKBOOKS_UNAVAILABLE' });
    expect(await rig.realmOwner(realmId)).toBeUndefined();
    expect((await ciphersOf(tenant)).refreshTokenCipher).toBeUndefined();
    expect((await rig.auditLog(tenant))[0]).toMatchObject({
      action: 'QUICKBOOKS_CONNECT_FAILED',
      realmId,
      reason: 'company check failed: transient',
    });
  });

  it.each([
    ['an error other than access_denied', { error: 'server_error', code: null }],
    ['no code', { code: null }],
    ['no realmId', { realmId: null }],
    ['a realmId that is not a number', { realmId: '93414;DROP' }],
  ])('%s: back to returnTo with INVALID_CALLBACK, audited', async (_label, edits) => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    const callback = await approved(rig, tenant, realmId);
    for (const [name, value] of Object.entries(edits)) {
      if (value === null) callback.searchParams.delete(name);
      else callback.searchParams.set(name, value);
    }
    const mark = rig.mark();
    const answer = await new Browser().get(callback.toString());
    expect(answer.status).toBe(303);
    expect(paramsOf(answer.location)).toEqual({
      tab: 'accounting',
      quickbooks: 'error',
      code: 'INVALID_CALLBACK',
    });
    expect(rig.requestsSince(mark, TOKEN_PATH)).toEqual([]);
    expect((await rig.auditLog(tenant))[0]).toMatchObject({
      action: 'QUICKBOOKS_CONNECT_FAILED',
      outcome: 'FAILED',
    });
    expect((await rig.connection(tenant)).status).toBe('DISCONNECTED');
  });

  it('two customers completing a connect of one company at the same moment: exactly one gets it', async () => {
    const rig = rigOf();
    const first = rig.newTenant('first');
    const second = rig.newTenant('second');
    const { realmId } = rig.newRealm();
    const callbacks = [await approved(rig, first, realmId), await approved(rig, second, realmId)];
    const answers = await Promise.all(callbacks.map((url) => new Browser().get(url.toString())));
    expect(answers.map((a) => paramsOf(a.location).code ?? paramsOf(a.location).quickbooks).sort()).toEqual([
      'REALM_IN_USE',
      'connected',
    ]);
    const winner = paramsOf(answers[0]!.location).quickbooks === 'connected' ? first : second;
    expect(await rig.realmOwner(realmId)).toBe(winner);
    const statuses = [await rig.connection(first), await rig.connection(second)].map((c) => c.status).sort();
    expect(statuses).toEqual(['CONNECTED', 'DISCONNECTED']);
  });
});

describe('returnTo', () => {
  it.each([
    ['another origin', 'https://evil.example/settings'],
    ['a scheme-relative URL', '//evil.example/settings'],
    ['a relative path', '/settings'],
    ['javascript:', 'javascript:alert(1)'],
    ['credentials before the allowed host', `https://app.example.test@evil.example/`],
    ['the allowed host on another scheme', 'http://app.example.test/settings'],
    ['the allowed host on another port', 'https://app.example.test:8443/settings'],
    ['a backslash trick', 'https://app.example.test\\@evil.example/'],
  ])('%s is BAD_USER_INPUT on returnTo, and no connect starts', async (_label, returnTo) => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const before = await rig.redis.keys(`${rig.config.redis.prefix}:qbo-oauth-state:*`);
    const response = await rig.graphql<ConnectResult>(adminOf(tenant), CONNECT, {
      customerId: tenant,
      returnTo,
    });
    expect(response.data).toBeNull();
    expect(response.errors).toEqual([
      expect.objectContaining({
        extensions: { code: 'BAD_USER_INPUT', field: 'returnTo', retryable: false },
      }),
    ]);
    expect(await rig.redis.keys(`${rig.config.redis.prefix}:qbo-oauth-state:*`)).toEqual(before);
  });

  it('an allowed returnTo is where the browser goes, with its own query kept', async () => {
    const rig = rigOf();
    const tenant = rig.newTenant();
    const { realmId } = rig.newRealm();
    const returnTo = 'https://app.example.test/customers/42/settings?panel=quickbooks#top';
    const outcome = await rig.connect(adminOf(tenant), tenant, { realmId, returnTo, mode: 'approve' });
    expect(outcome.callback.location).toBe(
      `https://app.example.test/customers/42/settings?panel=quickbooks&quickbooks=connected&realmId=${realmId}#top`,
    );
    expect(
      codesOf(await rig.graphql(adminOf(tenant), CONNECT, { customerId: tenant, returnTo: null })),
    ).toEqual([]);
  });
});
