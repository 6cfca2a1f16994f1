import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import mongoose from 'mongoose';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startApi, type RunningApi } from '../../src/api.js';
import { mintToken } from '../../src/auth/dev-tokens.js';
import { DEV_INSECURE_JWT_SECRET } from '../../src/config.js';
import { InvoiceSyncStateModel } from '../../src/models/index.js';
import { productionOverrides, TEST_JWT_SECRET, testConfig, testEnv, tokenFor } from '../support/harness.js';

/**
 * The attacks of issue 8 against this subgraph on its own (it may sit behind any gateway), in production
 * mode, each answered with a typed refusal: GraphQL JSON with `extensions.code` and `retryable`.
 */

const root = path.resolve(import.meta.dirname, '../..');
const ACME = 'cust-acme';
const GLOBEX = 'cust-globex';
const acmeAdmin = { userId: 'user-1', tenants: [ACME] };

let api: RunningApi;
const logLines: { level: number; msg: string; err?: { stack?: string } }[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(JSON.parse(chunk.toString()) as (typeof logLines)[number]);
      done();
    },
  });
  api = await startApi(testConfig(productionOverrides()), pino({ level: 'info' }, sink));
  await InvoiceSyncStateModel.create([
    { tenantId: ACME, invoiceId: 'inv-1', state: 'SYNCED', attempts: 1, quickbooksInvoiceId: '145' },
    { tenantId: GLOBEX, invoiceId: 'inv-g', state: 'SYNCED', attempts: 1, quickbooksInvoiceId: '999' },
  ]);
});

afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await api.close();
});

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  json: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
  };
}

