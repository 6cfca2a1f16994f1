/**
 * The payment pull (src/services/payments/payment-pull.ts) against the emulator over real HTTP, the real
 * store and a customer connected through the real OAuth flow. Payments are recorded, edited, unapplied,
 * voided and deleted in QuickBooks the way a bookkeeper would; the platform's hook is a recording fake
 * that keeps the documented contract (test/support/payment-rig.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createPaymentEvents } from '../../src/events/payment-events.js';
import { models } from '../../src/models/index.js';
import { PaymentViewService } from '../../src/services/payments/payment-views.js';
import { QuickBooksSettingsService } from '../../src/services/quickbooks-settings.js';
import { adminOf, memberOf, useConnectRig } from '../support/connect-rig.js';
import { DISCONNECT } from '../support/connect-graphql.js';
import { eventually, tokenFor } from '../support/harness.js';
import {
  deletePayment,
  editPayment,
  eventFor,
  paymentWorld,
  pushedInvoice,
  readEntity,
  recordPayment,
  voidPayment,
  type PaymentWorld,
} from '../support/payment-rig.js';

const rig = useConnectRig();

const views = new PaymentViewService({
  models,
  events: { subscribe: () => (async function* () {})() as never },
});

const balanceOf = async (world: PaymentWorld, invoiceId: string) =>
  (await views.balancesOf([{ tenantId: world.tenantId, invoiceId }]))[0];
const paymentsOf = async (world: PaymentWorld, invoiceId: string) =>
  (await views.paymentsOf([{ tenantId: world.tenantId, invoiceId }]))[0]!;

/** The QuickBooks total of an invoice (the emulator may add sales tax), as a number. */
const totalOf = (invoice: Record<string, unknown>) => Number(invoice.TotalAmt);

const settings = new QuickBooksSettingsService({
  models,
  terms: { findActive: async () => undefined },
  auditLog: { record: async () => undefined },
});

describe('payment pull: a payment recorded in QuickBooks', () => {
  it('marks the invoice paid: the platform hears the amount once and the balance reads 0', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-paid');
    const payment = await recordPayment(world, [[invoice.Id, totalOf(invoice)]], {
      PaymentRefNum: 'CHK-1001',
      TxnDate: '2026-11-30',
    });

    await expect(world.pull.handleEvent(eventFor(world, 'Payment', payment.Id))).resolves.toEqual({
      applied: true,
    });

    expect(world.host.calls).toEqual([
      expect.objectContaining({
        tenantId: world.tenantId,
        invoiceId: 'inv-paid',
        source: 'quickbooks',
        externalId: `quickbooks:${world.realmId}:${payment.Id}`,
        revision: 1,
        amount: totalOf(invoice).toFixed(2),
        receivedOn: '2026-11-30',
        reference: 'CHK-1001',
      }),
    ]);
    expect(await balanceOf(world, 'inv-paid')).toMatchObject({
      total: totalOf(invoice).toFixed(2),
      balance: '0.00',
      paymentStatus: 'PAID',
    });
    expect(await paymentsOf(world, 'inv-paid')).toEqual([
      expect.objectContaining({
        quickbooksPaymentId: payment.Id,
        amount: totalOf(invoice).toFixed(2),
        standing: 'APPLIED',
      }),
    ]);
    expect(world.events.published).toContainEqual({ tenantId: world.tenantId, invoiceId: 'inv-paid' });
  });

  it('applies partial payments: PARTIALLY_PAID after the first, PAID after the second', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-partial');
    const first = await recordPayment(world, [[invoice.Id, 40]]);
    await world.pull.handleEvent(eventFor(world, 'Payment', first.Id));
    expect(await balanceOf(world, 'inv-partial')).toMatchObject({
      amountPaid: '40.00',
      paymentStatus: 'PARTIALLY_PAID',
    });
    expect(world.host.paid('inv-partial')).toBe('40.00');

    const rest = Number((totalOf(invoice) - 40).toFixed(2));
    const second = await recordPayment(world, [[invoice.Id, rest]]);
    await world.pull.handleEvent(eventFor(world, 'Payment', second.Id));
    expect(await balanceOf(world, 'inv-partial')).toMatchObject({ balance: '0.00', paymentStatus: 'PAID' });
    expect(world.host.paid('inv-partial')).toBe(totalOf(invoice).toFixed(2));
    expect((await paymentsOf(world, 'inv-partial')).map((p) => p.quickbooksPaymentId).sort()).toEqual(
      [first.Id, second.Id].sort(),
    );
  });

  it('splits one payment across two invoices, each with its own amount', async () => {
    const world = await paymentWorld(rig());
    const a = await pushedInvoice(world, 'inv-split-a', 50);
    const b = await pushedInvoice(world, 'inv-split-b', 80);
    const payment = await recordPayment(world, [
      [a.Id, totalOf(a)],
      [b.Id, 30],
    ]);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    expect(world.host.paid('inv-split-a')).toBe(totalOf(a).toFixed(2));
    expect(world.host.paid('inv-split-b')).toBe('30.00');
    expect((await balanceOf(world, 'inv-split-a'))?.paymentStatus).toBe('PAID');
    expect((await balanceOf(world, 'inv-split-b'))?.paymentStatus).toBe('PARTIALLY_PAID');
  });
});

