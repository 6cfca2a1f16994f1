/**
 * Issue 8, item 4: the attacks on graphql-ws, each sent for real (real sockets, Redis, FerretDB) and
 * answered with a typed refusal. Limits are configured small here so the tests stay quick; the defaults
 * are in src/config.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import { stopChild } from '../../scripts/services/index.js';
import { createSyncStatusEvents } from '../../src/events/sync-status-events.js';
import { models } from '../../src/models/index.js';
import type { InvoiceSyncStateName } from '../../src/models/invoice-sync-state.js';
import { CLOSE_REASON } from '../../src/server/subscription-server.js';
import { SyncStatusService } from '../../src/services/sync-status.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { eventually, silentLogger, testEnv, tokenFor } from '../support/harness.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const MAX_PER_CONNECTION = 5;
const INIT_TIMEOUT_MS = 1000;
const MAX_MESSAGE_BYTES = 16 * 1024;

let api: TestApi;
let redis: Redis;
let publishClient: Redis;
let recorder: SyncStatusService;
let wsUrl: string;
const clients: Client[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  api = await startTestApi({
    SUBSCRIPTION_MAX_PER_CONNECTION: String(MAX_PER_CONNECTION),
    SUBSCRIPTION_INIT_TIMEOUT_MS: String(INIT_TIMEOUT_MS),
    SUBSCRIPTION_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
  });
  wsUrl = api.url.replace(/^http/, 'ws');
  redis = new Redis(api.config.redis.url);
  // The worker side, in this process: the real service records in FerretDB and publishes through Redis.
  publishClient = new Redis(api.config.redis.url);
  recorder = new SyncStatusService({
    models,
    events: createSyncStatusEvents({
      publishClient,
      subscribeClient: new Redis(api.config.redis.url, { lazyConnect: true }),
      prefix: api.config.redis.prefix,
    }),
    now: () => new Date(),
    logger: silentLogger(),
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  for (const socket of sockets.splice(0)) socket.terminate();
});

afterAll(async () => {
  redis.disconnect();
  publishClient.disconnect();
  await mongoose.connection.db?.dropDatabase();
  await api.close();
});

const record = (tenantId: string, invoiceId: string, state: InvoiceSyncStateName) =>
  recorder.record({ tenantId, invoiceId }, { state, attemptStarted: true });

function wsClient(authorization?: string, url = wsUrl): Client {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

type Result = FormattedExecutionResult<Record<string, { invoiceId: string; status: { state: string } }>>;

/** One operation's outcome as the client sees it: results, then an error (GraphQL errors or a close). */
function start(client: Client, query: string, variables: Record<string, unknown>) {
  const results: Result[] = [];
  const state: { error?: unknown; completed: boolean } = { completed: false };
  const stop = client.subscribe<Result['data']>(
    { query, variables },
    {
      next: (r) => void results.push(r as Result),
      error: (e) => void (state.error = e),
      complete: () => void (state.completed = true),
    },
  );
  return { results, state, stop };
}

const FOLLOW_INVOICE = `subscription Follow($invoiceId: ID!) {
  quickbooksSyncStatusChanged(invoiceId: $invoiceId) { invoiceId status { state } }
}`;
const FOLLOW_CUSTOMER = `subscription Activity($customerId: ID!) {
  quickbooksSyncActivity(customerId: $customerId) { invoiceId status { state } }
}`;

const channelsOf = async (pattern = '*') =>
  ((await redis.pubsub('CHANNELS', `${api.config.redis.prefix}:${pattern}`)) as string[]).sort();

/** The channel a tenant's events travel on: waiting for it means the server is listening. */
const tenantChannel = (tenant: string) => `${api.config.redis.prefix}:sync-status-changed:${tenant}`;
async function listening(tenant: string): Promise<void> {
  await eventually(async () => ((await channelsOf()).includes(tenantChannel(tenant)) ? true : undefined));
}

/**
 * Publishes until every subscription has had an event. Nothing signals that a subscription has started:
 * the first subscriber of a tenant shows as its Redis channel, but later ones attach to that channel in
 * the API process without a Redis round trip, possibly after `listening` returned.
 */
async function publishUntilDelivered(subs: { results: unknown[] }[], publish: () => Promise<unknown>) {
  await eventually(async () => {
    if (subs.every((sub) => sub.results.length > 0)) return true;
    await publish();
    await new Promise((r) => setTimeout(r, 100));
    return undefined;
  }, 10_000);
}

