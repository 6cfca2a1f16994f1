import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { US_REALM, useSandbox } from '../../sandbox/test/helpers.js';
import { loadConfig, type Config } from '../../src/config.js';
import { CustomerModel } from '../../src/models/customer.js';
import { connectDatabase, createIndexes } from '../../src/models/index.js';
import type { ConnectionTokens } from '../../src/quickbooks/vault/connection-tokens.js';
import { reencryptAll, type KeyRotationAuditEntry } from '../../src/quickbooks/vault/key-rotation.js';
import { TokenCipher, TokenCipherError } from '../../src/quickbooks/vault/token-cipher.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import {
  createTokenRefreshWorker,
  enqueueKeyRotation,
  TOKEN_REFRESH_QUEUE,
} from '../../src/workers/token-refresh.worker.js';
import { silentLogger, testEnv, uniqueName } from '../support/harness.js';
import { readStored, storeConnection, tokenSetOf, vaultFor } from '../support/refresh-fixtures.js';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

const fixture = useSandbox();
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
/** The same deployment's configuration at the three stages of a rotation. */
const stages = {
  onlyA: { QUICKBOOKS_TOKEN_KEYS: `A:${keyA}` },
  bothBActive: { QUICKBOOKS_TOKEN_KEYS: `A:${keyA},B:${keyB}`, QUICKBOOKS_TOKEN_ACTIVE_KEY_ID: 'B' },
  onlyB: { QUICKBOOKS_TOKEN_KEYS: `B:${keyB}` },
};
let baseEnv: NodeJS.ProcessEnv;
let redis: Redis;
const redisClients: Redis[] = [];

function configAt(stage: keyof typeof stages): Config {
  return loadConfig({ ...baseEnv, ...stages[stage] });
}

function vaultAt(stage: keyof typeof stages): { vault: ConnectionTokens; cipher: TokenCipher } {
  const config = configAt(stage);
  return {
    vault: vaultFor(config, redis, silentLogger()),
    cipher: new TokenCipher(config.quickbooks.tokenKeys),
  };
}

beforeAll(async () => {
  baseEnv = testEnv({ QUICKBOOKS_EMULATOR_URL: fixture.sandbox.url });
  const config = configAt('onlyA');
  await connectDatabase(config.mongo.uri, config.mongo.dbName);
  await createIndexes();
  redis = createRedis(config.redis.url, 'pubsub');
});

beforeEach(async () => {
  await CustomerModel.deleteMany({});
});

afterAll(async () => {
  for (const client of redisClients) client.disconnect();
  await closeRedis(redis);
  await mongoose.connection.db?.dropDatabase();
  await mongoose.disconnect();
});

async function connectTenants(vault: ConnectionTokens, count: number) {
  const tenants: { tenantId: string; accessToken: string }[] = [];
  for (let i = 0; i < count; i++) {
    const tenantId = uniqueName('tenant');
    const issued = fixture.sandbox.control.issueTokens({ realmId: US_REALM });
    await storeConnection(vault, tenantId, US_REALM, tokenSetOf(issued));
    tenants.push({ tenantId, accessToken: issued.access_token });
  }
  return tenants;
}

