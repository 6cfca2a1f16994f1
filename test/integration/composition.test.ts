import { describe, expect, it } from '@jest/globals';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { parse } from 'graphql';
import fs from 'node:fs';
import path from 'node:path';
import { buildFederatedSchema } from '../../src/schema/build-schema.js';

const root = path.resolve(import.meta.dirname, '../..');
const hostSdl = fs.readFileSync(path.join(root, 'test/fixtures/host-subgraph.graphql'), 'utf8');

async function subgraphs() {
  const ours = printSubgraphSchema(await buildFederatedSchema());
  return [
    { name: 'host', url: 'http://host.invalid/graphql', typeDefs: parse(hostSdl) },
    { name: 'quickbooks', url: 'http://quickbooks.invalid/graphql', typeDefs: parse(ours) },
  ];
}

describe('federation', () => {
  it('composes with a host subgraph that owns Customer and Invoice (Apollo composition)', async () => {
    const result = composeServices(await subgraphs());
    expect(result.errors ?? []).toEqual([]);
    expect(result.supergraphSdl).toMatch(/quickbooksSyncStatus: QuickBooksSyncStatus\b(?!!)/);
  });

  it('composes with The Guild composition used by Hive Gateway', async () => {
    const result = composeWithGuild(await subgraphs());
    expect(result.errors ?? []).toEqual([]);
    expect(result.supergraphSdl).toContain('quickbooksConnection: QuickBooksConnection');
  });

  it('keeps the committed schema.graphql in step with the code', async () => {
    const committed = fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8');
    const current = printSubgraphSchema(await buildFederatedSchema()).trim();
    expect(committed.slice(committed.indexOf('\n\n') + 2).trim()).toBe(current);
  });
});
