import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { pino } from 'pino';
import { Mutex } from 'redis-semaphore';
import { US_REALM, useSandbox } from '../../sandbox/test/helpers.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { CustomerModel } from '../../src/models/customer.js';
import { connectDatabase, createIndexes } from '../../src/models/index.js';
import { QuickBooksClient } from '../../src/quickbooks/client.js';
import { QuickBooksHttp, SYSTEM_EDGES } from '../../src/quickbooks/http.js';
import {
  INVALID_GRANT_REASON,
  LOST_ROTATION_REASON,
  refreshLockName,
  type ConnectionTokens,
} from '../../src/quickbooks/vault/connection-tokens.js';
import { TokenCipher } from '../../src/quickbooks/vault/token-cipher.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import {
  createTokenRefreshWorker,
  refreshExpiringTokens,
  scheduleTokenRefresh,
  TOKEN_REFRESH_QUEUE,
  TokenJob,
} from '../../src/workers/token-refresh.worker.js';
import { eventually, silentLogger, testEnv, uniqueName } from '../support/harness.js';
import {
  oauthClientFor,
  readStored,
  storeConnection,
  tokenSetOf,
  vaultFor,
  type VaultOverrides,
} from '../support/refresh-fixtures.js';

const TOKEN_PATH = '/oauth2/v1/tokens/bearer';
const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

const fixture = useSandbox();
let env: NodeJS.ProcessEnv;
let config: Config;
let redis: Redis;
let cipher: TokenCipher;
const closeLater: { close(): Promise<unknown> }[] = [];
const redisClients: Redis[] = [];

beforeAll(async () => {
  env = testEnv({
    QUICKBOOKS_EMULATOR_URL: fixture.sandbox.url,
    QUICKBOOKS_TOKEN_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  });
  config = loadConfig(env);
  await connectDatabase(config.mongo.uri, config.mongo.dbName);
  await createIndexes();
  redis = createRedis(config.redis.url, 'pubsub');
  cipher = new TokenCipher(config.quickbooks.tokenKeys);
});

afterAll(async () => {
  for (const item of closeLater) await item.close();
  for (const client of redisClients) client.disconnect();
  await closeRedis(redis);
  await mongoose.connection.db?.dropDatabase();
  await mongoose.disconnect();
});

/** A logger whose lines the test can read: to assert on events and that no token was ever logged. */
function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const raw: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => raw.push(line) });
  return {
    logger,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => raw.join(''),
  };
}

function vault(overrides: VaultOverrides = {}, logger: Logger = silentLogger()): ConnectionTokens {
  return vaultFor(config, redis, logger, overrides);
}

/** A tenant connected to the US company with a fresh grant from the emulator. */
async function connectTenant(tokens: ConnectionTokens = vault()) {
  const tenantId = uniqueName('tenant');
  const issued = fixture.sandbox.control.issueTokens({ realmId: US_REALM });
  await storeConnection(tokens, tenantId, US_REALM, tokenSetOf(issued));
  return { tenantId, issued };
}

const tokenRequests = () => fixture.sandbox.control.requests({ path: TOKEN_PATH });

async function companyInfoStatus(accessToken: string): Promise<number> {
  const response = await fetch(
    `${fixture.sandbox.apiBaseUrl}/v3/company/${US_REALM}/companyinfo/${US_REALM}`,
    {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    },
  );
  await response.arrayBuffer();
  return response.status;
}

/** BullMQ never closes a connection it was handed, so the file keeps them and closes them at the end. */
function workerRedis(): Redis {
  const connection = createRedis(config.redis.url, 'worker');
  redisClients.push(connection);
  return connection;
}

const waitForTokenRequest = () => eventually(async () => (tokenRequests().length > 0 ? true : undefined));

