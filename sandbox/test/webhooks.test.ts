import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { salesLine, TestClient, US_REALM, useSandbox } from './helpers.js';
import type { CloudEvent } from './webhook-receiver.js';
import { useWebhookReceiver } from './webhook-receiver.js';

const t = useSandbox();
const receiver = useWebhookReceiver(t);

describe('webhooks', () => {
  it('delivers CloudEvents for changes, signed with the verifier token over the raw body', async () => {
    const qbo = TestClient.connect(t.sandbox, US_REALM);
    const customer = (await qbo.post('/customer', { DisplayName: 'Webhook Customer' })).json.Customer;
    const invoice = (
      await qbo.post('/invoice', { CustomerRef: { value: customer.Id }, Line: [salesLine(10)] })
    ).json.Invoice;
    expect(await t.sandbox.control.drainWebhooks()).toBe(true);

    for (const delivery of receiver.received) {
      const expected = createHmac('sha256', t.sandbox.app.verifierToken)
        .update(delivery.body)
        .digest('base64');
      expect(delivery.signature).toBe(expected);
    }
    const events = receiver.events();
    expect(events.map((e) => [e.type, e.intuitentityid])).toEqual([
      ['qbo.customer.created.v1', customer.Id],
      ['qbo.invoice.created.v1', invoice.Id],
    ]);
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      datacontenttype: 'application/json',
      intuitaccountid: US_REALM,
      data: {},
    });
    const [first, second] = events as [CloudEvent, CloudEvent];
    expect(first.id).not.toBe(second.id);
    expect(first.source).toMatch(/^intuit\./);
    expect(Date.parse(first.time)).not.toBeNaN();
  });

  it('notifies payment creation and the invoice update it causes, and deletes', async () => {
    const qbo = TestClient.connect(t.sandbox, US_REALM);
    const invoice = (await qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(10)] })).json
      .Invoice;
    await qbo.post('/payment', {
      CustomerRef: { value: '1' },
      TotalAmt: 10,
      Line: [{ Amount: 10, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] }],
    });
    await t.sandbox.control.drainWebhooks();
    expect(receiver.events().map((e) => e.type)).toEqual([
      'qbo.invoice.created.v1',
      'qbo.payment.created.v1',
      'qbo.invoice.updated.v1',
    ]);
  });

  it('sends nothing for companies the app is not connected to', async () => {
    t.sandbox.control.editEntity(US_REALM, 'Customer', '1', { Notes: 'nobody connected' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received).toHaveLength(0);
  });

  it('retries a failed delivery on the (compressed) schedule, in order, with the same event ids', async () => {
    receiver.failNext = 2;
    const qbo = TestClient.connect(t.sandbox, US_REALM);
    await qbo.post('/customer', { DisplayName: 'Retry One' });
    await t.sandbox.control.drainWebhooks();
    await qbo.post('/customer', { DisplayName: 'Retry Two' });
    await t.sandbox.control.drainWebhooks();
    const firstIds = receiver.received.slice(0, 3).map((r) => JSON.parse(r.body)[0].id);
    expect(new Set(firstIds).size).toBe(1);
    expect(receiver.received).toHaveLength(4);
    const deliveries = t.sandbox.control.webhookDeliveries();
    expect(deliveries.map((d) => [d.attempt, d.status, d.delivered])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
      [1, 200, true],
    ]);
    // 10 s and 20 s scaled by 0.001.
    expect(deliveries.slice(0, 2).map((d) => d.nextRetryMs)).toEqual([10, 20]);
  });

  it('blocks later events behind an unacknowledged one (head-of-line, per app)', async () => {
    receiver.failNext = 1;
    const qbo = TestClient.connect(t.sandbox, US_REALM);
    t.sandbox.control.updateSettings({ webhooks: { retryTimeScale: 0.005 } });
    const first = (await qbo.post('/customer', { DisplayName: 'Head Of Line' })).json.Customer;
    while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    const second = (await qbo.post('/customer', { DisplayName: 'Behind It' })).json.Customer;
    await t.sandbox.control.drainWebhooks();
    const deliveries = receiver.received.map((r) =>
      JSON.parse(r.body).map((e: { intuitentityid: string }) => e.intuitentityid),
    );
    // The failed first event is retried before, and together with, the one queued behind it.
    expect(deliveries).toEqual([[first.Id], [first.Id, second.Id]]);
  });

  it('uses the legacy eventNotifications format when the app is set to it', async () => {
    t.sandbox.control.updateApp(t.sandbox.app.clientId, { webhookFormat: 'legacy' });
    const qbo = TestClient.connect(t.sandbox, US_REALM);
    const customer = (await qbo.post('/customer', { DisplayName: 'Legacy Format' })).json.Customer;
    await t.sandbox.control.drainWebhooks();
    const body = JSON.parse(receiver.received[0]?.body ?? '{}');
    expect(body.eventNotifications[0].realmId).toBe(US_REALM);
    expect(body.eventNotifications[0].dataChangeEvent.entities[0]).toMatchObject({
      id: customer.Id,
      name: 'Customer',
      operation: 'Create',
    });
  });

  it('"send test events" delivers sample events even without a connection', async () => {
    const events = t.sandbox.control.sendTestEvents({ realmId: US_REALM });
    expect(events.length).toBeGreaterThan(0);
    await t.sandbox.control.drainWebhooks();
    expect(receiver.events().map((e) => e.type)).toContain('qbo.customer.created.v1');
  });

  it('gives up after maxAttempts when configured', async () => {
    t.sandbox.control.updateSettings({ webhooks: { maxAttempts: 2 } });
    receiver.failNext = 5;
    TestClient.connect(t.sandbox, US_REALM);
    t.sandbox.control.editEntity(US_REALM, 'Customer', '1', { Notes: 'x' });
    await t.sandbox.control.drainWebhooks();
    expect(receiver.received).toHaveLength(2);
  });
});
