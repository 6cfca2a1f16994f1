/**
 * The payment pull (issue 13) under load and end to end. Redis and the store from scripts/services
 * (REDIS_URL / MONGODB_URI, else the local Redis and a FerretDB of its own). Prints two tables:
 *
 *   1. webhook intake on ONE API process (src/index.ts as its own process, QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN
 *      set): `--realms` customers connected by writing their customers and quickbooks_realm_owners documents
 *      directly (routing reads only those), then signed CloudEvents deliveries of 1 and of 25 events each,
 *      every event with a fresh id, from `--connections` keep-alive connections in this process for
 *      `--intake-seconds`: deliveries/s, events/s, latency p50/p95/p99, the API's CPU per delivery, and
 *      whether every event answered 200 became exactly one job on `quickbooks-webhook-events` (no worker
 *      drains the queue here, so the queue holds them all);
 *   2. payment to PAID latency: the graph as the e2e tests run it (API and demo host in this process, the
 *      gateway and a worker process as deployed), one tenant connected to the emulator's US company through
 *      the consent flow, `--payments` invoices per mode pushed first; then a bookkeeper (another emulator
 *      app, so its requests are not ours) records one full payment every `--interval-ms`, and each is timed
 *      from the emulator's answer to the create until the demo host's store holds the invoice PAID (its
 *      in-process event, so no polling interval is added). Mode (a): webhooks delivered, the worker's sweep
 *      at its default period (so the webhook path alone is timed); mode (b): every webhook dropped by the
 *      emulator (`drop: {rate: 1}`), a new worker with QUICKBOOKS_PAYMENT_SWEEP_SECONDS=`--sweep-s`, so only
 *      the CDC backstop applies payments. All invoices are read back PAID through the gateway at the end.
 *
 *   npx tsx bench/payments.ts [--realms 50] [--connections 10] [--intake-seconds 10] [--warmup-s 2]
 *       [--payments 30] [--interval-ms 500] [--sweep-s 5] [--only intake,latency]
 *
 * docs/benchmarks.md ("Payment pull") explains each number. Not run by CI.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { ensureBackingServices, freePort, waitForPort } from '../scripts/services/index.js';
import { EMULATOR_DEFAULT_VERIFIER_TOKEN, loadConfig } from '../src/config.js';
import { createRedis } from '../src/redis.js';
import { QUICKBOOKS_WEBHOOK_PATH } from '../src/server/webhook-routes.js';
import { webhookJobId, type WebhookEventJobData } from '../src/services/webhooks/intake.js';
import { signWebhookBody } from '../src/services/webhooks/signature.js';
import { QueueName } from '../src/workers/queues.js';
import { arg } from './support/args.js';
import { allowTestRigsOutsideJest } from './support/outside-jest.js';

allowTestRigsOutsideJest();
const { percentile, fixed } = await import('./support/measure.js');
const { testEnv, uniqueName } = await import('../test/support/harness.js');
const { startEntry, workerEnv } = await import('../test/support/entry-process.js');
const { startGraphWithEmulator } = await import('../test/e2e/support/graph.js');
const { connectThroughGateway, createDraftInvoice, mapDemoCompany } =
  await import('../test/e2e/support/quickbooks.js');
const { invoiceTotals } = await import('../examples/host-subgraph/src/index.js');
const { paymentSummary } = await import('../examples/host-subgraph/src/payments.js');
const { models } = await import('../src/models/index.js');

const realms = Number(arg('realms', '50'));
const connections = Number(arg('connections', '10'));
const intakeSeconds = Number(arg('intake-seconds', '10'));
const warmupSeconds = Number(arg('warmup-s', '2'));
const paymentsPerMode = Number(arg('payments', '30'));
const intervalMs = Number(arg('interval-ms', '500'));
const sweepSeconds = Number(arg('sweep-s', '5'));
const only = new Set(arg('only', 'intake,latency').split(','));

const out = (line = '') => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (value: number) => `${fixed(value, 1)} ms`;
const seconds = (value: number) => `${fixed(value / 1000, 2)} s`;

/** USER_HZ, the unit of /proc CPU times (100 on every Linux build we run). */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU a process has used so far, from /proc (Linux), in ms; NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * The store process scripts/services started for this run (a child of this process), so its CPU can be read
 * beside the API's; undefined when the store is someone else's (MONGODB_URI) or not found.
 */
