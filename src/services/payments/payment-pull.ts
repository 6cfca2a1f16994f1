import type { Types } from 'mongoose';
import type { Logger } from '../../logger.js';
import type { PaymentEvents } from '../../events/payment-events.js';
import type { HostPaymentSink } from '../../host/host-payments.js';
import { HostPaymentError } from '../../host/host-payments.js';
import type { Models } from '../../models/index.js';
import { idInList, type QuickBooksClient } from '../../quickbooks/client.js';
import { isQuickBooksError } from '../../quickbooks/errors.js';
import {
  deletedPaymentFacts,
  isNewer,
  nextApplications,
  paymentFactsOf,
  undelivered,
  unmatchedReasonOf,
  type PaymentFacts,
  type PaymentStanding,
  type QuickBooksPaymentDoc,
  type StoredApplication,
} from '../../sync/payment-application.js';
import { connectedRealm } from '../invoice-push/connected-realm.js';
import { settingsOf, type StoredSettings } from '../quickbooks-settings.js';
import type { SyncLogService } from '../sync-log.js';

/** The entities a webhook event or a CDC row can name that the pull acts on. */
export type PulledEntity = 'Payment' | 'Invoice' | 'CreditMemo';

export interface PullEvent {
  tenantId: string;
  realmId: string;
  entity: string;
  entityId: string;
  eventId: string;
}

export type EventOutcome =
  | { applied: true }
  | { applied: false; reason: 'pull-off' | 'realm-mismatch' | 'not-ours' | 'entity-ignored' };

export interface SweepOutcome {
  mode: 'CDC' | 'FULL' | 'SKIPPED';
  /** Records CDC returned, or invoices a full re-read looked at. */
  examined: number;
  /** Payments whose stored state changed. */
  changedPayments: number;
  changedSince: Date | null;
}

export interface PaymentPullOptions {
  /** How far each CDC sweep reaches back before the last checkpoint (clock skew, late commits). */
  overlapMs: number;
  /**
   * How old a checkpoint CDC is still asked from. Intuit keeps 30 days (§3.6); past that, the sweep re-reads
   * every invoice we pushed instead, so a long disconnect leaves no silent gap.
   */
  cdcWindowMs: number;
}

export const DEFAULT_PAYMENT_PULL_OPTIONS: PaymentPullOptions = {
  overlapMs: 5 * 60_000,
  // A day short of Intuit's 30: a checkpoint near the edge would be refused by the time the call lands.
  cdcWindowMs: 29 * 86_400_000,
};

/** Invoices per `SELECT … WHERE Id IN (…)` of a full re-read. */
const FULL_REREAD_CHUNK = 30;
const CAS_ATTEMPTS = 8;

export interface PaymentPullDeps {
  models: Pick<
    Models,
    'customers' | 'invoiceSyncStates' | 'payments' | 'invoiceBalances' | 'paymentCheckpoints'
  >;
  clientFor(tenantId: string, realmId: string): QuickBooksClient;
  host: HostPaymentSink;
  events: Pick<PaymentEvents, 'publish'>;
  syncLog: Pick<SyncLogService, 'recordMany'>;
  now: () => Date;
  logger: Logger;
  options?: Partial<PaymentPullOptions>;
}

interface StoredPayment {
  _id: Types.ObjectId;
  tenantId: string;
  realmId: string;
  paymentId: string;
  standing: PaymentStanding;
  syncToken: number;
  revision: number;
  applications: StoredApplication[];
  creditMemoIds: string[];
  txnDate: string | null;
  method: string | null;
  reference: string | null;
}

/** One run (an event or a sweep) in one tenant's company: payments already settled in it are not read twice. */
interface Run {
  tenantId: string;
  realmId: string;
  client: QuickBooksClient;
  trigger: string;
  settledPayments: Set<string>;
  /** QuickBooks invoices read in this run (current: a later change sends another hint). */
  readInvoices: Set<string>;
  touchedInvoices: Set<string>;
  changedPayments: number;
}

