/**
 * The payment pull's queues with real BullMQ workers on real Redis: a webhook job as the intake queues it is
 * applied; the planner queues one sweep per connected customer and a second request for the same customer
 * while one is pending is the same job; a disconnect removes the customer's waiting jobs from both queues.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, type Worker } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { models } from '../../src/models/index.js';
import {
  WEBHOOK_EVENT_JOB,
  webhookJobId,
  type WebhookEventJobData,
} from '../../src/services/webhooks/intake.js';
import {
  createPaymentSweepWorker,
  createWebhookEventWorker,
  PaymentSweepJob,
  requestPaymentSweep,
} from '../../src/workers/payment-pull.worker.js';
import { QueueName } from '../../src/workers/queues.js';
import { adminOf, useConnectRig } from '../support/connect-rig.js';
import { DISCONNECT } from '../support/connect-graphql.js';
import { eventually, silentLogger } from '../support/harness.js';
import { eventFor, paymentWorld, pushedInvoice, recordPayment } from '../support/payment-rig.js';

const rig = useConnectRig();
let webhookQueue: Queue<WebhookEventJobData>;
let sweepQueue: Queue;
const workers: Worker[] = [];
/** Connections this file opens; BullMQ does not close a connection it was given. */
const connections: Redis[] = [];
const connection = (options: RedisOptions = {}) => {
  const opened = rig().redis.duplicate(options);
  connections.push(opened);
  return opened;
};

beforeAll(() => {
  const options = { connection: connection(), prefix: rig().config.redis.prefix };
  webhookQueue = new Queue<WebhookEventJobData>(QueueName.webhookEvents, options);
  sweepQueue = new Queue(QueueName.paymentSweep, options);
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  for (const queue of [webhookQueue, sweepQueue]) {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
  for (const opened of connections) opened.disconnect();
});

function startWorkers(pull: Parameters<typeof createWebhookEventWorker>[0]['pull']) {
  const deps = {
    connection: connection({ maxRetriesPerRequest: null }),
    prefix: rig().config.redis.prefix,
    pull,
    sweepQueue,
    customers: models.customers,
    logger: silentLogger(),
  };
  workers.push(createWebhookEventWorker(deps), createPaymentSweepWorker(deps));
}

const jobOf = (data: WebhookEventJobData) => ({
  name: WEBHOOK_EVENT_JOB,
  data,
  opts: { jobId: webhookJobId(data.eventId) },
});

describe('payment pull workers', () => {
  it('queue jobs only while no worker runs: one sweep per customer, waiting jobs removed by a disconnect', async () => {
    const world = await paymentWorld(rig());
    await requestPaymentSweep(sweepQueue, world.tenantId);
    await requestPaymentSweep(sweepQueue, world.tenantId);
    const data = { ...eventFor(world, 'Payment', '1'), operation: 'Create', time: new Date().toISOString() };
    await webhookQueue.addBulk([jobOf(data)]);
    const pending = async () => ({
      sweeps: (await sweepQueue.getJobs(['waiting', 'delayed'])).filter(
        (job) => job.data?.tenantId === world.tenantId,
      ).length,
      events: (await webhookQueue.getJobs(['waiting', 'delayed'])).filter(
        (job) => job.data.tenantId === world.tenantId,
      ).length,
    });
    expect(await pending()).toEqual({ sweeps: 1, events: 1 });

    const response = await rig().graphql(adminOf(world.tenantId), DISCONNECT, { customerId: world.tenantId });
    expect(response.errors).toBeUndefined();
    expect(await pending()).toEqual({ sweeps: 0, events: 0 });
  });

  it('a webhook job is applied by the worker, and the planner sweeps every connected customer', async () => {
    const world = await paymentWorld(rig());
    startWorkers(world.pull);
    const invoice = await pushedInvoice(world, 'inv-worker');
    const payment = await recordPayment(world, [[invoice.Id, 12]]);
    await webhookQueue.addBulk([
      jobOf({
        ...eventFor(world, 'Payment', payment.Id),
        operation: 'Create',
        time: new Date().toISOString(),
      }),
    ]);
    await eventually(async () => (world.host.paid('inv-worker') === '12.00' ? true : undefined), 10_000);

    await sweepQueue.add(PaymentSweepJob.plan, undefined);
    const checkpoint = await eventually(
      async () => (await models.paymentCheckpoints.findById(world.tenantId).lean()) ?? undefined,
      10_000,
    );
    expect(checkpoint.realmId).toBe(world.realmId);
  });
});
