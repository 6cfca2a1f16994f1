/**
 * The invoice push against real services: the emulator and the API from the connect rig (real Redis, the
 * MongoDB-compatible store), the demo host subgraph in-process (the push reads invoices from it over
 * GraphQL with minted service tokens), and the push service composed exactly as the worker runtime does.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { Queue, type Worker } from 'bullmq';
import { Big } from 'big.js';
import {
  startHostSubgraph,
  type CustomerRecord,
  type HostSubgraph,
  type InvoiceLine,
  type InvoiceRecord,
} from '../../examples/host-subgraph/src/index.js';
import { createSyncStatusEvents } from '../../src/events/sync-status-events.js';
import { createGraphQLHostInvoiceSource } from '../../src/host/graphql-host-invoices.js';
import { models } from '../../src/models/index.js';
import type { QuickBooksClient } from '../../src/quickbooks/client.js';
import type { QuickBooksSide } from '../../src/quickbooks/setup.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import {
  composeInvoicePush,
  type InvoicePushService,
  type PushResult,
} from '../../src/services/invoice-push/index.js';
import type { QuickBooksInvoice } from '../../src/services/invoice-push/lookup.js';
import { MappingService } from '../../src/services/mappings/mapping-service.js';
import type { MappingInput } from '../../src/services/mappings/rules.js';
import { ReferenceDataService } from '../../src/services/reference-data/service.js';
import { SyncStatusService } from '../../src/services/sync-status.js';
import type { InvoicePushJobData } from '../../src/workers/invoice-push-job.js';
import { createInvoicePushWorker, type PushObserver } from '../../src/workers/invoice-push.worker.js';
import { QueueName } from '../../src/workers/queues.js';
import { useConnectRig, type ConnectRig } from './connect-rig.js';
import { silentLogger, uniqueName } from './harness.js';

export interface PushCompany {
  tenant: string;
  realmId: string;
  client: QuickBooksClient;
}

export interface LineSpec {
  description: string;
  itemKind: InvoiceLine['itemKind'];
  quantity: string;
  unitPrice: string;
  taxRate: string;
  serviceCode?: string | null;
}

/** Three lines the standard mappings cover: TAX and NON lines, per-line rounding. */
export const STANDARD_LINES: LineSpec[] = [
  { description: 'Labor', itemKind: 'LABOR', quantity: '3', unitPrice: '95.50', taxRate: '8.25' },
  { description: 'Soil', itemKind: 'MATERIAL', quantity: '4', unitPrice: '12.35', taxRate: '8.25' },
  { description: 'Trip charge', itemKind: 'FEE', quantity: '1', unitPrice: '25', taxRate: '0' },
];

export class PushRig {
  readonly syncStatus: SyncStatusService;
  readonly service: InvoicePushService;
  readonly side: QuickBooksSide;
  private readonly mappings: MappingService;
  private readonly redis: ReturnType<typeof createRedis>;
  private readonly workers: Worker[] = [];
  private readonly queues: Queue[] = [];
  private readonly clients: ReturnType<typeof createRedis>[] = [];

  constructor(
    readonly rig: ConnectRig,
    readonly host: HostSubgraph,
  ) {
    this.redis = createRedis(rig.config.redis.url, 'pubsub');
    this.side = rig.workerSide();
    this.syncStatus = new SyncStatusService({
      models,
      events: createSyncStatusEvents({
        publishClient: this.redis,
        subscribeClient: this.redis,
        prefix: rig.config.redis.prefix,
      }),
      now: () => new Date(),
      logger: silentLogger(),
    });
    this.service = composeInvoicePush({
      models,
      quickbooks: this.side,
      host: createGraphQLHostInvoiceSource({ url: host.url, credentials: rig.config.host.credentials }),
      syncStatus: this.syncStatus,
      logger: silentLogger(),
    });
    const referenceData = new ReferenceDataService({
      models,
      quickbooks: this.side,
      now: () => new Date(),
      logger: silentLogger(),
    });
    this.mappings = new MappingService({
      models,
      referenceData,
      auditLog: { record: async () => undefined },
      now: () => new Date(),
    });
  }

  async close(): Promise<void> {
    for (const worker of this.workers) await worker.close();
    for (const queue of this.queues) await queue.close();
    for (const client of this.clients) await closeRedis(client);
    await closeRedis(this.redis);
    await this.host.close();
  }