function storeChildPid(): number | undefined {
  for (const entry of fs.readdirSync('/proc', { withFileTypes: true })) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry.name}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && (name === 'ferretdb' || name === 'mongod')) return Number(entry.name);
    } catch {
      // The process ended while the directory was read.
    }
  }
  return undefined;
}

/** Every key under a run's prefix (queues, governor, channels): the shared Redis keeps nothing of a run. */
async function dropKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

// 1. Webhook intake ------------------------------------------------------------------------------------

interface IntakeRow {
  size: number;
  deliveries: number;
  seconds: number;
  latencies: number[];
  /** Status (0: no answer) -> count, for deliveries not answered 200. */
  failed: Map<number, number>;
  /** Events of deliveries answered 200. */
  events: number;
  jobs: number;
  /** Of the events answered 200, how many have their job (by its deterministic id). */
  present: number;
  apiCpuMs: number;
  /** CPU of the store process and of this process (the load generator) over the run. */
  storeCpuMs: number;
  loaderCpuMs: number;
}

/** A CloudEvents delivery as Intuit sends it: one realm, `size` events, each with its own id. */
function delivery(realmId: string, size: number, serial: number): { body: string; eventIds: string[] } {
  const time = new Date().toISOString();
  const events = Array.from({ length: size }, (_, index) => ({
    specversion: '1.0',
    id: randomUUID(),
    source: 'intuit.bench',
    type: index % 2 === 0 ? 'qbo.payment.created.v1' : 'qbo.invoice.updated.v1',
    datacontenttype: 'application/json',
    time,
    intuitentityid: String(serial * size + index + 1),
    intuitaccountid: realmId,
    data: {},
  }));
  return { body: JSON.stringify(events), eventIds: events.map((event) => event.id) };
}

function post(url: URL, agent: http.Agent, body: string, signature: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'intuit-signature': signature,
          'user-agent': 'Intuit-Webhooks-Bench',
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    request.on('error', () => resolve(0));
    request.end(body);
  });
}

/**
 * `connections` loops, each sending its next delivery when the last is answered, until `durationMs`. A
 * pool of our own rather than autocannon: the check below needs to know which bodies (so which event ids)
 * were answered 200, and autocannon reports counts, not which request got which answer.
 */
async function fireDeliveries(
  url: URL,
  token: string,
  realmIds: string[],
  size: number,
  durationMs: number,
): Promise<{
  deliveries: number;
  seconds: number;
  latencies: number[];
  failed: Map<number, number>;
  accepted: string[];
}> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const failed = new Map<number, number>();
  const accepted: string[] = [];
  let serial = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        serial += 1;
        const { body, eventIds } = delivery(realmIds[serial % realmIds.length]!, size, serial);
        const signature = signWebhookBody(body, token);
        const sent = performance.now();
        const status = await post(url, agent, body, signature);
        latencies.push(performance.now() - sent);
        if (status === 200) accepted.push(...eventIds);
        else failed.set(status, (failed.get(status) ?? 0) + 1);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { deliveries: latencies.length, seconds: elapsed, latencies, failed, accepted };
}

