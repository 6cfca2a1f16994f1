/**
 * Issue 11, backfill: syncExistingQuickBooksInvoices queues a tenant's finalized invoices since a date and
 * sends them through QuickBooks' batch endpoint, 30 a request. Against the emulator (requestid replay off,
 * 6140 off: the look-up is the only guard), the demo host over GraphQL, real Redis and the store; the
 * backfill worker is composed as the worker runtime composes it, and the mutation goes through the API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Queue, type Worker } from 'bullmq';
import type { InvoiceRecord } from '../../examples/host-subgraph/src/index.js';
import { createGraphQLHostInvoiceSource } from '../../src/host/graphql-host-invoices.js';
import { models } from '../../src/models/index.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import {
  BackfillService,
  composeBackfillRunner,
  type BackfillRunner,
  createBackfillProgressEvents,
  type BackfillJobData,
  type BackfillProgressEvent,
} from '../../src/services/backfill/index.js';
import { createBackfillWorker } from '../../src/workers/backfill.worker.js';
import { QueueName } from '../../src/workers/queues.js';
import { DISCONNECT } from '../support/connect-graphql.js';
import { adminOf, memberOf } from '../support/connect-rig.js';
import { eventually, silentLogger } from '../support/harness.js';
import { createRequestId } from '../../src/services/invoice-push/request-ids.js';
import { usePushRig, type LineSpec, type PushCompany, type PushRig } from '../support/push-rig.js';

const push = usePushRig();

jest.setTimeout(180_000);

const START = /* GraphQL */ `
  mutation Backfill($customerId: ID!, $since: DateTimeISO!) {
    syncExistingQuickBooksInvoices(customerId: $customerId, since: $since) {
      id
      state
      since
      startedBy
    }
  }
`;
const PROGRESS = /* GraphQL */ `
  query Progress($customerId: ID!) {
    quickbooksBackfill(customerId: $customerId) {
      id
      state
      total
      done
      failed
      skipped
      handedOff
      startedBy
      startedAt
      finishedAt
    }
  }
`;

interface Progress {
  id: string;
  state: string;
  total: number | null;
  done: number;
  failed: number;
  skipped: number;
  handedOff: number;
  startedBy: string;
  finishedAt: string | null;
}

const SINCE = '2026-11-01T00:00:00.000Z';
/** Lines without a FEE line: the mapping test leaves FEE unmapped. */
const NO_FEE: LineSpec[] = [
  { description: 'Labor', itemKind: 'LABOR', quantity: '2', unitPrice: '80', taxRate: '8.25' },
];

let worker: Worker<BackfillJobData>;
let queue: Queue<BackfillJobData>;
let backfills: BackfillService;
let runner: BackfillRunner;
const clients: ReturnType<typeof createRedis>[] = [];

beforeAll(() => {
  const rig = push();
  rig.rig.sandbox.control.updateSettings({ idempotency: { enabled: false } });
  const config = rig.rig.config;
  const commands = createRedis(config.redis.url, 'pubsub');
  const subscriber = createRedis(config.redis.url, 'pubsub');
  const connection = createRedis(config.redis.url, 'worker');
  const producer = createRedis(config.redis.url, 'producer');
  clients.push(commands, subscriber, connection, producer);
  queue = new Queue<BackfillJobData>(QueueName.backfill, {
    connection: producer,
    prefix: config.redis.prefix,
  });
  backfills = new BackfillService({
    models,
    events: createBackfillProgressEvents({
      publishClient: commands,
      subscribeClient: subscriber,
      prefix: config.redis.prefix,
    }),
    now: () => new Date(),
    logger: silentLogger(),
  });
  runner = composeBackfillRunner({
    models,
    quickbooks: rig.side,
    host: createGraphQLHostInvoiceSource({ url: rig.host.url, credentials: config.host.credentials }),
    syncStatus: rig.syncStatus,
    backfills,
    queue,
    logger: silentLogger(),
    retry: { attempts: 3, backoffMs: 200 },
  });
  worker = createBackfillWorker({
    connection,
    prefix: config.redis.prefix,
    runner,
    logger: silentLogger(),
  });
});

afterEach(() => {
  push().rig.sandbox.control.clearFaults();
});

afterAll(async () => {
  await worker.close();
  await queue.close();
  for (const client of clients) await closeRedis(client);
});

