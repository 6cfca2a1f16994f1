/**
 * `npm run supergraph`: composes supergraph.graphql (committed) from the demo host subgraph's SDL and this
 * subgraph's, for the default local URLs. `--check` fails instead when the committed file differs, so CI
 * catches a subgraph change that was not recomposed. The gateway overrides the URLs at run time with
 * HOST_SUBGRAPH_URL / QUICKBOOKS_SUBGRAPH_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeLocalSupergraph } from './supergraph.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'supergraph.graphql');

const supergraph = await composeLocalSupergraph();
if (process.argv.includes('--check')) {
  const committed = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (committed !== supergraph) {
    console.error('supergraph.graphql is stale: run `npm run supergraph` and commit the result.');
    process.exit(1);
  }
  console.log('supergraph.graphql is up to date');
} else {
  fs.writeFileSync(target, supergraph);
  console.log(`wrote ${path.relative(root, target)}`);
}