function runRotationScript(stage: keyof typeof stages) {
  const child = spawn(tsx, ['scripts/rotate-token-keys.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, ...baseEnv, ...stages[stage], LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, output: stdout })),
  );
}

describe('token key rotation', () => {
  it('keeps every read working while keys rotate: mixed keys, re-encryption, then the old key retired', async () => {
    const underA = await connectTenants(vaultAt('onlyA').vault, 3);

    // Stage 2: B is added and active. New connections are sealed under B, old ones still read under A.
    const mixed = vaultAt('bothBActive');
    const underB = await connectTenants(mixed.vault, 2);
    for (const { tenantId, accessToken } of [...underA, ...underB]) {
      expect(await mixed.vault.getAccessToken(tenantId)).toBe(accessToken);
    }
    expect((await readStored(mixed.cipher, underA[0]!.tenantId)).accessKeyId).toBe('A');
    expect((await readStored(mixed.cipher, underB[0]!.tenantId)).accessKeyId).toBe('B');

    const audit: KeyRotationAuditEntry[] = [];
    const counts = await reencryptAll({
      customers: CustomerModel,
      cipher: mixed.cipher,
      audit: (entry) => void audit.push(entry),
      logger: silentLogger(),
      batchSize: 2,
    });
    expect(counts).toEqual({ scanned: 5, reencrypted: 3, skipped: 2, failed: 0 });
    expect(audit.filter((e) => e.kind === 'connection')).toEqual(
      // In _id order: the rotation pages through connections by id.
      [...underA]
        .sort((a, b) => a.tenantId.localeCompare(b.tenantId))
        .map(({ tenantId }) => ({
          kind: 'connection',
          tenantId,
          outcome: 'reencrypted',
          fromKeyIds: ['A'],
          toKeyId: 'B',
        })),
    );
    expect(audit.at(-1)).toEqual({ kind: 'run', toKeyId: 'B', counts });
    expect(JSON.stringify(audit)).not.toMatch(/v1\.|eyJ/);

    // Stage 3: A is retired. Everything reads, and refreshes, under B alone.
    const retired = vaultAt('onlyB');
    for (const { tenantId, accessToken } of [...underA, ...underB]) {
      const stored = await readStored(retired.cipher, tenantId);
      expect(stored).toMatchObject({ accessKeyId: 'B', refreshKeyId: 'B', accessToken, tokenVersion: 1 });
      expect(await retired.vault.getAccessToken(tenantId)).toBe(accessToken);
    }
    const outcome = await retired.vault.refresh(underA[0]!.tenantId, { reason: 'manual' });
    expect(outcome.refreshed).toBe(true);

    // Running it again finds nothing to do.
    const again = await reencryptAll({
      customers: CustomerModel,
      cipher: retired.cipher,
      audit: () => undefined,
      logger: silentLogger(),
    });
    expect(again).toEqual({ scanned: 5, reencrypted: 0, skipped: 5, failed: 0 });
  });

  it('lets a refresh that lands during the rotation win, and re-encrypts the rest', async () => {
    const [first, second] = await connectTenants(vaultAt('onlyA').vault, 2);
    const mixed = vaultAt('bothBActive');
    const order = [first!, second!].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
    const audit: KeyRotationAuditEntry[] = [];

    const counts = await reencryptAll({
      customers: CustomerModel,
      cipher: mixed.cipher,
      // After the first connection is written, the second (already read in this page) is refreshed by
      // "another process": the rotation's compare-and-set on it must miss.
      audit: async (entry) => {
        audit.push(entry);
        if (entry.kind === 'connection' && entry.tenantId === order[0]!.tenantId) {
          await mixed.vault.refresh(order[1]!.tenantId, { reason: 'manual' });
        }
      },
      logger: silentLogger(),
    });
    expect(counts).toEqual({ scanned: 2, reencrypted: 1, skipped: 1, failed: 0 });
    expect(
      audit.filter((e) => e.kind === 'connection').map((e) => e.kind === 'connection' && e.outcome),
    ).toEqual(['reencrypted', 'raced']);
    // The refresh's tokens survived, under the active key.
    const raced = await readStored(mixed.cipher, order[1]!.tenantId);
    expect(raced).toMatchObject({ tokenVersion: 2, accessKeyId: 'B', refreshKeyId: 'B' });
    expect(raced.accessToken).not.toBe(order[1]!.accessToken);
  });

  it('fails loudly on a tampered cipher: reads throw, the rotation counts it and the script exits 1', async () => {
    const [intact, tampered] = await connectTenants(vaultAt('onlyA').vault, 2);
    const doc = await CustomerModel.findById(tampered!.tenantId)
      .select('+integrations.quickbooks.accessTokenCipher')
      .lean();
    const cipherText = doc!.integrations!.quickbooks!.accessTokenCipher!;
    const parts = cipherText.split('.');
    const bytes = Buffer.from(parts[4]!, 'base64url');
    bytes[0] = bytes[0]! ^ 0x80;
    parts[4] = bytes.toString('base64url');
    await CustomerModel.updateOne(
      { _id: tampered!.tenantId },
      { $set: { 'integrations.quickbooks.accessTokenCipher': parts.join('.') } },
    );

    const mixed = vaultAt('bothBActive');
    const failure = await mixed.vault.getAccessToken(tampered!.tenantId).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenCipherError);
    expect(failure).toMatchObject({ failure: 'tampered', keyId: 'A', retryable: false });
    expect(await mixed.vault.getAccessToken(intact!.tenantId)).toBe(intact!.accessToken);

    const { code, output } = await runRotationScript('bothBActive');
    expect(code).toBe(1);
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({
      activeKeyId: 'B',
      scanned: 2,
      reencrypted: 1,
      skipped: 0,
      failed: 1,
    });
    // The failed one was left as it was, under its old key, for an operator to look at.
    const left = await CustomerModel.findById(tampered!.tenantId)
      .select('+integrations.quickbooks.accessTokenCipher')
      .lean();
    expect(left!.integrations!.quickbooks!.accessTokenCipher).toBe(parts.join('.'));
  });

  it('runs as a deduplicated BullMQ job and reports counts', async () => {
    await connectTenants(vaultAt('onlyA').vault, 2);
    const mixed = vaultAt('bothBActive');
    const config = configAt('bothBActive');
    const connect = () => {
      const client = createRedis(config.redis.url, 'worker');
      redisClients.push(client);
      return client;
    };
    const prefix = uniqueName('qbs-test');
    const queue = new Queue(TOKEN_REFRESH_QUEUE, { connection: connect(), prefix });
    const events = new QueueEvents(TOKEN_REFRESH_QUEUE, { connection: connect(), prefix });
    try {
      await events.waitUntilReady();
      // An operator asking twice before a worker picks it up gets one run.
      await enqueueKeyRotation(queue);
      await enqueueKeyRotation(queue);
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
      const [job] = await queue.getJobs(['waiting']);
      const worker = createTokenRefreshWorker({
        connection: connect(),
        prefix,
        sweep: { customers: CustomerModel, tokens: mixed.vault, withinMinutes: 20, now: () => new Date() },
        rotation: { customers: CustomerModel, cipher: mixed.cipher, audit: () => undefined },
        logger: silentLogger(),
      });
      try {
        expect(await job!.waitUntilFinished(events, 15_000)).toEqual({
          scanned: 2,
          reencrypted: 2,
          skipped: 0,
          failed: 0,
        });
      } finally {
        await worker.close();
      }
    } finally {
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('never returns cipher fields from a query that does not ask for them', async () => {
    const [tenant] = await connectTenants(vaultAt('onlyA').vault, 1);
    const lean = await CustomerModel.find({}).lean();
    const hydrated = await CustomerModel.findById(tenant!.tenantId);
    for (const doc of [lean[0], hydrated?.toJSON()]) {
      expect(doc?.integrations?.quickbooks?.state).toBe('CONNECTED');
      expect(doc?.integrations?.quickbooks).not.toHaveProperty('accessTokenCipher');
      expect(doc?.integrations?.quickbooks).not.toHaveProperty('refreshTokenCipher');
    }
    expect(JSON.stringify(lean)).not.toContain('v1.A.');
  });
});
