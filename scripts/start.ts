/**
 * `npm start`: the whole graph on one machine with embedded defaults. Starts (or reuses) Redis and a
 * MongoDB-compatible store, builds the TypeScript and the web panel, then runs as separate processes, one
 * log prefix each: the QuickBooks Online emulator, the demo host subgraph, this subgraph, its worker, Hive
 * Gateway and the web panel.
 * Ctrl-C stops everything it started.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mintToken } from '../src/auth/dev-tokens.js';
import { buildWeb } from '../web/server/build.js';
import { DEV_INSECURE_JWT_SECRET, EMULATOR_DEFAULT_VERIFIER_TOKEN } from '../src/config.js';
import { QUICKBOOKS_WEBHOOK_PATH } from '../src/server/webhook-routes.js';
import { canConnect, ensureBackingServices, stopChild, waitForPort } from './services/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => console.log(`[start]     ${line}`);
const fail = (line: string): never => {
  console.error(`[start]     ${line}`);
  process.exit(1);
};

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    fail(`${name} must be a port number, got "${raw}"`);
  return port;
}

const ports = {
  gateway: { port: portFrom('GATEWAY_PORT', 4000), variable: 'GATEWAY_PORT' },
  subgraph: { port: portFrom('PORT', 4001), variable: 'PORT' },
  host: { port: portFrom('HOST_SUBGRAPH_PORT', 4002), variable: 'HOST_SUBGRAPH_PORT' },
  sandbox: { port: portFrom('SANDBOX_PORT', 4010), variable: 'SANDBOX_PORT' },
  web: { port: portFrom('WEB_PORT', 3000), variable: 'WEB_PORT' },
};
for (const [name, { port, variable }] of Object.entries(ports)) {
  if (await canConnect('127.0.0.1', port)) {
    fail(`port ${port} (${name}) is already in use: stop what uses it, or set ${variable}=<another port>`);
  }
}

const services = await ensureBackingServices(log, { dataDir: path.join(root, '.cache/mongo-data') });
log(`redis:   ${services.redis.url} (${services.redis.source})`);
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
log('building the web panel…');
await buildWeb({ quiet: true });

const usesOwnAuth = Boolean(process.env.AUTH_JWT_SECRET || process.env.AUTH_JWKS_URL);
// The embedded emulator's app signs its webhooks with its public verifier token; with Intuit credentials
// the token is the app's own (QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN) or the endpoint stays off.
const usesIntuit = Boolean(
  process.env.QUICKBOOKS_ENVIRONMENT
    ? process.env.QUICKBOOKS_ENVIRONMENT !== 'emulator'
    : process.env.QUICKBOOKS_CLIENT_ID && process.env.QUICKBOOKS_CLIENT_SECRET,
);
const subgraphUrl = `http://127.0.0.1:${ports.subgraph.port}/graphql`;
const hostUrl = `http://127.0.0.1:${ports.host.port}/graphql`;
const env: NodeJS.ProcessEnv = {
  NODE_ENV: 'development',
  MONGODB_DB_NAME: 'quickbooks_subgraph',
  AUTH_MODE: usesOwnAuth ? 'jwt' : 'dev-insecure',
  // The panel's pages, where the OAuth callback may send the browser back to.
  ...(usesIntuit ? {} : { QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: EMULATOR_DEFAULT_VERIFIER_TOKEN }),
  QUICKBOOKS_RETURN_TO_ORIGINS: [
    `http://localhost:${ports.web.port}`,
    `http://127.0.0.1:${ports.web.port}`,
  ].join(','),
  ...process.env,
  PORT: String(ports.subgraph.port),
  HOST_SUBGRAPH_PORT: String(ports.host.port),
  GATEWAY_PORT: String(ports.gateway.port),
  HOST_SUBGRAPH_URL: hostUrl,
  QUICKBOOKS_SUBGRAPH_URL: subgraphUrl,
  MONGODB_URI: services.mongo.uri,
  REDIS_URL: services.redis.url,
  // The embedded emulator, unless Intuit credentials in the environment select Intuit (src/config.ts).
  QUICKBOOKS_EMULATOR_URL: `http://127.0.0.1:${ports.sandbox.port}`,
  PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${ports.subgraph.port}`,
};

const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): void {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const prefix = `[${name}]`.padEnd(11);
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

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Generous grace: the worker may be finishing in-flight jobs (WORKER_SHUTDOWN_TIMEOUT_MS).
  await Promise.all(children.map((child) => stopChild(child, 30_000)));
  await services.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

// The emulator's default app registers port 4001's callback; another PORT needs its own registered.
run('sandbox', [
  'dist/sandbox/src/cli.js',
  '--port',
  String(ports.sandbox.port),
  '--redirect-uri',
  `${env.PUBLIC_URL}/integrations/quickbooks/callback`,
  // Payments come back: the emulator notifies this API's webhook endpoint, as Intuit would.
  ...(env.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN === EMULATOR_DEFAULT_VERIFIER_TOKEN
    ? ['--webhook-url', `${env.PUBLIC_URL}${QUICKBOOKS_WEBHOOK_PATH}`]
    : []),
]);
// The host announces finalize / edit / void straight to this subgraph (not through the gateway), the way the
// platform calls an integration it hosts (examples/host-subgraph/README.md, "QuickBooks hook").
// With AUTH_JWKS_URL alone the host has no secret the subgraph would accept, so the hook stays off unless
// QUICKBOOKS_NOTIFY_URL (and QUICKBOOKS_NOTIFY_SECRET) are given explicitly.
const hostCanSign = !process.env.AUTH_JWKS_URL || Boolean(process.env.AUTH_JWT_SECRET);
run(
  'host',
  ['dist/examples/host-subgraph/src/main.js'],
  hostCanSign ? { QUICKBOOKS_NOTIFY_URL: process.env.QUICKBOOKS_NOTIFY_URL ?? subgraphUrl } : {},
);
run('api', ['dist/src/index.js']);
run('worker', ['dist/src/workers/index.js']);
await Promise.all([
  waitForPort('127.0.0.1', ports.subgraph.port, 60_000, 'subgraph'),
  waitForPort('127.0.0.1', ports.host.port, 60_000, 'host subgraph'),
]);
// The gateway's own server (Hive Gateway's runtime, run by Node's type stripping) listens on GATEWAY_PORT.
run('gateway', ['gateway/server.ts']);
await waitForPort('127.0.0.1', ports.gateway.port, 60_000, 'gateway');

const gatewayUrl = `http://127.0.0.1:${ports.gateway.port}/graphql`;
run('web', ['dist/web/server/main.js'], { WEB_PORT: String(ports.web.port), GATEWAY_PUBLIC_URL: gatewayUrl });
await waitForPort('127.0.0.1', ports.web.port, 30_000, 'web panel');
const webUrl = `http://127.0.0.1:${ports.web.port}`;
log('');
log(`web panel (sign in, Settings -> Integrations -> QuickBooks, invoices): ${webUrl}`);
log(`gateway (GraphQL, GraphiQL in a browser, graphql-ws and SSE): ${gatewayUrl}`);
log(`QuickBooks subgraph: ${subgraphUrl}   health: http://127.0.0.1:${ports.subgraph.port}/health`);
log(`demo host subgraph:  ${hostUrl}`);
log(
  `QuickBooks Online emulator: http://127.0.0.1:${ports.sandbox.port} (see [sandbox] lines for the dev app)`,
);
if (!usesOwnAuth) {
  const token = await mintToken(DEV_INSECURE_JWT_SECRET, {
    userId: 'dev-admin',
    tenants: ['cust-acme-us', 'cust-nordlys-no'],
    // A developer trying the product: admin of both, so connecting QuickBooks works from this token.
    adminOf: ['cust-acme-us', 'cust-nordlys-no'],
  });
  log('AUTH_MODE=dev-insecure: tokens are signed with a public dev secret. A token for both demo tenants:');
  log(`  ${token}`);
  log('Try:');
  log(`  curl -s ${gatewayUrl} -H 'content-type: application/json' -H "authorization: Bearer <token>" \\`);
  log(
    `    -d '{"query":"{ invoices(customerId: \\"cust-acme-us\\") { number status quickbooksSyncStatus { state } } }"}'`,
  );
  log("Connect the emulator's QuickBooks company (then open the authorizeUrl it returns and press Connect):");
  log(`  curl -s ${gatewayUrl} -H 'content-type: application/json' -H "authorization: Bearer <token>" \\`);
  log(`    -d '{"query":"mutation { connectQuickBooks(customerId: \\"cust-acme-us\\") { authorizeUrl } }"}'`);
}
log('Ctrl-C stops everything.');
