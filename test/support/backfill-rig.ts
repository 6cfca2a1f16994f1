/**
 * The backfill side of the push rig for integration tests: the backfill queue, BackfillService with its
 * live progress events, a runner composed as src/workers/runtime.ts composes it, backfill workers the
 * test starts (closed after each test), and the start mutation through the API.
 */
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
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
import { createBackfillWorker, type BackfillWorkerDeps } from '../../src/workers/backfill.worker.js';
import { QueueName } from '../../src/workers/queues.js';
import { adminOf } from './connect-rig.js';
import { silentLogger } from './harness.js';
import { usePushRig, type PushCompany, type PushRig } from './push-rig.js';

export const BACKFILL_SINCE = '2026-11-01T00:00:00.000Z';

const START = /* GraphQL */ `
  mutation Backfill($customerId: ID!, $since: DateTimeISO!) {
    syncExistingQuickBooksInvoices(customerId: $customerId, since: $since) {
      id
      state
    }
  }
`;

export interface BackfillRig {
  push: PushRig;
  queue: Queue<BackfillJobData>;
  backfills: BackfillService;
  runner: BackfillRunner;
  /** Another runner over the same collaborators, adding its jobs to `queueFor`. */
  composeRunner(queueFor: BackfillQueue): BackfillRunner;
  /** A backfill worker, closed after the test (forcibly when the rig was made with `forceClose`). */
  startWorker(
    runner: BackfillWorkerDeps['runner'],
    options?: Pick<
      BackfillWorkerDeps,
      'concurrency' | 'lockDurationMs' | 'stalledIntervalMs' | 'maxStalledCount'
    >,
  ): Worker<BackfillJobData>;
  /** syncExistingQuickBooksInvoices as the company's admin; fails the test on a GraphQL error. */
  start(company: PushCompany): Promise<{ id: string; state: string }>;
  /** `count` finalized invoices of the backfill's period, billed to three homeowners in turn. */
  hostInvoices(company: PushCompany, count: number): ReturnType<PushRig['hostInvoice']>[];
}

/**
 * `forceClose`: close workers without waiting for their jobs (a test whose processor never returns, as a
 * worker that is about to die with its job).
 */
export function useBackfillRig(options: { forceClose?: boolean } = {}): () => BackfillRig {
  const push = usePushRig();
  const clients: ReturnType<typeof createRedis>[] = [];
  const workers: Worker<BackfillJobData>[] = [];
  let current: BackfillRig | undefined;

  beforeAll(() => {
    const rig = push();
    const config = rig.rig.config;
    const commands = createRedis(config.redis.url, 'pubsub');
    const subscriber = createRedis(config.redis.url, 'pubsub');
    const producer = createRedis(config.redis.url, 'producer');
    clients.push(commands, subscriber, producer);
    const queue = new Queue<BackfillJobData>(QueueName.backfill, {
      connection: producer,
      prefix: config.redis.prefix,
    });
    const backfills = new BackfillService({
      models,
      events: createBackfillProgressEvents({
        publishClient: commands,
        subscribeClient: subscriber,
        prefix: config.redis.prefix,
      }),
      now: () => new Date(),
      logger: silentLogger(),
    });
    const composeRunner = (queueFor: BackfillQueue) =>
      composeBackfillRunner({
        models,
        quickbooks: rig.side,
        host: createGraphQLHostInvoiceSource({ url: rig.host.url, credentials: config.host.credentials }),
        syncStatus: rig.syncStatus,
        backfills,
        queue: queueFor,
        logger: silentLogger(),
        retry: { attempts: 3, backoffMs: 200 },
      });
    current = {
      push: rig,
      queue,
      backfills,
      runner: composeRunner(queue),
      composeRunner,
      startWorker(runner, workerOptions = {}) {
        const connection = createRedis(config.redis.url, 'worker');
        clients.push(connection);
        const worker = createBackfillWorker({
          connection,
          prefix: config.redis.prefix,
          runner,
          logger: silentLogger(),
          ...workerOptions,
        });
        workers.push(worker);
        return worker;
      },
      async start(company) {
        const answer = await rig.rig.graphql<{
          syncExistingQuickBooksInvoices: { id: string; state: string } | null;
        }>(adminOf(company.tenant), START, { customerId: company.tenant, since: BACKFILL_SINCE });
        expect(answer.errors).toBeUndefined();
        return answer.data!.syncExistingQuickBooksInvoices!;
      },
      hostInvoices(company, count) {
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
      },
    };
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.close(options.forceClose === true);
  });

  afterAll(async () => {
    await current?.queue.close();
    for (const client of clients) await closeRedis(client);
  });

  return () => {
    if (!current) throw new Error('the backfill rig is ready only inside tests (after beforeAll)');
    return current;
  };
}
