import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { composeServices } from '@apollo/composition';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { parse } from 'graphql';
import fs from 'node:fs';
import path from 'node:path';
import { HOST_SUBGRAPH_SDL, type HostSubgraph } from '../src/index.js';
import { ACME, codes, gql, NORDLYS, startTestHost, token } from './helpers.js';

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Invoice { id number customer { id } }
    ... on Customer { id name currency }
  }
}`;

let host: HostSubgraph;

beforeAll(async () => {
  host = await startTestHost();
});

afterAll(async () => {
  await host.close();
});

describe('federation', () => {
  it('serves _service { sdl } without a token', async () => {
    const result = await gql(host.url, '{ _service { sdl } }');
    expect(result.errors).toBeUndefined();
    const sdl: string = result.data._service.sdl;
    expect(sdl).toContain('type Invoice');
    expect(sdl).toContain('@key(fields: "id")');
    expect(sdl).toContain('customer: Customer!');
    // A bad token does not hide the SDL either.
    expect((await gql(host.url, '{ _service { sdl } }', {}, 'garbage')).errors).toBeUndefined();
  });

  it('resolves Invoice and Customer references with customer { id }, honouring the tenant rule', async () => {
    const result = await gql(
      host.url,
      ENTITIES,
      {
        representations: [
          { __typename: 'Invoice', id: 'inv-acme-1001' },
          { __typename: 'Invoice', id: 'inv-nordlys-2001' },
          { __typename: 'Invoice', id: 'inv-acme-404' },
          { __typename: 'Customer', id: ACME },
          { __typename: 'Customer', id: NORDLYS },
        ],
      },
      await token([ACME]),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data._entities).toEqual([
      { __typename: 'Invoice', id: 'inv-acme-1001', number: 'INV-1001', customer: { id: ACME } },
      null,
      null,
      { __typename: 'Customer', id: ACME, name: 'Acme Plumbing & HVAC LLC', currency: 'USD' },
      null,
    ]);
  });

  it('answers UNAUTHENTICATED for _entities without a token', async () => {
    const result = await gql(host.url, ENTITIES, {
      representations: [{ __typename: 'Invoice', id: 'inv-acme-1001' }],
    });
    expect(codes(result)).toContain('UNAUTHENTICATED');
  });

  it('composes with the product subgraph (schema.graphql) under both composers', () => {
    const productSdl = fs.readFileSync(path.resolve(import.meta.dirname, '../../../schema.graphql'), 'utf8');
    const subgraphs = [
      { name: 'host', url: 'http://127.0.0.1:4002/graphql', typeDefs: parse(HOST_SUBGRAPH_SDL) },
      { name: 'quickbooks', url: 'http://127.0.0.1:4001/graphql', typeDefs: parse(productSdl) },
    ];
    const apollo = composeServices(subgraphs);
    expect(apollo.errors ?? []).toEqual([]);
    // The product's field on the host's Invoice; its nullability is the product's own convention.
    expect(apollo.supergraphSdl).toMatch(/\bquickbooksSyncStatus: QuickBooksSyncStatus\b/);
    const guild = composeWithGuild(subgraphs);
    expect(guild.errors ?? []).toEqual([]);
    expect(guild.supergraphSdl).toContain('billTo: BillToParty');
  });
});