describe('payment pull: changes in QuickBooks become adjustments', () => {
  it('an edited payment (new SyncToken) replaces its amount, announced with a higher revision', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-edit');
    const payment = await recordPayment(world, [[invoice.Id, 40]]);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    await editPayment(world, payment.Id, {
      TotalAmt: 25,
      Line: [{ Amount: 25, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] }],
    });
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    expect(world.host.calls.map((call) => [call.revision, call.amount])).toEqual([
      [1, '40.00'],
      [2, '25.00'],
    ]);
    expect(world.host.paid('inv-edit')).toBe('25.00');
    expect((await balanceOf(world, 'inv-edit'))?.amountPaid).toBe('25.00');
  });

  it('an unapplied payment gives the invoice back its balance and is listed for the admin', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-unapply');
    const payment = await recordPayment(world, [[invoice.Id, 60]]);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    await editPayment(world, payment.Id, { Line: [] });
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    expect(world.host.paid('inv-unapply')).toBe('0.00');
    expect(await paymentsOf(world, 'inv-unapply')).toEqual([]);
    expect((await balanceOf(world, 'inv-unapply'))?.paymentStatus).toBe('UNPAID');
    expect(await views.unmatched(world.tenantId, 10)).toEqual([
      expect.objectContaining({
        quickbooksPaymentId: payment.Id,
        reason: 'UNAPPLIED',
        unappliedAmount: '60.00',
      }),
    ]);
  });

  it('a voided payment pays nothing any more', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-void');
    const payment = await recordPayment(world, [[invoice.Id, totalOf(invoice)]]);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    await voidPayment(world, payment.Id);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    expect(world.host.calls.map((call) => call.amount)).toEqual([totalOf(invoice).toFixed(2), '0.00']);
    expect((await balanceOf(world, 'inv-void'))?.paymentStatus).toBe('UNPAID');
    const stored = await models.payments.findOne({ tenantId: world.tenantId, paymentId: payment.Id }).lean();
    expect(stored?.standing).toBe('VOIDED');
    // A voided payment is not a problem to solve: it is not listed as unmatched.
    expect(await views.unmatched(world.tenantId, 10)).toEqual([]);
  });

  it('a deleted payment pays nothing any more, and a late stale read cannot bring it back', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-delete');
    const payment = await recordPayment(world, [[invoice.Id, 70]]);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    await deletePayment(world, payment.Id);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    expect(world.host.paid('inv-delete')).toBe('0.00');
    const stored = await models.payments.findOne({ tenantId: world.tenantId, paymentId: payment.Id }).lean();
    expect(stored?.standing).toBe('DELETED');
    // An older event of the same payment, delivered late: nothing changes.
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    expect(world.host.calls).toHaveLength(2);
  });

  it('a credit memo applied to the invoice counts, and unapplying it takes the credit back', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-credit');
    const { entity: memo } = await world.client.create<{ Id: string; SyncToken: string; TotalAmt?: unknown }>(
      'CreditMemo',
      {
        CustomerRef: { value: world.customerId },
        Line: [
          {
            Amount: 25,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: world.itemId }, Qty: 1, UnitPrice: 25 },
          },
        ],
      },
      { requestId: `cm-${world.tenantId}` },
    );
    const credit = Number(memo.TotalAmt);
    // QuickBooks applies credit through a Payment of 0 linking the invoice and the credit memo (§6.5).
    const payment = await recordPayment(world, [], {
      TotalAmt: 0,
      Line: [
        { Amount: credit, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] },
        { Amount: credit, LinkedTxn: [{ TxnId: memo.Id, TxnType: 'CreditMemo' }] },
      ],
    });
    await world.pull.handleEvent(eventFor(world, 'CreditMemo', memo.Id));
    expect(world.host.paid('inv-credit')).toBe(credit.toFixed(2));
    expect(await paymentsOf(world, 'inv-credit')).toEqual([
      expect.objectContaining({
        quickbooksPaymentId: payment.Id,
        creditMemoApplied: true,
        method: 'Credit memo',
      }),
    ]);
    await deletePayment(world, payment.Id);
    await world.pull.handleEvent(eventFor(world, 'CreditMemo', memo.Id));
    expect(world.host.paid('inv-credit')).toBe('0.00');
  });
});

