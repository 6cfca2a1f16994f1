/**
 * Subscription flood, for the numbers in issue 8: `npm run bench:subscriptions -- [--sockets 5]
 * [--per-socket 2000] [--rounds 2] [--root DIR] [--field quickbooksSyncStatusChanged|quickbooksSyncActivity]`.
 * Settings such as SUBSCRIPTION_MAX_PER_CONNECTION pass through from the environment.
 *
 * Starts the API of the tree at --root (default: this one) as a child process on the test backing services,
 * opens --sockets graphql-ws connections with --per-socket subscriptions each (one invoice id per
 * subscription, all of one tenant), closes them, and prints per phase the API's RSS, its V8 heap after a
 * forced GC, its Redis pub/sub channels and patterns, and how many subscriptions were accepted or refused.
 * Several rounds show whether memory is reused (flat) or leaks (grows per round). `--root` lets the same
 * script measure an older tree (`git archive HEAD | tar -x -C /tmp/base`, with node_modules linked).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { mintToken } from '../src/auth/dev-tokens.js';
import { ensureBackingServices, freePort, stopChild, waitForPort } from './services/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECRET = 'flood-secret-that-is-long-enough-for-hs256-0123456789';
const TENANT = 'cust-flood';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

const sockets = Number(option('sockets', '5'));
const perSocket = Number(option('per-socket', '2000'));
const rounds = Number(option('rounds', '2'));
const root = path.resolve(option('root', path.join(here, '..')));
const field = option('field', 'quickbooksSyncStatusChanged');

// Loaded into the API process: answers 'heap' over IPC with its memory after a full GC, so heap growth can
// be told apart from memory V8 keeps reserved.
const PROBE = `data:text/javascript,${encodeURIComponent(`
process.on('message', (m) => {
  if (m !== 'heap') return;
  globalThis.gc();
  const { rss, heapUsed } = process.memoryUsage();
  process.send({ rss, heapUsed });
});`)}`;

interface Memory {
  rss: number;
  heapUsed: number;
}

async function memoryOf(child: ChildProcess): Promise<Memory> {
  const reply = once(child, 'message');
  child.send('heap');
  return (await reply)[0] as Memory;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const services = await ensureBackingServices(() => undefined);
  const port = await freePort();
  const prefix = `flood-${process.pid}`;
  const api = fork(path.join(root, 'src/index.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx', '--expose-gc', '--import', PROBE],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      PORT: String(port),
      MONGODB_URI: services.mongo.uri,
      MONGODB_DB_NAME: `qbs_flood_${process.pid}`,
      REDIS_URL: services.redis.url,
      REDIS_PREFIX: prefix,
      AUTH_MODE: 'jwt',
      AUTH_JWT_SECRET: SECRET,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const redis = new Redis(services.redis.url);
  try {
    await waitForPort('127.0.0.1', port, 60_000, 'API');
    await sleep(1000);
    const token = await mintToken(SECRET, { userId: 'flooder', tenants: [TENANT], expiresIn: '1h' });

    const channels = async () => ((await redis.pubsub('CHANNELS', `${prefix}:*`)) as string[]).length;
    const patterns = async () => Number(await redis.pubsub('NUMPAT'));
    const rows: string[][] = [];
    const measure = async (phase: string, accepted = '', refused = '') => {
      const memory = await memoryOf(api);
      rows.push([
        phase,
        mb(memory.rss),
        mb(memory.heapUsed),
        String(await channels()),
        String(await patterns()),
        accepted,
        refused,
      ]);
    };
    await measure('idle');

    for (let round = 1; round <= rounds; round++) {
      const clients: Client[] = [];
      let refused = 0;
      for (let s = 0; s < sockets; s++) {
        const client = createClient({
          url: `ws://127.0.0.1:${port}/graphql`,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${token}` },
          retryAttempts: 0,
          lazy: false,
        });
        clients.push(client);
        for (let i = 0; i < perSocket; i++) {
          const variables =
            field === 'quickbooksSyncActivity' ? { customerId: TENANT } : { invoiceId: `inv-${s}-${i}` };
          const args =
            field === 'quickbooksSyncActivity' ? '(customerId: $customerId)' : '(invoiceId: $invoiceId)';
          const type = field === 'quickbooksSyncActivity' ? '$customerId: ID!' : '$invoiceId: ID!';
          client.subscribe(
            { query: `subscription(${type}) { ${field}${args} { invoiceId } }`, variables },
            { next: () => undefined, error: () => void refused++, complete: () => undefined },
          );
        }
      }
      // Nothing acknowledges a started subscription: wait until the server's channel count stops moving.
      let last = -1;
      let stableFor = 0;
      const started = Date.now();
      while (stableFor < 3 && Date.now() - started < 180_000) {
        await sleep(1000);
        const now = await channels();
        stableFor = now === last ? stableFor + 1 : 0;
        last = now;
      }
      const total = sockets * perSocket;
      await measure(
        `round ${round}: ${sockets} x ${perSocket} open`,
        String(total - refused),
        String(refused),
      );
      await Promise.all(clients.map((c) => c.dispose()));
      await sleep(5000);
      await measure(`round ${round}: closed, +5 s`);
    }

    const header = ['phase', 'RSS', 'heap after GC', 'channels', 'patterns', 'accepted', 'refused'];
    console.log(`\n${field} flood against ${root}\n`);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`| ${header.map(() => '---').join(' | ')} |`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    redis.disconnect();
    await stopChild(api, 10_000);
    await services.stop();
  }
}

await main();
