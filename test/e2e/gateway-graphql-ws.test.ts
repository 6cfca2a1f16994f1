/**
 * graphql-ws through the gateway (gateway/graphql-ws.ts, served by gateway/server.ts): the rules the
 * subgraph's own graphql-ws server keeps (src/server/subscription-server.ts), asserted at the level of the
 * protocol's messages and close codes. Hive Gateway's CLI, which served the gateway before, answered every
 * refusal with `next` + `complete`, acknowledged any socket that sent connection_init and capped nothing
 * (issue 8; bench/attacks.ts measures both).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import type { Message } from 'graphql-ws';
import { SignJWT } from 'jose';
import { TEST_JWT_SECRET, eventually, tokenFor } from '../support/harness.js';
import { startGateway, startSilentServer, type GatewayProcess } from './support/gateway.js';
import { startGraph, type Graph } from './support/graph.js';
import { acknowledged, openRawGraphqlWs, type RawGraphqlWs } from './support/raw-graphql-ws.js';

const ACME = 'cust-acme-us';
const NORDLYS = 'cust-nordlys-no';
const THAMES = 'cust-thames-gb';
const NO_VALID_TOKEN = { code: 4403, reason: 'Forbidden: a valid bearer token is required' };
const ACTIVITY = (customerId: string) =>
  `subscription { quickbooksSyncActivity(customerId: "${customerId}") { invoiceId status { state } } }`;

let graph: Graph;
/** A second gateway in front of the same subgraphs, with small graphql-ws limits. */
let limited: GatewayProcess;
let acmeToken: string;
const sockets: RawGraphqlWs[] = [];
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  graph = await startGraph();
  limited = await gateway({
    hostUrl: graph.host.url,
    quickbooksUrl: graph.api.url,
    env: {
      GATEWAY_SUBSCRIPTION_MAX_PER_CONNECTION: '2',
      GATEWAY_SUBSCRIPTION_INIT_TIMEOUT_MS: '500',
      GATEWAY_SUBSCRIPTION_MAX_MESSAGE_BYTES: '2048',
    },
  });
  acmeToken = await tokenFor({ userId: 'dispatcher-1', tenants: [ACME] });
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all(gateways.map((started) => started.stop()));
  await graph?.close();
});

async function gateway(options: Parameters<typeof startGateway>[0]): Promise<GatewayProcess> {
  const started = await startGateway(options);
  gateways.push(started);
  return started;
}

async function open(url: string, options: Parameters<typeof openRawGraphqlWs>[1] = {}) {
  const socket = await openRawGraphqlWs(url, options);
  sockets.push(socket);
  return socket;
}

const withToken = (token: string) => ({ connectionParams: { authorization: `Bearer ${token}` } });

const sign = (claims: Record<string, unknown>, exp?: number, secret = TEST_JWT_SECRET) => {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('user-1').setIssuedAt();
  if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
};
const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

const errorCodes = (message: Message | undefined) =>
  message?.type === 'error' ? message.payload.map((error) => error.extensions?.code) : [];

