import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { quickbooksChangeOf, type HostSubgraph, type InvoiceEvent } from '../src/index.js';
import { ACME, codes, gql, NORDLYS, startTestHost, TEST_SECRET, token } from './helpers.js';

const INVOICE_FIELDS = `id status version updatedAt totals { total } paymentStatus amountPaid balance
  payments { source externalId amount receivedOn method reference revision recordedAt }`;

const RECORD = `mutation ($input: RecordInvoicePaymentInput!) {
  recordInvoicePayment(input: $input) { applied invoice { ${INVOICE_FIELDS} } }
}`;

const READ = `query ($id: ID!) { invoice(id: $id) { ${INVOICE_FIELDS} } }`;

/** inv-acme-1002 is FINALIZED with a total of 689.29 in the seed. */
const INVOICE = 'inv-acme-1002';

let host: HostSubgraph;
let service: string;
let user: string;
const events: InvoiceEvent[] = [];
let now = new Date('2026-12-01T09:00:00.000Z');

function payment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    invoiceId: INVOICE,
    source: 'quickbooks',
    externalId: 'quickbooks:9130:41',
    revision: 1,
    amount: '200.00',
    receivedOn: '2026-11-30',
    method: 'Check',
    reference: '1017',
    ...overrides,
  };
}

async function record(overrides: Record<string, unknown> = {}, bearer = service) {
  return gql(host.url, RECORD, { input: payment(overrides) }, bearer);
}

beforeAll(async () => {
  host = await startTestHost({ clock: () => now });
  host.events.onAny((event) => events.push(event));
  service = await token([ACME], { userId: 'service:quickbooks-subgraph', service: 'quickbooks-subgraph' });
  user = await token([ACME], { adminOf: [ACME] });
});

beforeEach(() => {
  host.store.reset();
  events.length = 0;
});

afterAll(async () => {
  await host.close();
});

describe('recording payments', () => {
  it('moves an invoice from UNPAID to PARTIALLY_PAID to PAID across two payments, with the balance', async () => {
    const before = await gql(host.url, READ, { id: INVOICE }, user);
    expect(before.data.invoice).toMatchObject({
      paymentStatus: 'UNPAID',
      amountPaid: '0.00',
      balance: '689.29',
      payments: [],
    });

    const first = await record({ amount: '200' });
    expect(first.errors).toBeUndefined();
    expect(first.data.recordInvoicePayment).toMatchObject({
      applied: true,
      invoice: { paymentStatus: 'PARTIALLY_PAID', amountPaid: '200.00', balance: '489.29' },
    });

    now = new Date('2026-12-02T10:00:00.000Z');
    const second = await record({
      externalId: 'quickbooks:9130:42',
      amount: '489.29',
      method: 'Credit Card',
      reference: null,
      receivedOn: null,
    });
    expect(second.data.recordInvoicePayment.applied).toBe(true);
    const after = await gql(host.url, READ, { id: INVOICE }, user);
    expect(after.data.invoice).toMatchObject({
      status: 'FINALIZED',
      paymentStatus: 'PAID',
      amountPaid: '689.29',
      balance: '0.00',
      payments: [
        {
          source: 'quickbooks',
          externalId: 'quickbooks:9130:41',
          amount: '200.00',
          receivedOn: '2026-11-30',
          method: 'Check',
          reference: '1017',
          revision: 1,
          recordedAt: '2026-12-01T09:00:00.000Z',
        },
        {
          source: 'quickbooks',
          externalId: 'quickbooks:9130:42',
          amount: '489.29',
          receivedOn: null,
          method: 'Credit Card',
          reference: null,
          revision: 1,
          recordedAt: '2026-12-02T10:00:00.000Z',
        },
      ],
    });
  });

  it('an overpayment is PAID with a negative balance', async () => {
    const result = await record({ amount: '700' });
    expect(result.data.recordInvoicePayment.invoice).toMatchObject({
      paymentStatus: 'PAID',
      amountPaid: '700.00',
      balance: '-10.71',
    });
  });

  it('a replay of the same revision answers applied:false and changes nothing', async () => {
    await record({ amount: '200.00' });
    const stored = host.store.listPayments(INVOICE);
    const eventsBefore = events.length;
    now = new Date('2026-12-05T00:00:00.000Z');

    const replay = await record({ amount: '650.00', method: 'Cash' });
    expect(replay.errors).toBeUndefined();
    expect(replay.data.recordInvoicePayment).toMatchObject({
      applied: false,
      invoice: { paymentStatus: 'PARTIALLY_PAID', amountPaid: '200.00', balance: '489.29' },
    });
    expect(host.store.listPayments(INVOICE)).toEqual(stored);
    expect(events).toHaveLength(eventsBefore);
  });

  it('a lower revision arriving late cannot bring an older amount back', async () => {
    await record({ revision: 3, amount: '300.00' });
    const late = await record({ revision: 2, amount: '100.00' });
    expect(late.data.recordInvoicePayment).toMatchObject({
      applied: false,
      invoice: { amountPaid: '300.00', payments: [{ revision: 3, amount: '300.00' }] },
    });
  });

  it('a newer revision replaces the amount absolutely (never adds to it)', async () => {
    await record({ revision: 1, amount: '200.00' });
    const changed = await record({ revision: 2, amount: '250.00' });
    expect(changed.data.recordInvoicePayment).toMatchObject({
      applied: true,
      invoice: { amountPaid: '250.00', payments: [{ revision: 2, amount: '250.00' }] },
    });
  });

  it('amount 0 removes the payment from the invoice and the total paid', async () => {
    await record({ revision: 1, amount: '689.29' });
    const removed = await record({ revision: 2, amount: '0' });
    expect(removed.data.recordInvoicePayment).toMatchObject({
      applied: true,
      invoice: { paymentStatus: 'UNPAID', amountPaid: '0.00', balance: '689.29', payments: [] },
    });
    // The revision is still held, so the old amount cannot come back with a replayed call.
    const replayed = await record({ revision: 1, amount: '689.29' });
    expect(replayed.data.recordInvoicePayment).toMatchObject({ applied: false, invoice: { payments: [] } });
  });

  it('a VOID invoice records the payment and stays VOID', async () => {
    const result = await record({ invoiceId: 'inv-acme-1003', amount: '10.00' });
    expect(result.errors).toBeUndefined();
    expect(result.data.recordInvoicePayment).toMatchObject({
      applied: true,
      invoice: { status: 'VOID', amountPaid: '10.00', paymentStatus: 'PARTIALLY_PAID' },
    });
  });
});

