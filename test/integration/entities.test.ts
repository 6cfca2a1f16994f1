import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ClientError } from 'graphql-request';
import mongoose from 'mongoose';
import { CustomerModel, InvoiceSyncStateModel } from '../../src/models/index.js';
import {
  CustomerConnectionsDocument,
  InvoiceSyncStatusesDocument,
  QuickBooksConnectionDocument,
  ServiceSdlDocument,
} from '../generated/graphql.js';
import { startTestApi, type TestApi } from '../support/api.js';

const ACME = 'cust-acme';
const GLOBEX = 'cust-globex';
const acmeAdmin = { userId: 'user-1', tenants: [ACME] };

let api: TestApi;
let queries: { collection: string; method: string }[] = [];

beforeAll(async () => {
  api = await startTestApi();
  mongoose.set('debug', (collection: string, method: string) => {
    queries.push({ collection, method });
  });
  await InvoiceSyncStateModel.create([
    { parentCompany: ACME, invoiceId: 'inv-1', state: 'SYNCED', attempts: 1, quickbooksInvoiceId: '145' },
    {
      parentCompany: ACME,
      invoiceId: 'inv-2',
      state: 'FAILED',
      attempts: 3,
      lastError: { code: 'QBO_6140', message: 'Duplicate Document Number Error', retryable: false },
    },
    { parentCompany: GLOBEX, invoiceId: 'inv-g', state: 'SYNCED', attempts: 1, quickbooksInvoiceId: '999' },
  ]);
  await CustomerModel.create({
    _id: ACME,
    integrations: {
      quickbooks: {
        connected: true,
        realmId: '9341453050',
        scopes: ['com.intuit.quickbooks.accounting'],
        accessTokenCipher: 'v1:k1:secret-cipher',
        refreshTokenCipher: 'v1:k1:secret-cipher-2',
        refreshTokenExpiresAt: new Date(Date.now() + 86_400_000),
      },
    },
  });
});

afterAll(async () => {
  mongoose.set('debug', false);
  await mongoose.connection.db?.dropDatabase();
  await api.close();
});

beforeEach(() => {
  queries = [];
});

const invoiceRef = (id: string, customerId = ACME) => ({
  __typename: 'Invoice',
  id,
  customer: { id: customerId },
});

describe('Invoice entity resolution', () => {
  it('resolves a batch of invoices with one database query and honest defaults', async () => {
    const client = await api.client(acmeAdmin);
    const representations = ['inv-1', 'inv-2', 'inv-new-a', 'inv-new-b', 'inv-new-c'].map((id) =>
      invoiceRef(id),
    );
    const result = await client.request(InvoiceSyncStatusesDocument, { representations });

    expect(result._entities).toEqual([
      {
        id: 'inv-1',
        quickbooksSyncStatus: { state: 'SYNCED', attempts: 1, quickbooksInvoiceId: '145', lastError: null },
      },
      {
        id: 'inv-2',
        quickbooksSyncStatus: {
          state: 'FAILED',
          attempts: 3,
          quickbooksInvoiceId: null,
          lastError: { code: 'QBO_6140', retryable: false },
        },
      },
      ...['inv-new-a', 'inv-new-b', 'inv-new-c'].map((id) => ({
        id,
        quickbooksSyncStatus: {
          state: 'NOT_SYNCED',
          attempts: 0,
          quickbooksInvoiceId: null,
          lastError: null,
        },
      })),
    ]);
    expect(queries.filter((q) => q.collection === 'invoice_sync_states')).toEqual([
      { collection: 'invoice_sync_states', method: 'find' },
    ]);
  });

  it("refuses another tenant's invoice without revealing its state", async () => {
    const client = await api.client(acmeAdmin);
    const error = await client
      .request(InvoiceSyncStatusesDocument, {
        representations: [invoiceRef('inv-1'), invoiceRef('inv-g', GLOBEX)],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    const { response } = error as ClientError;
    // The status is nullable: the refused invoice keeps its place in the list, only its status is null.
    expect(response.data).toEqual({
      _entities: [expect.objectContaining({ id: 'inv-1' }), { id: 'inv-g', quickbooksSyncStatus: null }],
    });
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['_entities', 1, 'quickbooksSyncStatus'],
        extensions: { code: 'FORBIDDEN', retryable: false },
      }),
    ]);
    expect(JSON.stringify(response)).not.toContain('999');
  });

  it("never finds another tenant's record by claiming the invoice for one's own tenant", async () => {
    const client = await api.client(acmeAdmin);
    const result = await client.request(InvoiceSyncStatusesDocument, {
      representations: [invoiceRef('inv-g', ACME)],
    });
    expect(result._entities).toEqual([
      {
        id: 'inv-g',
        quickbooksSyncStatus: {
          state: 'NOT_SYNCED',
          attempts: 0,
          quickbooksInvoiceId: null,
          lastError: null,
        },
      },
    ]);
  });
});

