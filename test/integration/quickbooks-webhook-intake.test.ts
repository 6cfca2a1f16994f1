/**
 * The webhook intake end to end: the real API (src/api.ts) with QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN set to
 * the emulator default app's token, real Redis and store, customers connected to realms through the real
 * OAuth flow, and the emulator itself delivering signed notifications. No worker reads the queue yet: the
 * tests look at the jobs it holds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { EMULATOR_DEFAULT_VERIFIER_TOKEN } from '../../src/config.js';
import { QUICKBOOKS_WEBHOOK_PATH } from '../../src/server/webhook-routes.js';
import type { WebhookEventJobData } from '../../src/services/webhooks/intake.js';
import { signWebhookBody } from '../../src/services/webhooks/signature.js';
import { QueueName } from '../../src/workers/queues.js';
import { adminOf, useConnectRig } from '../support/connect-rig.js';
import { DISCONNECT } from '../support/connect-graphql.js';

const TOKEN = EMULATOR_DEFAULT_VERIFIER_TOKEN;
const rig = useConnectRig({ env: { QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: TOKEN } });

let queue: Queue<WebhookEventJobData>;
beforeAll(() => {
  queue = new Queue<WebhookEventJobData>(QueueName.webhookEvents, {
    connection: rig().redis,
    prefix: rig().config.redis.prefix,
  });
});
afterAll(async () => {
  await queue.close();
});

const webhookUrl = () => `${rig().config.quickbooks.publicUrl}${QUICKBOOKS_WEBHOOK_PATH}`;

async function deliver(body: string, signature: string | null = signWebhookBody(body, TOKEN)) {
  const response = await fetch(webhookUrl(), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'intuit-signature': signature }),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

/** Every job the queue holds (none is processed: no worker yet). */
async function jobs(filter: (data: WebhookEventJobData) => boolean = () => true) {
  const all = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
  return all.filter((job) => filter(job.data));
}

const cloudEvent = (realmId: string, entity: string, entityId: string, verb = 'created') => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'intuit.test',
  type: `qbo.${entity}.${verb}.v1`,
  datacontenttype: 'application/json',
  time: new Date().toISOString(),
  intuitentityid: entityId,
  intuitaccountid: realmId,
  data: {},
});

async function connectedCustomer() {
  const tenantId = rig().newTenant('wh');
  const { realmId } = rig().newRealm();
  await rig().connected(tenantId, realmId);
  return { tenantId, realmId };
}