/**
 * Payments come back (issue 13). Everything QuickBooks sends (webhook events, CDC rows) is a hint: the pull
 * reads the Payment as QuickBooks holds it now and stores what it applies per (tenant, realm, Payment Id),
 * guarded by SyncToken, so a duplicated, late or reordered hint can never apply an old state or apply
 * twice. Each change of an application is announced to the platform through the idempotent payment hook,
 * and every invoice it touches is read again for its balance.
 *
 * Tenant isolation: the tenant comes from the job (routed by the realm's owner at intake, or planned per
 * connected customer); every run checks that the tenant is still connected to that very realm, and every
 * read and write below is keyed by that tenant.
 */
export class PaymentPullService {
  private readonly options: PaymentPullOptions;

  constructor(private readonly deps: PaymentPullDeps) {
    this.options = { ...DEFAULT_PAYMENT_PULL_OPTIONS, ...deps.options };
  }

  /** One webhook event: the entity it names is read again and applied. */
  async handleEvent(event: PullEvent): Promise<EventOutcome> {
    const run = await this.open(event.tenantId, `webhook:${event.entity}`);
    if ('skipped' in run) return { applied: false, reason: run.skipped };
    if (run.realmId !== event.realmId) {
      // The tenant reconnected to another company after the event was queued: it is not theirs any more.
      this.deps.logger.info(
        { tenantId: event.tenantId, eventId: event.eventId },
        'webhook event names a realm the tenant is no longer connected to; skipped',
      );
      return { applied: false, reason: 'realm-mismatch' };
    }
    switch (event.entity) {
      case 'Payment':
        await this.syncPayment(run, event.entityId);
        break;
      case 'Invoice':
        if (!(await this.syncInvoice(run, event.entityId))) return { applied: false, reason: 'not-ours' };
        break;
      case 'CreditMemo':
        await this.syncCreditMemo(run, event.entityId);
        break;
      default:
        return { applied: false, reason: 'entity-ignored' };
    }
    await this.finish(run);
    return { applied: true };
  }

  /**
   * The CDC backstop for one tenant: changes since the checkpoint (minus the overlap) when it is within
   * Intuit's window, else a full re-read of every invoice we pushed. The checkpoint moves only after
   * everything the sweep found is applied; a failure leaves it, so the next sweep asks again.
   */
  async sweep(tenantId: string): Promise<SweepOutcome> {
    const run = await this.open(tenantId, 'cdc');
    if ('skipped' in run) return { mode: 'SKIPPED', examined: 0, changedPayments: 0, changedSince: null };
    const { models, now } = this.deps;
    const startedAt = now();
    const checkpoint = await models.paymentCheckpoints
      .findById(tenantId)
      .lean<{ realmId: string; changedSince: Date } | null>();
    const since = checkpoint?.realmId === run.realmId ? checkpoint.changedSince : null;
    let mode: 'CDC' | 'FULL' = 'FULL';
    let examined = 0;
    if (since && startedAt.getTime() - since.getTime() <= this.options.cdcWindowMs) {
      const changes = await run.client.changeDataCapture(['Payment', 'Invoice', 'CreditMemo'], since);
      if (!changes.possiblyTruncated) {
        mode = 'CDC';
        examined = changes.objectCount;
        await this.applyChanges(run, changes.changes);
      } else {
        this.deps.logger.warn(
          { tenantId, objects: changes.objectCount },
          'CDC answered its 1,000-object cap; re-reading every pushed invoice instead',
        );
      }
    }
    if (mode === 'FULL') examined = await this.fullReread(run);
    await this.deliverPending(run);
    await this.finish(run);
    const changedSince = new Date(startedAt.getTime() - this.options.overlapMs);
    await models.paymentCheckpoints.updateOne(
      { _id: tenantId },
      {
        $set: {
          realmId: run.realmId,
          changedSince,
          lastSweepAt: startedAt,
          lastSweepMode: mode,
          lastSweepChanges: run.changedPayments,
        },
      },
      { upsert: true },
    );
    return { mode, examined, changedPayments: run.changedPayments, changedSince };
  }