  /**
   * A tenant connected to a company of its own, known to the host (the demo host only seeds three
   * tenants; its store has no public way to add one, so the rig writes its map: test-only).
   */
  async company(
    options: { customNumbers?: boolean; duplicateCheck?: boolean; map?: boolean } = {},
  ): Promise<PushCompany> {
    const tenant = this.rig.newTenant('push');
    const { realmId } = this.rig.newRealm();
    this.rig.sandbox.control.setCompanyPreferences(realmId, {
      customTxnNumbers: options.customNumbers ?? false,
      // 6140 is not our guard: off unless a test asks for it.
      duplicateDocNumberCheck: options.duplicateCheck ?? false,
    });
    await this.rig.connected(tenant, realmId);
    const customer: CustomerRecord = {
      id: tenant,
      name: `Tenant ${tenant}`,
      country: 'US',
      currency: 'USD',
      defaultTaxRate: '8.25',
      slug: tenant,
      numberPrefix: 'INV',
      nextSequence: 1,
    };
    (this.host.store as unknown as { customers: Map<string, CustomerRecord> }).customers.set(
      tenant,
      customer,
    );
    const target = { tenant, realmId, client: this.side.clientFor(tenant, realmId) };
    if (options.map ?? true) await this.mapStandard(target);
    return target;
  }