describe('QuickBooks webhook intake', () => {
  it('uses the emulator default app, whose verifier token signs its deliveries', () => {
    expect(rig().sandbox.app.verifierToken).toBe(TOKEN);
  });

  it('queues one job per Payment and Invoice event of a connected realm, for its customer', async () => {
    const { tenantId, realmId } = await connectedCustomer();
    const events = [
      cloudEvent(realmId, 'payment', '11'),
      cloudEvent(realmId, 'invoice', '12', 'updated'),
      cloudEvent(realmId, 'customer', '13'),
    ];
    expect(await deliver(JSON.stringify(events))).toBe(200);
    const queued = await jobs((data) => data.realmId === realmId);
    expect(queued.map((job) => job.data).sort((a, b) => a.entityId.localeCompare(b.entityId))).toEqual([
      {
        tenantId,
        realmId,
        entity: 'Payment',
        entityId: '11',
        operation: 'Create',
        eventId: events[0]!.id,
        time: events[0]!.time,
      },
      {
        tenantId,
        realmId,
        entity: 'Invoice',
        entityId: '12',
        operation: 'Update',
        eventId: events[1]!.id,
        time: events[1]!.time,
      },
    ]);
  });

  it('queues a redelivered event once', async () => {
    const { realmId } = await connectedCustomer();
    const body = JSON.stringify([cloudEvent(realmId, 'payment', '21'), cloudEvent(realmId, 'invoice', '22')]);
    expect(await deliver(body)).toBe(200);
    expect(await deliver(body)).toBe(200);
    // The same events re-sent in another body (Intuit's retry may batch differently) are still known.
    const [first] = JSON.parse(body) as { id: string }[];
    expect(await deliver(JSON.stringify([JSON.parse(body)[0]]))).toBe(200);
    const queued = await jobs((data) => data.realmId === realmId);
    expect(queued).toHaveLength(2);
    expect(queued.filter((job) => job.data.eventId === first!.id)).toHaveLength(1);
  });

  it('refuses a forged or missing signature with 403 and queues nothing', async () => {
    const { realmId } = await connectedCustomer();
    const body = JSON.stringify([cloudEvent(realmId, 'payment', '31')]);
    expect(await deliver(body, signWebhookBody(body, 'a-forger-guessing-the-token'))).toBe(403);
    expect(await deliver(body, null)).toBe(403);
    // Signed over the JSON, then sent re-serialised: not the bytes that were signed.
    expect(await deliver(JSON.stringify(JSON.parse(body), null, 2), signWebhookBody(body, TOKEN))).toBe(403);
    expect(await jobs((data) => data.realmId === realmId)).toEqual([]);
  });

  it('acknowledges events of an unknown realm with 200 and queues nothing', async () => {
    const realmId = '9999000011112222';
    expect(await deliver(JSON.stringify([cloudEvent(realmId, 'payment', '41')]))).toBe(200);
    expect(await jobs((data) => data.realmId === realmId)).toEqual([]);
  });

  it('never queues a job for another customer than the one the realm is connected to', async () => {
    const a = await connectedCustomer();
    const b = await connectedCustomer();
    const body = JSON.stringify([
      cloudEvent(a.realmId, 'payment', '51'),
      cloudEvent(a.realmId, 'invoice', '52'),
    ]);
    expect(await deliver(body)).toBe(200);
    expect(await jobs((data) => data.tenantId === b.tenantId)).toEqual([]);
    const forA = await jobs((data) => data.realmId === a.realmId);
    expect(forA.map((job) => job.data.tenantId)).toEqual([a.tenantId, a.tenantId]);
  });

  it('queues nothing for a realm whose customer disconnected', async () => {
    const { tenantId, realmId } = await connectedCustomer();
    const response = await rig().graphql(adminOf(tenantId), DISCONNECT, { customerId: tenantId });
    expect(response.errors).toBeUndefined();
    expect(await deliver(JSON.stringify([cloudEvent(realmId, 'payment', '61')]))).toBe(200);
    expect(await jobs((data) => data.realmId === realmId)).toEqual([]);
  });

  it('answers 400 for a signed body that is not JSON or not a delivery, and queues nothing', async () => {
    const { realmId } = await connectedCustomer();
    expect(await deliver(`[{"specversion":"1.0","intuitaccountid":"${realmId}"`)).toBe(400);
    expect(await deliver(JSON.stringify([{ specversion: '1.0', intuitaccountid: realmId }]))).toBe(400);
    expect(await jobs((data) => data.realmId === realmId)).toEqual([]);
  });

  it('queues jobs from the legacy eventNotifications format, once per change', async () => {
    const { tenantId, realmId } = await connectedCustomer();
    const body = JSON.stringify({
      eventNotifications: [
        {
          realmId,
          dataChangeEvent: {
            entities: [
              { name: 'Payment', id: '71', operation: 'Create', lastUpdated: '2026-11-30T10:00:00.000Z' },
              { name: 'CreditMemo', id: '72', operation: 'Update', lastUpdated: '2026-11-30T10:00:01.000Z' },
              { name: 'Item', id: '73', operation: 'Update', lastUpdated: '2026-11-30T10:00:02.000Z' },
            ],
          },
        },
      ],
    });
    expect(await deliver(body)).toBe(200);
    expect(await deliver(body)).toBe(200);
    const queued = await jobs((data) => data.realmId === realmId);
    expect(queued.map((job) => [job.data.tenantId, job.data.entity, job.data.entityId]).sort()).toEqual([
      [tenantId, 'CreditMemo', '72'],
      [tenantId, 'Payment', '71'],
    ]);
  });

  it("accepts the emulator's own signed deliveries, in both formats", async () => {
    const { tenantId, realmId } = await connectedCustomer();
    const { sandbox } = rig();
    const clientId = sandbox.app.clientId;
    try {
      for (const webhookFormat of ['cloudevents', 'legacy'] as const) {
        sandbox.control.updateApp(clientId, { webhookUrl: webhookUrl(), webhookFormat });
        // The portal's "Send test events": Customer, Invoice, Payment created, Customer updated.
        sandbox.control.sendTestEvents({ clientId, realmId });
        expect(await sandbox.control.drainWebhooks(10_000)).toBe(true);
      }
    } finally {
      sandbox.control.updateApp(clientId, { webhookUrl: null, webhookFormat: 'cloudevents' });
    }
    const deliveries = sandbox.control
      .webhookDeliveries(clientId)
      .filter((delivery) => delivery.realmId === realmId);
    expect(deliveries.map((delivery) => delivery.status)).toEqual([200, 200]);
    const queued = await jobs((data) => data.realmId === realmId);
    // Two formats x (Invoice, Payment); the legacy events' ids are derived, so they are distinct jobs.
    expect(queued.map((job) => `${job.data.tenantId} ${job.data.entity}`).sort()).toEqual([
      `${tenantId} Invoice`,
      `${tenantId} Invoice`,
      `${tenantId} Payment`,
      `${tenantId} Payment`,
    ]);
  });
});