function codesOf(error: unknown): unknown[] {
  return Array.isArray(error)
    ? error.map((e: { extensions?: { code?: unknown } }) => e.extensions?.code)
    : [];
}

/** A socket speaking graphql-transport-ws by hand, to see exactly which messages and close codes arrive. */
function rawSocket() {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  sockets.push(socket);
  const messages: { type: string; id?: string; payload?: unknown }[] = [];
  socket.on('message', (data) => void messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    messages,
    closed,
    async send(message: Record<string, unknown>) {
      await opened;
      socket.send(JSON.stringify(message));
    },
  };
}

async function acknowledgedSocket(authorization: string) {
  const socket = rawSocket();
  await socket.send({ type: 'connection_init', payload: { authorization } });
  await eventually(async () => (socket.messages.some((m) => m.type === 'connection_ack') ? true : undefined));
  return socket;
}

describe('token expiry on a live subscription', () => {
  it('ends each operation with UNAUTHENTICATED, closes the socket with 4403, and delivers no event after exp', async () => {
    const token = await tokenFor({ userId: 'u-short', tenants: ['cust-expiry'], expiresIn: '2s' });
    const socket = await acknowledgedSocket(`Bearer ${token}`);
    await socket.send({
      id: 'live',
      type: 'subscribe',
      payload: { query: FOLLOW_INVOICE, variables: { invoiceId: 'inv-expiry' } },
    });
    await listening('cust-expiry');
    await record('cust-expiry', 'inv-expiry', 'QUEUED');
    await eventually(async () => socket.messages.find((m) => m.type === 'next'));

    // exp has whole-second precision: 2 s after issue at the latest, plus margin.
    await new Promise((r) => setTimeout(r, 3000));
    await record('cust-expiry', 'inv-expiry', 'SYNCING');

    expect(await socket.closed).toEqual({ code: 4403, reason: CLOSE_REASON.TOKEN_EXPIRED });
    expect(socket.messages.filter((m) => m.id === 'live').map((m) => m.type)).toEqual(['next', 'error']);
    expect(codesOf(socket.messages.find((m) => m.type === 'error')?.payload)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(socket.messages)).not.toContain('SYNCING');
  });
});

describe('who may open a connection', () => {
  it('closes sockets whose connection_init carries no valid token with 4403, never acknowledging them', async () => {
    const forged = await tokenFor(
      { userId: 'u1', tenants: ['cust-a'] },
      'some-other-secret-some-other-secret-0000',
    );
    const attempts = [
      ...Array.from({ length: 100 }, () => ({})),
      ...Array.from({ length: 100 }, () => ({ authorization: `Bearer ${forged}` })),
    ];
    const opened = attempts.map(() => rawSocket());
    await Promise.all(opened.map((s, i) => s.send({ type: 'connection_init', payload: attempts[i] })));
    const closes = await Promise.all(opened.map((s) => s.closed));

    expect(closes).toEqual(closes.map(() => ({ code: 4403, reason: CLOSE_REASON.NO_VALID_TOKEN })));
    expect(opened.flatMap((s) => s.messages)).toEqual([]);
  });

  it('closes sockets that never send connection_init with 4408 after SUBSCRIPTION_INIT_TIMEOUT_MS', async () => {
    const idle = Array.from({ length: 200 }, () => rawSocket());
    const closes = await Promise.all(idle.map((s) => s.closed));
    expect(new Set(closes.map((c) => c.code))).toEqual(new Set([4408]));
  });

  it('closes a socket that sends a message over SUBSCRIPTION_MAX_MESSAGE_BYTES with 1009', async () => {
    const token = await tokenFor({ userId: 'u1', tenants: ['cust-a'] });
    const socket = await acknowledgedSocket(`Bearer ${token}`);
    await socket.send({
      id: '1',
      type: 'subscribe',
      payload: { query: FOLLOW_INVOICE, variables: { invoiceId: 'x'.repeat(MAX_MESSAGE_BYTES) } },
    });
    expect((await socket.closed).code).toBe(1009);
  });
});

