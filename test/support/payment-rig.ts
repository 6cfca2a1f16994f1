/**
 * What payment pull tests share: a connected customer with invoices "pushed" to its emulator company (a
 * QuickBooks invoice created over real HTTP plus the sync state the push writes), payments recorded in
 * QuickBooks the way a bookkeeper would, and the platform's payment hook as a recording fake that keeps the
 * documented contract (absolute amounts, highest revision wins). The pull service itself is the real one.
 */
import { randomUUID } from 'node:crypto';
import { Big } from 'big.js';
import type { InvoicePaymentsChangedEvent } from '../../src/events/payment-events.js';
import {
  HostPaymentError,
  type HostPaymentOutcome,
  type HostPaymentRecord,
  type HostPaymentSink,
} from '../../src/host/host-payments.js';
import { models } from '../../src/models/index.js';
import type { QuickBooksClient } from '../../src/quickbooks/client.js';
import { PaymentPullService, type PaymentPullOptions } from '../../src/services/payments/payment-pull.js';
import { SyncLogService } from '../../src/services/sync-log.js';
import type { ConnectRig } from './connect-rig.js';
import { silentLogger } from './harness.js';

export interface Entity {
  Id: string;
  SyncToken: string;
  [field: string]: unknown;
}

/** The platform's side of the hook, as docs/platform-payment-hook.md specifies it. */
export class RecordingHost implements HostPaymentSink {
  readonly calls: HostPaymentRecord[] = [];
  /** invoiceId -> externalId -> { amount, revision } */
  readonly held = new Map<string, Map<string, { amount: string; revision: number }>>();
  unavailable = false;
  refuse: HostPaymentError['code'] | null = null;

  async record(payment: HostPaymentRecord): Promise<HostPaymentOutcome> {
    this.calls.push(payment);
    if (this.unavailable) throw new HostPaymentError('the platform is down', true, 'HOST_UNAVAILABLE');
    if (this.refuse) throw new HostPaymentError('refused', false, this.refuse);
    const invoice = this.held.get(payment.invoiceId) ?? new Map();
    this.held.set(payment.invoiceId, invoice);
    const current = invoice.get(payment.externalId);
    const applied = !current || payment.revision > current.revision;
    if (applied) invoice.set(payment.externalId, { amount: payment.amount, revision: payment.revision });
    const paid = this.paid(payment.invoiceId);
    return {
      applied,
      paymentStatus: paid === '0.00' ? 'UNPAID' : 'PARTIALLY_PAID',
      amountPaid: paid,
      balance: '0.00',
    };
  }

  /** What the platform believes was paid on an invoice. */
  paid(invoiceId: string): string {
    let sum = new Big(0);
    for (const { amount } of this.held.get(invoiceId)?.values() ?? []) sum = sum.plus(amount);
    return sum.toFixed(2);
  }
}

export class RecordingEvents {
  readonly published: InvoicePaymentsChangedEvent[] = [];
  async publish(event: InvoicePaymentsChangedEvent): Promise<void> {
    this.published.push(event);
  }
}

export interface PaymentWorld {
  tenantId: string;
  realmId: string;
  client: QuickBooksClient;
  host: RecordingHost;
  events: RecordingEvents;
  pull: PaymentPullService;
  customerId: string;
  itemId: string;
}

export async function paymentWorld(
  rig: ConnectRig,
  options: Partial<PaymentPullOptions> = {},
): Promise<PaymentWorld> {
  const tenantId = rig.newTenant('pay');
  const { realmId } = rig.newRealm();
  await rig.connected(tenantId, realmId);
  const side = rig.workerSide();
  const client = side.clientFor(tenantId, realmId);
  const host = new RecordingHost();
  const events = new RecordingEvents();
  const pull = new PaymentPullService({
    models,
    clientFor: (tenant, realm) => side.clientFor(tenant, realm),
    host,
    events,
    syncLog: new SyncLogService({ models, now: () => new Date() }),
    now: () => new Date(),
    logger: silentLogger(),
    options,
  });
  const customer = (await client.queryPage<Entity>('SELECT * FROM Customer', { maxResults: 1 })).rows[0];
  const item = (
    await client.queryPage<Entity>("SELECT * FROM Item WHERE Type = 'Service'", { maxResults: 1 })
  ).rows[0];
  if (!customer || !item) throw new Error('the emulator company has no customer or service item');
  return { tenantId, realmId, client, host, events, pull, customerId: customer.Id, itemId: item.Id };
}

const write = () => ({ requestId: randomUUID() });

/** A QuickBooks invoice for `amount` (before any tax QuickBooks adds), recorded as pushed from `invoiceId`. */
export async function pushedInvoice(world: PaymentWorld, invoiceId: string, amount = 100): Promise<Entity> {
  const { entity } = await world.client.create<Entity>(
    'Invoice',
    {
      CustomerRef: { value: world.customerId },
      Line: [
        {
          Amount: amount,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: world.itemId }, Qty: 1, UnitPrice: amount },
        },
      ],
    },
    write(),
  );
  await models.invoiceSyncStates.create({
    tenantId: world.tenantId,
    invoiceId,
    state: 'SYNCED',
    quickbooksInvoiceId: entity.Id,
    quickbooksSyncToken: entity.SyncToken,
    attempts: 1,
    lastSyncedAt: new Date(),
  });
  return entity;
}

/** A payment recorded in QuickBooks against invoices: [[qboInvoiceId, amount], ...]. */
export async function recordPayment(
  world: PaymentWorld,
  applications: [string, number][],
  extra: Record<string, unknown> = {},
): Promise<Entity> {
  const total = applications.reduce((sum, [, amount]) => sum.plus(amount), new Big(0));
  const { entity } = await world.client.create<Entity>(
    'Payment',
    {
      CustomerRef: { value: world.customerId },
      TotalAmt: Number(total.toFixed(2)),
      Line: applications.map(([TxnId, Amount]) => ({ Amount, LinkedTxn: [{ TxnId, TxnType: 'Invoice' }] })),
      ...extra,
    },
    write(),
  );
  return entity;
}

export async function readEntity(
  world: PaymentWorld,
  entity: 'Payment' | 'Invoice' | 'CreditMemo',
  id: string,
) {
  return (await world.client.read<Entity>(entity, id)).entity;
}

export async function editPayment(
  world: PaymentWorld,
  id: string,
  fields: Record<string, unknown>,
): Promise<Entity> {
  const current = await readEntity(world, 'Payment', id);
  return (
    await world.client.sparseUpdate<Entity>(
      'Payment',
      { Id: id, SyncToken: current.SyncToken, ...fields },
      write(),
    )
  ).entity;
}

export async function voidPayment(world: PaymentWorld, id: string): Promise<void> {
  const current = await readEntity(world, 'Payment', id);
  await world.client.void('Payment', { Id: id, SyncToken: current.SyncToken }, write());
}

export async function deletePayment(world: PaymentWorld, id: string): Promise<void> {
  const current = await readEntity(world, 'Payment', id);
  const {
    items: [result],
  } = await world.client.batch(
    [{ bId: 'del', operation: 'delete', entity: 'Payment', body: { Id: id, SyncToken: current.SyncToken } }],
    write(),
  );
  if (!result?.ok) throw new Error(`delete failed: ${JSON.stringify(result)}`);
}

export const eventFor = (world: PaymentWorld, entity: string, entityId: string) => ({
  tenantId: world.tenantId,
  realmId: world.realmId,
  entity,
  entityId,
  eventId: randomUUID(),
});