describe('payment pull: hints are not trusted', () => {
  it('a duplicated event applies once', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-dup');
    const payment = await recordPayment(world, [[invoice.Id, 10]]);
    const event = eventFor(world, 'Payment', payment.Id);
    await world.pull.handleEvent(event);
    await world.pull.handleEvent(event);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    expect(world.host.calls).toHaveLength(1);
    const log = await models.syncLogs.find({ tenantId: world.tenantId, entityType: 'PAYMENT' }).lean();
    expect(log).toHaveLength(1);
    expect(await models.payments.countDocuments({ tenantId: world.tenantId })).toBe(1);
  });

  it('an invoice event settles the payments it links, even when their own events were lost', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-via-invoice');
    await recordPayment(world, [[invoice.Id, 15]]);
    await world.pull.handleEvent(eventFor(world, 'Invoice', invoice.Id));
    expect(world.host.paid('inv-via-invoice')).toBe('15.00');
  });

  it("an event of a realm the tenant is not connected to is skipped (another customer's realm)", async () => {
    const a = await paymentWorld(rig());
    const b = await paymentWorld(rig());
    const invoice = await pushedInvoice(a, 'inv-a');
    const payment = await recordPayment(a, [[invoice.Id, 10]]);
    // Tenant B's job naming A's realm (a forged or misrouted job): B's connection is to another realm.
    const outcome = await b.pull.handleEvent({ ...eventFor(a, 'Payment', payment.Id), tenantId: b.tenantId });
    expect(outcome).toEqual({ applied: false, reason: 'realm-mismatch' });
    expect(b.host.calls).toEqual([]);
    expect(await models.payments.countDocuments({ tenantId: b.tenantId })).toBe(0);
  });

  it('an invoice that is not one of ours is left alone', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-ours');
    await models.invoiceSyncStates.deleteOne({ tenantId: world.tenantId, invoiceId: 'inv-ours' });
    await expect(world.pull.handleEvent(eventFor(world, 'Invoice', invoice.Id))).resolves.toEqual({
      applied: false,
      reason: 'not-ours',
    });
  });

  it('a payment of an invoice we did not push is kept and listed for the admin, not dropped', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-foreign');
    await models.invoiceSyncStates.deleteOne({ tenantId: world.tenantId, invoiceId: 'inv-foreign' });
    const payment = await recordPayment(world, [[invoice.Id, 12]]);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    expect(world.host.calls).toEqual([]);
    expect(await views.unmatched(world.tenantId, 10)).toEqual([
      expect.objectContaining({
        quickbooksPaymentId: payment.Id,
        reason: 'NOT_PUSHED_INVOICE',
        quickbooksInvoiceIds: [invoice.Id],
      }),
    ]);
  });
});

