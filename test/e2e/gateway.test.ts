import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { composeServices } from '@apollo/composition';
import fs from 'node:fs';
import path from 'node:path';
import { ClientError, GraphQLClient } from 'graphql-request';
import { print } from 'graphql';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { InvoiceSyncStateModel } from '../../src/models/index.js';
import {
  ConnectionOfDocument,
  CustomerActivityThroughGatewayDocument,
  CustomerWithConnectionDocument,
  InvoiceStatusThroughGatewayDocument,
  InvoiceWithStatusDocument,
  TenantInvoicesDocument,
  type CustomerActivityThroughGatewaySubscription,
  type InvoiceStatusThroughGatewaySubscription,
} from '../generated/gateway.js';
import { composeLocalSupergraph, localSubgraphs } from '../../scripts/supergraph.js';
import { eventually, tokenFor } from '../support/harness.js';
import { startGraph, type Graph } from './support/graph.js';

const root = path.resolve(import.meta.dirname, '../..');
const ACME = 'cust-acme-us';
const NORDLYS = 'cust-nordlys-no';
const acmeUser = { userId: 'dispatcher-1', tenants: [ACME] };

let graph: Graph;
let queries: string[] = [];

beforeAll(async () => {
  graph = await startGraph();
  mongoose.set('debug', (collection: string) => void queries.push(collection));
  await InvoiceSyncStateModel.create([
    {
      tenantId: ACME,
      invoiceId: 'inv-acme-1001',
      state: 'SYNCED',
      attempts: 1,
      quickbooksInvoiceId: '130',
    },
    { tenantId: ACME, invoiceId: 'inv-acme-1002', state: 'FAILED', attempts: 2 },
  ]);
}, 60_000);

afterAll(async () => {
  mongoose.set('debug', false);
  await mongoose.connection.db?.dropDatabase();
  await graph?.close();
});

async function errorOf(promise: Promise<unknown>): Promise<ClientError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

describe('queries through the gateway', () => {
  it("joins the host's invoices with their QuickBooks status, one database query for the whole page", async () => {
    const client = await graph.client(acmeUser);
    queries = [];
    const { invoices } = await client.request(TenantInvoicesDocument, { customerId: ACME });

    expect(invoices.length).toBeGreaterThanOrEqual(5);
    expect(invoices.every((invoice) => invoice.customer.id === ACME)).toBe(true);
    const byId = new Map(invoices.map((invoice) => [invoice.id, invoice]));
    expect(byId.get('inv-acme-1001')).toMatchObject({
      number: expect.any(String),
      quickbooksSyncStatus: { state: 'SYNCED', attempts: 1, quickbooksInvoiceId: '130' },
    });
    expect(byId.get('inv-acme-1002')?.quickbooksSyncStatus).toEqual({
      state: 'FAILED',
      attempts: 2,
      quickbooksInvoiceId: null,
    });
    const others = invoices.filter((i) => !['inv-acme-1001', 'inv-acme-1002'].includes(i.id));
    expect(others.map((i) => i.quickbooksSyncStatus?.state)).toEqual(others.map(() => 'NOT_SYNCED'));
    expect(queries.filter((collection) => collection === 'invoice_sync_states')).toHaveLength(1);
  });

  it("adds the tenant's QuickBooks connection to the host's Customer", async () => {
    const client = await graph.client(acmeUser);
    const { customer } = await client.request(CustomerWithConnectionDocument, { id: ACME });
    expect(customer).toEqual({
      id: ACME,
      name: expect.any(String),
      quickbooksConnection: { status: 'DISCONNECTED' },
    });
  });
});