  /** Maps the standard lines' keys to the US seed's items and its 8.25 % code (San Pablo). */
  async mapStandard(target: PushCompany, except: string[] = []): Promise<void> {
    const list = async (entity: string) =>
      this.rig.sandbox.control.listEntities(target.realmId, entity) as { Id: string; Name: string }[];
    const items = await list('Item');
    const taxCodes = await list('TaxCode');
    const id = (rows: { Id: string; Name: string }[], name: string) => {
      const found = rows.find((row) => row.Name === name);
      if (!found) throw new Error(`no ${name} in the company`);
      return found.Id;
    };
    const inputs: MappingInput[] = [
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: id(items, 'Hours') },
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:MATERIAL', targetId: id(items, 'Soil') },
      { kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE', targetId: id(items, 'Services') },
      { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.0825', targetId: id(taxCodes, 'San Pablo') },
    ];
    await this.mappings.set(
      target.tenant,
      'admin',
      inputs.filter((input) => !except.includes(input.sourceKey)),
    );
  }

  /** A finalized invoice in the host, as its finalize mutation leaves it. */
  hostInvoice(
    target: PushCompany,
    overrides: Partial<InvoiceRecord> & { lineSpecs?: LineSpec[] } = {},
  ): InvoiceRecord {
    const id = uniqueName('inv');
    const { lineSpecs, ...rest } = overrides;
    const lines: InvoiceLine[] = (lineSpecs ?? STANDARD_LINES).map((spec, index) => ({
      id: `${id}-L${index + 1}`,
      serviceCode: null,
      ...spec,
    }));
    const now = new Date().toISOString();
    const invoice: InvoiceRecord = {
      id,
      customerId: target.tenant,
      number: `INV-${id.slice(-6)}`,
      status: 'FINALIZED',
      currency: 'USD',
      issueDate: '2026-11-20',
      dueDate: '2026-12-20',
      billTo: {
        name: `Homeowner ${id.slice(-4)}`,
        email: `${id}@example.com`,
        phone: null,
        address: null,
      },
      lines,
      pricesIncludeTax: false,
      memo: 'Thank you',
      version: 1,
      createdAt: now,
      updatedAt: now,
      finalizedAt: now,
      voidedAt: null,
      voidReason: null,
      nextLineNumber: lines.length + 1,
      ...rest,
    };
    this.host.store.insertInvoice(invoice);
    return invoice;
  }

  /** Changes the host's invoice as an edit (or void) does: a new version. */
  changeInvoice(invoice: InvoiceRecord, patch: Partial<InvoiceRecord>): InvoiceRecord {
    const current = this.host.store.getInvoice(invoice.id);
    if (!current) throw new Error(`no invoice ${invoice.id}`);
    const next = { ...current, ...patch, version: current.version + 1 };
    this.host.store.replaceInvoice(next);
    return next;
  }

  /** Intake's side of a push: the invoice QUEUED, as notify / retry leave it. */
  async enqueued(target: PushCompany, invoiceId: string): Promise<void> {
    await this.syncStatus.transition({ tenantId: target.tenant, invoiceId }, 'ENQUEUED', {});
  }

  jobData(tenantId: string, invoiceId: string): InvoicePushJobData {
    return {
      tenantId,
      invoiceId,
      change: 'FINALIZED',
      trigger: 'NOTIFIED',
      notifiedAt: new Date().toISOString(),
    };
  }

  /** One push attempt through the service, as the worker makes it. */
  async push(
    target: PushCompany,
    invoiceId: string,
    options: { attempt?: number; lastAttempt?: boolean; enqueue?: boolean } = {},
  ): Promise<PushResult> {
    if (options.enqueue ?? true) await this.enqueued(target, invoiceId);
    return this.service.push({
      job: this.jobData(target.tenant, invoiceId),
      attempt: options.attempt ?? 1,
      lastAttempt: options.lastAttempt ?? false,
    });
  }

  status(target: PushCompany, invoiceId: string) {
    return this.syncStatus.getMany([{ tenantId: target.tenant, invoiceId }]).then(([status]) => status!);
  }

  pushRecord(target: PushCompany, invoiceId: string) {
    return this.syncStatus.pushRecord({ tenantId: target.tenant, invoiceId });
  }

  /** Every invoice the company holds that is a copy of the platform invoice (by the PrivateNote marker). */
  copiesOf(target: PushCompany, invoiceId: string): QuickBooksInvoice[] {
    return (this.rig.sandbox.control.listEntities(target.realmId, 'Invoice') as QuickBooksInvoice[]).filter(
      (row) => (row.PrivateNote ?? '').includes(`(${invoiceId})`),
    );
  }

  invoicesIn(target: PushCompany): QuickBooksInvoice[] {
    return this.rig.sandbox.control.listEntities(target.realmId, 'Invoice') as QuickBooksInvoice[];
  }

  /** Requests the emulator saw for a realm since a mark (rig.mark()). */
  requestsSince(mark: number, realmId: string) {
    return this.rig.sandbox.control
      .requests({ limit: 10_000 })
      .filter((entry) => entry.seq > mark && entry.realmId === realmId);
  }

  /** The push worker on the rig's queue, as the runtime starts it; replaces the previous test's worker. */
  async startWorker(
    observer?: PushObserver,
    options: { stalledIntervalMs?: number } = {},
  ): Promise<{ queue: Queue; worker: Worker }> {
    for (const worker of this.workers.splice(0)) await worker.close();
    for (const queue of this.queues.splice(0)) await queue.close();
    const connection = createRedis(this.rig.config.redis.url, 'worker');
    const producer = createRedis(this.rig.config.redis.url, 'producer');
    this.clients.push(connection, producer);
    const worker = createInvoicePushWorker({
      connection,
      prefix: this.rig.config.redis.prefix,
      push: this.service,
      syncStatus: this.syncStatus,
      logger: silentLogger(),
      ...(observer ? { observer } : {}),
      ...options,
    });
    const queue = new Queue(QueueName.invoicePush, {
      connection: producer,
      prefix: this.rig.config.redis.prefix,
    });
    this.workers.push(worker);
    this.queues.push(queue);
    return { queue, worker };
  }
}

/** Host amounts as the host computes them, for comparisons to the cent. */
export function hostTotals(lines: readonly LineSpec[]): { subtotal: string; tax: string; total: string } {
  let subtotal = new Big(0);
  let tax = new Big(0);
  for (const line of lines) {
    const amount = new Big(line.quantity).times(line.unitPrice).round(2, 1);
    subtotal = subtotal.plus(amount);
    tax = tax.plus(amount.times(line.taxRate).div(100).round(2, 1));
  }
  return { subtotal: subtotal.toFixed(2), tax: tax.toFixed(2), total: subtotal.plus(tax).toFixed(2) };
}

export function usePushRig(): () => PushRig {
  const connectRig = useConnectRig();
  let pushRig: PushRig | undefined;
  beforeAll(async () => {
    const rig = connectRig();
    const secret = rig.config.auth.secret;
    if (!secret) throw new Error('the push rig needs an HS256 secret');
    const host = await startHostSubgraph({ port: 0, auth: { secret } });
    pushRig = new PushRig(rig, host);
  });
  afterAll(async () => {
    await pushRig?.close();
  });
  return () => {
    if (!pushRig) throw new Error('the push rig is read before beforeAll ran');
    return pushRig;
  };
}