  private async open(tenantId: string, trigger: string): Promise<Run | { skipped: 'pull-off' }> {
    // Throws the vault's `reauthorization` error when not connected: the worker parks the job.
    const realmId = await connectedRealm(this.deps.models.customers, tenantId);
    const customer = await this.deps.models.customers
      .findById(tenantId, { 'integrations.quickbooks.settings': 1 })
      .lean<{ integrations?: { quickbooks?: { settings?: StoredSettings | null } | null } | null }>();
    if (!settingsOf(customer?.integrations?.quickbooks?.settings).pullPayments)
      return { skipped: 'pull-off' };
    return {
      tenantId,
      realmId,
      client: this.deps.clientFor(tenantId, realmId),
      trigger,
      settledPayments: new Set(),
      readInvoices: new Set(),
      touchedInvoices: new Set(),
      changedPayments: 0,
    };
  }

  private async applyChanges(
    run: Run,
    changes: Partial<Record<string, { Id: string; status?: string; [field: string]: unknown }[]>>,
  ): Promise<void> {
    // Payment rows first, with the invoices of the same answer known, so a changed payment's invoice is
    // not read again: the CDC row is that invoice's latest state.
    for (const row of changes.Invoice ?? []) if (row.status !== 'Deleted') run.readInvoices.add(row.Id);
    for (const row of changes.Payment ?? []) {
      if (row.status === 'Deleted') await this.syncPayment(run, row.Id, 'deleted');
      else await this.syncPayment(run, row.Id, row as QuickBooksPaymentDoc);
    }
    for (const row of changes.CreditMemo ?? []) {
      await this.syncCreditMemo(run, row.Id, row.status === 'Deleted' ? 'deleted' : row);
    }
    for (const row of changes.Invoice ?? []) {
      // A deleted invoice's payments were unapplied by QuickBooks: they are among the Payment rows.
      if (row.status !== 'Deleted') await this.syncInvoice(run, row.Id, row);
    }
  }

  /** Every invoice we pushed in this tenant, read back in chunks: the answer to a gap CDC cannot cover. */
  private async fullReread(run: Run): Promise<number> {
    let examined = 0;
    let after = '';
    for (;;) {
      const states = await this.deps.models.invoiceSyncStates
        .find(
          { tenantId: run.tenantId, quickbooksInvoiceId: { $exists: true, $ne: null, $gt: after } },
          { quickbooksInvoiceId: 1 },
        )
        .sort({ quickbooksInvoiceId: 1 })
        .limit(FULL_REREAD_CHUNK)
        .lean<{ quickbooksInvoiceId: string }[]>();
      if (states.length === 0) return examined;
      after = states[states.length - 1]!.quickbooksInvoiceId;
      const ids = states.map((state) => state.quickbooksInvoiceId);
      const page = await run.client.queryPage<Record<string, unknown>>(
        `SELECT * FROM Invoice WHERE Id IN (${idInList(ids)})`,
        { maxResults: FULL_REREAD_CHUNK },
      );
      const found = new Map(page.rows.map((row) => [String(row.Id), row]));
      for (const id of ids) {
        examined += 1;
        const doc = found.get(id);
        // Gone from QuickBooks: its payments were unapplied there; the ones we stored are read again.
        await this.syncInvoice(run, id, doc ?? 'deleted');
      }
      if (states.length < FULL_REREAD_CHUNK) return examined;
    }
  }