async function jobsIn(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts(
    'waiting',
    'prioritized',
    'delayed',
    'active',
    'completed',
    'failed',
    'waiting-children',
  );
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** How many of these events have their job, by the intake's deterministic job id. */
async function presentJobs(redis: Redis, queue: Queue, eventIds: string[]): Promise<number> {
  let present = 0;
  for (let start = 0; start < eventIds.length; start += 5000) {
    const pipeline = redis.pipeline();
    for (const id of eventIds.slice(start, start + 5000)) pipeline.exists(queue.toKey(webhookJobId(id)));
    for (const [error, found] of (await pipeline.exec()) ?? []) if (!error && found === 1) present += 1;
  }
  return present;
}

async function intake(services: Awaited<ReturnType<typeof ensureBackingServices>>): Promise<IntakeRow[]> {
  const port = await freePort();
  const token = randomUUID().replace(/-/g, '');
  const env = testEnv({
    PORT: String(port),
    LOG_LEVEL: 'warn',
    QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: token,
    MONGODB_DB_NAME: uniqueName('qbs_bench'),
    REDIS_PREFIX: uniqueName('qbs-bench'),
  });
  const config = loadConfig(env);
  const store = await mongoose
    .createConnection(services.mongo.uri, { dbName: config.mongo.dbName })
    .asPromise();
  const redis = createRedis(config.redis.url, 'producer');
  const queue = new Queue(QueueName.webhookEvents, { connection: redis, prefix: config.redis.prefix });
  queue.on('error', () => undefined);
  log(`intake: ${realms} customers connected (documents written directly), API process starting`);
  const realmIds = Array.from({ length: realms }, (_, i) => `91300000${String(i).padStart(8, '0')}`);
  const rows: IntakeRow[] = [];
  let api: ReturnType<typeof startEntry> | undefined;
  try {
    const now = new Date();
    // Through the product's own schemas, on a connection of this bench's (the API process has its own).
    await store.model(models.customers.modelName, models.customers.schema).insertMany(
      realmIds.map((realmId, i) => ({
        _id: `cust-bench-${i}`,
        integrations: {
          quickbooks: {
            connected: true,
            state: 'CONNECTED',
            realmId,
            companyName: `Bench company ${i}`,
            environment: 'sandbox',
            scopes: ['com.intuit.quickbooks.accounting'],
            tokenVersion: 0,
            connectedAt: now,
          },
        },
      })),
    );
    await store.model(models.realmOwners.modelName, models.realmOwners.schema).insertMany(
      realmIds.map((realmId, i) => ({
        _id: realmId,
        tenantId: `cust-bench-${i}`,
        claimedAt: now,
      })),
    );
    const started = startEntry('src/index.ts', env);
    api = started;
    const storePid = storeChildPid();
    await waitForPort('127.0.0.1', port, 60_000, 'API').catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${started.lines.join('\n')}`, { cause: error });
    });
    const url = new URL(`http://127.0.0.1:${port}${QUICKBOOKS_WEBHOOK_PATH}`);
    for (const size of [1, 25]) {
      log(`intake: warm-up ${warmupSeconds} s, then ${intakeSeconds} s of ${size}-event deliveries`);
      await fireDeliveries(url, token, realmIds, size, warmupSeconds * 1000);
      await queue.obliterate({ force: true });
      const cpuBefore = cpuMs(started.child.pid);
      const storeBefore = cpuMs(storePid);
      const loaderBefore = process.cpuUsage();
      const run = await fireDeliveries(url, token, realmIds, size, intakeSeconds * 1000);
      const apiCpuMs = cpuMs(started.child.pid) - cpuBefore;
      const storeCpuMs = cpuMs(storePid) - storeBefore;
      const loader = process.cpuUsage(loaderBefore);
      rows.push({
        size,
        deliveries: run.deliveries,
        seconds: run.seconds,
        latencies: run.latencies,
        failed: run.failed,
        events: run.accepted.length,
        jobs: await jobsIn(queue),
        present: await presentJobs(redis, queue, run.accepted),
        apiCpuMs,
        storeCpuMs,
        loaderCpuMs: (loader.user + loader.system) / 1000,
      });
      await queue.obliterate({ force: true });
    }
  } finally {
    await api?.stop();
    await queue.close();
    await dropKeys(redis, config.redis.prefix);
    redis.disconnect();
    await store.dropDatabase();
    await store.close();
  }
  return rows;
}

function printIntake(rows: IntakeRow[]): void {
  out();
  out(
    `## Webhook intake, one API process (${realms} connected customers, ${connections} connections, ` +
      `${intakeSeconds} s per size after ${warmupSeconds} s warm-up)`,
  );
  out();
  out(
    '| events per delivery | deliveries/s | events/s | p50 | p95 | p99 | not 200 | API CPU per delivery | ' +
      'cores busy: API / store / load generator | events answered 200 → jobs |',
  );
  out('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    const busy = (cpu: number) => fixed(cpu / 1000 / row.seconds, 2);
    const ok = row.deliveries - [...row.failed.values()].reduce((sum, n) => sum + n, 0);
    const failures =
      row.failed.size === 0
        ? '0'
        : [...row.failed].map(([status, n]) => `${n}×${status || 'none'}`).join(', ');
    const exact = row.jobs === row.events && row.present === row.events;
    out(
      `| ${row.size} | ${fixed(ok / row.seconds, 0)} | ${fixed(row.events / row.seconds, 0)} | ` +
        `${ms(percentile(row.latencies, 50))} | ${ms(percentile(row.latencies, 95))} | ` +
        `${ms(percentile(row.latencies, 99))} | ${failures} | ${ms(row.apiCpuMs / row.deliveries)} | ` +
        `${busy(row.apiCpuMs)} / ${busy(row.storeCpuMs)} / ${busy(row.loaderCpuMs)} | ` +
        `${row.events} → ${row.jobs} jobs, ${row.present} by id${exact ? ' (exactly one each)' : ' (MISMATCH)'} |`,
    );
  }
}

// 2. Payment to PAID latency ---------------------------------------------------------------------------

const TENANT = 'cust-acme-us';
const REALM = '9341455130166501';
const admin = { userId: 'bench-admin', tenants: [TENANT], adminOf: [TENANT] };
const member = { userId: 'bench-member', tenants: [TENANT] };

interface Pushed {
  id: string;
  quickbooksInvoiceId: string;
  customerRef: string;
  total: string;
}

interface LatencyRow {
  mode: string;
  latencies: number[];
  missing: number;
  note: string;
}

async function pushInvoices(
  graph: Awaited<ReturnType<typeof startGraphWithEmulator>>['graph'],
  sandbox: Awaited<ReturnType<typeof startGraphWithEmulator>>['sandbox'],
  count: number,
): Promise<Pushed[]> {
  const client = await graph.client(admin);
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        next += 1;
        const draft = await createDraftInvoice(graph, admin, TENANT);
        await client.request(`mutation Finalize($id: ID!) { finalizeInvoice(id: $id) { status } }`, {
          id: draft.id,
        });
        ids.push(draft.id);
      }
    }),
  );
  const deadline = Date.now() + 180_000;
  for (;;) {
    const states = await models.invoiceSyncStates
      .find({ tenantId: TENANT, invoiceId: { $in: ids } }, { invoiceId: 1, state: 1, quickbooksInvoiceId: 1 })
      .lean<{ invoiceId: string; state: string; quickbooksInvoiceId?: string }[]>();
    const stuck = states.filter((s) => s.state === 'DEAD' || s.state === 'ACTION_REQUIRED');
    if (stuck.length > 0) throw new Error(`pushes failed: ${JSON.stringify(stuck.slice(0, 3))}`);
    const synced = states.filter((s) => s.state === 'SYNCED' && s.quickbooksInvoiceId);
    if (synced.length === ids.length) {
      return synced.map((state) => {
        const qbo = sandbox.control.getEntity(REALM, 'Invoice', state.quickbooksInvoiceId!) as {
          CustomerRef: { value: string };
          TotalAmt: number;
        };
        return {
          id: state.invoiceId,
          quickbooksInvoiceId: state.quickbooksInvoiceId!,
          customerRef: qbo.CustomerRef.value,
          total: Number(qbo.TotalAmt).toFixed(2),
        };
      });
    }
    if (Date.now() > deadline) throw new Error(`${synced.length} of ${ids.length} invoices SYNCED in 180 s`);
    await sleep(500);
  }
}