describe('what recording a payment does not do', () => {
  it('leaves version and updatedAt alone and emits invoice.payment_recorded, not invoice.updated', async () => {
    const seeded = host.store.getInvoice(INVOICE)!;
    now = new Date('2026-12-03T08:30:00.000Z');
    const result = await record({ amount: '100.00' });
    expect(result.data.recordInvoicePayment.invoice).toMatchObject({
      version: seeded.version,
      updatedAt: seeded.updatedAt,
    });
    expect(host.store.getInvoice(INVOICE)).toEqual(seeded);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'invoice.payment_recorded',
        tenantId: ACME,
        invoiceId: INVOICE,
        status: 'FINALIZED',
        version: seeded.version,
        occurredAt: '2026-12-03T08:30:00.000Z',
        payment: { source: 'quickbooks', externalId: 'quickbooks:9130:41', revision: 1, amount: '100.00' },
      }),
    ]);
    expect(quickbooksChangeOf(events[0]!)).toBeUndefined();
  });

  it('is never announced to QuickBooks: the hook sends the next invoice change only', async () => {
    const received: { change: string }[] = [];
    const receiver = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        received.push((JSON.parse(raw) as { variables: { change: string } }).variables);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { notifyQuickBooksInvoiceChanged: { state: 'QUEUED' } } }));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/graphql`;
    const hooked = await startTestHost({ quickbooksNotify: { url, secret: TEST_SECRET } });
    try {
      const paid = await gql(hooked.url, RECORD, { input: payment() }, service);
      expect(paid.data.recordInvoicePayment.applied).toBe(true);
      // Announcements for one invoice leave in event order, so one for the payment would arrive first.
      const edited = await gql(
        hooked.url,
        'mutation { updateInvoice(id: "inv-acme-1002", input: { memo: "m" }) { id } }',
        {},
        user,
      );
      expect(edited.errors).toBeUndefined();
      const deadline = Date.now() + 10_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual([expect.objectContaining({ invoiceId: INVOICE, change: 'UPDATED' })]);
    } finally {
      await hooked.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe('who may record, and on what', () => {
  it("refuses a user's token (no service claim) with FORBIDDEN and an anonymous call with UNAUTHENTICATED", async () => {
    expect(codes(await record({}, user))).toEqual(['FORBIDDEN']);
    expect(codes(await record({}, ''))).toEqual(['UNAUTHENTICATED']);
    expect(host.store.listPayments(INVOICE)).toEqual([]);
    expect(events).toEqual([]);
  });

  it("answers NOT_FOUND for another tenant's invoice exactly as for one that does not exist", async () => {
    const elsewhere = await record({ invoiceId: 'inv-nordlys-2001' });
    const nowhere = await record({ invoiceId: 'inv-acme-9999' });
    expect(codes(elsewhere)).toEqual(['NOT_FOUND']);
    expect(codes(nowhere)).toEqual(['NOT_FOUND']);
    expect(elsewhere.errors![0]!.message.replace('inv-nordlys-2001', 'X')).toBe(
      nowhere.errors![0]!.message.replace('inv-acme-9999', 'X'),
    );
    expect(host.store.listPayments('inv-nordlys-2001')).toEqual([]);
    // The service token of that tenant may.
    const nordlysService = await token([NORDLYS], { service: 'quickbooks-subgraph' });
    const allowed = await record({ invoiceId: 'inv-nordlys-2001' }, nordlysService);
    expect(allowed.data.recordInvoicePayment.applied).toBe(true);
  });

  it('refuses a DRAFT invoice: it was never issued', async () => {
    const result = await record({ invoiceId: 'inv-acme-1004' });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions).toMatchObject({ field: 'input.invoiceId', status: 'DRAFT' });
    expect(host.store.listPayments('inv-acme-1004')).toEqual([]);
  });

  it.each([
    ['a negative amount', { amount: '-1.00' }, 'input.amount'],
    ['an amount with a third non-zero decimal', { amount: '10.005' }, 'input.amount'],
    ['revision 0', { revision: 0 }, 'input.revision'],
    ['a blank externalId', { externalId: '  ' }, 'input.externalId'],
  ])('refuses %s with BAD_USER_INPUT', async (_, overrides, field) => {
    const result = await record(overrides);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions?.field).toBe(field);
    expect(host.store.listPayments(INVOICE)).toEqual([]);
  });

  it('refuses a malformed decimal before anything runs', async () => {
    const result = await record({ amount: '12,50' });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.data).toBeUndefined();
    expect(host.store.listPayments(INVOICE)).toEqual([]);
  });
});