  /**
   * One payment, read now (or taken from a CDC row, which is its latest state), stored if newer than what
   * we hold, then announced and the invoices it touches re-read.
   */
  private async syncPayment(
    run: Run,
    paymentId: string,
    known?: QuickBooksPaymentDoc | 'deleted',
  ): Promise<void> {
    if (run.settledPayments.has(paymentId)) return;
    run.settledPayments.add(paymentId);
    let facts: PaymentFacts;
    if (known === 'deleted') {
      facts = deletedPaymentFacts(paymentId, await this.storedSyncToken(run, paymentId));
    } else if (known) {
      facts = paymentFactsOf(known);
    } else {
      try {
        const { entity } = await run.client.read<QuickBooksPaymentDoc & { Id: string; SyncToken: string }>(
          'Payment',
          paymentId,
        );
        facts = paymentFactsOf(entity);
      } catch (error) {
        if (!isQuickBooksError(error, 'not_found')) throw error;
        facts = deletedPaymentFacts(paymentId, await this.storedSyncToken(run, paymentId));
      }
    }
    const stored = await this.store(run, facts);
    if (!stored) return;
    await this.deliver(run, stored);
  }

  private async storedSyncToken(run: Run, paymentId: string): Promise<number> {
    const stored = await this.deps.models.payments
      .findOne({ tenantId: run.tenantId, realmId: run.realmId, paymentId }, { syncToken: 1 })
      .lean<{ syncToken: number } | null>();
    return stored?.syncToken ?? 0;
  }