describe('subscriptions per connection', () => {
  it('refuses the subscription past SUBSCRIPTION_MAX_PER_CONNECTION with TOO_MANY_SUBSCRIPTIONS and keeps the others', async () => {
    const token = await tokenFor({ userId: 'u-many', tenants: ['cust-cap'] });
    const client = wsClient(`Bearer ${token}`);
    const subs = Array.from({ length: MAX_PER_CONNECTION + 1 }, (_, i) =>
      start(client, FOLLOW_INVOICE, { invoiceId: `inv-cap-${i}` }),
    );
    const refused = subs[MAX_PER_CONNECTION]!;
    await eventually(async () => refused.state.error);
    expect(codesOf(refused.state.error)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);

    await listening('cust-cap');
    const kept = subs.slice(0, MAX_PER_CONNECTION);
    await publishUntilDelivered(kept, () =>
      Promise.all(subs.map((_, i) => record('cust-cap', `inv-cap-${i}`, 'QUEUED'))),
    );
    expect(kept.map((s) => s.state.error)).toEqual(kept.map(() => undefined));
    expect(refused.results).toEqual([]);
  });
});

describe('Redis channels', () => {
  it('uses one channel per tenant however many subscriptions, and releases it when the last one leaves', async () => {
    const token = await tokenFor({ userId: 'u-flood', tenants: ['cust-flood', 'cust-flood-2'] });
    const subs = Array.from({ length: 3 }, () => wsClient(`Bearer ${token}`)).flatMap((client, c) => [
      ...Array.from({ length: MAX_PER_CONNECTION - 1 }, (_, i) =>
        start(client, FOLLOW_INVOICE, { invoiceId: `inv-flood-${c}-${i}` }),
      ),
      start(client, FOLLOW_CUSTOMER, { customerId: 'cust-flood' }),
    ]);
    await listening('cust-flood');
    await listening('cust-flood-2');
    // Every subscription is live: each receives its event.
    await publishUntilDelivered(subs, () =>
      Promise.all(
        Array.from({ length: 3 }, (_, c) =>
          Array.from({ length: MAX_PER_CONNECTION - 1 }, (__, i) =>
            record('cust-flood', `inv-flood-${c}-${i}`, 'QUEUED'),
          ),
        ).flat(),
      ),
    );

    expect(await channelsOf('sync-status-changed:cust-flood*')).toEqual([
      tenantChannel('cust-flood'),
      tenantChannel('cust-flood-2'),
    ]);

    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await eventually(async () =>
      (await channelsOf('sync-status-changed:cust-flood*')).length === 0 ? true : undefined,
    );
  });
});

describe("another tenant's invoice ids", () => {
  it('answers an unknown invoice id and a foreign one alike, and delivers only the caller’s own events', async () => {
    await record('cust-probe-other', 'inv-foreign', 'SYNCED');
    const token = await tokenFor({ userId: 'u-probe', tenants: ['cust-probe'] });
    const client = wsClient(`Bearer ${token}`);
    const foreign = start(client, FOLLOW_INVOICE, { invoiceId: 'inv-foreign' });
    const unknown = start(client, FOLLOW_INVOICE, { invoiceId: 'inv-never-seen' });
    await listening('cust-probe');

    await publishUntilDelivered([foreign, unknown], async () => {
      await record('cust-probe-other', 'inv-foreign', 'FAILED');
      await record('cust-probe', 'inv-foreign', 'QUEUED');
      await record('cust-probe', 'inv-never-seen', 'QUEUED');
    });

    for (const sub of [foreign, unknown]) {
      expect(sub.state.error).toBeUndefined();
      const states = new Set(sub.results.map((r) => r.data?.quickbooksSyncStatusChanged?.status.state));
      expect(states).toEqual(new Set(['QUEUED']));
    }
  });
});

