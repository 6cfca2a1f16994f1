/**
 * `_entities` for a page of invoices' QuickBooks status (issue 11: "100 invoices' status in one database
 * round trip"): the API (src/api.ts, the real composition root) in this process against the store and
 * Redis that `npm start` uses (scripts/services), a tenant with one stored sync state per invoice, and the
 * query the gateway sends when a web panel's invoice page asks for their status. Round trips are counted
 * with the MongoDB driver's command monitoring (one `commandStarted` per command sent, a cursor's getMore
 * included), the mechanism of bench/support/worker-probe.mjs.
 *
 *   npx tsx bench/entities.ts [--size 100] [--iterations 200] [--warmup 20]
 *
 * Prints the round trips per request (and which commands) and the request latency p50 / p95 / max, one
 * request at a time: what one page view costs, not throughput (bench/gateway.ts measures that).
 */
import crypto from 'node:crypto';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { ensureBackingServices } from '../scripts/services/index.js';
import { startApi } from '../src/api.js';
import { mintToken } from '../src/auth/dev-tokens.js';
import { loadConfig } from '../src/config.js';
import { InvoiceSyncStateModel } from '../src/models/index.js';
import { arg } from './support/args.js';

const size = Number(arg('size', '100'));
const iterations = Number(arg('iterations', '200'));
const warmup = Number(arg('warmup', '20'));
const TENANT = 'cust-bench-entities';
const print = (line: string) => process.stdout.write(`${line}\n`);
// Not support/measure.ts's: it loads the pipeline rig (and the test rigs behind it) for its other helpers.
const percentile = (values: readonly number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * values.length) - 1)] ?? Number.NaN;
const fixed = (value: number) => value.toFixed(1);

const QUERY = /* GraphQL */ `
  query InvoiceStatuses($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Invoice {
        id
        quickbooksSyncStatus {
          state
          attempts
          quickbooksInvoiceId
          lastError {
            code
            retryable
          }
        }
      }
    }
  }
`;

/** Commands the driver sent, by name and collection; the API's connection is the only one in this process. */
const sent: string[] = [];
const connect = mongoose.connect.bind(mongoose);
mongoose.connect = (async (uri: string, options: mongoose.ConnectOptions = {}) => {
  const connected = await connect(uri, { ...options, monitorCommands: true });
  connected.connection.getClient().on('commandStarted', (event) => {
    const target = (event.command as Record<string, unknown>)[event.commandName];
    sent.push(`${event.commandName}${typeof target === 'string' ? ` ${target}` : ''}`);
  });
  return connected;
}) as typeof mongoose.connect;

const services = await ensureBackingServices((line) => print(`[services] ${line}`));
const secret = crypto.randomBytes(32).toString('hex');
const config = loadConfig({
  NODE_ENV: 'test',
  PORT: '0',
  LOG_LEVEL: 'silent',
  MONGODB_URI: services.mongo.uri,
  MONGODB_DB_NAME: `qbs_bench_entities_${crypto.randomBytes(4).toString('hex')}`,
  REDIS_URL: services.redis.url,
  REDIS_PREFIX: `qbs-bench-entities-${crypto.randomBytes(4).toString('hex')}`,
  AUTH_MODE: 'jwt',
  AUTH_JWT_SECRET: secret,
});
const api = await startApi(config, pino({ level: 'silent' }));
try {
  // A realistic page: most invoices pushed, some never (NOT_SYNCED has no document), one failed.
  await InvoiceSyncStateModel.create(
    Array.from({ length: size - Math.floor(size / 10) }, (_, n) => ({
      tenantId: TENANT,
      invoiceId: `inv-${n}`,
      state: n === 0 ? ('FAILED' as const) : ('SYNCED' as const),
      attempts: n === 0 ? 3 : 1,
      quickbooksInvoiceId: n === 0 ? undefined : String(1000 + n),
    })),
  );
  const body = JSON.stringify({
    query: QUERY,
    variables: {
      representations: Array.from({ length: size }, (_, n) => ({
        __typename: 'Invoice',
        id: `inv-${n}`,
        customer: { id: TENANT },
      })),
    },
  });
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${await mintToken(secret, { userId: 'bench-user', tenants: [TENANT] })}`,
  };

  const once = async () => {
    sent.length = 0;
    const started = performance.now();
    const response = await fetch(api.url, { method: 'POST', headers, body });
    const result = (await response.json()) as { data?: { _entities?: unknown[] }; errors?: unknown[] };
    const ms = performance.now() - started;
    if (response.status !== 200 || result.errors || result.data?._entities?.length !== size) {
      throw new Error(`_entities failed (${response.status}): ${JSON.stringify(result).slice(0, 500)}`);
    }
    return { ms, commands: [...sent] };
  };

  for (let n = 0; n < warmup; n++) await once();
  const latencies: number[] = [];
  const roundTrips: number[] = [];
  const shapes = new Map<string, number>();
  for (let n = 0; n < iterations; n++) {
    const { ms, commands } = await once();
    latencies.push(ms);
    roundTrips.push(commands.length);
    const shape = commands.join(', ') || '(none)';
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
  }
  print(
    `_entities, ${size} Invoice representations, ${iterations} requests one at a time (after ${warmup} warm-up), ${services.mongo.source}`,
  );
  print(`  database round trips per request: min ${Math.min(...roundTrips)}, max ${Math.max(...roundTrips)}`);
  for (const [shape, count] of shapes) print(`    ${count} x [${shape}]`);
  print(
    `  latency ms: p50 ${fixed(percentile(latencies, 50))}, p95 ${fixed(percentile(latencies, 95))}, max ${fixed(Math.max(...latencies))}`,
  );
} finally {
  await mongoose.connection.db?.dropDatabase().catch(() => undefined);
  await api.close();
  await services.stop();
}
