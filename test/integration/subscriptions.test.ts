import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { print } from 'graphql';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import WebSocket from 'ws';
import { SyncStatusChangedDocument, type SyncStatusChangedSubscription } from '../generated/graphql.js';
import { CLOSE_REASON } from '../../src/server/subscription-server.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { eventually, tokenFor } from '../support/harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const ACME = 'cust-acme';
const GLOBEX = 'cust-globex';
const INITECH = 'cust-initech';
const UMBRELLA = 'cust-umbrella';

let api: TestApi;
let redis: Redis;
const clients: Client[] = [];

beforeAll(async () => {
  api = await startTestApi();
  redis = new Redis(api.config.redis.url);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  redis.disconnect();
  await mongoose.connection.db?.dropDatabase();
  await api.close();
});

function wsClient(authorization?: string): Client {
  const client = createClient({
    url: api.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

/** Collects what one subscription delivers. */
function follow(client: Client, invoiceId: string) {
  const results: FormattedExecutionResult<SyncStatusChangedSubscription, unknown>[] = [];
  let error: unknown;
  const unsubscribe = client.subscribe<SyncStatusChangedSubscription>(
    { query: print(SyncStatusChangedDocument), variables: { invoiceId } },
    { next: (r) => void results.push(r), error: (e) => void (error = e), complete: () => undefined },
  );
  return { results, errorOf: () => error, unsubscribe };
}

/**
 * Waits until the API process has subscribed to the tenant's Redis channel, so no event is published too
 * early. The channel is shared by all of a tenant's subscribers, so each test follows its own tenant.
 */
async function subscribedInRedis(tenant: string): Promise<void> {
  const channel = `${api.config.redis.prefix}:sync-status-changed:${tenant}`;
  await eventually(async () => {
    const channels = (await redis.pubsub('CHANNELS', channel)) as string[];
    return channels.length > 0 ? true : undefined;
  });
}

function recordInAnotherProcess(tenantId: string, invoiceId: string, state: string) {
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MONGODB_URI: api.config.mongo.uri,
    MONGODB_DB_NAME: api.config.mongo.dbName,
    REDIS_URL: api.config.redis.url,
    REDIS_PREFIX: api.config.redis.prefix,
    AUTH_MODE: 'dev-insecure',
  };
  return run(
    path.join(root, 'node_modules/.bin/tsx'),
    ['test/support/record-status.ts', tenantId, invoiceId, state],
    {
      cwd: root,
      env,
    },
  );
}

describe('quickbooksSyncStatusChanged', () => {
  it('delivers a status change recorded by a separate process through Redis', async () => {
    const token = await tokenFor({ userId: 'u1', tenants: [ACME] });
    const sub = follow(wsClient(`Bearer ${token}`), 'inv-100');
    await subscribedInRedis(ACME);

    await recordInAnotherProcess(ACME, 'inv-100', 'SYNCING');
    await recordInAnotherProcess(ACME, 'inv-100', 'SYNCED');

    await eventually(async () => (sub.results.length >= 2 ? true : undefined), 10_000);
    expect(sub.results.map((r) => r.data?.quickbooksSyncStatusChanged)).toEqual([
      {
        invoiceId: 'inv-100',
        invoice: { id: 'inv-100' },
        status: { state: 'SYNCING', attempts: 1, quickbooksInvoiceId: null, lastError: null },
      },
      {
        invoiceId: 'inv-100',
        invoice: { id: 'inv-100' },
        status: { state: 'SYNCED', attempts: 2, quickbooksInvoiceId: '1042', lastError: null },
      },
    ]);
    sub.unsubscribe();
  });

  it("never delivers another tenant's change to the same invoice id", async () => {
    const token = await tokenFor({ userId: 'u1', tenants: [INITECH] });
    const sub = follow(wsClient(`Bearer ${token}`), 'inv-shared');
    await subscribedInRedis(INITECH);

    await recordInAnotherProcess(GLOBEX, 'inv-shared', 'FAILED');
    await recordInAnotherProcess(INITECH, 'inv-shared', 'QUEUED');

    await eventually(async () => (sub.results.length >= 1 ? true : undefined), 10_000);
    // Events for one channel arrive in publish order, so GLOBEX's would have come first.
    expect(sub.results.map((r) => r.data?.quickbooksSyncStatusChanged.status.state)).toEqual(['QUEUED']);
    sub.unsubscribe();
  });

  it('accepts the token on the WebSocket upgrade request, as Apollo Router passthrough sends it', async () => {
    const token = await tokenFor({ userId: 'u1', tenants: [UMBRELLA] });
    class WebSocketWithAuthorization extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { authorization: `Bearer ${token}` } });
      }
    }
    const client = createClient({
      url: api.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocketWithAuthorization,
      retryAttempts: 0,
    });
    clients.push(client);
    const sub = follow(client, 'inv-router');
    await subscribedInRedis(UMBRELLA);
    await recordInAnotherProcess(UMBRELLA, 'inv-router', 'QUEUED');
    await eventually(async () => (sub.results.length >= 1 ? true : undefined), 10_000);
    expect(sub.results[0]?.data?.quickbooksSyncStatusChanged.status.state).toBe('QUEUED');
    sub.unsubscribe();
  });

  it('refuses a connection without a token: closed with 4403 before any operation runs', async () => {
    const sub = follow(wsClient(), 'inv-100');
    await eventually(async () => sub.errorOf());
    expect(sub.errorOf()).toMatchObject({ code: 4403, reason: CLOSE_REASON.NO_VALID_TOKEN });
    expect(sub.results).toEqual([]);
  });
});