describe('connection_init', () => {
  it('acknowledges a socket whose token comes in the connection params, or on the upgrade request', async () => {
    await acknowledged(await open(graph.gatewayUrl, withToken(acmeToken)));
    await acknowledged(
      await open(graph.gatewayUrl, {
        headers: { authorization: `bearer ${acmeToken}` },
        connectionParams: {},
      }),
    );
  });

  it.each([
    ['without a token', () => ({})],
    ['with a malformed token', () => ({ authorization: 'Bearer not-a-jwt' })],
    ['with another scheme', () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })],
    [
      'with an expired token',
      async () => ({ authorization: `Bearer ${await sign({ tenants: [ACME] }, inSeconds(-60))}` }),
    ],
    [
      'with a forged token',
      async () => ({
        authorization: `Bearer ${await sign({ tenants: [ACME] }, inSeconds(600), 'another-secret-another-secret-0123456789')}`,
      }),
    ],
    [
      'with a token without exp',
      async () => ({ authorization: `Bearer ${await sign({ tenants: [ACME] })}` }),
    ],
    [
      'with an unsigned token (alg none)',
      () => ({
        authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"x","tenants":["${ACME}"],"exp":${inSeconds(600)}}`).toString('base64url')}.`,
      }),
    ],
  ])('closes a socket %s with 4403, as the subgraph does, before acknowledging it', async (_name, params) => {
    const socket = await open(graph.gatewayUrl, { connectionParams: await params() });
    expect(await socket.closed).toEqual(NO_VALID_TOKEN);
    expect(socket.received).toEqual([]);
  });

  it('closes a socket with 4500 when the keys to check its token cannot be fetched, and logs why', async () => {
    const nowhere = await startSilentServer();
    await nowhere.close(); // its port now refuses connections
    const jwksGateway = await gateway({
      hostUrl: graph.host.url,
      quickbooksUrl: graph.api.url,
      env: { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: nowhere.url.replace(/graphql$/, 'jwks.json') },
    });
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const rs256 = `${segment({ alg: 'RS256', kid: 'k1' })}.${segment({ sub: 'x', exp: inSeconds(600) })}.c2ln`;
    const socket = await open(jwksGateway.url, { connectionParams: { authorization: `Bearer ${rs256}` } });
    expect(await socket.closed).toEqual({ code: 4500, reason: 'Internal server error' });
    await eventually(async () =>
      jwksGateway.output().includes('could not verify the token of a WebSocket connection')
        ? true
        : undefined,
    );
  });

  it('closes a socket that sends no connection_init with 4408 after GATEWAY_SUBSCRIPTION_INIT_TIMEOUT_MS', async () => {
    const socket = await open(limited.url, { init: false });
    expect(await socket.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });

  it('closes a socket that sends a message over GATEWAY_SUBSCRIPTION_MAX_MESSAGE_BYTES with 1009, unread', async () => {
    const socket = await open(limited.url, withToken(acmeToken));
    await acknowledged(socket);
    socket.subscribe(
      'big',
      `subscription { quickbooksSyncActivity(customerId: "${'x'.repeat(4096)}") { invoiceId } }`,
    );
    expect((await socket.closed).code).toBe(1009);
    expect(socket.received.filter((message) => message.type !== 'connection_ack')).toEqual([]);
  });
});

describe('refusals before an operation starts arrive as graphql-ws `error` messages', () => {
  const deep =
    'subscription { quickbooksSyncStatusChanged(invoiceId: "inv-acme-1003") { invoice { customer { ' +
    'invoices { customer { invoices { customer { invoices { id } } } } } } } } }';

  it.each([
    ['a syntax error', 'subscription { quickbooksSyncActivity(', 'GRAPHQL_PARSE_FAILED'],
    ['a field the schema lacks', 'subscription { invoiceDeleted { id } }', 'GRAPHQL_VALIDATION_FAILED'],
    ['an operation past the depth limit', deep, 'QUERY_TOO_COMPLEX'],
  ])(
    'answers %s with one `error` message, no `next`, and keeps the socket open',
    async (_name, query, code) => {
      const socket = await open(graph.gatewayUrl, withToken(acmeToken));
      await acknowledged(socket);
      socket.subscribe('refused', query);
      const messages = await socket.messagesFor('refused');
      expect(messages.map((message) => message.type)).toEqual(['error']);
      expect(errorCodes(messages[0])).toEqual([code]);

      socket.subscribe('after', '{ __typename }');
      const after = await socket.messagesFor('after');
      expect(after).toEqual([
        { id: 'after', type: 'next', payload: { data: { __typename: 'Query' } } },
        { id: 'after', type: 'complete' },
      ]);
    },
  );

  it("answers another tenant's live feed with the subgraph's FORBIDDEN as an `error` message", async () => {
    const socket = await open(graph.gatewayUrl, withToken(acmeToken));
    await acknowledged(socket);
    socket.subscribe('foreign', ACTIVITY(NORDLYS));
    const messages = await socket.messagesFor('foreign');
    // The subgraph's words; the gateway adds nothing but the convention's two extensions.
    expect(messages).toEqual([
      {
        id: 'foreign',
        type: 'error',
        payload: [{ message: expect.any(String), extensions: { code: 'FORBIDDEN', retryable: false } }],
      },
    ]);
  });

  it("keeps a field error of a query over graphql-ws a `next` with the siblings' data (it ran)", async () => {
    const socket = await open(graph.gatewayUrl, withToken(acmeToken));
    await acknowledged(socket);
    socket.subscribe('query', `{ __typename quickbooksConnection(customerId: "${NORDLYS}") { status } }`);
    const messages = await socket.messagesFor('query');
    expect(messages.map((message) => message.type)).toEqual(['next', 'complete']);
    expect(messages[0]).toMatchObject({
      payload: {
        data: { __typename: 'Query', quickbooksConnection: null },
        errors: [{ extensions: { code: 'FORBIDDEN' } }],
      },
    });
  });
});