describe('payment pull: the platform hook', () => {
  it('a platform that is down fails the run (retryable); the retry delivers without applying twice', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-host-down');
    const payment = await recordPayment(world, [[invoice.Id, 20]]);
    world.host.unavailable = true;
    await expect(world.pull.handleEvent(eventFor(world, 'Payment', payment.Id))).rejects.toMatchObject({
      code: 'HOST_UNAVAILABLE',
      retryable: true,
    });
    const pending = await models.payments.findOne({ tenantId: world.tenantId, paymentId: payment.Id }).lean();
    expect(pending?.pendingDelivery).toBe(true);
    world.host.unavailable = false;
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    expect(world.host.paid('inv-host-down')).toBe('20.00');
    expect(world.host.calls.map((call) => call.revision)).toEqual([1, 1]);
    const delivered = await models.payments
      .findOne({ tenantId: world.tenantId, paymentId: payment.Id })
      .lean();
    expect(delivered?.pendingDelivery).toBe(false);
    expect(delivered?.revision).toBe(1);
  });

  it('a refusal is written to the sync log as FAILED and stays pending for the next sweep', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-host-refuses');
    const payment = await recordPayment(world, [[invoice.Id, 20]]);
    world.host.refuse = 'HOST_INVOICE_NOT_FOUND';
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    const failed = await models.syncLogs
      .find({ tenantId: world.tenantId, entityType: 'PAYMENT', outcome: 'FAILED' })
      .lean();
    expect(failed).toEqual([
      expect.objectContaining({
        entityId: 'inv-host-refuses',
        error: expect.objectContaining({ code: 'HOST_INVOICE_NOT_FOUND' }),
      }),
    ]);
    world.host.refuse = null;
    await world.pull.sweep(world.tenantId);
    expect(world.host.paid('inv-host-refuses')).toBe('20.00');
  });
});

