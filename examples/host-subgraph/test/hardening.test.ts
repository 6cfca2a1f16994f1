/**
 * The demo host is a separate program that may run without a gateway in front, so it refuses abusive
 * operations itself. Before these limits, the customer -> invoices -> customer loop with 8 invoice lists
 * (375 bytes) made a 366 MB answer in 63 s and left the process at 3 GB (see README, Limits).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { DEFAULT_HOST_QUERY_LIMITS, type HostQueryLimits, type HostSubgraph } from '../src/index.js';
import { ACME, capturingLogger, codes, gql, startTestHost, TEST_SECRET, token } from './helpers.js';
import { REAL_OPERATIONS } from './real-operations.js';

/** `customer { invoices { customer { invoices { ... } } } }` with `lists` invoice lists. */
function invoiceLoop(lists: number): string {
  let selection = 'id number';
  for (let i = 1; i < lists; i += 1) selection = `id number customer { id name invoices { ${selection} } }`;
  return `{ customer(id: "${ACME}") { id name invoices { ${selection} } } }`;
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

let host: HostSubgraph;
let bearer: string;

beforeAll(async () => {
  host = await startTestHost();
  bearer = await token([ACME]);
});
afterAll(async () => {
  await host.close();
});

describe('query limits (GraphQL Armor and graphql-js)', () => {
  it('refuses the customer -> invoices -> customer loop before running it (depth)', async () => {
    const query = invoiceLoop(6);
    expect(query.length).toBeLessThan(300);
    const result = await gql(host.url, query, {}, bearer);
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(result.errors?.[0]?.message).toBe(
      `Query depth limit of ${DEFAULT_HOST_QUERY_LIMITS.maxDepth} exceeded, found 13.`,
    );
    expect(result.data).toBeUndefined();
  });

  it('answers a loop that fits the depth limit', async () => {
    // invoices(1) customer(2) invoices(3) customer(4) invoices(5) customer(6) invoices(7) id(8)
    const query = `{ invoices(customerId: "${ACME}") { customer { invoices { customer { invoices { customer { invoices { id } } } } } } } }`;
    const result = await gql(host.url, query, {}, bearer);
    expect(result.errors).toBeUndefined();
    expect(result.data.invoices.length).toBeGreaterThan(0);
  });

  it('refuses 50 aliases by the alias limit, and 1,000 already by the token limit', async () => {
    const aliased = (count: number) =>
      `{ ${Array.from({ length: count }, (_, i) => `a${i}: invoice(id: "inv-acme-1001") { id }`).join(' ')} }`;
    const fifty = await gql(host.url, aliased(50), {}, bearer);
    expect(fifty.status).toBe(400);
    expect(codes(fifty)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(fifty.errors?.[0]?.message).toBe('Aliases limit of 15 exceeded, found 50.');
    const thousand = await gql(host.url, aliased(1000), {}, bearer);
    expect(thousand.status).toBe(400);
    expect(codes(thousand)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(thousand.errors?.[0]?.message).toBe('Token limit of 1000 exceeded.');
  });

  it('refuses a fragment bomb by its cost', async () => {
    // Each fragment spreads the one before twice: 2^20 field visits from about 1 KB.
    const fragments = ['fragment F0 on Invoice { id number }'];
    for (let i = 1; i <= 20; i += 1)
      fragments.push(`fragment F${i} on Invoice { ...F${i - 1} ...F${i - 1} }`);
    const query = `{ invoices(customerId: "${ACME}") { ...F20 } } ${fragments.join(' ')}`;
    const result = await gql(host.url, query, {}, bearer);
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(result.errors?.[0]?.message).toMatch(/^Query Cost limit of 5000 exceeded/);
  });

  it('refuses a wide query within the depth and token limits by its cost', async () => {
    const leaves = Array.from({ length: 700 }, () => 'id').join(' ');
    const query = `{ invoices(customerId: "${ACME}") { customer { invoices { customer { invoices { ${leaves} } } } } } }`;
    const result = await gql(host.url, query, {}, bearer);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toMatch(/^Query Cost limit of 5000 exceeded/);
  });

  it('refuses more directives than allowed', async () => {
    const fields = Array.from({ length: 25 }, () => 'id @include(if: true)').join(' ');
    const result = await gql(host.url, `{ invoices(customerId: "${ACME}") { ${fields} } }`, {}, bearer);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toMatch(/^Directives limit of 20 exceeded/);
  });

  it('refuses a document with too many tokens before building it', async () => {
    const query = `{ ${Array.from({ length: 2000 }, () => '__typename').join(' ')} }`;
    const result = await gql(host.url, query, {}, bearer);
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(result.errors?.[0]?.message).toBe('Token limit of 1000 exceeded.');
  });

  it('takes other limits when given them', async () => {
    const roomy = await startTestHost({ limits: { maxDepth: 10 } });
    try {
      const result = await gql(roomy.url, invoiceLoop(4), {}, bearer);
      expect(result.errors).toBeUndefined();
      expect(result.data.customer.invoices.length).toBeGreaterThan(0);
    } finally {
      await roomy.close();
    }
  });

  it('fits every operation its tests and the gateway send within half of each limit', async () => {
    const tightLimits: HostQueryLimits = {
      maxDepth: Math.floor(DEFAULT_HOST_QUERY_LIMITS.maxDepth / 2),
      maxAliases: Math.floor(DEFAULT_HOST_QUERY_LIMITS.maxAliases / 2),
      maxDirectives: Math.floor(DEFAULT_HOST_QUERY_LIMITS.maxDirectives / 2),
      maxTokens: Math.floor(DEFAULT_HOST_QUERY_LIMITS.maxTokens / 2),
      maxCost: Math.floor(DEFAULT_HOST_QUERY_LIMITS.maxCost / 2),
    };
    const refusedBy = async (limits: Partial<HostQueryLimits>) => {
      const tight = await startTestHost({ limits });
      try {
        const refused: string[] = [];
        for (const operation of REAL_OPERATIONS) {
          // Without variables some fail later (BAD_USER_INPUT); what matters is that no limit refuses them.
          const result = await gql(tight.url, operation, {}, bearer);
          if (codes(result).includes('QUERY_TOO_COMPLEX')) refused.push(operation);
        }
        return refused;
      } finally {
        await tight.close();
      }
    };
    expect(await refusedBy(tightLimits)).toEqual([]);
    // The same loop does notice an operation over a limit: the full invoice read is 4 levels deep.
    expect(await refusedBy({ maxDepth: 3 })).toContainEqual(expect.stringContaining('address { line1'));
  });
});

describe('HTTP errors are JSON with a code, never an HTML page with a stack', () => {
  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    const response = await post(host.url, body);
    expect(response.status).toBe(413);
    expect(response.type).toMatch(/^application\/json/);
    expect(JSON.parse(response.text)).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
  });

  it('answers malformed JSON with 400 BAD_REQUEST and logs no stack', async () => {
    const { logger, lines } = capturingLogger();
    const logged = await startTestHost({ logger });
    try {
      const response = await post(logged.url, '{"query":');
      expect(response.status).toBe(400);
      expect(response.type).toMatch(/^application\/json/);
      expect(JSON.parse(response.text).errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
      expect(response.text).not.toMatch(/node_modules|\/work\/|at JSON\.parse/);
      expect(JSON.stringify(lines)).not.toContain('"stack"');
    } finally {
      await logged.close();
    }
  });

  it('honours a smaller body limit', async () => {
    const small = await startTestHost({ maxBodyBytes: 1024 });
    try {
      const response = await post(
        small.url,
        JSON.stringify({ query: `{ __typename } # ${'x'.repeat(2000)}` }),
      );
      expect(response.status).toBe(413);
    } finally {
      await small.close();
    }
  });
});

describe('other client mistakes are typed, not internal errors', () => {
  it('answers an unknown __typename in _entities with BAD_USER_INPUT and logs no error', async () => {
    const { logger, lines } = capturingLogger();
    const logged = await startTestHost({ logger });
    try {
      const result = await gql(
        logged.url,
        'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
        { r: [{ __typename: 'Nope', id: '1' }] },
        bearer,
      );
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
    } finally {
      await logged.close();
    }
  });

  it('refuses a token without exp, which would never expire', async () => {
    const forever = await new SignJWT({ tenants: [ACME], roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setIssuedAt()
      .sign(new TextEncoder().encode(TEST_SECRET));
    const result = await gql(host.url, `{ customer(id: "${ACME}") { id } }`, {}, forever);
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.errors?.[0]?.extensions?.reason).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
    expect(result.data).toEqual({ customer: null });
  });
});