describe('Customer entity resolution', () => {
  it('resolves connections in one query and never exposes token material', async () => {
    const client = await api.client({ userId: 'user-2', tenants: [ACME, GLOBEX] });
    const representations = [ACME, GLOBEX].map((id) => ({ __typename: 'Customer', id }));
    const result = await client.request(CustomerConnectionsDocument, { representations });
    expect(result._entities).toEqual([
      {
        id: ACME,
        quickbooksConnection: {
          customerId: ACME,
          status: 'CONNECTED',
          realmId: '9341453050',
          scopes: ['com.intuit.quickbooks.accounting'],
        },
      },
      {
        id: GLOBEX,
        quickbooksConnection: { customerId: GLOBEX, status: 'DISCONNECTED', realmId: null, scopes: [] },
      },
    ]);
    expect(JSON.stringify(result)).not.toContain('cipher');
    expect(queries.filter((q) => q.collection === 'customers')).toEqual([
      { collection: 'customers', method: 'find' },
    ]);
  });

  it('reports NEEDS_REAUTH once the refresh token has lapsed', async () => {
    await CustomerModel.updateOne(
      { _id: GLOBEX },
      {
        $set: {
          integrations: {
            quickbooks: {
              connected: true,
              realmId: '4620816365',
              scopes: [],
              refreshTokenExpiresAt: new Date(Date.now() - 1000),
            },
          },
        },
      },
      { upsert: true },
    );
    const client = await api.client({ userId: 'user-3', tenants: [GLOBEX] });
    const result = await client.request(QuickBooksConnectionDocument, { customerId: GLOBEX });
    expect(result.quickbooksConnection).toMatchObject({ status: 'NEEDS_REAUTH', realmId: '4620816365' });
  });
});

describe('authentication and authorization', () => {
  const expectCode = async (promise: Promise<unknown>, code: string) => {
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).response.errors?.[0]?.extensions?.code).toBe(code);
  };

  it('answers UNAUTHENTICATED without a token', async () => {
    const client = await api.client();
    await expectCode(client.request(QuickBooksConnectionDocument, { customerId: ACME }), 'UNAUTHENTICATED');
  });

  it('answers UNAUTHENTICATED for a token signed with another secret', async () => {
    const { GraphQLClient } = await import('graphql-request');
    const { mintToken } = await import('../../src/auth/dev-tokens.js');
    const forged = await mintToken('another-secret-another-secret-another-secret', acmeAdmin);
    const client = new GraphQLClient(api.url, { headers: { authorization: `Bearer ${forged}` } });
    await expectCode(client.request(QuickBooksConnectionDocument, { customerId: ACME }), 'UNAUTHENTICATED');
  });

  it('answers UNAUTHENTICATED for an expired token', async () => {
    const { GraphQLClient } = await import('graphql-request');
    const { tokenFor } = await import('../support/harness.js');
    const expired = await tokenFor({ ...acmeAdmin, expiresIn: '-1m' });
    const client = new GraphQLClient(api.url, { headers: { authorization: `Bearer ${expired}` } });
    await expectCode(client.request(QuickBooksConnectionDocument, { customerId: ACME }), 'UNAUTHENTICATED');
  });

  it("answers FORBIDDEN for another tenant's connection", async () => {
    const client = await api.client(acmeAdmin);
    await expectCode(client.request(QuickBooksConnectionDocument, { customerId: GLOBEX }), 'FORBIDDEN');
  });

  it('serves the federation SDL without a token, for composition tooling', async () => {
    const client = await api.client();
    const result = await client.request(ServiceSdlDocument);
    expect(result._service.sdl).toContain('type Invoice');
    expect(result._service.sdl).toContain('@key(fields: "id")');
  });
});

describe('health endpoints', () => {
  it('reports liveness and readiness of MongoDB and Redis', async () => {
    const base = api.url.replace(/\/graphql$/, '');
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: [
        { name: 'mongodb', ok: true },
        { name: 'redis', ok: true },
      ],
    });
  });
});