async function latency(): Promise<LatencyRow[]> {
  const { sandbox, graph } = await startGraphWithEmulator({
    api: {
      QUICKBOOKS_PUSH_DEBOUNCE_MS: '0',
      QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: EMULATOR_DEFAULT_VERIFIER_TOKEN,
    },
    notifyQuickBooks: true,
  });
  const ourApp = sandbox.app.clientId;
  sandbox.control.updateApp(ourApp, {
    webhookUrl: `${graph.api.config.quickbooks.publicUrl}${QUICKBOOKS_WEBHOOK_PATH}`,
  });
  const baseWorkerEnv = workerEnv(graph.api.config, {
    emulatorUrl: sandbox.url,
    hostGraphqlUrl: graph.gatewayUrl,
  });
  const startWorker = async (extra: Record<string, string>) => {
    const worker = startEntry('src/workers/index.ts', { ...baseWorkerEnv, ...extra });
    await worker.waitFor('workers started', 60_000);
    return worker;
  };
  const redis = createRedis(graph.api.config.redis.url, 'producer');
  const sweepQueue = new Queue(QueueName.paymentSweep, {
    connection: redis,
    prefix: graph.api.config.redis.prefix,
  });
  sweepQueue.on('error', () => undefined);
  const webhookQueue = new Queue<WebhookEventJobData>(QueueName.webhookEvents, {
    connection: redis,
    prefix: graph.api.config.redis.prefix,
  });
  webhookQueue.on('error', () => undefined);
  // The host commits a payment and emits its event synchronously in this process: the moment it holds the
  // invoice PAID is read there, with no polling interval added to the latency.
  const paidAt = new Map<string, number>();
  graph.host.events.on('invoice.payment_recorded', (event) => {
    const invoice = graph.host.store.getInvoice(event.invoiceId);
    if (!invoice || paidAt.has(invoice.id)) return;
    const summary = paymentSummary(
      invoiceTotals(invoice.lines).total,
      graph.host.store.listPayments(invoice.id),
    );
    if (summary.paymentStatus === 'PAID') paidAt.set(invoice.id, performance.now());
  });
  // The bookkeeper records payments in QuickBooks itself: another app's session, as in the e2e test.
  const bookkeeper = sandbox.control.registerApp({ name: 'QuickBooks web (the bookkeeper)' }).clientId;
  const { access_token: bookkeeperToken } = sandbox.control.issueTokens({
    realmId: REALM,
    clientId: bookkeeper,
  });
  /** When QuickBooks answered the create (performance clock, and wall clock to compare with BullMQ's). */
  const recordPayment = async (
    invoice: Pushed,
  ): Promise<{ answeredAt: number; answeredEpoch: number; paymentId: string }> => {
    const response = await fetch(`${sandbox.url}/v3/company/${REALM}/payment?requestid=${randomUUID()}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bookkeeperToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({
        CustomerRef: { value: invoice.customerRef },
        TotalAmt: Number(invoice.total),
        Line: [
          {
            Amount: Number(invoice.total),
            LinkedTxn: [{ TxnId: invoice.quickbooksInvoiceId, TxnType: 'Invoice' }],
          },
        ],
      }),
    });
    const answer = await response.text();
    const answeredAt = performance.now();
    const answeredEpoch = Date.now();
    if (!response.ok) throw new Error(`QuickBooks answered ${response.status}: ${answer.slice(0, 300)}`);
    const { Payment } = JSON.parse(answer) as { Payment: { Id: string } };
    return { answeredAt, answeredEpoch, paymentId: Payment.Id };
  };
  /** One full payment every `intervalMs`; each timed from its create's answer to the host's PAID. */
  const measure = async (
    invoices: Pushed[],
    timeoutMs: number,
  ): Promise<{
    latencies: number[];
    missing: number;
    recorded: Map<string, Awaited<ReturnType<typeof recordPayment>>>;
  }> => {
    const recorded = new Map<string, Awaited<ReturnType<typeof recordPayment>>>();
    const started = performance.now();
    await Promise.all(
      invoices.map(async (invoice, index) => {
        await sleep(Math.max(0, started + index * intervalMs - performance.now()));
        recorded.set(invoice.id, await recordPayment(invoice));
      }),
    );
    const deadline = performance.now() + timeoutMs;
    while (invoices.some((invoice) => !paidAt.has(invoice.id)) && performance.now() < deadline)
      await sleep(50);
    const latencies = invoices.flatMap((invoice) => {
      const paid = paidAt.get(invoice.id);
      return paid === undefined ? [] : [paid - recorded.get(invoice.id)!.answeredAt];
    });
    return { latencies, missing: invoices.length - latencies.length, recorded };
  };

  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  const rows: LatencyRow[] = [];
  try {
    // The product's sweep period (900 s) in mode (a): its sweep at start-up finds nothing, so every
    // payment of this mode is applied by its webhook.
    worker = await startWorker({});
    log('latency: connecting cust-acme-us to the emulator US company through the gateway, mapping');
    await connectThroughGateway(graph, admin, TENANT, REALM);
    await mapDemoCompany(graph, sandbox, admin, TENANT, REALM);
    log(`latency: pushing ${paymentsPerMode * 2} invoices`);
    const pushed = await pushInvoices(graph, sandbox, paymentsPerMode * 2);
    const webhookSet = pushed.slice(0, paymentsPerMode);
    const cdcSet = pushed.slice(paymentsPerMode);
    // Nothing of the pushes (their Invoice events) may still be queued when the timing starts.
    await sandbox.control.drainWebhooks(30_000);

    log(`latency (a): ${paymentsPerMode} payments, one every ${intervalMs} ms, webhooks on`);
    const aStarted = Date.now();
    const a = await measure(webhookSet, 60_000);
    await sandbox.control.drainWebhooks(10_000);
    const aDeliveries = sandbox.control
      .webhookDeliveries(ourApp)
      .filter((d) => Date.parse(d.at) >= aStarted && d.delivered);
    // Where the webhook path's time goes, from each Payment event's job: answer → queued (the emulator's
    // batch window, the delivery, the intake), queued → picked up, picked up → done (re-read, store, hook).
    const answered = new Map([...a.recorded.values()].map((r) => [r.paymentId, r.answeredEpoch]));
    const paymentJobs = (await webhookQueue.getJobs(['completed'], 0, 1000)).filter(
      (job) => job.data.entity === 'Payment' && answered.has(job.data.entityId),
    );
    const segment = (of: (job: (typeof paymentJobs)[number]) => number) =>
      seconds(percentile(paymentJobs.map(of), 50));
    rows.push({
      mode: '(a) webhooks on',
      latencies: a.latencies,
      missing: a.missing,
      note:
        `sweep at the product default (900 s), so webhooks alone; ${aDeliveries.length} deliveries (` +
        `${aDeliveries.reduce((n, d) => n + d.events.length, 0)} events: each payment's Payment create and ` +
        `Invoice update) answered 2xx; Payment event jobs (${paymentJobs.length}), p50: answer → queued ` +
        `${segment((job) => job.timestamp - answered.get(job.data.entityId)!)}, queued → picked up ` +
        `${segment((job) => (job.processedOn ?? NaN) - job.timestamp)}, picked up → done ` +
        `${segment((job) => (job.finishedOn ?? NaN) - (job.processedOn ?? NaN))}`,
    });

    await worker.stop();
    worker = await startWorker({ QUICKBOOKS_PAYMENT_SWEEP_SECONDS: String(sweepSeconds) });
    sandbox.control.setWebhookFaults(ourApp, { drop: { rate: 1 } });
    const bStarted = Date.now();
    log(`latency (b): ${paymentsPerMode} payments, every webhook dropped, sweep every ${sweepSeconds} s`);
    const b = await measure(cdcSet, sweepSeconds * 6_000 + 60_000);
    const after = sandbox.control.webhookDeliveries(ourApp).filter((d) => Date.parse(d.at) >= bStarted);
    const sweeps = (await sweepQueue.getJobs(['completed'], 0, 500)).filter(
      (job) => job.name === 'payment-sweep' && (job.finishedOn ?? 0) >= bStarted,
    );
    const sweepMs = sweeps.map((job) => (job.finishedOn ?? 0) - (job.processedOn ?? 0));
    const examined = sweeps.map((job) =>
      Number((job.returnvalue as { examined?: number } | null)?.examined ?? NaN),
    );
    rows.push({
      mode: `(b) webhooks dropped, CDC sweep every ${sweepSeconds} s`,
      latencies: b.latencies,
      missing: b.missing,
      note:
        `${after.filter((d) => d.faults.includes('drop') && !d.delivered).length} events dropped, ` +
        `${after.filter((d) => d.delivered).length} delivered; ${sweeps.length} sweeps: ` +
        `p50 ${seconds(percentile(sweepMs, 50))}, max ${seconds(Math.max(0, ...sweepMs))} each, ` +
        `median ${fixed(percentile(examined, 50), 0)} objects examined (overlap ${graph.api.config.quickbooks.paymentSweep.overlapMs / 1000} s)`,
    });
    sandbox.control.clearWebhookFaults(ourApp);

    // The platform's own view, through the gateway: every invoice of both modes reads PAID.
    const client = await graph.client(member);
    const { invoices } = await client.request<{ invoices: { id: string; paymentStatus: string }[] }>(
      `query Paid($customerId: ID!) { invoices(customerId: $customerId) { id paymentStatus } }`,
      { customerId: TENANT },
    );
    const ours = new Set(pushed.map((invoice) => invoice.id));
    const paidThroughGateway = invoices.filter((i) => ours.has(i.id) && i.paymentStatus === 'PAID').length;
    log(`latency: ${paidThroughGateway} of ${pushed.length} invoices read PAID through the gateway`);
    if (paidThroughGateway !== pushed.length) {
      for (const row of rows)
        row.note += `; ${paidThroughGateway} of ${pushed.length} PAID through the gateway`;
    }
  } finally {
    await worker?.stop();
    await sweepQueue.close();
    await webhookQueue.close();
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await dropKeys(redis, graph.api.config.redis.prefix);
    redis.disconnect();
    await graph.close();
    await sandbox.close();
  }
  return rows;
}