describe('errors over graphql-ws', () => {
  it('sends FORBIDDEN at subscribe time as an error message, without next or complete', async () => {
    const token = await tokenFor({ userId: 'u1', tenants: ['cust-a'] });
    const socket = await acknowledgedSocket(`Bearer ${token}`);
    await socket.send({
      id: 'op-1',
      type: 'subscribe',
      payload: { query: FOLLOW_CUSTOMER, variables: { customerId: 'cust-someone-else' } },
    });
    await eventually(async () => (socket.messages.some((m) => m.id === 'op-1') ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));

    const forOperation = socket.messages.filter((m) => m.id === 'op-1');
    expect(forOperation).toEqual([
      {
        id: 'op-1',
        type: 'error',
        payload: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })],
      },
    ]);
  });

  it('answers a syntax error with an error message and keeps the socket open', async () => {
    const token = await tokenFor({ userId: 'u1', tenants: ['cust-a'] });
    const socket = await acknowledgedSocket(`Bearer ${token}`);
    await socket.send({ id: 'bad', type: 'subscribe', payload: { query: 'subscription {' } });
    await socket.send({ id: 'ping', type: 'ping' }).catch(() => undefined);
    await eventually(async () => (socket.messages.some((m) => m.id === 'bad') ? true : undefined));

    expect(socket.messages.find((m) => m.id === 'bad')).toMatchObject({
      type: 'error',
      payload: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
    });
    expect(JSON.stringify(socket.messages)).not.toMatch(/node_modules|at .*\.js:\d+/);
    await eventually(async () => (socket.messages.some((m) => m.type === 'pong') ? true : undefined));
  });

  it('serves only subscriptions: a query over WebSocket gets BAD_REQUEST (queries go over HTTP)', async () => {
    const token = await tokenFor({ userId: 'u1', tenants: ['cust-a'] });
    const sub = start(wsClient(`Bearer ${token}`), '{ _service { sdl } }', {});
    await eventually(async () => sub.state.error ?? (sub.results.length ? sub.results : undefined));
    expect(sub.results).toEqual([]);
    expect(codesOf(sub.state.error)).toEqual(['BAD_REQUEST']);
  });
});

describe('quickbooksSyncActivity: one feed per customer', () => {
  it("delivers every change of the customer's invoices and nothing of other customers", async () => {
    const token = await tokenFor({ userId: 'u-feed', tenants: ['cust-feed'] });
    const feed = start(wsClient(`Bearer ${token}`), FOLLOW_CUSTOMER, { customerId: 'cust-feed' });
    await listening('cust-feed');

    await record('cust-feed', 'inv-feed-1', 'QUEUED');
    await record('cust-feed-other', 'inv-feed-1', 'FAILED');
    await record('cust-feed', 'inv-feed-2', 'SYNCING');
    await record('cust-feed', 'inv-feed-1', 'SYNCED');
    await eventually(async () => (feed.results.length >= 3 ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));

    expect(
      feed.results.map((r) => {
        const change = r.data?.quickbooksSyncActivity;
        return `${change?.invoiceId} ${change?.status.state}`;
      }),
    ).toEqual(['inv-feed-1 QUEUED', 'inv-feed-2 SYNCING', 'inv-feed-1 SYNCED']);
  });

  it('delivers a burst of 500 changes (a bulk sync) without dropping any', async () => {
    const token = await tokenFor({ userId: 'u-bulk', tenants: ['cust-bulk'] });
    const feed = start(wsClient(`Bearer ${token}`), FOLLOW_CUSTOMER, { customerId: 'cust-bulk' });
    await listening('cust-bulk');
    const events = createSyncStatusEvents({
      publishClient,
      subscribeClient: new Redis(api.config.redis.url, { lazyConnect: true }),
      prefix: api.config.redis.prefix,
    });
    // Published in one go, as Redis then delivers them: many messages per read, in one tick.
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        events.publish({
          tenantId: 'cust-bulk',
          status: { invoiceId: `inv-bulk-${i}`, state: 'QUEUED', attempts: 0 },
        }),
      ),
    );
    await eventually(async () => (feed.results.length >= 500 ? true : undefined), 10_000);
    expect(new Set(feed.results.map((r) => r.data?.quickbooksSyncActivity?.invoiceId)).size).toBe(500);
  });

  it('refuses a customer that is not in the token with FORBIDDEN', async () => {
    const token = await tokenFor({ userId: 'u-feed', tenants: ['cust-feed'] });
    const feed = start(wsClient(`Bearer ${token}`), FOLLOW_CUSTOMER, { customerId: 'cust-not-mine' });
    await eventually(async () => feed.state.error ?? (feed.results.length ? feed.results : undefined));
    expect(feed.results).toEqual([]);
    expect(codesOf(feed.state.error)).toEqual(['FORBIDDEN']);
  });
});

