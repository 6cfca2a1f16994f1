import { printSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { HOST_SUBGRAPH_SDL } from '../examples/host-subgraph/src/schema.js';
import { buildFederatedSchema } from '../src/schema/build-schema.js';

/** The two subgraphs of the local graph, at the URLs `npm start` uses by default. */
export async function localSubgraphs() {
  return [
    { name: 'host', url: 'http://127.0.0.1:4002/graphql', typeDefs: parse(HOST_SUBGRAPH_SDL) },
    {
      name: 'quickbooks',
      url: 'http://127.0.0.1:4001/graphql',
      typeDefs: parse(printSubgraphSchema(await buildFederatedSchema())),
    },
  ];
}

/** Composes with The Guild's composition, the one Hive Gateway uses. */
export async function composeLocalSupergraph(): Promise<string> {
  const result = composeServices(await localSubgraphs());
  if (result.errors?.length || !result.supergraphSdl) {
    const messages = (result.errors ?? []).map((e) => `  - ${e.message}`).join('\n');
    throw new Error(`composition failed:\n${messages}`);
  }
  return `${result.supergraphSdl.trim()}\n`;
}