async function start(company: PushCompany, claims = adminOf(company.tenant), since = SINCE) {
  return push().rig.graphql<{ syncExistingQuickBooksInvoices: { id: string; state: string } | null }>(
    claims,
    START,
    { customerId: company.tenant, since },
  );
}

async function progress(company: PushCompany, claims = memberOf(company.tenant)) {
  return push().rig.graphql<{ quickbooksBackfill: Progress | null }>(claims, PROGRESS, {
    customerId: company.tenant,
  });
}

async function finished(company: PushCompany): Promise<Progress> {
  return eventually(async () => {
    const answer = await progress(company);
    const backfill = answer.data?.quickbooksBackfill;
    return backfill?.state === 'COMPLETED' ? backfill : undefined;
  }, 150_000);
}

/**
 * `count` finalized invoices billed to seven homeowners in turn: a tenant's customers recur, and a chunk
 * ensures each of them once.
 */
function invoices(
  rig: PushRig,
  company: PushCompany,
  count: number,
  overrides: Partial<InvoiceRecord> & { lineSpecs?: LineSpec[] } = {},
) {
  return Array.from({ length: count }, (_, index) =>
    rig.hostInvoice(company, {
      issueDate: '2026-11-20',
      billTo: {
        name: `Homeowner ${company.tenant.slice(-4)}-${index % 7}`,
        email: `owner-${index % 7}-${company.tenant}@example.com`,
        phone: null,
        address: null,
      },
      ...overrides,
    }),
  );
}

const batchesSince = (rig: PushRig, mark: number, company: PushCompany) =>
  rig.requestsSince(mark, company.realmId).filter((entry) => entry.operation === 'batch');