describe('payment pull: the CDC backstop', () => {
  it('catches a payment whose webhook never came: a first sweep re-reads, the next asks CDC', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-cdc');
    const first = await recordPayment(world, [[invoice.Id, 10]]);
    const full = await world.pull.sweep(world.tenantId);
    expect(full).toMatchObject({ mode: 'FULL', changedPayments: 1 });
    expect(world.host.paid('inv-cdc')).toBe('10.00');

    const second = await recordPayment(world, [[invoice.Id, 5]]);
    const cdc = await world.pull.sweep(world.tenantId);
    expect(cdc).toMatchObject({ mode: 'CDC', changedPayments: 1 });
    expect(world.host.paid('inv-cdc')).toBe('15.00');
    expect(world.host.calls.map((call) => call.externalId)).toEqual([
      `quickbooks:${world.realmId}:${first.Id}`,
      `quickbooks:${world.realmId}:${second.Id}`,
    ]);
    // The overlap re-reads both: nothing is announced twice.
    await world.pull.sweep(world.tenantId);
    expect(world.host.calls).toHaveLength(2);
  });

  it('a full re-read reads invoices and payments in batches, never one request per payment', async () => {
    const world = await paymentWorld(rig());
    const invoices = await Promise.all(['a', 'b', 'c'].map((n) => pushedInvoice(world, `inv-batch-${n}`)));
    for (const invoice of invoices) {
      await recordPayment(world, [[invoice.Id, 10]]);
      await recordPayment(world, [[invoice.Id, 20]]);
    }
    const mark = rig().mark();
    expect(await world.pull.sweep(world.tenantId)).toMatchObject({ mode: 'FULL', changedPayments: 6 });
    const requests = rig()
      .requestsSince(mark)
      .filter((request) => request.realmId === world.realmId);
    expect(requests.filter((request) => /\/payment\//.test(request.path))).toEqual([]);
    expect(requests.filter((request) => /\/invoice\//.test(request.path))).toEqual([]);
    // One invoice query, then one payment query per invoice with payments.
    expect(requests.map((request) => request.path.split('/').pop())).toEqual([
      'query',
      'query',
      'query',
      'query',
    ]);
    for (const n of ['a', 'b', 'c']) expect(world.host.paid(`inv-batch-${n}`)).toBe('30.00');
  });

  it('a deleted payment shows in CDC and is undone', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-cdc-delete');
    const payment = await recordPayment(world, [[invoice.Id, 10]]);
    await world.pull.sweep(world.tenantId);
    await deletePayment(world, payment.Id);
    expect(await world.pull.sweep(world.tenantId)).toMatchObject({ mode: 'CDC' });
    expect(world.host.paid('inv-cdc-delete')).toBe('0.00');
  });

  it('a checkpoint older than the CDC window gets a full re-read, not a silent gap', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-old-checkpoint');
    await world.pull.sweep(world.tenantId);
    await models.paymentCheckpoints.updateOne(
      { _id: world.tenantId },
      { $set: { changedSince: new Date(Date.now() - 40 * 86_400_000) } },
    );
    await recordPayment(world, [[invoice.Id, 9]]);
    expect(await world.pull.sweep(world.tenantId)).toMatchObject({ mode: 'FULL', changedPayments: 1 });
    expect(world.host.paid('inv-old-checkpoint')).toBe('9.00');
    const checkpoint = await models.paymentCheckpoints.findById(world.tenantId).lean();
    expect(Date.now() - checkpoint!.changedSince.getTime()).toBeLessThan(10 * 60_000);
  });

  it('the checkpoint stays where it was when a sweep fails', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-sweep-fails');
    await world.pull.sweep(world.tenantId);
    const before = await models.paymentCheckpoints.findById(world.tenantId).lean();
    await recordPayment(world, [[invoice.Id, 3]]);
    world.host.unavailable = true;
    await expect(world.pull.sweep(world.tenantId)).rejects.toMatchObject({ code: 'HOST_UNAVAILABLE' });
    const after = await models.paymentCheckpoints.findById(world.tenantId).lean();
    expect(after?.changedSince).toEqual(before?.changedSince);
    world.host.unavailable = false;
    await world.pull.sweep(world.tenantId);
    expect(world.host.paid('inv-sweep-fails')).toBe('3.00');
  });
});

describe('payment pull: the "pull payments" setting', () => {
  it('off: nothing is applied; on again: the next sweep catches up', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-setting');
    await world.pull.sweep(world.tenantId);
    await settings.update(world.tenantId, 'admin', { pullPayments: false });
    const payment = await recordPayment(world, [[invoice.Id, 11]]);
    expect(await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id))).toEqual({
      applied: false,
      reason: 'pull-off',
    });
    expect(await world.pull.sweep(world.tenantId)).toMatchObject({ mode: 'SKIPPED' });
    expect(world.host.calls).toEqual([]);
    expect(await models.payments.countDocuments({ tenantId: world.tenantId })).toBe(0);

    const caughtUp: string[] = [];
    const withHook = new QuickBooksSettingsService({
      models,
      terms: { findActive: async () => undefined },
      auditLog: { record: async () => undefined },
      onPullPaymentsEnabled: async (tenantId) => void caughtUp.push(tenantId),
    });
    await withHook.update(world.tenantId, 'admin', { pullPayments: true });
    expect(caughtUp).toEqual([world.tenantId]);
    expect(await world.pull.sweep(world.tenantId)).toMatchObject({ mode: 'CDC', changedPayments: 1 });
    expect(world.host.paid('inv-setting')).toBe('11.00');
  });

  it('a disconnected customer is not swept: the run asks for reauthorization', async () => {
    const world = await paymentWorld(rig());
    const response = await rig().graphql(adminOf(world.tenantId), DISCONNECT, { customerId: world.tenantId });
    expect(response.errors).toBeUndefined();
    await expect(world.pull.sweep(world.tenantId)).rejects.toMatchObject({ kind: 'reauthorization' });
  });
});