describe('limits over graphql-ws (the same GRAPHQL_MAX_* as HTTP)', () => {
  const selection = (fields: string) =>
    `subscription { quickbooksSyncActivity(customerId: "cust-a") { ${fields} } }`;

  it.each([
    // 20 aliases: over GRAPHQL_MAX_ALIASES (15) and under every other limit. (1,000 hit the token limit.)
    ['20 aliases', selection(Array.from({ length: 20 }, (_, i) => `a${i}: invoiceId`).join(' '))],
    // 1,100 fields: over GRAPHQL_MAX_TOKENS (1,000) yet under the message size limit of this file.
    ['a document of 1,100+ tokens', selection(Array.from({ length: 1100 }, () => 'invoiceId').join(' '))],
    [
      'a fragment bomb',
      `subscription { quickbooksSyncActivity(customerId: "cust-a") { ...F9 } }
       fragment F0 on QuickBooksSyncStatusChange { invoiceId status { state } }
       ${Array.from({ length: 9 }, (_, i) => `fragment F${i + 1} on QuickBooksSyncStatusChange { ...F${i} ...F${i} ...F${i} ...F${i} }`).join('\n')}`,
    ],
  ])('refuses %s with QUERY_TOO_COMPLEX as an error message', async (_name, query) => {
    const token = await tokenFor({ userId: 'u1', tenants: ['cust-a'] });
    const socket = await acknowledgedSocket(`Bearer ${token}`);
    await socket.send({ id: 'big', type: 'subscribe', payload: { query } });
    await eventually(async () => socket.messages.find((m) => m.id === 'big'));
    const answers = socket.messages.filter((m) => m.id === 'big');
    expect(answers.map((m) => m.type)).toEqual(['error']);
    expect(new Set(codesOf(answers[0]?.payload))).toEqual(new Set(['QUERY_TOO_COMPLEX']));
  });
});

describe('Redis stalls while a subscription starts', () => {
  it('answers that subscription with TIMEOUT, and the API process keeps serving', async () => {
    const target = new URL(api.config.redis.url);
    const redisProxy = await startTcpProxy(target.hostname, Number(target.port));
    const env = testEnv({
      REDIS_URL: `redis://${redisProxy.address}`,
      REDIS_COMMAND_TIMEOUT_MS: '300',
      LOG_LEVEL: 'info',
    });
    const root = path.resolve(import.meta.dirname, '../..');
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/index.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => lines.push(line));
    }
    try {
      const listeningLine = await eventually(
        async () => lines.find((line) => line.includes('subgraph listening')),
        20_000,
      );
      const url = (JSON.parse(listeningLine) as { url: string }).url;
      const token = await tokenFor({ userId: 'u1', tenants: ['cust-stall'] });
      redisProxy.pause();

      const sub = start(wsClient(`Bearer ${token}`, url.replace(/^http/, 'ws')), FOLLOW_CUSTOMER, {
        customerId: 'cust-stall',
      });
      await eventually(async () => sub.state.error, 5000);

      expect(codesOf(sub.state.error)).toEqual(['TIMEOUT']);
      expect(child.exitCode).toBeNull();
      expect((await fetch(url.replace('/graphql', '/health'))).status).toBe(200);
    } finally {
      await stopChild(child, 5000);
      await redisProxy.close();
      const connection = await mongoose
        .createConnection(env.MONGODB_URI!, { dbName: env.MONGODB_DB_NAME })
        .asPromise();
      await connection.dropDatabase();
      await connection.close();
    }
  });
});

describe('event fan-out in one API process (SyncStatusEvents)', () => {
  it('skips a message it cannot read and a subscriber that throws, and still delivers to the others', async () => {
    const subscribeClient = new Redis(api.config.redis.url);
    const events = createSyncStatusEvents({
      publishClient,
      subscribeClient,
      prefix: api.config.redis.prefix,
    });
    const failing = events.subscribe(['cust-fanout'], () => {
      throw new Error('a subscriber bug');
    });
    const healthy = events.subscribe(['cust-fanout']);
    const firstFailing = failing.next();
    const firstHealthy = healthy.next();
    try {
      await listening('cust-fanout');
      await publishClient.publish(tenantChannel('cust-fanout'), 'not json');
      await record('cust-fanout', 'inv-fanout', 'QUEUED');

      const { value } = await firstHealthy;
      expect(value).toMatchObject({
        tenantId: 'cust-fanout',
        status: { invoiceId: 'inv-fanout', state: 'QUEUED' },
      });
      expect(value?.status.updatedAt).toBeInstanceOf(Date);
    } finally {
      await Promise.all([failing.return?.(), healthy.return?.()]);
      await firstFailing;
      subscribeClient.disconnect();
    }
  });
});