describe('token refresh', () => {
  it('stores the rotated refresh token with the new access token, and never sends the old one again', async () => {
    fixture.sandbox.control.updateSettings({ oauth: { refreshTokenRotationSeconds: 0 } });
    const { logger, text } = capturingLogger();
    const tokens = vault({}, logger);
    const { tenantId, issued } = await connectTenant(tokens);

    const first = await tokens.refresh(tenantId, { reason: 'manual' });
    const afterFirst = await readStored(cipher, tenantId);
    expect(first).toEqual({ accessToken: afterFirst.accessToken, refreshed: true, tokenVersion: 2 });
    expect(afterFirst.accessToken).not.toBe(issued.access_token);
    expect(afterFirst.refreshToken).not.toBe(issued.refresh_token);
    expect(afterFirst.lastRefreshedAt).toBeInstanceOf(Date);
    expect(afterFirst.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);

    // The emulator refuses a superseded refresh token at once (grace 0): a second refresh succeeds only
    // if the vault sends the rotated one it stored.
    await tokens.refresh(tenantId, { reason: 'manual' });
    const afterSecond = await readStored(cipher, tenantId);
    expect(afterSecond).toMatchObject({ state: 'CONNECTED', tokenVersion: 3 });
    expect(afterSecond.refreshToken).not.toBe(afterFirst.refreshToken);
    expect(tokenRequests().map((r) => r.status)).toEqual([200, 200]);
    expect(await companyInfoStatus(afterSecond.accessToken)).toBe(200);

    for (const secret of [
      issued.access_token,
      issued.refresh_token,
      afterFirst.refreshToken,
      first.accessToken,
    ]) {
      expect(text()).not.toContain(secret);
    }
  });

  it('makes one exchange when callers in one process refresh the same connection at once', async () => {
    const shared = vault();
    const { tenantId } = await connectTenant(shared);
    // Slow token answers keep the first exchange in flight while the others arrive.
    fixture.sandbox.control.injectLatency({ match: { path: TOKEN_PATH }, fixedMs: 300, times: null });
    // Two callers on one vault share a promise; a second vault instance (own promise map) meets the lock.
    const outcomes = await Promise.all([
      shared.refresh(tenantId, { reason: 'manual' }),
      shared.refresh(tenantId, { reason: 'manual' }),
      vault().refresh(tenantId, { reason: 'manual' }),
    ]);
    expect(tokenRequests()).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.accessToken)).size).toBe(1);
    expect(outcomes.filter((o) => o.refreshed)).toHaveLength(1);
    expect((await readStored(cipher, tenantId)).tokenVersion).toBe(2);
  });

  it('makes exactly one exchange when two worker processes refresh the same connection together', async () => {
    fixture.sandbox.control.updateSettings({ oauth: { refreshTokenRotationSeconds: 0 } });
    const { tenantId, issued } = await connectTenant();
    fixture.sandbox.control.injectLatency({ match: { path: TOKEN_PATH }, fixedMs: 500, times: null });

    const children = [0, 1].map(() => {
      const child = spawn(tsx, ['test/support/refresh-race.ts', tenantId], {
        cwd: root,
        env: { PATH: process.env.PATH, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      readline.createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
      const stderr: string[] = [];
      readline.createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      return { child, lines, stderr, exited };
    });
    await eventually(
      async () => (children.every((c) => c.lines.includes('ready')) ? true : undefined),
      20_000,
    );
    for (const { child } of children) child.stdin.write('go\n');
    const codes = await Promise.all(children.map((c) => c.exited));
    const results = children.map(
      (c) =>
        JSON.parse(c.lines.find((l) => l.startsWith('{')) ?? '{}') as {
          ok: boolean;
          accessToken: string;
          refreshed: boolean;
        },
    );

    expect(codes).toEqual([0, 0]);
    expect(tokenRequests()).toHaveLength(1);
    expect(results[0]!.accessToken).toBe(results[1]!.accessToken);
    expect(results.map((r) => r.refreshed).sort()).toEqual([false, true]);
    const stored = await readStored(cipher, tenantId);
    expect(stored).toMatchObject({
      accessToken: results[0]!.accessToken,
      tokenVersion: 2,
      state: 'CONNECTED',
    });
    expect(stored.refreshToken).not.toBe(issued.refresh_token);
    expect(await companyInfoStatus(results[0]!.accessToken)).toBe(200);
    // The processes' logs name the tenant and the outcome, never a token.
    const logs = children.flatMap((c) => c.stderr).join('\n');
    expect(logs).toContain('token refreshed');
    expect(logs).toContain('token already refreshed by another caller');
    expect(logs).not.toContain(results[0]!.accessToken);
    expect(logs).not.toContain(stored.refreshToken);
  });

  it('returns the stored token while it is fresh and refreshes first when it expires within the margin', async () => {
    const tokens = vault();
    const { tenantId, issued } = await connectTenant(tokens);
    expect(await tokens.getAccessToken(tenantId)).toBe(issued.access_token);
    expect(tokenRequests()).toHaveLength(0);

    await CustomerModel.updateOne(
      { _id: tenantId },
      { $set: { 'integrations.quickbooks.accessTokenExpiresAt': new Date(Date.now() + 60_000) } },
    );
    const refreshed = await tokens.getAccessToken(tenantId);
    expect(refreshed).not.toBe(issued.access_token);
    expect(tokenRequests()).toHaveLength(1);
    expect(await tokens.getAccessToken(tenantId)).toBe(refreshed);
    expect(tokenRequests()).toHaveLength(1);
  });

  it('opens the stored refresh token for a disconnect, in any state, and nothing for an unknown tenant', async () => {
    const tokens = vault();
    const { tenantId, issued } = await connectTenant(tokens);
    expect(await tokens.openRefreshToken(tenantId)).toBe(issued.refresh_token);
    await CustomerModel.updateOne(
      { _id: tenantId },
      { $set: { 'integrations.quickbooks.state': 'NEEDS_REAUTH' } },
    );
    expect(await tokens.openRefreshToken(tenantId)).toBe(issued.refresh_token);
    expect(await tokens.openRefreshToken(uniqueName('nobody'))).toBeUndefined();
    expect(tokenRequests()).toHaveLength(0);
  });

  it('a 401 from the API refreshes once and the request is retried once with the new token', async () => {
    const tokens = vault();
    const { tenantId, issued } = await connectTenant(tokens);
    const client = new QuickBooksClient({
      http: new QuickBooksHttp({
        ...SYSTEM_EDGES,
        apiBaseUrl: fixture.sandbox.apiBaseUrl,
        timeoutMs: 5000,
        logger: silentLogger(),
      }),
      realmId: US_REALM,
      tokens: tokens.forTenant(tenantId),
    });
    // Intuit's clock passes the token's hour while ours still thinks it is fresh: the API answers 401.
    fixture.sandbox.control.advanceClock(3601_000);

    const info = await client.companyInfo();
    expect(info.entity).toHaveProperty('CompanyName');
    const api = fixture.sandbox.control.requests({ path: '/companyinfo' });
    expect(api.map((r) => r.status)).toEqual([401, 200]);
    expect(tokenRequests()).toHaveLength(1);
    expect((await readStored(cipher, tenantId)).accessToken).not.toBe(issued.access_token);

    // A 401 for a token that was already replaced needs no exchange: the stored token is the answer.
    const stored = (await readStored(cipher, tenantId)).accessToken;
    expect(await tokens.refreshAfterUnauthorized(tenantId, issued.access_token)).toBe(stored);
    expect(tokenRequests()).toHaveLength(1);
  });

  it('recovers a lost token response by retrying with the same refresh token (24 h rotation window)', async () => {
    const tokens = vault();
    const { tenantId, issued } = await connectTenant(tokens);
    fixture.sandbox.control.injectFault({
      match: { path: TOKEN_PATH },
      action: { type: 'commit-then-drop' },
    });

    const outcome = await tokens.refresh(tenantId, { reason: 'manual' });
    expect(tokenRequests().map((r) => r.outcome)).toEqual(['dropped', expect.not.stringMatching('dropped')]);
    const stored = await readStored(cipher, tenantId);
    expect(stored).toMatchObject({ state: 'CONNECTED', tokenVersion: 2, accessToken: outcome.accessToken });
    // Within the window Intuit hands back the same refresh token value.
    expect(stored.refreshToken).toBe(issued.refresh_token);
    expect(await companyInfoStatus(outcome.accessToken)).toBe(200);
  });

  it('recovers a lost response when the refresh token rotates on every call but the old one has a grace period', async () => {
    fixture.sandbox.control.updateSettings({
      oauth: { refreshTokenRotationSeconds: 0, supersededRefreshTokenGraceSeconds: 3600 },
    });
    const tokens = vault();
    const { tenantId, issued } = await connectTenant(tokens);
    fixture.sandbox.control.injectFault({
      match: { path: TOKEN_PATH },
      action: { type: 'commit-then-drop' },
    });

    const outcome = await tokens.refresh(tenantId, { reason: 'manual' });
    expect(tokenRequests()).toHaveLength(2);
    const stored = await readStored(cipher, tenantId);
    expect(stored.state).toBe('CONNECTED');
    expect(stored.refreshToken).not.toBe(issued.refresh_token);
    expect(await companyInfoStatus(outcome.accessToken)).toBe(200);
    // The stored refresh token is the current one: the next refresh works with grace or without.
    fixture.sandbox.control.updateSettings({ oauth: { supersededRefreshTokenGraceSeconds: 0 } });
    await tokens.refresh(tenantId, { reason: 'manual' });
    expect(tokenRequests().at(-1)?.status).toBe(200);
  });

  it('marks NEEDS_REAUTH, saying why, when a lost response rotated the token and the old one is refused', async () => {
    fixture.sandbox.control.updateSettings({
      oauth: { refreshTokenRotationSeconds: 0, supersededRefreshTokenGraceSeconds: 0 },
    });
    const changes: unknown[][] = [];
    const tokens = vault({ onStateChange: (...args) => void changes.push(args) });
    const { tenantId } = await connectTenant(tokens);
    fixture.sandbox.control.injectFault({
      match: { path: TOKEN_PATH },
      action: { type: 'commit-then-drop' },
    });

    await expect(tokens.refresh(tenantId, { reason: 'manual' })).rejects.toMatchObject({
      kind: 'reauthorization',
      retryable: false,
      message: LOST_ROTATION_REASON,
    });
    expect(tokenRequests().map((r) => r.status)).toEqual([0, 400]);
    expect(await readStored(cipher, tenantId)).toMatchObject({
      state: 'NEEDS_REAUTH',
      stateReason: LOST_ROTATION_REASON,
      realmId: US_REALM,
    });
    expect(changes).toEqual([[tenantId, 'NEEDS_REAUTH', LOST_ROTATION_REASON]]);
  });

  it('on invalid_grant marks NEEDS_REAUTH and tells onStateChange; calls then fail fast until a reconnect resumes', async () => {
    const changes: unknown[][] = [];
    const { logger, text } = capturingLogger();
    const tokens = vault({ onStateChange: (...args) => void changes.push(args) }, logger);
    const { tenantId, issued } = await connectTenant(tokens);
    // The user disconnected the app in QuickBooks: the grant is gone.
    await oauthClientFor(config, silentLogger()).revoke(issued.refresh_token);

    await expect(tokens.refresh(tenantId, { reason: 'manual' })).rejects.toMatchObject({
      kind: 'reauthorization',
      code: 'invalid_grant',
      message: INVALID_GRANT_REASON,
    });
    expect(await readStored(cipher, tenantId)).toMatchObject({
      state: 'NEEDS_REAUTH',
      stateReason: INVALID_GRANT_REASON,
      realmId: US_REALM,
    });
    expect(changes).toEqual([[tenantId, 'NEEDS_REAUTH', INVALID_GRANT_REASON]]);

    // Paused, not failing: no further exchange is attempted with a refused grant.
    await expect(tokens.getAccessToken(tenantId)).rejects.toMatchObject({
      kind: 'reauthorization',
      code: 'needs_reauth',
      message: INVALID_GRANT_REASON,
    });
    await expect(tokens.refresh(tenantId, { reason: 'scheduled' })).rejects.toMatchObject({
      kind: 'reauthorization',
    });
    expect(tokenRequests()).toHaveLength(1);

    const reconnected = fixture.sandbox.control.issueTokens({ realmId: US_REALM });
    await storeConnection(tokens, tenantId, US_REALM, tokenSetOf(reconnected));
    expect(await tokens.getAccessToken(tenantId)).toBe(reconnected.access_token);
    await tokens.refresh(tenantId, { reason: 'manual' });
    expect((await readStored(cipher, tenantId)).state).toBe('CONNECTED');
    expect(text()).not.toContain(issued.refresh_token);
  });

  it('leaves state and tokens alone on a transient token endpoint failure, and the next refresh works', async () => {
    const tokens = vault();
    const { tenantId, issued } = await connectTenant(tokens);
    fixture.sandbox.control.injectFault({
      match: { path: TOKEN_PATH },
      action: { type: 'status', status: 503 },
    });

    await expect(tokens.refresh(tenantId, { reason: 'manual' })).rejects.toMatchObject({
      kind: 'transient',
      retryable: true,
    });
    expect(await readStored(cipher, tenantId)).toMatchObject({
      state: 'CONNECTED',
      tokenVersion: 1,
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
    });
    await tokens.refresh(tenantId, { reason: 'manual' });
    expect((await readStored(cipher, tenantId)).tokenVersion).toBe(2);
  });

  it('gives up after the bounded retries when every token response is lost, leaving the connection as it was', async () => {
    const tokens = vault();
    const { tenantId } = await connectTenant(tokens);
    fixture.sandbox.control.injectFault({
      match: { path: TOKEN_PATH },
      times: 3,
      action: { type: 'commit-then-drop' },
    });

    await expect(tokens.refresh(tenantId, { reason: 'manual' })).rejects.toMatchObject({ kind: 'ambiguous' });
    expect(tokenRequests()).toHaveLength(3);
    expect(await readStored(cipher, tenantId)).toMatchObject({ state: 'CONNECTED', tokenVersion: 1 });
    // The stored refresh token is still good within the rotation window: the next run recovers.
    const outcome = await tokens.refresh(tenantId, { reason: 'manual' });
    expect(await companyInfoStatus(outcome.accessToken)).toBe(200);
  });

  it('marks NEEDS_REAUTH without calling Intuit when the refresh token has lapsed', async () => {
    const changes: unknown[][] = [];
    const tokens = vault({
      onStateChange: (...args) => {
        changes.push(args);
        // A failing notification is logged; the stored state and the error still stand.
        throw new Error('event bus down');
      },
    });
    const { tenantId } = await connectTenant(tokens);
    await CustomerModel.updateOne(
      { _id: tenantId },
      { $set: { 'integrations.quickbooks.refreshTokenExpiresAt': new Date('2026-01-02T00:00:00Z') } },
    );

    await expect(tokens.refresh(tenantId, { reason: 'manual' })).rejects.toMatchObject({
      kind: 'reauthorization',
      message: expect.stringContaining('expired on 2026-01-02'),
    });
    expect(tokenRequests()).toHaveLength(0);
    expect((await readStored(cipher, tenantId)).state).toBe('NEEDS_REAUTH');
    expect(changes).toHaveLength(1);
  });

  it('returns a newer stored token without an exchange when the version moved since the caller looked', async () => {
    const tokens = vault();
    const { tenantId } = await connectTenant(tokens);
    const reconnected = fixture.sandbox.control.issueTokens({ realmId: US_REALM });
    await storeConnection(tokens, tenantId, US_REALM, tokenSetOf(reconnected));

    const outcome = await tokens.refresh(tenantId, { reason: 'expiring', observedVersion: 1 });
    expect(outcome).toEqual({ accessToken: reconnected.access_token, refreshed: false, tokenVersion: 2 });
    expect(tokenRequests()).toHaveLength(0);
  });

  it('waits a bounded time for another holder of the lock, then answers transient (or the newer token)', async () => {
    const tokens = vault({ options: { acquireTimeoutMs: 300 } });
    const { tenantId } = await connectTenant(tokens);
    const held = new Mutex(redis, refreshLockName(config.redis.prefix, tenantId), { lockTimeout: 10_000 });
    await held.acquire();
    try {
      await expect(tokens.refresh(tenantId, { reason: 'manual' })).rejects.toMatchObject({
        kind: 'transient',
        message: expect.stringContaining('held by another process'),
      });
      // The holder finished meanwhile (version moved) but did not release in time: its token is used.
      const reconnected = fixture.sandbox.control.issueTokens({ realmId: US_REALM });
      await storeConnection(tokens, tenantId, US_REALM, tokenSetOf(reconnected));
      const outcome = await tokens.refresh(tenantId, { reason: 'manual', observedVersion: 1 });
      expect(outcome).toMatchObject({ accessToken: reconnected.access_token, refreshed: false });
    } finally {
      await held.release();
    }
    expect(tokenRequests()).toHaveLength(0);
  });

  it('lets a reconnect that lands during a refresh win over the refresh it overtook', async () => {
    const tokens = vault();
    const { tenantId } = await connectTenant(tokens);
    fixture.sandbox.control.injectLatency({ match: { path: TOKEN_PATH }, fixedMs: 500 });
    const pending = tokens.refresh(tenantId, { reason: 'manual' });
    await waitForTokenRequest();
    const reconnected = fixture.sandbox.control.issueTokens({ realmId: US_REALM });
    await storeConnection(tokens, tenantId, US_REALM, tokenSetOf(reconnected));

    expect(await pending).toEqual({
      accessToken: reconnected.access_token,
      refreshed: false,
      tokenVersion: 2,
    });
    expect(await readStored(cipher, tenantId)).toMatchObject({
      accessToken: reconnected.access_token,
      tokenVersion: 2,
    });
  });

  it('does not mark NEEDS_REAUTH when a reconnect replaced the refused grant meanwhile', async () => {
    const changes: unknown[][] = [];
    const tokens = vault({ onStateChange: (...args) => void changes.push(args) });
    const { tenantId, issued } = await connectTenant(tokens);
    await oauthClientFor(config, silentLogger()).revoke(issued.refresh_token);
    fixture.sandbox.control.injectLatency({ match: { path: TOKEN_PATH }, fixedMs: 500 });
    const pending = tokens.refresh(tenantId, { reason: 'manual' });
    await waitForTokenRequest();
    const reconnected = fixture.sandbox.control.issueTokens({ realmId: US_REALM });
    await storeConnection(tokens, tenantId, US_REALM, tokenSetOf(reconnected));

    expect(await pending).toMatchObject({ accessToken: reconnected.access_token, refreshed: false });
    expect(tokenRequests().map((r) => r.status)).toEqual([400]);
    expect((await readStored(cipher, tenantId)).state).toBe('CONNECTED');
    expect(changes).toEqual([]);
  });

  it('makes no further exchange once its lock was lost, and leaves the connection as it was', async () => {
    const { logger, lines } = capturingLogger();
    const tokens = vault({ options: { lockTimeoutMs: 300 } }, logger);
    const { tenantId } = await connectTenant(tokens);
    // The first answer is slow, then lost: the retry would need the lock, which is gone by then.
    fixture.sandbox.control.injectLatency({ match: { path: TOKEN_PATH }, fixedMs: 1500 });
    fixture.sandbox.control.injectFault({
      match: { path: TOKEN_PATH },
      action: { type: 'commit-then-drop' },
    });
    const pending = tokens.refresh(tenantId, { reason: 'manual' });
    await waitForTokenRequest();
    // What another process would see after the lock expired under us (redis-semaphore's key naming).
    await redis.del(`mutex:${refreshLockName(config.redis.prefix, tenantId)}`);

    await expect(pending).rejects.toMatchObject({
      kind: 'transient',
      message: expect.stringContaining('lost its lock'),
    });
    expect(lines().some((line) => line.msg === 'token refresh lock lost while held')).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    expect(await readStored(cipher, tenantId)).toMatchObject({ state: 'CONNECTED', tokenVersion: 1 });
  });
});

describe('scheduled refresh', () => {
  it('refreshes only CONNECTED connections expiring within the window, oldest first, and reports counts', async () => {
    await CustomerModel.deleteMany({});
    const tokens = vault();
    const minutes = (n: number) => new Date(Date.now() + n * 60_000);
    const setExpiry = (tenantId: string, expiresAt: Date, extra: Record<string, unknown> = {}) =>
      CustomerModel.updateOne(
        { _id: tenantId },
        { $set: { 'integrations.quickbooks.accessTokenExpiresAt': expiresAt, ...extra } },
      );
    const dueSoon = await connectTenant(tokens);
    await setExpiry(dueSoon.tenantId, minutes(5));
    const dueLater = await connectTenant(tokens);
    await setExpiry(dueLater.tenantId, minutes(15));
    const alreadyExpired = await connectTenant(tokens);
    await setExpiry(alreadyExpired.tenantId, minutes(-3));
    const revoked = await connectTenant(tokens);
    await setExpiry(revoked.tenantId, minutes(10));
    await oauthClientFor(config, silentLogger()).revoke(revoked.issued.refresh_token);
    const notDue = await connectTenant(tokens);
    await setExpiry(notDue.tenantId, minutes(50));
    const paused = await connectTenant(tokens);
    await setExpiry(paused.tenantId, minutes(1), { 'integrations.quickbooks.state': 'NEEDS_REAUTH' });

    // Through BullMQ, as the worker runs it; pages of 2 so keyset paging is exercised.
    const prefix = uniqueName('qbs-test');
    const [connection, eventsConnection, workerConnection] = [1, 2, 3].map(() => workerRedis());
    const queue = new Queue(TOKEN_REFRESH_QUEUE, { connection: connection!, prefix });
    const events = new QueueEvents(TOKEN_REFRESH_QUEUE, { connection: eventsConnection!, prefix });
    const worker = createTokenRefreshWorker({
      connection: workerConnection!,
      prefix,
      sweep: {
        customers: CustomerModel,
        tokens,
        withinMinutes: 20,
        now: () => new Date(),
        batchSize: 2,
        concurrency: 2,
      },
      rotation: { customers: CustomerModel, cipher, audit: () => undefined },
      logger: silentLogger(),
    });
    closeLater.push(worker, events, queue);
    await events.waitUntilReady();
    const job = await queue.add(TokenJob.refreshExpiring, {});
    const counts = await job.waitUntilFinished(events, 15_000);

    expect(counts).toEqual({ due: 4, refreshed: 3, skipped: 0, failed: 0, needsReauth: 1 });
    expect(tokenRequests()).toHaveLength(4);
    for (const { tenantId } of [dueSoon, dueLater, alreadyExpired]) {
      expect(await readStored(cipher, tenantId)).toMatchObject({ state: 'CONNECTED', tokenVersion: 2 });
    }
    expect((await readStored(cipher, revoked.tenantId)).state).toBe('NEEDS_REAUTH');
    expect((await readStored(cipher, notDue.tenantId)).tokenVersion).toBe(1);
    expect((await readStored(cipher, paused.tenantId)).tokenVersion).toBe(1);
    await queue.obliterate({ force: true });
  });

  it('counts transient failures and connections refreshed meanwhile, and logs the counts', async () => {
    await CustomerModel.deleteMany({});
    const tokens = vault();
    const failing = await connectTenant(tokens);
    const overtaken = await connectTenant(tokens);
    for (const { tenantId } of [failing, overtaken]) {
      await CustomerModel.updateOne(
        { _id: tenantId },
        { $set: { 'integrations.quickbooks.accessTokenExpiresAt': new Date(Date.now() + 60_000) } },
      );
    }
    fixture.sandbox.control.injectFault({
      match: { path: TOKEN_PATH },
      action: { type: 'status', status: 503 },
    });
    const { logger, lines } = capturingLogger();
    // Refreshes the second one "elsewhere" after the sweep read it: the sweep's refresh sees a newer version.
    const overtakingTokens: Pick<ConnectionTokens, 'refresh'> = {
      refresh: async (tenantId, input) => {
        if (tenantId === overtaken.tenantId) {
          const reconnected = fixture.sandbox.control.issueTokens({ realmId: US_REALM });
          await storeConnection(tokens, tenantId, US_REALM, tokenSetOf(reconnected));
        }
        return tokens.refresh(tenantId, input);
      },
    };

    const counts = await refreshExpiringTokens({
      customers: CustomerModel,
      tokens: overtakingTokens,
      withinMinutes: 20,
      now: () => new Date(),
      logger,
      concurrency: 1,
    });
    expect(counts).toEqual({ due: 2, refreshed: 0, skipped: 1, failed: 1, needsReauth: 0 });
    expect(lines().find((line) => line.msg === 'token refresh sweep finished')).toMatchObject({
      due: 2,
      failed: 1,
      skipped: 1,
      level: 40,
    });
    expect(lines().find((line) => line.msg === 'scheduled token refresh failed')).toMatchObject({
      tenantId: failing.tenantId,
      kind: 'transient',
    });
  });

  it('registers one job scheduler however many processes start', async () => {
    const queue = new Queue(TOKEN_REFRESH_QUEUE, {
      connection: workerRedis(),
      prefix: uniqueName('qbs-test'),
    });
    try {
      await scheduleTokenRefresh(queue, 45);
      await scheduleTokenRefresh(queue, 45);
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers).toHaveLength(1);
      expect(schedulers[0]).toMatchObject({ key: TokenJob.refreshExpiring, every: 45 * 60_000 });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
