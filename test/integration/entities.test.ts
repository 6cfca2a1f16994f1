import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { ClientError } from 'graphql-request';
import mongoose from 'mongoose';
import crypto from 'node:crypto';
import { CustomerModel, InvoiceSyncStateModel } from '../../src/models/index.js';
import { buildFederatedSchema } from '../../src/schema/build-schema.js';
import {
  CustomerConnectionsDocument,
  InvoiceSyncStatusesDocument,
  QuickBooksConnectionDocument,
  ServiceSdlDocument,
} from '../generated/graphql.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { tokenFor } from '../support/harness.js';

const ACME = 'cust-acme';
const GLOBEX = 'cust-globex';
/** Tenants whose stored connection carries token ciphers, one per state a client can see. */
const INITECH = 'cust-initech';
const UMBRELLA = 'cust-umbrella';
const HOOLI = 'cust-hooli';
/** A member with no role: reading status needs nothing more. */
const acmeMember = { userId: 'user-1', tenants: [ACME] };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Ciphertext shaped as the token vault stores it (`keyId.iv.tag.ciphertext`, base64url), of a token-like
 * secret, so a leak would look exactly like the real thing.
 */
function realisticCipher(plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', crypto.randomBytes(32), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['k1', iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url')).join('.');
}

const ciphers: Record<string, { accessTokenCipher: string; refreshTokenCipher: string }> = {};
function withCiphers(tenantId: string) {
  ciphers[tenantId] = {
    accessTokenCipher: realisticCipher(
      `eyJlbmMiOiJBMTI4Q0JDLUhTMjU2In0.${crypto.randomBytes(300).toString('base64url')}`,
    ),
    refreshTokenCipher: realisticCipher(
      `RT1-${crypto.randomInt(1e9)}-H0-${crypto.randomBytes(24).toString('hex')}`,
    ),
  };
  return ciphers[tenantId];
}

const acmeConnection = {
  state: 'CONNECTED' as const,
  connected: true,
  realmId: '9341453050',
  companyName: 'Acme Plumbing (US)',
  environment: 'sandbox',
  scopes: ['com.intuit.quickbooks.accounting'],
  connectedByUserId: 'user-admin-7',
  connectedAt: new Date('2026-11-02T09:30:00Z'),
  lastSyncedAt: new Date(Date.now() - HOUR),
  accessTokenExpiresAt: new Date(Date.now() + HOUR),
  refreshTokenExpiresAt: new Date(Date.now() + 100 * DAY),
  refreshTokenHardExpiresAt: new Date(Date.now() + 5 * 365 * DAY),
};

let api: TestApi;
let queries: { collection: string; method: string }[] = [];