describe('payment pull: a stale invoice read', () => {
  it('never replaces a newer balance', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-stale-balance');
    const payment = await recordPayment(world, [[invoice.Id, 10]]);
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));
    const fresh = await readEntity(world, 'Invoice', invoice.Id);
    expect(Number(fresh.SyncToken)).toBeGreaterThan(Number(invoice.SyncToken));
    // A full re-read that answers the invoice as it was before the payment (an old replica).
    await models.invoiceBalances.updateOne(
      { tenantId: world.tenantId, invoiceId: 'inv-stale-balance' },
      { $set: { invoiceSyncToken: Number(fresh.SyncToken) + 5 } },
    );
    await world.pull.handleEvent(eventFor(world, 'Invoice', invoice.Id));
    const balance = await models.invoiceBalances
      .findOne({ tenantId: world.tenantId, invoiceId: 'inv-stale-balance' })
      .lean();
    expect(balance?.invoiceSyncToken).toBe(Number(fresh.SyncToken) + 5);
  });
});

describe('payment pull: the GraphQL surface', () => {
  const ENTITIES = /* GraphQL */ `
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Invoice {
          id
          quickbooksPayments {
            quickbooksPaymentId
            amount
            reference
            standing
          }
          quickbooksBalance {
            total
            balance
            amountPaid
            paymentStatus
          }
        }
      }
    }
  `;
  const UNMATCHED = /* GraphQL */ `
    query ($customerId: ID!, $first: Int) {
      quickbooksUnmatchedPayments(customerId: $customerId, first: $first) {
        quickbooksPaymentId
        reason
        totalAmount
      }
    }
  `;
  const representation = (world: PaymentWorld, id: string) => ({
    __typename: 'Invoice',
    id,
    customer: { id: world.tenantId },
  });

  it("reads an invoice's QuickBooks payments and balance within its tenant only", async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-graphql');
    const payment = await recordPayment(world, [[invoice.Id, 30]], { PaymentRefNum: 'R-7' });
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));

    const response = await rig().graphql<{ _entities: unknown[] }>(memberOf(world.tenantId), ENTITIES, {
      representations: [representation(world, 'inv-graphql'), representation(world, 'inv-never-paid')],
    });
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities).toEqual([
      {
        id: 'inv-graphql',
        quickbooksPayments: [
          { quickbooksPaymentId: payment.Id, amount: '30.00', reference: 'R-7', standing: 'APPLIED' },
        ],
        quickbooksBalance: {
          total: totalOf(invoice).toFixed(2),
          balance: (totalOf(invoice) - 30).toFixed(2),
          amountPaid: '30.00',
          paymentStatus: 'PARTIALLY_PAID',
        },
      },
      { id: 'inv-never-paid', quickbooksPayments: [], quickbooksBalance: null },
    ]);

    const other = rig().newTenant('other');
    const refused = await rig().graphql(memberOf(other), ENTITIES, {
      representations: [representation(world, 'inv-graphql')],
    });
    expect(refused.errors?.map((error) => error.extensions?.code)).toContain('FORBIDDEN');
    expect(JSON.stringify(refused.data)).not.toContain('30.00');
  });

  it('lists unmatched payments for admins only, and refuses a bad page size', async () => {
    const world = await paymentWorld(rig());
    const payment = await recordPayment(world, [], { TotalAmt: 45 });
    await world.pull.sweep(world.tenantId);
    // A full re-read does not look at payments of no invoice of ours; the webhook does.
    await world.pull.handleEvent(eventFor(world, 'Payment', payment.Id));

    const member = await rig().graphql(memberOf(world.tenantId), UNMATCHED, { customerId: world.tenantId });
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await rig().graphql(adminOf(world.tenantId), UNMATCHED, {
      customerId: world.tenantId,
      first: 0,
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const admin = await rig().graphql<{ quickbooksUnmatchedPayments: unknown[] }>(
      adminOf(world.tenantId),
      UNMATCHED,
      {
        customerId: world.tenantId,
      },
    );
    expect(admin.errors).toBeUndefined();
    expect(admin.data?.quickbooksUnmatchedPayments).toEqual([
      { quickbooksPaymentId: payment.Id, reason: 'UNAPPLIED', totalAmount: '45.00' },
    ]);
  });
});

