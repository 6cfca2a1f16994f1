import { describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { createLogger } from '../../src/logger.js';
import { CustomerModel } from '../../src/models/index.js';
import type { PendingConnect } from '../../src/services/connect/state-store.js';
import { Browser } from '../support/connect-browser.js';
import { CONNECTION, DISCONNECT, postGraphQL } from '../support/connect-graphql.js';
import { adminOf, REVOKE_PATH, TOKEN_PATH, useConnectRig, type ConnectRig } from '../support/connect-rig.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/harness.js';

/** Every line the API and the worker side write, at the most verbose level, as JSON. */
const lines: string[] = [];
const logger = createLogger(
  { level: 'trace', name: 'connect-logs' },
  { write: (line: string) => void lines.push(line) },
);
const rigOf = useConnectRig({ logger });

/** Named secrets: a leak is reported by name and log message, never by value. */
const secrets = new Map<string, string>();
const keep = (name: string, value: string | undefined) => {
  if (!value || value.length < 8) throw new Error(`secret ${name} is missing or too short to search for`);
  secrets.set(name, value);
};

/** Connects through the browser, keeping the code and the PKCE verifier the flow used. */
async function connectKeepingSecrets(rig: ConnectRig, tenant: string, realmId: string, label: string) {
  const browser = new Browser();
  const claims = adminOf(tenant);
  const bearer = await tokenFor(claims);
  keep(`${label} API bearer token`, bearer);
  const started = await postGraphQL<{ connectQuickBooks: { authorizeUrl: string } }>(
    rig.api.url,
    bearer,
    `mutation ($c: ID!) { connectQuickBooks(customerId: $c) { authorizeUrl } }`,
    { c: tenant },
  );
  const callbackUrl = await rig.authorize(browser, started.data!.connectQuickBooks.authorizeUrl, { realmId });
  const params = new URL(callbackUrl).searchParams;
  keep(`${label} authorization code`, params.get('code') ?? undefined);
  const nonce = decodeJwt(params.get('state')!).jti!;
  const pending = JSON.parse(
    (await rig.redis.get(`${rig.config.redis.prefix}:qbo-oauth-state:${nonce}`)) ?? '{}',
  ) as PendingConnect;
  keep(`${label} PKCE verifier`, pending.codeVerifier);
  return browser.get(callbackUrl);
}

async function keepStoredTokens(rig: ConnectRig, tenant: string, label: string) {
  const stored = await rig.stored(tenant);
  keep(`${label} access token`, stored.accessToken);
  keep(`${label} refresh token`, stored.refreshToken);
  const doc = await CustomerModel.findById(tenant)
    .select('+integrations.quickbooks.accessTokenCipher +integrations.quickbooks.refreshTokenCipher')
    .lean();
  keep(`${label} access token cipher`, doc?.integrations?.quickbooks?.accessTokenCipher ?? undefined);
  keep(`${label} refresh token cipher`, doc?.integrations?.quickbooks?.refreshTokenCipher ?? undefined);
}

describe('logs during connect, refresh and disconnect', () => {
  it('never contain a token, code, verifier, cipher or secret, at trace level', async () => {
    const rig = rigOf();
    const worker = rig.workerSide(logger);
    // Rotate on every refresh, so each refresh brings a refresh token not seen before.
    rig.sandbox.control.updateSettings({ oauth: { refreshTokenRotationSeconds: 0 } });

    // A: connect, refresh on request, refresh after a 401 (access token expired at QuickBooks), disconnect.
    const a = rig.newTenant('a');
    const realmA = rig.newRealm().realmId;
    expect((await connectKeepingSecrets(rig, a, realmA, 'A')).status).toBe(303);
    await keepStoredTokens(rig, a, 'A connect');
    await worker.vault.refresh(a, { reason: 'manual' });
    await keepStoredTokens(rig, a, 'A refresh');
    rig.sandbox.control.advanceClock(61 * 60_000);
    await worker.clientFor(a, realmA).companyInfo();
    await keepStoredTokens(rig, a, 'A refresh after 401');
    rig.sandbox.control.resetClock();
    const disconnectA = await rig.graphql(adminOf(a), DISCONNECT, { customerId: a });
    expect(disconnectA.errors).toBeUndefined();

    // B: connect, the grant revoked behind our back (invalid_grant on refresh), then a revoke that fails.
    const b = rig.newTenant('b');
    const realmB = rig.newRealm().realmId;
    await connectKeepingSecrets(rig, b, realmB, 'B');
    await keepStoredTokens(rig, b, 'B connect');
    await worker.oauth.revoke((await worker.vault.openRefreshToken(b))!);
    await expect(worker.vault.refresh(b, { reason: 'manual' })).rejects.toMatchObject({
      kind: 'reauthorization',
    });
    rig.sandbox.control.injectFault({
      match: { path: REVOKE_PATH },
      times: null,
      action: { type: 'status', status: 503 },
    });
    const disconnectB = await rig.graphql(adminOf(b), DISCONNECT, { customerId: b });
    expect(disconnectB.errors).toBeUndefined();
    rig.sandbox.control.clearFaults();

    // C: the code exchange fails at QuickBooks (an error answer that echoes nothing back).
    const c = rig.newTenant('c');
    rig.sandbox.control.injectFault({
      match: { path: TOKEN_PATH },
      action: {
        type: 'status',
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Token invalid' },
      },
    });
    const refused = await connectKeepingSecrets(rig, c, rig.newRealm().realmId, 'C');
    expect(new URL(refused.location!).searchParams.get('quickbooks')).toBe('error');

    // A token the API refuses (another signer), so the refusal path logs too.
    const forgedBearer = await tokenFor(adminOf(a), 'another-secret-that-is-long-enough-for-hs256-000');
    keep('refused API bearer token', forgedBearer);
    expect((await postGraphQL(rig.api.url, forgedBearer, CONNECTION, { customerId: a })).status).toBe(401);

    keep('client secret', rig.config.quickbooks.clientSecret);
    keep('OAuth state secret', rig.config.quickbooks.stateSecret);
    keep('API JWT secret', TEST_JWT_SECRET);
    for (const [keyId, key] of rig.config.quickbooks.tokenKeys.keys) {
      keep(`token key ${keyId}`, key.toString('base64'));
    }
    for (const tenant of [a, b]) {
      // Ciphers were removed at disconnect; the refresh tokens above are what they held.
      expect(await rig.graphql(adminOf(tenant), CONNECTION, { customerId: tenant })).toMatchObject({
        data: { quickbooksConnection: { status: 'DISCONNECTED' } },
      });
    }

    // The logs are real and verbose: each step above left its line, debug lines included.
    const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    const messages = new Set(entries.map((entry) => entry.msg));
    for (const expected of [
      'QuickBooks token request',
      'QuickBooks request',
      'QuickBooks connected',
      'token refreshed',
      'QuickBooks connection needs reauthorization',
      'QuickBooks revoke failed',
      'QuickBooks disconnected',
      'QuickBooks code exchange failed',
      'rejected bearer token',
    ]) {
      expect(messages).toContain(expected);
    }
    expect(entries.some((entry) => entry.level <= 20)).toBe(true);
    expect(secrets.size).toBeGreaterThanOrEqual(30);

    const leaks = entries.flatMap((entry, index) =>
      [...secrets]
        .filter(([, value]) => lines[index]!.includes(value))
        .map(([name]) => ({ secret: name, msg: entry.msg })),
    );
    expect(leaks).toEqual([]);
  });
});
