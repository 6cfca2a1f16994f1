import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import mongoose from 'mongoose';
import { createRedis, closeRedis } from '../../src/redis.js';
import { isDependencyTimeout } from '../../src/resolvers/errors.js';
import { createHttpServer } from '../../src/server/http-server.js';
import type { GraphQLContext } from '../../src/resolvers/context.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { silentLogger, testConfig, tokenFor } from '../support/harness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * A stalled dependency must end a request with a typed TIMEOUT within the configured bound, never hang
 * it. The database is stalled through a TCP proxy this file controls (the shared test server keeps
 * serving other files). Assertions are on the error code, not on wall-clock time.
 */

const ACME = 'cust-acme';
const connectionQuery = { query: `{ quickbooksConnection(customerId: "${ACME}") { status } }` };

async function proxyTo(url: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(url);
  return startTcpProxy(hostname, Number(port));
}

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    json: (await res.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { path?: unknown[]; extensions?: Record<string, unknown> }[];
    },
  };
}

describe('a paused database', () => {
  let proxy: TcpProxy;
  let api: TestApi;

  beforeAll(async () => {
    proxy = await proxyTo(process.env.TEST_MONGODB_URI!);
    api = await startTestApi({
      MONGODB_URI: `mongodb://${proxy.address}`,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1500',
      MONGODB_SOCKET_TIMEOUT_MS: '1000',
      MONGODB_MAX_TIME_MS: '500',
      REQUEST_TIMEOUT_MS: '20000',
    });
  });

  afterEach(() => proxy.resume());

  afterAll(async () => {
    proxy.resume();
    await mongoose.connection.db?.dropDatabase();
    await api.close();
    await proxy.close();
  });

  it('answers the waiting field with TIMEOUT, retryable, once the socket timeout passes (was a hang)', async () => {
    const token = await tokenFor({ userId: 'user-1', tenants: [ACME] });
    expect((await post(api.url, connectionQuery, token)).json.data).toEqual({
      quickbooksConnection: { status: 'DISCONNECTED' },
    });

    proxy.pause();
    const stalled = await post(api.url, connectionQuery, token);
    expect(stalled.status).toBe(200);
    expect(stalled.json.data).toEqual({ quickbooksConnection: null });
    expect(stalled.json.errors).toEqual([
      {
        message: expect.any(String),
        locations: expect.any(Array),
        path: ['quickbooksConnection'],
        extensions: { code: 'TIMEOUT', retryable: true },
      },
    ]);
    expect(JSON.stringify(stalled.json)).not.toContain(proxy.address);

    proxy.resume();
    const recovered = await post(api.url, connectionQuery, token);
    expect(recovered.json).toEqual({ data: { quickbooksConnection: { status: 'DISCONNECTED' } } });
  });
});

describe('the request deadline', () => {
  let server: ReturnType<typeof createHttpServer>;
  let url: string;

  beforeAll(async () => {
    // A resolver that never settles stands for any dependency without a deadline of its own.
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          stalled: { type: GraphQLString, resolve: () => new Promise<string>(() => undefined) },
          quick: { type: GraphQLString, resolve: () => 'ok' },
        },
      }),
    });
    const config = testConfig({ REQUEST_TIMEOUT_MS: '300' });
    server = createHttpServer({
      schema,
      createContext: async () => ({ viewer: null }) as unknown as GraphQLContext,
      readiness: [],
      logger: silentLogger(),
      introspection: false,
      landingPage: false,
      limits: config.limits,
      maxBodyBytes: config.http.maxBodyBytes,
      requestTimeoutMs: config.http.requestTimeoutMs,
      subscriptions: config.subscriptions,
    });
    const port = await server.start('127.0.0.1', 0);
    url = `http://127.0.0.1:${port}/graphql`;
  });

  afterAll(async () => {
    await server.stop();
  });

  it('answers 504 TIMEOUT, retryable, when execution outlives REQUEST_TIMEOUT_MS', async () => {
    const answer = await post(url, { query: '{ stalled }' });
    expect(answer.status).toBe(504);
    expect(answer.json).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'TIMEOUT', retryable: true } }],
    });
    expect((await post(url, { query: '{ quick }' })).json).toEqual({ data: { quick: 'ok' } });
  });
});

describe('a paused Redis', () => {
  it('fails a pub/sub command after REDIS_COMMAND_TIMEOUT_MS with an error classed as TIMEOUT', async () => {
    const proxy = await proxyTo(process.env.TEST_REDIS_URL!);
    const client = createRedis(`redis://${proxy.address}`, 'pubsub', { commandTimeout: 300 });
    try {
      expect(await client.ping()).toBe('PONG');
      proxy.pause();
      const error = await client.ping().catch((e: unknown) => e);
      expect(isDependencyTimeout(error)).toBe(true);
    } finally {
      proxy.resume();
      await closeRedis(client);
      await proxy.close();
    }
  });

  it('never gives BullMQ worker connections a command timeout (they block by design)', () => {
    expect(() => createRedis('redis://127.0.0.1:1', 'worker', { commandTimeout: 300 })).toThrow(
      /must not have a commandTimeout/,
    );
  });
});