describe('payment pull: the live feed', () => {
  it('each event reads the payments anew, also through the Invoice entity (no cache across events)', async () => {
    const world = await paymentWorld(rig());
    const invoice = await pushedInvoice(world, 'inv-live');
    const publisher = createPaymentEvents({
      publishClient: rig().redis,
      subscribeClient: rig().redis,
      prefix: rig().config.redis.prefix,
    });
    const client = createClient({
      url: rig().api.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${await tokenFor(memberOf(world.tenantId))}` },
      retryAttempts: 0,
    });
    const seen: { fromEvent: string[]; fromInvoice: string[] }[] = [];
    const stop = client.subscribe<{
      quickbooksInvoicePaymentsChanged: {
        payments: { amount: string }[];
        invoice: { quickbooksPayments: { amount: string }[] };
      };
    }>(
      {
        query: `subscription ($customerId: ID!, $invoiceId: ID) {
          quickbooksInvoicePaymentsChanged(customerId: $customerId, invoiceId: $invoiceId) {
            payments { amount }
            invoice { quickbooksPayments { amount } }
          }
        }`,
        variables: { customerId: world.tenantId, invoiceId: 'inv-live' },
      },
      {
        next: ({ data }) => {
          const change = data?.quickbooksInvoicePaymentsChanged;
          if (change)
            seen.push({
              fromEvent: change.payments.map((p) => p.amount).sort(),
              fromInvoice: change.invoice.quickbooksPayments.map((p) => p.amount).sort(),
            });
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    try {
      const channel = `${rig().config.redis.prefix}:invoice-payments-changed:${world.tenantId}`;
      await eventually(async () => {
        const [, count] = (await rig().redis.pubsub('NUMSUB', channel)) as [string, number];
        return count > 0 ? true : undefined;
      });
      const first = await recordPayment(world, [[invoice.Id, 10]]);
      await world.pull.handleEvent(eventFor(world, 'Payment', first.Id));
      await publisher.publish({ tenantId: world.tenantId, invoiceId: 'inv-live' });
      await eventually(async () => (seen.length === 1 ? true : undefined));
      const second = await recordPayment(world, [[invoice.Id, 20]]);
      await world.pull.handleEvent(eventFor(world, 'Payment', second.Id));
      await publisher.publish({ tenantId: world.tenantId, invoiceId: 'inv-live' });
      await eventually(async () => (seen.length === 2 ? true : undefined));
      expect(seen).toEqual([
        { fromEvent: ['10.00'], fromInvoice: ['10.00'] },
        { fromEvent: ['10.00', '20.00'], fromInvoice: ['10.00', '20.00'] },
      ]);
    } finally {
      stop();
      await client.dispose();
    }
  });
});
