/**
 * Fairness of the push worker under one company's burst (issue 11: "pausing that realm only; other tenants
 * keep flowing", "scheduling must stay fair when one tenant backfills thousands of invoices while others
 * push one at a time"). Real Redis, the emulator, the host subgraph and the real push worker (BullMQ, its
 * default concurrency), composed as src/workers/runtime.ts composes it: a `background` QuickBooks side.
 *
 * Company A's realm is held to two requests a second by the governor (a push costs about three), and 60 of
 * its invoices are queued; then company B queues one. The worker's slots are shared by every tenant, so a
 * push that waits long inside the governor for A would keep B waiting behind A's whole backlog. The test
 * asserts an order, not a time: B is SYNCED while most of A's burst is still pending. FAIRNESS_VERBOSE=1
 * prints B's enqueue-to-synced time and A's progress at that moment.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Queue, type Worker } from 'bullmq';
import { createGraphQLHostInvoiceSource } from '../../src/host/graphql-host-invoices.js';
import { models } from '../../src/models/index.js';
import { createQuickBooksSide } from '../../src/quickbooks/setup.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { composeInvoicePush } from '../../src/services/invoice-push/index.js';
import { INVOICE_PUSH_JOB_NAME, invoicePushJobOptions } from '../../src/workers/invoice-push-job.js';
import { createInvoicePushWorker } from '../../src/workers/invoice-push.worker.js';
import { QueueName } from '../../src/workers/queues.js';
import { silentLogger } from '../support/harness.js';
import { usePushRig, type PushCompany, type PushRig } from '../support/push-rig.js';

const rigOf = usePushRig();
const BURST = 60;
const redisClients: ReturnType<typeof createRedis>[] = [];
let worker: Worker | undefined;
let queue: Queue | undefined;

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  for (const client of redisClients) await closeRedis(client);
});

/** The worker process's push path (runtime.ts), under a governor that holds every realm to 2 a second. */
function startBackgroundWorker(rig: PushRig): { worker: Worker; queue: Queue } {
  const { config } = rig.rig;
  const redis = createRedis(config.redis.url, 'pubsub');
  const connection = createRedis(config.redis.url, 'worker');
  const producer = createRedis(config.redis.url, 'producer');
  redisClients.push(redis, connection, producer);
  const side = createQuickBooksSide({
    config: {
      ...config,
      quickbooks: {
        ...config.quickbooks,
        governor: {
          ...config.quickbooks.governor,
          limits: { ...config.quickbooks.governor.limits, perSecond: 2 },
        },
      },
    },
    models,
    redis,
    logger: silentLogger(),
    onStateChange: async () => undefined,
    // FAIRNESS_BEFORE=1: the API's long wait, as the worker had it before it had a wait of its own.
    work: process.env.FAIRNESS_BEFORE ? 'interactive' : 'background',
  });
  const push = composeInvoicePush({
    models,
    quickbooks: side,
    host: createGraphQLHostInvoiceSource({ url: rig.host.url, credentials: config.host.credentials }),
    syncStatus: rig.syncStatus,
    logger: silentLogger(),
  });
  return {
    worker: createInvoicePushWorker({
      connection,
      prefix: config.redis.prefix,
      push,
      syncStatus: rig.syncStatus,
      logger: silentLogger(),
    }),
    queue: new Queue(QueueName.invoicePush, { connection: producer, prefix: config.redis.prefix }),
  };
}

async function enqueue(rig: PushRig, target: PushCompany, invoiceIds: string[]): Promise<void> {
  for (const invoiceId of invoiceIds) await rig.enqueued(target, invoiceId);
  await queue!.addBulk(
    invoiceIds.map((invoiceId) => ({
      name: INVOICE_PUSH_JOB_NAME,
      data: rig.jobData(target.tenant, invoiceId),
      opts: invoicePushJobOptions(target.tenant, invoiceId, 0),
    })),
  );
}

const syncedCount = (tenantId: string) =>
  models.invoiceSyncStates.countDocuments({ tenantId, state: 'SYNCED' });

describe('one company bursting', () => {
  it("does not make another company's single push wait behind its backlog", async () => {
    const rig = rigOf();
    const busy = await rig.company();
    const quiet = await rig.company();
    const burst = Array.from({ length: BURST }, () => rig.hostInvoice(busy).id);
    const single = rig.hostInvoice(quiet).id;
    ({ worker, queue } = startBackgroundWorker(rig));

    await enqueue(rig, busy, burst);
    const enqueuedAt = Date.now();
    await enqueue(rig, quiet, [single]);

    // Polled (not awaited on an event): the moment B is seen SYNCED, how much of A's burst is done.
    let busySynced: number | undefined;
    const deadline = Date.now() + 150_000;
    while (busySynced === undefined && Date.now() < deadline) {
      if ((await rig.status(quiet, single)).state === 'SYNCED') busySynced = await syncedCount(busy.tenant);
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const waitedMs = Date.now() - enqueuedAt;
    if (process.env.FAIRNESS_VERBOSE) {
      const turnedAway = await models.syncLogs.countDocuments({ tenantId: busy.tenant, outcome: 'FAILED' });
      process.stdout.write(
        `B synced after ${waitedMs} ms, A had ${busySynced ?? '?'} of ${BURST} synced and ${turnedAway} attempts turned away\n`,
      );
    }
    expect(busySynced).toBeDefined();
    // B's push took its turn among A's instead of after them: most of A's burst is still pending. (With
    // the interactive 30 s wait, FAIRNESS_BEFORE=1, B was SYNCED only after 53 of A's 60.)
    expect(busySynced!).toBeLessThan(BURST / 2);
    expect(rig.copiesOf(quiet, single)).toHaveLength(1);

    // A's turn-aways were waits, not failures (DEFERRED): those already SYNCED took one counted attempt
    // and exist once in QuickBooks; none of A's invoices carries an error, and the sync log holds no failed
    // attempt (a turn-away returns its attempt and logs nothing).
    const states = await models.invoiceSyncStates.find({ tenantId: busy.tenant }).lean();
    const synced = states.filter((state) => state.state === 'SYNCED');
    expect(synced.length).toBeGreaterThan(0);
    expect(synced.filter((state) => state.attempts !== 1)).toEqual([]);
    expect(synced.filter((state) => rig.copiesOf(busy, state.invoiceId).length !== 1)).toEqual([]);
    expect(states.filter((state) => state.lastError || state.state === 'FAILED')).toEqual([]);
    expect(await models.syncLogs.countDocuments({ tenantId: busy.tenant, outcome: 'FAILED' })).toBe(0);
  }, 200_000);
});
