import 'reflect-metadata';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, type GraphQLSchema } from 'graphql';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type QueryLimits } from '../../src/config.js';
import { buildFederatedSchema } from '../../src/schema/build-schema.js';
import { checkOperation } from '../../src/server/query-limits.js';

const root = path.resolve(import.meta.dirname, '../..');
const defaults: QueryLimits = loadConfig({
  MONGODB_URI: 'mongodb://127.0.0.1/x',
  REDIS_URL: 'redis://127.0.0.1',
  AUTH_JWT_SECRET: 'a-secret-that-is-at-least-thirty-two-chars',
}).limits;

/** Each operation of a .graphql file on its own, with the fragments it may use. */
function operationsOf(file: string): { name: string; source: string }[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  return text
    .split(/\n(?=(?:query|mutation|subscription)\b)/)
    .filter((chunk) => chunk.trim() !== '')
    .map((source) => ({ name: /^\w+\s+(\w+)/.exec(source.trim())?.[1] ?? '(anonymous)', source }));
}

function codesOf(schema: GraphQLSchema, source: string, limits = defaults): unknown[] {
  return checkOperation(schema, source, limits).errors.map((error) => error.extensions.code);
}

let subgraphSchema: GraphQLSchema;
let supergraphSchema: GraphQLSchema;

beforeAll(async () => {
  subgraphSchema = await buildFederatedSchema();
  // The supergraph SDL declares its join directives, so graphql-js builds the client-facing schema from it.
  supergraphSchema = buildSchema(fs.readFileSync(path.join(root, 'supergraph.graphql'), 'utf8'));
});

describe('the operations the tests, the demo and the gateway use fit the default limits', () => {
  it.each(operationsOf('test/operations/subgraph.graphql'))('subgraph operation $name', ({ source }) => {
    expect(checkOperation(subgraphSchema, source, defaults).errors).toEqual([]);
  });

  it.each(operationsOf('test/e2e/operations/gateway.graphql'))('gateway operation $name', ({ source }) => {
    expect(checkOperation(supergraphSchema, source, defaults).errors).toEqual([]);
  });

  it('the query the gateway sends this subgraph for an invoice list', () => {
    const entities = `query ($representations: [_Any!]!) { _entities(representations: $representations) {
      __typename ... on Invoice { __typename id quickbooksSyncStatus { state attempts quickbooksInvoiceId
      quickbooksDocNumber lastAttemptAt lastSyncedAt updatedAt lastError { code message retryable intuitTid } } } } }`;
    expect(checkOperation(subgraphSchema, entities, defaults).errors).toEqual([]);
  });

  it("npm start's printed example query", () => {
    const start = fs.readFileSync(path.join(root, 'scripts/start.ts'), 'utf8');
    const printed = /"query":"(\{ invoices.*?\} \})"/.exec(start)?.[1]?.replaceAll('\\\\"', '"');
    expect(printed).toBeDefined();
    expect(checkOperation(supergraphSchema, printed!, defaults).errors).toEqual([]);
  });
});

describe('each limit refuses with QUERY_TOO_COMPLEX', () => {
  const nested = (depth: number, leaf: string) =>
    `{ ${'... on Query { '.repeat(depth)}${leaf}${' }'.repeat(depth)} }`;

  it('depth: nested selections past GRAPHQL_MAX_DEPTH', () => {
    expect(codesOf(subgraphSchema, nested(defaults.maxDepth - 1, '__typename'))).toEqual([]);
    expect(codesOf(subgraphSchema, nested(defaults.maxDepth, '__typename'))).toContain('QUERY_TOO_COMPLEX');
  });

  it('aliases: more than GRAPHQL_MAX_ALIASES', () => {
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: _service { sdl }`).join(' ')} }`;
    expect(codesOf(subgraphSchema, aliases(defaults.maxAliases))).toEqual([]);
    expect(codesOf(subgraphSchema, aliases(defaults.maxAliases + 1))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('directives: more than GRAPHQL_MAX_DIRECTIVES', () => {
    const directives = (n: number) => `{ ${'__typename @skip(if: false) '.repeat(n)}}`;
    expect(codesOf(subgraphSchema, directives(defaults.maxDirectives))).toEqual([]);
    expect(codesOf(subgraphSchema, directives(defaults.maxDirectives + 1))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('tokens: a document longer than GRAPHQL_MAX_TOKENS is not even parsed', () => {
    const long = `{ ${'__typename '.repeat(defaults.maxTokens)}}`;
    expect(codesOf(subgraphSchema, long)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(checkOperation(subgraphSchema, long, defaults).document).toBeUndefined();
  });

  it('cost: a fragment bomb within the depth limit', () => {
    const fragments = Array.from(
      { length: 4 },
      (_, i) => `fragment F${i} on Query { __typename ${i < 3 ? `...F${i + 1} `.repeat(10) : ''}}`,
    );
    const bomb = `{ ...F0 } ${fragments.join(' ')}`;
    expect(codesOf(subgraphSchema, bomb, { ...defaults, maxDepth: 100 })).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('every limit follows its setting', () => {
    const tight: QueryLimits = { maxDepth: 2, maxAliases: 0, maxDirectives: 0, maxTokens: 100, maxCost: 5 };
    expect(codesOf(subgraphSchema, '{ a: _service { sdl } }', tight)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(codesOf(subgraphSchema, '{ __typename @include(if: true) }', tight)).toEqual([
      'QUERY_TOO_COMPLEX',
    ]);
    expect(codesOf(subgraphSchema, nested(2, '__typename'), { ...tight, maxCost: 1000 })).toEqual([
      'QUERY_TOO_COMPLEX',
    ]);
    expect(codesOf(subgraphSchema, '{ _service { sdl } __typename }', tight)).toEqual([]);
    expect(codesOf(subgraphSchema, '{ _service { sdl } __typename __typename }', tight)).toEqual([
      'QUERY_TOO_COMPLEX',
    ]);
  });
});