  /**
   * Compare-and-set on the stored revision: of two runs applying the same payment at once, the one that
   * read an older stored state retries against the newer one, and SyncToken decides which state stands.
   * Returns the stored payment when something changed or is still undelivered, else null.
   */
  private async store(run: Run, facts: PaymentFacts): Promise<StoredPayment | null> {
    const { models, now, logger } = this.deps;
    const key = { tenantId: run.tenantId, realmId: run.realmId, paymentId: facts.paymentId };
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const stored = await models.payments.findOne(key).lean<StoredPayment | null>();
      if (!isNewer(stored, facts)) {
        return stored && undelivered(stored.applications).length > 0 ? stored : null;
      }
      if (stored === null && facts.standing === 'DELETED') return null; // never knew it: nothing to undo
      const revision = (stored?.revision ?? 0) + 1;
      const quickbooksInvoiceIds = [
        ...new Set([
          ...facts.invoiceAmounts.keys(),
          ...(stored?.applications ?? []).map((application) => application.quickbooksInvoiceId),
        ]),
      ];
      const ours = await this.ourInvoices(run.tenantId, quickbooksInvoiceIds);
      const applications = nextApplications(stored?.applications ?? [], facts, revision, ours);
      const fields = {
        standing: facts.standing,
        syncToken: facts.syncToken,
        revision,
        txnDate: facts.txnDate,
        totalAmount: facts.totalAmount,
        unappliedAmount: facts.unappliedAmount,
        reference: facts.reference,
        method: facts.method ?? (facts.methodId ? `Payment method ${facts.methodId}` : null),
        quickbooksCustomerId: facts.quickbooksCustomerId,
        creditMemoIds: facts.creditMemoIds,
        applications,
        unmatchedReason: unmatchedReasonOf(facts, applications),
        pendingDelivery: undelivered(applications).length > 0,
        quickbooksUpdatedAt: facts.lastUpdatedTime,
      };
      let id: Types.ObjectId;
      try {
        if (stored) {
          const result = await models.payments.updateOne(
            { _id: stored._id, revision: stored.revision },
            { $set: { ...fields, updatedAt: now() } },
            { timestamps: false },
          );
          if (result.matchedCount === 0) continue;
          id = stored._id;
        } else {
          const created = await models.payments.create({
            ...key,
            ...fields,
            createdAt: now(),
            updatedAt: now(),
          });
          id = created._id;
        }
      } catch (error) {
        if ((error as { code?: number }).code === 11000) continue; // created by a concurrent run: compare again
        throw error;
      }
      run.changedPayments += 1;
      const changed = applications.filter((application) => application.revision === revision);
      for (const application of changed)
        if (application.invoiceId) run.touchedInvoices.add(application.invoiceId);
      await this.logChanges(run, facts, changed);
      await this.refreshBalances(run, changed);
      return {
        ...key,
        _id: id,
        standing: facts.standing,
        syncToken: facts.syncToken,
        revision,
        applications,
        creditMemoIds: facts.creditMemoIds,
        txnDate: fields.txnDate,
        method: fields.method,
        reference: fields.reference,
      };
    }
    // Only a storm of concurrent writers of one payment gets here; the job's retry reads it all again.
    logger.warn({ tenantId: run.tenantId, paymentId: facts.paymentId }, 'payment kept changing under us');
    throw new Error(`payment ${facts.paymentId} kept changing while it was applied; retrying`);
  }

  /** QuickBooks invoice Id -> our invoice id, for the ones we pushed in this tenant. */
  private async ourInvoices(
    tenantId: string,
    quickbooksInvoiceIds: readonly string[],
  ): Promise<Map<string, string>> {
    if (quickbooksInvoiceIds.length === 0) return new Map();
    const states = await this.deps.models.invoiceSyncStates
      .find(
        { tenantId, quickbooksInvoiceId: { $in: quickbooksInvoiceIds } },
        { invoiceId: 1, quickbooksInvoiceId: 1 },
      )
      .lean<{ invoiceId: string; quickbooksInvoiceId: string }[]>();
    return new Map(states.map((state) => [state.quickbooksInvoiceId, state.invoiceId]));
  }

  private async logChanges(
    run: Run,
    facts: PaymentFacts,
    changed: readonly StoredApplication[],
  ): Promise<void> {
    const entries = changed
      .filter((application) => application.invoiceId !== null)
      .map((application) => ({
        tenantId: run.tenantId,
        entityType: 'PAYMENT' as const,
        entityId: application.invoiceId!,
        operation: 'PAYMENT_MATCH' as const,
        outcome: 'SUCCEEDED' as const,
        attempt: 1,
        trigger: `${run.trigger}:${facts.standing.toLowerCase()}:${application.amount}`,
        realmId: run.realmId,
        quickbooksId: facts.paymentId,
      }));
    await this.deps.syncLog.recordMany(entries);
  }

  /** Reads each touched invoice of ours again: QuickBooks computes Balance, we only mirror it. */
  private async refreshBalances(run: Run, changed: readonly StoredApplication[]): Promise<void> {
    for (const application of changed) {
      if (!application.invoiceId || run.readInvoices.has(application.quickbooksInvoiceId)) continue;
      run.readInvoices.add(application.quickbooksInvoiceId);
      try {
        const { entity } = await run.client.read('Invoice', application.quickbooksInvoiceId);
        await this.storeBalance(run, application.invoiceId, entity);
      } catch (error) {
        if (!isQuickBooksError(error, 'not_found')) throw error;
      }
    }
  }

  private async storeBalance(run: Run, invoiceId: string, invoice: Record<string, unknown>): Promise<void> {
    const syncToken = Number.parseInt(String(invoice.SyncToken ?? '0'), 10) || 0;
    const money = (value: unknown) => (typeof value === 'number' ? value.toFixed(2) : '0.00');
    const fields = {
      realmId: run.realmId,
      quickbooksInvoiceId: String(invoice.Id),
      total: money(invoice.TotalAmt),
      balance: money(invoice.Balance),
      invoiceSyncToken: syncToken,
      readAt: this.deps.now(),
    };
    try {
      // Only a read of the same or a newer SyncToken replaces the stored balance.
      const result = await this.deps.models.invoiceBalances.updateOne(
        { tenantId: run.tenantId, invoiceId, invoiceSyncToken: { $lte: syncToken } },
        { $set: fields },
        { upsert: true },
      );
      if (result.modifiedCount + result.upsertedCount > 0) run.touchedInvoices.add(invoiceId);
    } catch (error) {
      // The upsert found a newer stored read (the filter failed, the unique key did not): keep that one.
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  /**
   * An invoice event or CDC row: if it is one we pushed, mirror its balance, then settle every payment it
   * links now and every payment we stored against it (one that was unapplied no longer links it).
   * Returns false when the invoice is not one of ours.
   */
  private async syncInvoice(
    run: Run,
    quickbooksInvoiceId: string,
    known?: Record<string, unknown> | 'deleted',
  ): Promise<boolean> {
    const state = await this.deps.models.invoiceSyncStates
      .findOne({ tenantId: run.tenantId, quickbooksInvoiceId }, { invoiceId: 1 })
      .lean<{ invoiceId: string } | null>();
    if (!state) return false;
    let invoice: Record<string, unknown> | null = known === 'deleted' ? null : (known ?? null);
    if (known === undefined) {
      try {
        invoice = (await run.client.read('Invoice', quickbooksInvoiceId)).entity;
      } catch (error) {
        if (!isQuickBooksError(error, 'not_found')) throw error;
      }
    }
    run.readInvoices.add(quickbooksInvoiceId);
    if (invoice) await this.storeBalance(run, state.invoiceId, invoice);
    const linked = linkedIds(invoice, 'Payment');
    const stored = await this.deps.models.payments
      .find(
        {
          tenantId: run.tenantId,
          realmId: run.realmId,
          'applications.quickbooksInvoiceId': quickbooksInvoiceId,
        },
        { paymentId: 1, applications: 1 },
      )
      .lean<{ paymentId: string; applications: StoredApplication[] }[]>();
    const applied = stored
      .filter((payment) =>
        payment.applications.some(
          (application) =>
            application.quickbooksInvoiceId === quickbooksInvoiceId && application.amount !== '0.00',
        ),
      )
      .map((payment) => payment.paymentId);
    await this.syncPayments(run, [...new Set([...linked, ...applied])]);
    return true;
  }

  /**
   * Several payments read in one query per 30 (a full re-read of a busy company would otherwise cost one
   * request per payment). A payment the query does not return no longer exists: it was deleted.
   */
  private async syncPayments(run: Run, paymentIds: readonly string[]): Promise<void> {
    const unsettled = paymentIds.filter((id) => !run.settledPayments.has(id));
    for (let start = 0; start < unsettled.length; start += FULL_REREAD_CHUNK) {
      const ids = unsettled.slice(start, start + FULL_REREAD_CHUNK);
      if (ids.length === 1) {
        await this.syncPayment(run, ids[0]!);
        continue;
      }
      const page = await run.client.queryPage<QuickBooksPaymentDoc>(
        `SELECT * FROM Payment WHERE Id IN (${idInList(ids)})`,
        { maxResults: FULL_REREAD_CHUNK },
      );
      const found = new Map(page.rows.map((row) => [String(row.Id), row]));
      for (const id of ids) await this.syncPayment(run, id, found.get(id) ?? 'deleted');
    }
  }

  /** A credit memo's change moves the payments that draw on it (QuickBooks applies credit through a Payment). */
  private async syncCreditMemo(
    run: Run,
    creditMemoId: string,
    known?: Record<string, unknown> | 'deleted',
  ): Promise<void> {
    let memo: Record<string, unknown> | null = known === 'deleted' ? null : (known ?? null);
    if (known === undefined) {
      try {
        memo = (await run.client.read('CreditMemo', creditMemoId)).entity;
      } catch (error) {
        if (!isQuickBooksError(error, 'not_found')) throw error;
      }
    }
    const stored = await this.deps.models.payments
      .find({ tenantId: run.tenantId, realmId: run.realmId, creditMemoIds: creditMemoId }, { paymentId: 1 })
      .lean<{ paymentId: string }[]>();
    await this.syncPayments(run, [
      ...new Set([...linkedIds(memo, 'Payment'), ...stored.map((payment) => payment.paymentId)]),
    ]);
  }

  /** Every application the platform has not acknowledged yet, in this tenant (a sweep's second chance). */
  private async deliverPending(run: Run): Promise<void> {
    const pending = await this.deps.models.payments
      .find({ tenantId: run.tenantId, realmId: run.realmId, pendingDelivery: true })
      .limit(500)
      .lean<StoredPayment[]>();
    for (const payment of pending) await this.deliver(run, payment);
  }

  /**
   * Tells the platform each undelivered application (absolute amount, revision), then records what it
   * acknowledged. A platform that is down fails the job (retried with backoff; the store already holds the
   * change, so the retry only delivers). A refusal (unknown invoice, bad input) is logged and kept pending:
   * the next sweep tries again, and the sync log shows it meanwhile.
   */
  private async deliver(run: Run, payment: StoredPayment): Promise<void> {
    const { host, logger } = this.deps;
    const delivered = new Map<string, number>();
    let unavailable: HostPaymentError | undefined;
    for (const application of undelivered(payment.applications)) {
      try {
        await host.record({
          tenantId: run.tenantId,
          invoiceId: application.invoiceId!,
          source: 'quickbooks',
          externalId: `quickbooks:${run.realmId}:${payment.paymentId}`,
          revision: application.revision,
          amount: application.amount,
          receivedOn: payment.txnDate,
          method: payment.method,
          reference: payment.reference,
        });
        delivered.set(application.quickbooksInvoiceId, application.revision);
        run.touchedInvoices.add(application.invoiceId!);
      } catch (error) {
        if (!(error instanceof HostPaymentError)) throw error;
        if (error.retryable) {
          unavailable ??= error;
          continue;
        }
        logger.warn(
          {
            tenantId: run.tenantId,
            invoiceId: application.invoiceId,
            paymentId: payment.paymentId,
            code: error.code,
          },
          'the platform refused a payment record',
        );
        await this.deps.syncLog.recordMany([
          {
            tenantId: run.tenantId,
            entityType: 'PAYMENT',
            entityId: application.invoiceId!,
            operation: 'PAYMENT_MATCH',
            outcome: 'FAILED',
            attempt: 1,
            trigger: run.trigger,
            realmId: run.realmId,
            quickbooksId: payment.paymentId,
            error: { code: error.code, message: error.message, retryable: false },
          },
        ]);
      }
    }
    if (delivered.size > 0) await this.markDelivered(payment, delivered);
    if (unavailable) throw unavailable;
  }

  private async markDelivered(payment: StoredPayment, delivered: ReadonlyMap<string, number>): Promise<void> {
    const { models } = this.deps;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const current = await models.payments
        .findOne({ _id: payment._id }, { revision: 1, applications: 1 })
        .lean<{ revision: number; applications: StoredApplication[] } | null>();
      if (!current) return;
      const applications = current.applications.map((application) => {
        const revision = delivered.get(application.quickbooksInvoiceId);
        return revision === undefined
          ? application
          : { ...application, deliveredRevision: Math.max(application.deliveredRevision, revision) };
      });
      const result = await models.payments.updateOne(
        { _id: payment._id, revision: current.revision },
        { $set: { applications, pendingDelivery: undelivered(applications).length > 0 } },
        { timestamps: false },
      );
      // Lost to a newer revision: a concurrent run delivers that one itself; an older mark is harmless
      // (the platform ignores a revision it already holds).
      if (result.matchedCount > 0) return;
    }
  }

  private async finish(run: Run): Promise<void> {
    for (const invoiceId of run.touchedInvoices) {
      await this.deps.events
        .publish({ tenantId: run.tenantId, invoiceId })
        .catch((error: unknown) =>
          this.deps.logger.warn(
            { tenantId: run.tenantId, invoiceId, err: error },
            'payment event not published',
          ),
        );
    }
  }
}

function linkedIds(doc: Record<string, unknown> | null, txnType: string): string[] {
  const linked = doc?.LinkedTxn;
  if (!Array.isArray(linked)) return [];
  return linked
    .filter(
      (entry): entry is { TxnId: string; TxnType: string } =>
        typeof entry === 'object' && entry !== null && (entry as { TxnType?: unknown }).TxnType === txnType,
    )
    .map((entry) => String(entry.TxnId));
}