beforeAll(async () => {
  api = await startTestApi();
  mongoose.set('debug', (collection: string, method: string) => {
    queries.push({ collection, method });
  });
  await InvoiceSyncStateModel.create([
    { tenantId: ACME, invoiceId: 'inv-1', state: 'SYNCED', attempts: 1, quickbooksInvoiceId: '145' },
    {
      tenantId: ACME,
      invoiceId: 'inv-2',
      state: 'FAILED',
      attempts: 3,
      lastError: { code: 'QBO_6140', message: 'Duplicate Document Number Error', retryable: false },
    },
    { tenantId: GLOBEX, invoiceId: 'inv-g', state: 'SYNCED', attempts: 1, quickbooksInvoiceId: '999' },
  ]);
  await CustomerModel.create([
    { _id: ACME, integrations: { quickbooks: { ...acmeConnection, ...withCiphers(ACME) } } },
    {
      _id: INITECH,
      integrations: {
        quickbooks: {
          ...acmeConnection,
          realmId: '4620816365',
          state: 'ERROR' as const,
          stateReason: 'QuickBooks refused the connection: the company subscription has lapsed',
          ...withCiphers(INITECH),
        },
      },
    },
    {
      _id: UMBRELLA,
      integrations: {
        quickbooks: {
          ...acmeConnection,
          realmId: '1234509876',
          refreshTokenExpiresAt: new Date(Date.now() - DAY),
          ...withCiphers(UMBRELLA),
        },
      },
    },
    {
      // Disconnected, yet the ciphers were left behind: still nothing of them may come out.
      _id: HOOLI,
      integrations: {
        quickbooks: {
          state: 'DISCONNECTED' as const,
          connected: false,
          stateReason: 'Disconnected by an admin',
          ...withCiphers(HOOLI),
        },
      },
    },
  ]);
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
    const client = await api.client(acmeMember);
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
    const client = await api.client(acmeMember);
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
    const client = await api.client(acmeMember);
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
  it('resolves connections in one query', async () => {
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
    expect(queries.filter((q) => q.collection === 'customers')).toEqual([
      { collection: 'customers', method: 'find' },
    ]);
  });

  it('reports NEEDS_REAUTH, with a reason, once the refresh token has lapsed', async () => {
    await CustomerModel.updateOne(
      { _id: GLOBEX },
      {
        $set: {
          integrations: {
            quickbooks: {
              state: 'CONNECTED',
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
    expect(result.quickbooksConnection).toMatchObject({
      status: 'NEEDS_REAUTH',
      realmId: '4620816365',
      reason: expect.stringContaining('must reconnect'),
    });
  });
});

describe('token material', () => {
  /**
   * Every field QuickBooksConnection offers, read from the schema, so a field added later is covered. A type
   * already on the path is not entered again (an error's Invoice leads back to its Customer's connection):
   * its fields are read where it first appears.
   */
  function selectionOf(type: GraphQLObjectType, path: ReadonlySet<string> = new Set([type.name])): string {
    return Object.values(type.getFields())
      .map((field) => {
        const named = getNamedType(field.type);
        if (!isObjectType(named)) return field.name;
        if (path.has(named.name)) return '';
        const inner = selectionOf(named, new Set([...path, named.name]));
        return inner ? `${field.name} { ${inner} }` : '';
      })
      .filter(Boolean)
      .join(' ');
  }

  /** The raw response text: whatever a client could read, errors included. */
  async function post(query: string, variables: Record<string, unknown>, tenants: string[]) {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await tokenFor({ userId: 'user-admin-7', tenants, adminOf: tenants })}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    return { text, body: JSON.parse(text) as { data?: Record<string, unknown>; errors?: unknown[] } };
  }

  /** Every 12-character piece of every stored cipher: a leak of part of one is still a leak. */
  function cipherPieces(): string[] {
    const pieces: string[] = [];
    for (const stored of Object.values(ciphers)) {
      for (const cipher of [stored.accessTokenCipher, stored.refreshTokenCipher]) {
        for (let i = 0; i + 12 <= cipher.length; i++) pieces.push(cipher.slice(i, i + 12));
      }
    }
    return pieces;
  }

  const TENANTS = [ACME, INITECH, UMBRELLA, HOOLI];

  it('the ciphers are really stored beside the connections read below', async () => {
    const stored = await mongoose.connection
      .db!.collection<{ _id: string; integrations: { quickbooks: Record<string, unknown> } }>('customers')
      .find({ _id: { $in: TENANTS } })
      .toArray();
    expect(stored).toHaveLength(TENANTS.length);
    for (const doc of stored) {
      expect(doc.integrations.quickbooks).toMatchObject(ciphers[doc._id]!);
    }
  });

  it('no field of QuickBooksConnection carries any part of a cipher, through _entities or the query', async () => {
    const schema = await buildFederatedSchema();
    const fields = selectionOf(schema.getType('QuickBooksConnection') as GraphQLObjectType);
    expect(fields).toContain('reason');

    const entities = await post(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on Customer { id quickbooksConnection { ${fields} } } }
      }`,
      { representations: TENANTS.map((id) => ({ __typename: 'Customer', id })) },
      TENANTS,
    );
    const direct = await Promise.all(
      TENANTS.map((customerId) =>
        post(
          `query ($customerId: ID!) { quickbooksConnection(customerId: $customerId) { ${fields} } }`,
          { customerId },
          [customerId],
        ),
      ),
    );

    // The connections were read, in every state: a response without them would prove nothing.
    expect(entities.body.errors).toBeUndefined();
    const connections = (
      entities.body.data?._entities as { quickbooksConnection: Record<string, unknown> }[]
    ).map((entity) => entity.quickbooksConnection);
    expect(connections.map((c) => c.status)).toEqual(['CONNECTED', 'ERROR', 'NEEDS_REAUTH', 'DISCONNECTED']);
    expect(connections[0]).toMatchObject({
      customerId: ACME,
      reason: null,
      companyName: 'Acme Plumbing (US)',
      environment: 'sandbox',
      connectedBy: 'user-admin-7',
      connectedByUserId: 'user-admin-7',
      connectedAt: '2026-11-02T09:30:00.000Z',
      accessTokenExpiresAt: acmeConnection.accessTokenExpiresAt.toISOString(),
      refreshTokenHardExpiresAt: acmeConnection.refreshTokenHardExpiresAt.toISOString(),
    });
    expect(connections[1]).toMatchObject({ reason: expect.stringContaining('subscription has lapsed') });
    expect(connections[3]).toMatchObject({ reason: 'Disconnected by an admin', realmId: null });
    for (const { body } of direct) {
      expect(body.errors).toBeUndefined();
      expect(body.data?.quickbooksConnection).toEqual(
        expect.objectContaining({ status: expect.any(String) }),
      );
    }

    const leaked = cipherPieces().filter((piece) =>
      [entities, ...direct].some((response) => response.text.includes(piece)),
    );
    expect(leaked).toEqual([]);
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
    const forged = await mintToken('another-secret-another-secret-another-secret', acmeMember);
    const client = new GraphQLClient(api.url, { headers: { authorization: `Bearer ${forged}` } });
    await expectCode(client.request(QuickBooksConnectionDocument, { customerId: ACME }), 'UNAUTHENTICATED');
  });

  it('answers UNAUTHENTICATED for an expired token', async () => {
    const { GraphQLClient } = await import('graphql-request');
    const { tokenFor } = await import('../support/harness.js');
    const expired = await tokenFor({ ...acmeMember, expiresIn: '-1m' });
    const client = new GraphQLClient(api.url, { headers: { authorization: `Bearer ${expired}` } });
    await expectCode(client.request(QuickBooksConnectionDocument, { customerId: ACME }), 'UNAUTHENTICATED');
  });

  it("answers FORBIDDEN for another tenant's connection", async () => {
    const client = await api.client(acmeMember);
    await expectCode(client.request(QuickBooksConnectionDocument, { customerId: GLOBEX }), 'FORBIDDEN');
  });

  it('grants nothing for a role claimed for a customer the token does not make the user a member of', async () => {
    const client = await api.client({ ...acmeMember, adminOf: [ACME, GLOBEX] });
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