function printLatency(rows: LatencyRow[]): void {
  out();
  out(
    `## Payment → platform PAID (${paymentsPerMode} full payments per mode, one every ${intervalMs} ms; ` +
      'from the emulator answering the Payment create to the demo host holding the invoice PAID)',
  );
  out();
  out('| mode | PAID | p50 | p95 | max | notes |');
  out('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    out(
      `| ${row.mode} | ${row.latencies.length} of ${row.latencies.length + row.missing} | ` +
        `${seconds(percentile(row.latencies, 50))} | ${seconds(percentile(row.latencies, 95))} | ` +
        `${seconds(Math.max(...row.latencies))} | ${row.note} |`,
    );
  }
}

const startedAt = Date.now();
const services = await ensureBackingServices(log);
// The harness builds configs from these (test/support/harness.ts testEnv).
process.env.TEST_MONGODB_URI = services.mongo.uri;
process.env.TEST_REDIS_URL = services.redis.url;
const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** Runs the chosen parts and prints their tables; false when an event was lost or a payment never PAID. */
async function run(): Promise<boolean> {
  out(
    `# payment pull bench (${new Date().toISOString()}): ${os.cpus().length} cores, load average ` +
      `${loadAverage()}, store ${services.mongo.source}`,
  );
  const intakeRows = only.has('intake') ? await intake(services) : [];
  const latencyRows = only.has('latency') ? await latency() : [];
  if (intakeRows.length > 0) printIntake(intakeRows);
  if (latencyRows.length > 0) printLatency(latencyRows);
  out();
  out(
    `(bench took ${fixed((Date.now() - startedAt) / 1000, 0)} s; load average at the end ${loadAverage()})`,
  );
  return (
    intakeRows.every(
      (row) => row.jobs === row.events && row.present === row.events && row.failed.size === 0,
    ) && latencyRows.every((row) => row.missing === 0)
  );
}

const passed = await run().finally(() => services.stop());
process.exit(passed ? 0 : 1);