describe('subscriptions per socket', () => {
  it('refuses the operation past GATEWAY_SUBSCRIPTION_MAX_PER_CONNECTION with TOO_MANY_SUBSCRIPTIONS; the earlier ones keep delivering', async () => {
    const socket = await open(limited.url, withToken(acmeToken));
    await acknowledged(socket);
    socket.subscribe('first', ACTIVITY(ACME));
    socket.subscribe('second', ACTIVITY(ACME));
    socket.subscribe('third', ACTIVITY(ACME));
    expect(await socket.messagesFor('third')).toEqual([
      {
        id: 'third',
        type: 'error',
        payload: [
          {
            message: 'This connection already runs 2 subscriptions, the most it may; complete one first',
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', retryable: false },
          },
        ],
      },
    ]);

    // The gateway opens the subgraph subscriptions as the first two start: record changes until both hear one.
    const delivered = (id: string) => socket.received.some((m) => m.type === 'next' && m.id === id);
    for (let attempt = 0; attempt < 20 && !(delivered('first') && delivered('second')); attempt += 1) {
      await graph.recordStatus(ACME, 'inv-acme-1005', attempt % 2 ? 'QUEUED' : 'SYNCING');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const first = socket.received.find((m) => m.type === 'next' && m.id === 'first');
    expect(first).toMatchObject({
      payload: { data: { quickbooksSyncActivity: { invoiceId: 'inv-acme-1005' } } },
    });
    expect(delivered('second')).toBe(true);
    expect(socket.received.filter((m) => m.type === 'error' && m.id !== 'third')).toEqual([]);
  }, 60_000);
});

describe('token expiry', () => {
  it('ends a live subscription when its token expires: an UNAUTHENTICATED `error`, then close 4403', async () => {
    const token = await sign({ tenants: [THAMES] }, inSeconds(8));
    const socket = await open(graph.gatewayUrl, withToken(token));
    await acknowledged(socket);
    socket.subscribe('live', ACTIVITY(THAMES));
    // Live first: an event arrives while the token is valid.
    const live = () => socket.received.some((m) => m.type === 'next' && m.id === 'live');
    for (let attempt = 0; attempt < 10 && !live(); attempt += 1) {
      await graph.recordStatus(THAMES, 'inv-thames-3002', attempt % 2 ? 'QUEUED' : 'SYNCING');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(live()).toBe(true);

    expect(await socket.closed).toEqual({ code: 4403, reason: 'Forbidden: token expired' });
    const messages = socket.received.filter((message) => 'id' in message && message.id === 'live');
    expect(messages.at(-1)).toEqual({
      id: 'live',
      type: 'error',
      payload: [
        {
          message: 'The bearer token expired; connect again with a fresh token',
          extensions: { code: 'UNAUTHENTICATED', retryable: false },
        },
      ],
    });
    expect(messages.slice(0, -1).every((message) => message.type === 'next')).toBe(true);
  }, 40_000);
});

describe('shutdown', () => {
  it('on SIGTERM lets a request in flight finish, closes graphql-ws sockets with 1001, ends SSE streams and exits with 0', async () => {
    // The host subgraph never answers, so a query for a customer is in flight until the upstream timeout.
    const silentHost = await startSilentServer();
    try {
      const stopping = await gateway({
        hostUrl: silentHost.url,
        quickbooksUrl: graph.api.url,
        env: { GATEWAY_UPSTREAM_TIMEOUT_MS: '1500' },
      });
      const socket = await open(stopping.url, withToken(acmeToken));
      await acknowledged(socket);
      socket.subscribe('live', ACTIVITY(ACME));
      const post = (body: unknown, accept: string) =>
        fetch(stopping.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${acmeToken}`, accept, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const sse = await post({ query: ACTIVITY(ACME) }, 'text/event-stream');
      expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const streamEnded = sse.text().then(
        () => 'ended',
        () => 'ended',
      );
      const inFlight = post({ query: `{ customer(id: "${ACME}") { name } }` }, 'application/json');
      await eventually(async () => (silentHost.accepted() > 0 ? true : undefined));

      const exited = once(stopping.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      stopping.child.kill('SIGTERM');
      expect(await socket.closed).toEqual({ code: 1001, reason: 'Going away' });
      expect(await streamEnded).toBe('ended');
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({
        data: { customer: null },
        errors: [{ extensions: { code: 'TIMEOUT' } }],
      });
      expect(await exited).toEqual([0, null]);
    } finally {
      await silentHost.close();
    }
  }, 30_000);
});
