/**
 * The order of backfill chunks between tenants (issue 11, "without starving other tenants"): real Redis,
 * the store, the emulator and a real BullMQ worker taking one job at a time, so the order it takes them in
 * is what the test observes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Queue, type Worker } from 'bullmq';
import { createGraphQLHostInvoiceSource } from '../../src/host/graphql-host-invoices.js';
import { models } from '../../src/models/index.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import {
  BackfillService,
  composeBackfillRunner,
  createBackfillProgressEvents,
  type BackfillJobData,
  type BackfillQueue,
  type BackfillRunner,
} from '../../src/services/backfill/index.js';
import { createBackfillWorker } from '../../src/workers/backfill.worker.js';
import { QueueName } from '../../src/workers/queues.js';
import { adminOf } from '../support/connect-rig.js';
import { eventually, silentLogger } from '../support/harness.js';
import { usePushRig, type PushCompany, type PushRig } from '../support/push-rig.js';

const push = usePushRig();

jest.setTimeout(600_000);

const START = /* GraphQL */ `
  mutation Backfill($customerId: ID!, $since: DateTimeISO!) {
    syncExistingQuickBooksInvoices(customerId: $customerId, since: $since) {
      id
      state
    }
  }
`;
const SINCE = '2026-11-01T00:00:00.000Z';

let queue: Queue<BackfillJobData>;
let backfills: BackfillService;
let runner: BackfillRunner;
const clients: ReturnType<typeof createRedis>[] = [];
const workers: Worker<BackfillJobData>[] = [];

function composeRunner(rig: PushRig, queueFor: BackfillQueue): BackfillRunner {
  return composeBackfillRunner({
    models,
    quickbooks: rig.side,
    host: createGraphQLHostInvoiceSource({ url: rig.host.url, credentials: rig.rig.config.host.credentials }),
    syncStatus: rig.syncStatus,
    backfills,
    queue: queueFor,
    logger: silentLogger(),
    retry: { attempts: 3, backoffMs: 200 },
  });
}

function startWorker(processor: Pick<BackfillRunner, 'plan' | 'runChunk' | 'abandonChunk' | 'abandonPlan'>) {
  const config = push().rig.config;
  const connection = createRedis(config.redis.url, 'worker');
  clients.push(connection);
  const worker = createBackfillWorker({
    connection,
    prefix: config.redis.prefix,
    runner: processor,
    logger: silentLogger(),
    // One job at a time: the order the worker takes them in is the order they finish in.
    concurrency: 1,
  });
  workers.push(worker);
  return worker;
}

beforeAll(() => {
  const rig = push();
  const config = rig.rig.config;
  const commands = createRedis(config.redis.url, 'pubsub');
  const subscriber = createRedis(config.redis.url, 'pubsub');
  const producer = createRedis(config.redis.url, 'producer');
  clients.push(commands, subscriber, producer);
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
  runner = composeRunner(rig, queue);
});

afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.close();
});

afterAll(async () => {
  await queue.close();
  for (const client of clients) await closeRedis(client);
});

async function start(company: PushCompany) {
  const answer = await push().rig.graphql<{
    syncExistingQuickBooksInvoices: { id: string; state: string } | null;
  }>(adminOf(company.tenant), START, { customerId: company.tenant, since: SINCE });
  expect(answer.errors).toBeUndefined();
  return answer.data!.syncExistingQuickBooksInvoices!;
}

function hostInvoices(rig: PushRig, company: PushCompany, count: number) {
  return Array.from({ length: count }, (_, index) =>
    rig.hostInvoice(company, {
      issueDate: '2026-11-20',
      billTo: {
        name: `Homeowner ${company.tenant.slice(-4)}-${index % 3}`,
        email: `owner-${index % 3}-${company.tenant}@example.com`,
        phone: null,
        address: null,
      },
    }),
  );
}

const settled = (company: PushCompany, state: string, timeoutMs = 240_000) =>
  eventually(async () => {
    const current = await backfills.current(company.tenant);
    return current?.state === state ? current : undefined;
  }, timeoutMs);

describe('backfills of several tenants', () => {
  it('a small backfill started behind a large one finishes while the large one is still running', async () => {
    const rig = push();
    const [large, small] = [await rig.company(), await rig.company()];
    hostInvoices(rig, large, 90); // 3 chunks
    const smallOnes = hostInvoices(rig, small, 30); // 1 chunk
    // Both are queued before any worker runs: without a tenant-fair order the small one's chunk would be
    // behind all three of the large one's. Fair, it runs right after the large one's first.
    await start(large);
    await start(small);
    startWorker(runner);

    const smallDone = await settled(small, 'COMPLETED');
    const largeThen = await backfills.current(large.tenant);
    expect(smallDone).toMatchObject({ total: 30, done: 30, failed: 0 });
    expect(largeThen!.state).toBe('RUNNING');
    expect(largeThen!.done + largeThen!.failed).toBeLessThanOrEqual(30);
    expect(await settled(large, 'COMPLETED')).toMatchObject({ total: 90, done: 90, failed: 0 });
    for (const invoice of smallOnes) expect(rig.copiesOf(small, invoice.id)).toHaveLength(1);
  });
});