describe('syncExistingQuickBooksInvoices', () => {
  it('sends 70 invoices since the date in 3 batches, each once, and publishes progress to done=70', async () => {
    const rig = push();
    const company = await rig.company();
    const already = rig.hostInvoice(company, { issueDate: '2026-11-05' });
    expect(await rig.push(company, already.id)).toMatchObject({ outcome: 'SYNCED' });
    const [alreadyCopy] = rig.copiesOf(company, already.id);
    const older = invoices(rig, company, 2, { issueDate: '2026-10-15' });
    const draft = rig.hostInvoice(company, { issueDate: '2026-11-21', status: 'DRAFT' });
    const wanted = invoices(rig, company, 70);

    const events: BackfillProgressEvent[] = [];
    const feed = backfills.subscribe(company.tenant);
    const collecting = (async () => {
      for await (const event of feed) {
        events.push(event);
        if (event.backfill.state === 'COMPLETED') return;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the subscription is confirmed by Redis
    const mark = rig.rig.mark();

    const started = await start(company);
    expect(started.errors).toBeUndefined();
    expect(started.data?.syncExistingQuickBooksInvoices).toMatchObject({ state: 'PLANNING' });
    const done = await finished(company);
    await collecting;

    expect(done).toMatchObject({
      total: 70,
      done: 70,
      failed: 0,
      skipped: 1,
      startedBy: `admin-of-${company.tenant}`,
    });
    expect(done.finishedAt).not.toBeNull();
    expect(events.map((event) => event.backfill.done)).toContain(70);
    expect(events.at(-1)?.backfill).toMatchObject({ state: 'COMPLETED', done: 70, total: 70 });

    expect(batchesSince(rig, mark, company)).toHaveLength(3);
    for (const invoice of wanted) {
      const copies = rig.copiesOf(company, invoice.id);
      expect(copies).toHaveLength(1);
      expect(await rig.status(company, invoice.id)).toMatchObject({
        state: 'SYNCED',
        quickbooksInvoiceId: copies[0]!.Id,
      });
    }
    // Before the date, drafts and the one already in QuickBooks are untouched.
    for (const invoice of [...older, draft]) {
      expect(rig.copiesOf(company, invoice.id)).toHaveLength(0);
      expect(await rig.status(company, invoice.id)).toMatchObject({ state: 'NOT_SYNCED', attempts: 0 });
    }
    expect(rig.copiesOf(company, already.id)).toEqual([alreadyCopy]);
    expect(rig.invoicesIn(company)).toHaveLength(71);

    // One sync log entry per invoice, as the single push writes them, with the batch's requestid.
    const logged = await models.syncLogs
      .find({ tenantId: company.tenant, entityType: 'INVOICE', trigger: 'BACKFILL' })
      .lean();
    expect(logged).toHaveLength(70);
    expect(logged.every((entry) => entry.outcome === 'SUCCEEDED' && /^bf-/.test(entry.requestId ?? ''))).toBe(
      true,
    );
  });

  it('a batch that committed and lost its answer is looked up: no duplicate, all synced', async () => {
    const rig = push();
    const company = await rig.company();
    const wanted = invoices(rig, company, 35);
    rig.rig.sandbox.control.injectFault({
      match: { operation: 'batch', realmId: company.realmId },
      action: { type: 'commit-then-drop' },
    });
    const mark = rig.rig.mark();

    expect((await start(company)).errors).toBeUndefined();
    const done = await finished(company);

    expect(done).toMatchObject({ total: 35, done: 35, failed: 0 });
    for (const invoice of wanted) {
      expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
      expect(await rig.status(company, invoice.id)).toMatchObject({ state: 'SYNCED' });
    }
    expect(rig.invoicesIn(company)).toHaveLength(35);
    // The dropped batch was not resent: its invoices were found by the look-up.
    const batches = batchesSince(rig, mark, company);
    expect(batches).toHaveLength(2);
    expect(batches.some((entry) => entry.status === 0)).toBe(true);
  });

  it('invoices with a mapping problem become ACTION_REQUIRED without a write; the rest are synced', async () => {
    const rig = push();
    const company = await rig.company({ map: false });
    await rig.mapStandard(company, ['ITEM_KIND:FEE']);
    const fine = invoices(rig, company, 10, { lineSpecs: NO_FEE });
    const unmapped = invoices(rig, company, 4);

    expect((await start(company)).errors).toBeUndefined();
    const done = await finished(company);

    expect(done).toMatchObject({ total: 14, done: 10, failed: 4 });
    for (const invoice of fine) expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    for (const invoice of unmapped) {
      expect(rig.copiesOf(company, invoice.id)).toHaveLength(0);
      const status = await rig.status(company, invoice.id);
      expect(status.state).toBe('ACTION_REQUIRED');
      expect(status.lastError?.retryable).toBe(false);
      expect(status.lastError?.message).toMatch(/FEE/);
    }
    expect(rig.invoicesIn(company)).toHaveLength(10);
  });

  it('only admins start it, only members read it, and a second start while it runs is refused', async () => {
    const rig = push();
    const company = await rig.company();
    const other = await rig.company();
    invoices(rig, company, 3);

    const byMember = await start(company, memberOf(company.tenant));
    expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byOtherAdmin = await start(company, adminOf(other.tenant));
    expect(byOtherAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await progress(company)).data?.quickbooksBackfill).toBeNull();

    // Held in PLANNING while the worker is paused, so the second start meets a running one.
    await worker.pause();
    try {
      const first = await start(company);
      expect(first.errors).toBeUndefined();
      const second = await start(company);
      expect(second.errors?.[0]?.extensions).toMatchObject({
        code: 'QUICKBOOKS_BACKFILL_RUNNING',
        retryable: false,
      });
      // The running one is still the first, readable by members.
      expect((await progress(company)).data?.quickbooksBackfill?.id).toBe(
        first.data?.syncExistingQuickBooksInvoices?.id,
      );
      const foreign = await progress(company, memberOf(other.tenant));
      expect(foreign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(foreign.text).not.toContain(first.data!.syncExistingQuickBooksInvoices!.id);
    } finally {
      worker.resume();
    }
    expect(await finished(company)).toMatchObject({ total: 3, done: 3 });
    // Finished: another start is accepted, and finds nothing left to send.
    expect((await start(company)).errors).toBeUndefined();
    expect(await finished(company)).toMatchObject({ total: 0, done: 0, skipped: 3 });
  });

  it('an invoice a single push started first is left to it: one QuickBooks invoice, and planning twice changes nothing', async () => {
    const rig = push();
    const company = await rig.company();
    const planned = invoices(rig, company, 5);
    const raced = planned[0]!;

    await worker.pause();
    let backfillId: string;
    try {
      const started = await start(company);
      backfillId = started.data!.syncExistingQuickBooksInvoices!.id;
      // The planner runs here first; the queued plan job runs again when the worker resumes.
      expect(await runner.plan({ kind: 'plan', tenantId: company.tenant, backfillId })).toEqual({
        chunks: 1,
        total: 5,
      });
      // A single push (a platform edit) of one planned invoice got there first and is mid-create: SYNCING
      // with its own pending create stored, as invoice-push-service leaves it just before its send.
      const key = { tenantId: company.tenant, invoiceId: raced.id };
      expect(await rig.syncStatus.transition(key, 'STARTED', {})).toMatchObject({ applied: true });
      await models.invoiceSyncStates.updateOne(key, {
        $set: {
          pendingCreate: {
            requestId: createRequestId(company.tenant, company.realmId, raced.id, 0),
            generation: 0,
            quickbooksCustomerId: '999999',
            txnDate: raced.issueDate,
            hostVersion: raced.version,
            startedAt: new Date(),
          },
        },
      });
    } finally {
      worker.resume();
    }

    const done = await finished(company);
    expect(done).toMatchObject({ id: backfillId, total: 5, done: 4, failed: 0, handedOff: 1 });
    expect(rig.copiesOf(company, raced.id)).toHaveLength(0);
    expect((await rig.status(company, raced.id)).state).toBe('SYNCING');

    // The single push finishes its own create: exactly one copy of every invoice.
    expect(await rig.push(company, raced.id, { enqueue: false })).toMatchObject({ outcome: 'SYNCED' });
    for (const invoice of planned) expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    expect(rig.invoicesIn(company)).toHaveLength(5);
  });

  it('a batch QuickBooks keeps failing (503) is retried by the chunk job, and dead after its last attempt', async () => {
    const rig = push();
    const recovering = await rig.company();
    const recovered = invoices(rig, recovering, 4);
    // QuickBooksHttp retries a 503 itself (3 sends); three 503s fail the chunk's first attempt.
    rig.rig.sandbox.control.injectFault({
      match: { operation: 'batch', realmId: recovering.realmId },
      times: 3,
      action: { type: 'status', status: 503 },
    });
    expect((await start(recovering)).errors).toBeUndefined();
    expect(await finished(recovering)).toMatchObject({ total: 4, done: 4, failed: 0 });
    for (const invoice of recovered) expect(rig.copiesOf(recovering, invoice.id)).toHaveLength(1);
    const entries = await models.syncLogs
      .find({ tenantId: recovering.tenant, entityId: recovered[0]!.id, trigger: 'BACKFILL' })
      .sort({ createdAt: 1 })
      .lean();
    expect(entries.map((entry) => [entry.outcome, entry.error?.code])).toEqual([
      ['FAILED', 'QUICKBOOKS_UNAVAILABLE'],
      ['SUCCEEDED', undefined],
    ]);

    const down = await rig.company();
    const lost = invoices(rig, down, 2);
    rig.rig.sandbox.control.injectFault({
      match: { operation: 'batch', realmId: down.realmId },
      times: null,
      action: { type: 'status', status: 503 },
    });
    expect((await start(down)).errors).toBeUndefined();
    expect(await finished(down)).toMatchObject({ total: 2, done: 0, failed: 2 });
    for (const invoice of lost) {
      expect(await rig.status(down, invoice.id)).toMatchObject({
        state: 'DEAD',
        lastError: { code: 'QUICKBOOKS_UNAVAILABLE', retryable: true },
      });
    }
    expect(rig.invoicesIn(down)).toHaveLength(0);
  });

  it('disconnecting cancels a backfill (its jobs leave the queue); after a reconnect a new one starts in its place', async () => {
    const rig = push();
    const company = await rig.company();
    const planned = invoices(rig, company, 2);

    await worker.pause();
    let first: string;
    try {
      first = (await start(company)).data!.syncExistingQuickBooksInvoices!.id;
      const disconnected = await rig.rig.graphql(adminOf(company.tenant), DISCONNECT, {
        customerId: company.tenant,
      });
      expect(disconnected.errors).toBeUndefined();
      // Its planner job left the queue with the tenant's other pending jobs.
      const pending = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
      expect(pending.filter((job) => job.data.backfillId === first)).toHaveLength(0);
      const refused = await start(company);
      expect(refused.errors?.[0]?.extensions?.code).toBe('QUICKBOOKS_NOT_CONNECTED');
      await rig.rig.connected(company.tenant, company.realmId);
    } finally {
      worker.resume();
    }

    const second = await start(company);
    expect(second.errors).toBeUndefined();
    expect(second.data?.syncExistingQuickBooksInvoices?.id).not.toBe(first);
    expect(await finished(company)).toMatchObject({ total: 2, done: 2 });
    for (const invoice of planned) expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
  });
});