describe('auth through the gateway', () => {
  it('answers UNAUTHENTICATED without a token', async () => {
    const client = await graph.client();
    const error = await errorOf(client.request(TenantInvoicesDocument, { customerId: ACME }));
    expect(error.response.errors?.map((e) => e.extensions?.code)).toContain('UNAUTHENTICATED');
    expect(error.response.data ?? null).toBeNull();
  });

  it('rejects a token signed with another secret at the gateway', async () => {
    const { mintToken } = await import('../../src/auth/dev-tokens.js');
    const forged = await mintToken('some-other-secret-some-other-secret-0000', acmeUser);
    const client = new GraphQLClient(graph.gatewayUrl, { headers: { authorization: `Bearer ${forged}` } });
    const error = await errorOf(client.request(TenantInvoicesDocument, { customerId: ACME }));
    expect(error.response.status).toBe(401);
    expect(JSON.stringify(error.response)).not.toContain('INV-');
  });

  it("never returns another tenant's invoice or its QuickBooks state", async () => {
    await InvoiceSyncStateModel.create({
      tenantId: NORDLYS,
      invoiceId: 'inv-nordlys-secret',
      state: 'SYNCED',
      attempts: 1,
      quickbooksInvoiceId: '777',
    });
    const client = await graph.client(acmeUser);
    const nordlysInvoices = await client.request(TenantInvoicesDocument, { customerId: NORDLYS });
    expect(nordlysInvoices.invoices).toEqual([]);
    const { invoice } = await client.request(InvoiceWithStatusDocument, { id: 'inv-nordlys-1001' });
    expect(invoice).toBeNull();
    const { customer } = await client.request(CustomerWithConnectionDocument, { id: NORDLYS });
    expect(customer).toBeNull();
  });

  it("answers FORBIDDEN when asking this subgraph for another tenant's connection", async () => {
    const client = await graph.client(acmeUser);
    const error = await errorOf(client.request(ConnectionOfDocument, { customerId: NORDLYS }));
    expect(error.response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('subscriptions through the gateway', () => {
  it('delivers a status change recorded by a separate worker process, joined with host fields', async () => {
    const client = await graph.wsClient(acmeUser);
    const received: InvoiceStatusThroughGatewaySubscription[] = [];
    const errors: unknown[] = [];
    const unsubscribe = client.subscribe<InvoiceStatusThroughGatewaySubscription>(
      { query: print(InvoiceStatusThroughGatewayDocument), variables: { invoiceId: 'inv-acme-1003' } },
      {
        next: (result) => (result.data ? received.push(result.data) : errors.push(result.errors)),
        error: (error) => void errors.push(error),
        complete: () => undefined,
      },
    );

    // The gateway subscribes to our subgraph lazily; wait until our API holds the Redis channel.
    const redis = new Redis(graph.api.config.redis.url);
    const channel = `${graph.api.config.redis.prefix}:sync-status-changed:${ACME}`;
    try {
      await eventually(
        async () => (((await redis.pubsub('CHANNELS', channel)) as string[]).length ? true : undefined),
        15_000,
      );
    } finally {
      redis.disconnect();
    }

    await graph.recordStatus(ACME, 'inv-acme-1003', 'SYNCING');

    await eventually(async () => (received.length || errors.length ? true : undefined), 15_000);
    unsubscribe();
    expect(errors).toEqual([]);
    expect(received[0]?.quickbooksSyncStatusChanged).toEqual({
      invoiceId: 'inv-acme-1003',
      invoice: { number: expect.stringMatching(/\d/), status: expect.any(String) },
      status: { state: 'SYNCING', attempts: 1 },
    });
  }, 60_000);

  /** Waits until our API listens on the tenant's channel: the gateway subscribes upstream lazily. */
  async function listeningFor(tenant: string): Promise<void> {
    const redis = new Redis(graph.api.config.redis.url);
    const channel = `${graph.api.config.redis.prefix}:sync-status-changed:${tenant}`;
    try {
      await eventually(
        async () => (((await redis.pubsub('CHANNELS', channel)) as string[]).length ? true : undefined),
        15_000,
      );
    } finally {
      redis.disconnect();
    }
  }

  it("keeps a customer's invoice list live with one subscription (quickbooksSyncActivity), host fields joined", async () => {
    const client = await graph.wsClient({ userId: 'dispatcher-2', tenants: [NORDLYS] });
    const received: CustomerActivityThroughGatewaySubscription[] = [];
    const errors: unknown[] = [];
    const unsubscribe = client.subscribe<CustomerActivityThroughGatewaySubscription>(
      { query: print(CustomerActivityThroughGatewayDocument), variables: { customerId: NORDLYS } },
      {
        next: (result) => (result.data ? received.push(result.data) : errors.push(result.errors)),
        error: (error) => void errors.push(error),
        complete: () => undefined,
      },
    );
    await listeningFor(NORDLYS);
    await graph.recordStatus(NORDLYS, 'inv-nordlys-2001', 'QUEUED');
    await graph.recordStatus(NORDLYS, 'inv-nordlys-2002', 'SYNCING');

    await eventually(async () => (received.length >= 2 || errors.length ? true : undefined), 15_000);
    unsubscribe();
    expect(errors).toEqual([]);
    expect(received.map((r) => r.quickbooksSyncActivity)).toEqual([
      {
        invoiceId: 'inv-nordlys-2001',
        invoice: { number: expect.stringMatching(/\d/), status: expect.any(String) },
        status: { state: 'QUEUED', attempts: 1 },
      },
      {
        invoiceId: 'inv-nordlys-2002',
        invoice: { number: expect.stringMatching(/\d/), status: expect.any(String) },
        status: { state: 'SYNCING', attempts: 1 },
      },
    ]);
  }, 60_000);

  it("refuses another tenant's live feed with the subgraph's FORBIDDEN as a graphql-ws error, not an internal error", async () => {
    const client = await graph.wsClient(acmeUser);
    // graphql-ws's client hands an `error` message's errors to `error`, a `next` to `next`.
    const outcome = await new Promise<{ sink: string; errors: unknown }>((resolve) => {
      client.subscribe<CustomerActivityThroughGatewaySubscription>(
        { query: print(CustomerActivityThroughGatewayDocument), variables: { customerId: NORDLYS } },
        {
          next: (result) => resolve({ sink: 'next', errors: result.errors }),
          error: (errors) => resolve({ sink: 'error', errors }),
          complete: () => resolve({ sink: 'complete', errors: undefined }),
        },
      );
    });
    expect(outcome.sink).toBe('error');
    const errors = outcome.errors as { extensions?: { code?: string } }[];
    expect(errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  }, 60_000);

  it('refuses a subscription without a token at once with UNAUTHENTICATED', async () => {
    const response = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({
        query: print(CustomerActivityThroughGatewayDocument),
        variables: { customerId: ACME },
      }),
    });
    const stream = await response.text();
    expect(stream).toContain('event: complete');
    const next = /event: next\ndata: (.*)\n/.exec(stream)?.[1];
    const result = JSON.parse(next!) as { errors?: { extensions?: { code?: string } }[] };
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  }, 60_000);

  it('serves the same feed over SSE to a fetch-based client that sends the Authorization header', async () => {
    const THAMES = 'cust-thames-gb';
    const token = await tokenFor({ userId: 'dispatcher-3', tenants: [THAMES] });
    const aborted = new AbortController();
    const response = await fetch(graph.gatewayUrl, {
      method: 'POST',
      signal: aborted.signal,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        query: print(CustomerActivityThroughGatewayDocument),
        variables: { customerId: THAMES },
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    let stream = '';
    const reader = response.body!.getReader();
    const reading = (async () => {
      const decoder = new TextDecoder();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        stream += decoder.decode(chunk.value, { stream: true });
      }
    })().catch(() => undefined);

    await listeningFor(THAMES);
    await graph.recordStatus(THAMES, 'inv-thames-3001', 'SYNCED');
    await eventually(async () => (stream.includes('event: next') ? true : undefined), 15_000);
    aborted.abort();
    await reading;

    // GraphQL over SSE ("distinct connections" mode): `event: next` with the result as `data`.
    const next = /event: next\ndata: (.*)\n/.exec(stream)?.[1];
    expect(JSON.parse(next!)).toEqual({
      data: {
        quickbooksSyncActivity: {
          invoiceId: 'inv-thames-3001',
          invoice: { number: expect.stringMatching(/\d/), status: expect.any(String) },
          status: { state: 'SYNCED', attempts: 1 },
        },
      },
    });
  }, 60_000);
});

describe('the committed supergraph', () => {
  it('is what the current subgraphs compose to (run `npm run supergraph` when this fails)', async () => {
    const committed = fs.readFileSync(path.join(root, 'supergraph.graphql'), 'utf8');
    expect(committed).toBe(await composeLocalSupergraph());
  });

  it("also composes with Apollo's composition, for Apollo Router users", async () => {
    const result = composeServices(await localSubgraphs());
    expect(result.errors ?? []).toEqual([]);
  });
});
