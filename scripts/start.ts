/**
 * `npm start`: the whole product on one machine with embedded defaults. Starts (or reuses) Redis and a
 * MongoDB-compatible store, builds the TypeScript, then runs the subgraph and the worker as separate
 * processes, as in production, with one log prefix per process. Ctrl-C stops everything it started.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEV_INSECURE_JWT_SECRET } from '../src/config.js';
import { mintToken } from '../src/auth/dev-tokens.js';
import { canConnect, ensureBackingServices } from './services/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => console.log(`[start] ${line}`);

const subgraphPort = Number(process.env.PORT ?? 4001);
if (!Number.isInteger(subgraphPort) || subgraphPort <= 0 || subgraphPort > 65535) {
  console.error(`[start] PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}
if (await canConnect('127.0.0.1', subgraphPort)) {
  console.error(`[start] port ${subgraphPort} is already in use; stop what uses it or set PORT=<free port>`);
  process.exit(1);
}

const services = await ensureBackingServices(log, { dataDir: path.join(root, '.cache/mongo-data') });
log(`redis: ${services.redis.url} (${services.redis.source})`);
log(`mongodb: ${services.mongo.uri} (${services.mongo.source})`);

log('building…');
execFileSync(
  process.execPath,
  [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);

const usesOwnAuth = Boolean(process.env.AUTH_JWT_SECRET || process.env.AUTH_JWKS_URL);
const env: NodeJS.ProcessEnv = {
  NODE_ENV: 'development',
  MONGODB_DB_NAME: 'quickbooks_subgraph',
  AUTH_MODE: usesOwnAuth ? 'jwt' : 'dev-insecure',
  ...process.env,
  PORT: String(subgraphPort),
  MONGODB_URI: services.mongo.uri,
  REDIS_URL: services.redis.url,
};

const children: ChildProcess[] = [];
function run(name: string, script: string): void {
  const child = spawn(process.execPath, [path.join(root, script)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const prefix = `[${name}]`.padEnd(10);
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream! }).on('line', (line) => console.log(`${prefix} ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${prefix} exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
}

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await services.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

run('api', 'dist/src/index.js');
run('worker', 'dist/src/workers/index.js');

log(`subgraph GraphQL: http://127.0.0.1:${subgraphPort}/graphql (WebSocket subscriptions on the same URL)`);
log(`health: http://127.0.0.1:${subgraphPort}/health   readiness: http://127.0.0.1:${subgraphPort}/ready`);
if (!usesOwnAuth) {
  const token = await mintToken(DEV_INSECURE_JWT_SECRET, {
    userId: 'dev-admin',
    tenants: ['cust-acme-us', 'cust-nordlys-no'],
  });
  log('AUTH_MODE=dev-insecure: tokens are signed with a public dev secret. Try:');
  log(`  curl -s localhost:${subgraphPort}/graphql -H 'content-type: application/json' \\`);
  log(`    -H 'authorization: Bearer ${token}' \\`);
  log(`    -d '{"query":"{ quickbooksConnection(customerId: \\"cust-acme-us\\") { status } }"}'`);
}
log('Ctrl-C stops everything.');