async function post(
  body: string | { query: string; variables?: unknown },
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Answer['json'] = {};
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    // Asserted by the tests: every answer must be JSON.
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codes = (answer: Answer) => answer.json.errors?.map((e) => e.extensions?.code);

/** A refusal before execution: JSON, a status, one code for every error, retryable stated, no data. */
function expectRefusal(answer: Answer, status: number, code: string) {
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(answer.status).toBe(status);
  expect(answer.json.errors?.length).toBeGreaterThan(0);
  for (const error of answer.json.errors ?? []) {
    expect(error.extensions).toEqual({ code, retryable: false });
  }
  expect(answer.json.data ?? null).toBeNull();
}

/** Nothing that helps an attacker: no HTML, stack frames, absolute paths or module names. */
function expectNoInternals(answer: Answer) {
  expect(answer.text).not.toMatch(/<html|<pre>|\bat \w+ \(|node_modules|\/work\/|\.ts:\d+|\.js:\d+/i);
}

describe('query limits (GraphQL Armor and the parser)', () => {
  it('refuses a 400-level nesting (was accepted) with QUERY_TOO_COMPLEX', async () => {
    const deep = `{ ${'... on Query { '.repeat(400)}__typename${' }'.repeat(400)} }`;
    const answer = await post({ query: deep });
    expectRefusal(answer, 400, 'QUERY_TOO_COMPLEX');
  });

  it('refuses depth 11 by name once the document is short enough to parse', async () => {
    const deep = `{ ${'... on Query { '.repeat(11)}__typename${' }'.repeat(11)} }`;
    const answer = await post({ query: deep });
    expectRefusal(answer, 400, 'QUERY_TOO_COMPLEX');
    expect(answer.json.errors?.map((e) => e.message)).toContain(
      'Query depth limit of 10 exceeded, found 12.',
    );
  });

  it('refuses a fragment bomb by its cost', async () => {
    const fragments = Array.from(
      { length: 6 },
      (_, i) => `fragment F${i} on Query { __typename ${i < 5 ? `...F${i + 1} `.repeat(10) : ''}}`,
    );
    const answer = await post({ query: `{ ...F0 } ${fragments.join(' ')}` });
    expectRefusal(answer, 400, 'QUERY_TOO_COMPLEX');
    expect(answer.json.errors?.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^Query Cost limit of 5000 exceeded/),
    );
  });

  it('refuses an anonymous alias flood of the federation SDL (was a 5.8 MB answer to 23 KB)', async () => {
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: _service { sdl }`).join(' ')} }`;
    const flood = await post({ query: aliases(1000) });
    expectRefusal(flood, 400, 'QUERY_TOO_COMPLEX');
    expect(flood.text.length).toBeLessThan(1000);
    const within = await post({ query: aliases(16) });
    expectRefusal(within, 400, 'QUERY_TOO_COMPLEX');
    expect(within.json.errors?.[0]?.message).toBe('Aliases limit of 15 exceeded, found 16.');
  });

  it('refuses too many directives', async () => {
    const answer = await post({ query: `{ ${'__typename @skip(if: false) '.repeat(21)}}` });
    expectRefusal(answer, 400, 'QUERY_TOO_COMPLEX');
  });

  it("still serves composition tooling's _service query and entity batches", async () => {
    const sdl = await post({ query: '{ _service { sdl } }' });
    expect(sdl.status).toBe(200);
    expect(sdl.json.data?._service).toEqual({ sdl: expect.stringContaining('type Invoice') });
    const representations = Array.from({ length: 500 }, (_, i) => ({
      __typename: 'Invoice',
      id: `inv-${i}`,
      customer: { id: ACME },
    }));
    const batch = await post(
      {
        query: `query ($representations: [_Any!]!) { _entities(representations: $representations) {
          ... on Invoice { id quickbooksSyncStatus { state attempts } } } }`,
        variables: { representations },
      },
      bearer(await tokenFor(acmeAdmin)),
    );
    expect(batch.status).toBe(200);
    expect(batch.json.errors).toBeUndefined();
    expect(batch.json.data?._entities).toHaveLength(500);
  });
});

describe('HTTP bodies', () => {
  it('answers malformed JSON with BAD_REQUEST as JSON (was an HTML page with a stack trace)', async () => {
    const answer = await post('{"query": ');
    expectRefusal(answer, 400, 'BAD_REQUEST');
    expectNoInternals(answer);
  });

  it('answers an oversized body with PAYLOAD_TOO_LARGE as JSON (was an HTML page)', async () => {
    const answer = await post(JSON.stringify({ query: `{ __typename }`, pad: 'x'.repeat(1_100_000) }));
    expectRefusal(answer, 413, 'PAYLOAD_TOO_LARGE');
    expectNoInternals(answer);
  });

  it('answers an unsupported charset and unknown paths as JSON', async () => {
    const charset = await post('{}', { 'content-type': 'application/json; charset=latin1' });
    expectRefusal(charset, 415, 'BAD_REQUEST');
    const res = await fetch(api.url.replace(/\/graphql$/, '/nope'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST', retryable: false } }],
    });
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers an unknown __typename in _entities per item, without error-level logs', async () => {
    const before = logLines.length;
    const answer = await post(
      {
        query: `query ($r: [_Any!]!) { _entities(representations: $r) {
          ... on Invoice { id quickbooksSyncStatus { state } } } }`,
        variables: {
          r: [
            { __typename: 'Nope', id: 'x' },
            { __typename: 'Invoice', id: 'inv-1', customer: { id: ACME } },
          ],
        },
      },
      bearer(await tokenFor(acmeAdmin)),
    );
    expect(answer.status).toBe(200);
    expect(answer.json.data?._entities).toEqual([
      null,
      { id: 'inv-1', quickbooksSyncStatus: { state: 'SYNCED' } },
    ]);
    expect(answer.json.errors).toEqual([
      expect.objectContaining({
        path: ['_entities', 0],
        extensions: { code: 'BAD_USER_INPUT', retryable: false, field: 'representations' },
      }),
    ]);
    const logged = logLines.slice(before);
    expect(logged.filter((line) => line.level >= 50)).toEqual([]);
    expect(JSON.stringify(logged)).not.toContain('"stack"');
  });
});

describe('tokens', () => {
  const query = { query: `{ quickbooksConnection(customerId: "${ACME}") { status } }` };

  it('refuses a correctly signed token without exp (was accepted forever) with 401 UNAUTHENTICATED', async () => {
    const noExp = await new SignJWT({ tenants: [ACME, GLOBEX] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setIssuedAt()
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const answer = await post(query, bearer(noExp));
    expectRefusal(answer, 401, 'UNAUTHENTICATED');
  });

  it('answers expired, forged and non-bearer credentials with the same 401 UNAUTHENTICATED', async () => {
    const expired = await tokenFor({ ...acmeAdmin, expiresIn: '-1m' });
    const forged = await mintToken(DEV_INSECURE_JWT_SECRET, acmeAdmin);
    const answers = [
      await post(query, bearer(expired)),
      await post(query, bearer(forged)),
      await post(query, { authorization: 'Basic dXNlcjpwYXNz' }),
      await post(query, { authorization: 'Bearer' }),
    ];
    for (const answer of answers) {
      expectRefusal(answer, 401, 'UNAUTHENTICATED');
      expect(answer.json).toEqual(answers[0]!.json);
    }
  });

  it('accepts the bearer scheme in any letter case', async () => {
    const token = await tokenFor(acmeAdmin);
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const answer = await post(query, { authorization: `${scheme} ${token}` });
      expect(answer.json).toEqual({ data: { quickbooksConnection: { status: 'DISCONNECTED' } } });
    }
  });

  it('without a token, only fields that need a caller fail (HTTP 200, UNAUTHENTICATED)', async () => {
    const answer = await post({
      query: `{ _service { sdl } quickbooksConnection(customerId: "${ACME}") { status } }`,
    });
    expect(answer.status).toBe(200);
    expect(answer.json.data).toEqual({ _service: { sdl: expect.any(String) }, quickbooksConnection: null });
    expect(codes(answer)).toEqual(['UNAUTHENTICATED']);
  });

  it('production refuses to start with the public dev secret (exit 78, the secret never echoed)', async () => {
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/index.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        ...testEnv({ NODE_ENV: 'production', AUTH_MODE: 'jwt', AUTH_JWT_SECRET: DEV_INSECURE_JWT_SECRET }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(output).toContain('AUTH_JWT_SECRET is the public development secret');
    expect(output).not.toContain(DEV_INSECURE_JWT_SECRET);
  });
});

describe('production exposure', () => {
  it('refuses introspection and hides "Did you mean" suggestions', async () => {
    const introspection = await post({ query: '{ __schema { types { name } } }' });
    expectRefusal(introspection, 400, 'GRAPHQL_VALIDATION_FAILED');
    const typo = await post({ query: '{ quickbooksConection(customerId: "x") { status } }' });
    expectRefusal(typo, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(typo.text).not.toContain('Did you mean');
    expect(typo.text).not.toContain('quickbooksConnection');
  });

  it('serves no landing page to browsers', async () => {
    const res = await fetch(api.url, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toMatch(/<html/i);
  });
});

describe('nullability: one refused field never wipes its siblings', () => {
  it('FORBIDDEN on one quickbooksConnection leaves the other (was data: null)', async () => {
    const answer = await post(
      {
        query: `{ mine: quickbooksConnection(customerId: "${ACME}") { status }
                  theirs: quickbooksConnection(customerId: "${GLOBEX}") { status } }`,
      },
      bearer(await tokenFor(acmeAdmin)),
    );
    expect(answer.status).toBe(200);
    expect(answer.json.data).toEqual({ mine: { status: 'DISCONNECTED' }, theirs: null });
    expect(answer.json.errors).toEqual([
      expect.objectContaining({ path: ['theirs'], extensions: { code: 'FORBIDDEN', retryable: false } }),
    ]);
  });

  it('an unknown customer gets the same FORBIDDEN as a foreign one', async () => {
    const token = await tokenFor(acmeAdmin);
    const foreign = await post(
      { query: `{ quickbooksConnection(customerId: "${GLOBEX}") { status } }` },
      bearer(token),
    );
    const unknown = await post(
      { query: `{ quickbooksConnection(customerId: "cust-does-not-exist") { status } }` },
      bearer(token),
    );
    expect(unknown.json).toEqual(foreign.json);
  });

  it("FORBIDDEN on one invoice's status leaves the rest of the list", async () => {
    const answer = await post(
      {
        query: `query ($r: [_Any!]!) { _entities(representations: $r) {
          ... on Invoice { id quickbooksSyncStatus { state } } } }`,
        variables: {
          r: [
            { __typename: 'Invoice', id: 'inv-1', customer: { id: ACME } },
            { __typename: 'Invoice', id: 'inv-g', customer: { id: GLOBEX } },
          ],
        },
      },
      bearer(await tokenFor(acmeAdmin)),
    );
    expect(answer.json.data?._entities).toEqual([
      { id: 'inv-1', quickbooksSyncStatus: { state: 'SYNCED' } },
      { id: 'inv-g', quickbooksSyncStatus: null },
    ]);
    expect(codes(answer)).toEqual(['FORBIDDEN']);
    expect(answer.text).not.toContain('999');
  });
});
