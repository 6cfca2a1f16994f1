/**
 * The reconciliation run (src/services/reconciliation) against the emulator: invoices pushed through the
 * real pipeline from the demo host, then changed "in QuickBooks" the way an admin would (the emulator's
 * admin edit recomputes like the QuickBooks UI) or paid there without the pull; the run reads the
 * TransactionList report and re-reads only what differs.
 */
import { describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createReconciliationEvents } from '../../src/events/reconciliation-events.js';
import { models } from '../../src/models/index.js';
import { QueueName } from '../../src/workers/queues.js';
import { createGraphQLHostInvoiceSource } from '../../src/host/graphql-host-invoices.js';
import {
  ReconciliationService,
  ReconciliationWindowError,
  splitWindow,
} from '../../src/services/reconciliation/reconciliation-service.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { ReconciliationRuns } from '../../src/services/reconciliation/reconciliation-runs.js';
import { createReconciliationWorker } from '../../src/workers/reconciliation.worker.js';
import { Bookkeeper } from '../support/bookkeeper.js';
import { adminOf, memberOf } from '../support/connect-rig.js';
import { eventually, silentLogger, tokenFor } from '../support/harness.js';
import { usePushRig, type PushCompany } from '../support/push-rig.js';

const push = usePushRig();

function service() {
  const rig = push();
  return new ReconciliationService({
    models,
    clientFor: (tenantId, realmId) => rig.side.clientFor(tenantId, realmId),
    host: createGraphQLHostInvoiceSource({ url: rig.host.url, credentials: rig.rig.config.host.credentials }),
    logger: silentLogger(),
  });
}

const WINDOW = { from: '2026-11-01', to: '2026-11-30' };

async function pushed(company: PushCompany): Promise<{ id: string; quickbooksInvoiceId: string }> {
  const invoice = push().hostInvoice(company);
  const result = await push().push(company, invoice.id);
  expect(result.outcome).toBe('SYNCED');
  const status = await push().status(company, invoice.id);
  return { id: invoice.id, quickbooksInvoiceId: status.quickbooksInvoiceId! };
}

describe('reconciliation', () => {
  it('finds nothing when QuickBooks agrees, with one report call and no re-read', async () => {
    const company = await push().company();
    await pushed(company);
    await pushed(company);
    const result = await service().reconcile(company.tenant, WINDOW);
    expect(result.rows).toEqual([]);
    expect(result.summary).toMatchObject({
      invoicesCompared: 2,
      atStakeCents: 0,
      // The window's TransactionList, and AgedReceivableDetail for the A/R-level check.
      readCalls: { reports: 2, rereads: 0 },
      receivableCredits: [],
    });
  });

  it('classifies what an admin changed in QuickBooks, re-reading only those invoices', async () => {
    const rig = push();
    const company = await rig.company();
    const untouched = await pushed(company);
    const edited = await pushed(company);
    const taxed = await pushed(company);
    const voided = await pushed(company);
    const paidThere = await pushed(company);
    const { sandbox } = rig.rig;
    const current = (id: string) =>
      sandbox.control.getEntity(company.realmId, 'Invoice', id) as {
        Line: Record<string, unknown>[];
        TotalAmt: number;
        CustomerRef: { value: string };
      };

    // A line's amount changed in QuickBooks: AMOUNT.
    const lines = current(edited.quickbooksInvoiceId).Line.filter(
      (line) => line.DetailType === 'SalesItemLineDetail',
    );
    const first = lines[0]! as { Amount: number; SalesItemLineDetail: { Qty: number; UnitPrice: number } };
    sandbox.control.adminEditInvoice(company.realmId, edited.quickbooksInvoiceId, {
      Line: [
        {
          ...first,
          Amount: first.Amount + 10,
          SalesItemLineDetail: { ...first.SalesItemLineDetail, Qty: 1, UnitPrice: first.Amount + 10 },
        },
        ...lines.slice(1),
      ],
    });
    // The tax overridden in QuickBooks: TAX_RECOMPUTED.
    const taxDetail = (
      sandbox.control.getEntity(company.realmId, 'Invoice', taxed.quickbooksInvoiceId) as {
        TxnTaxDetail: { TxnTaxCodeRef: unknown };
      }
    ).TxnTaxDetail;
    sandbox.control.adminEditInvoice(company.realmId, taxed.quickbooksInvoiceId, {
      TxnTaxDetail: { TxnTaxCodeRef: taxDetail.TxnTaxCodeRef, TotalTax: 99 },
    });
    // Voided in QuickBooks: STATUS.
    sandbox.control.adminEditInvoice(company.realmId, voided.quickbooksInvoiceId, { action: 'void' });
    // Paid in QuickBooks, never pulled back: BALANCE.
    await new Bookkeeper(sandbox).write(company.realmId, 'Payment', {
      CustomerRef: current(paidThere.quickbooksInvoiceId).CustomerRef,
      TotalAmt: 50,
      Line: [{ Amount: 50, LinkedTxn: [{ TxnId: paidThere.quickbooksInvoiceId, TxnType: 'Invoice' }] }],
    });

    const result = await service().reconcile(company.tenant, WINDOW);
    const byInvoice = new Map(result.rows.map((row) => [row.invoiceId, row.comparison]));
    expect(byInvoice.has(untouched.id)).toBe(false);
    expect(byInvoice.get(edited.id)?.class).toBe('AMOUNT');
    expect(byInvoice.get(edited.id)?.findings[0]).toMatchObject({
      theirs: expect.any(Number),
      ours: expect.any(Number),
    });
    expect(byInvoice.get(taxed.id)).toMatchObject({ class: 'TAX_RECOMPUTED' });
    expect(byInvoice.get(taxed.id)?.findings[0]).toMatchObject({ theirs: 9900 });
    // QuickBooks' TaxLine breakdown beside the platform's tax per rate.
    const taxedRow = result.rows.find((row) => row.invoiceId === taxed.id)!;
    expect(taxedRow.taxLines?.platform).toEqual([
      { ratePercent: '8.25', name: null, netCents: 33590, taxCents: 2772 },
    ]);
    expect(taxedRow.taxLines?.quickbooks.reduce((sum, line) => sum + line.taxCents, 0)).toBe(9900);
    expect(result.rows.find((row) => row.invoiceId === edited.id)?.taxLines).toBeUndefined();
    expect(byInvoice.get(voided.id)?.class).toBe('STATUS');
    expect(byInvoice.get(paidThere.id)?.findings).toEqual([
      expect.objectContaining({ class: 'BALANCE', ours: 0, theirs: 5000 }),
    ]);
    expect(result.summary.counts).toMatchObject({ AMOUNT: 1, TAX_RECOMPUTED: 1, STATUS: 1, BALANCE: 1 });
    expect(result.summary.invoicesCompared).toBe(5);
    // Two reports (invoices, receivables), one targeted re-read of the four that differ.
    expect(result.summary.readCalls).toEqual({ reports: 2, rereads: 1, changeDataCapture: 0 });
  });

  it("lists the credits our customers hold in QuickBooks' receivables, which no invoice row shows", async () => {
    const rig = push();
    const company = await rig.company();
    const invoice = await pushed(company);
    const { sandbox } = rig.rig;
    const customerRef = (
      sandbox.control.getEntity(company.realmId, 'Invoice', invoice.quickbooksInvoiceId) as {
        CustomerRef: { value: string };
      }
    ).CustomerRef;
    // A payment left unapplied: a 40.00 credit on the customer's account.
    await new Bookkeeper(sandbox).write(company.realmId, 'Payment', {
      CustomerRef: customerRef,
      TotalAmt: 40,
      TxnDate: '2026-11-25',
    });
    const result = await service().reconcile(company.tenant, WINDOW);
    expect(result.rows).toEqual([]);
    expect(result.summary.receivableCredits).toEqual([
      expect.objectContaining({
        txnType: 'Payment',
        quickbooksCustomerId: customerRef.value,
        openBalanceCents: -4000,
      }),
    ]);
  });

  it('an invoice deleted in QuickBooks is a STATUS row found by the re-read', async () => {
    const rig = push();
    const company = await rig.company();
    const gone = await pushed(company);
    rig.rig.sandbox.control.adminEditInvoice(company.realmId, gone.quickbooksInvoiceId, { action: 'delete' });
    const result = await service().reconcile(company.tenant, WINDOW);
    expect(result.rows).toEqual([
      expect.objectContaining({
        invoiceId: gone.id,
        comparison: expect.objectContaining({ class: 'STATUS' }),
      }),
    ]);
    expect(result.rows[0]!.comparison.findings[0]!.explanation).toContain('deleted in QuickBooks');
  });

  it('splits a long window into report-sized parts and refuses a bad one', () => {
    expect(splitWindow({ from: '2026-01-01', to: '2026-12-31' })).toEqual([
      { from: '2026-01-01', to: '2026-06-30' },
      { from: '2026-07-01', to: '2026-12-31' },
    ]);
    expect(() => splitWindow({ from: '2026-12-31', to: '2026-01-01' })).toThrow(ReconciliationWindowError);
    expect(() => splitWindow({ from: 'yesterday', to: '2026-01-01' })).toThrow(ReconciliationWindowError);
  });
});

describe('reconciliation through GraphQL and the worker', () => {
  const RUN = /* GraphQL */ `
    mutation ($customerId: ID!, $from: String!, $to: String!) {
      runQuickBooksReconciliation(customerId: $customerId, from: $from, to: $to) {
        id
        state
      }
    }
  `;
  const READ = /* GraphQL */ `
    query ($customerId: ID!, $first: Int, $after: String) {
      quickbooksReconciliation(customerId: $customerId) {
        id
        state
        from
        to
        summary {
          invoicesCompared
          atStakeCents
          counts {
            class
            count
          }
          readCalls {
            reports
            rereads
          }
          receivableCredits {
            txnType
            openBalanceCents
          }
        }
        rows(first: $first, after: $after) {
          nodes {
            invoiceId
            class
            atStakeCents
            findings {
              class
              ours
              theirs
              rule
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  `;
  type Read = {
    quickbooksReconciliation: {
      state: string;
      summary: { invoicesCompared: number; counts: { class: string; count: number }[] } | null;
      rows: {
        nodes: { invoiceId: string; class: string; findings: { class: string }[] }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } | null;
  };

  it('an admin starts a run, the worker runs it, members read the rows page by page', async () => {
    const rig = push();
    const company = await rig.company();
    const a = await pushed(company);
    const b = await pushed(company);
    await pushed(company);
    for (const target of [a, b]) {
      rig.rig.sandbox.control.adminEditInvoice(company.realmId, target.quickbooksInvoiceId, {
        action: 'void',
      });
    }
    const graphql = rig.rig.graphql.bind(rig.rig);

    const member = await graphql(memberOf(company.tenant), RUN, { customerId: company.tenant, ...WINDOW });
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await graphql(adminOf(company.tenant), RUN, {
      customerId: company.tenant,
      from: '2026-12-31',
      to: '2026-01-01',
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const started = await graphql<{ runQuickBooksReconciliation: { id: string; state: string } }>(
      adminOf(company.tenant),
      RUN,
      { customerId: company.tenant, ...WINDOW },
    );
    expect(started.errors).toBeUndefined();
    expect(started.data?.runQuickBooksReconciliation.state).toBe('RUNNING');
    const again = await graphql(adminOf(company.tenant), RUN, { customerId: company.tenant, ...WINDOW });
    expect(again.errors?.[0]?.extensions?.code).toBe('QUICKBOOKS_RECONCILIATION_RUNNING');

    const connection = createRedis(rig.rig.config.redis.url, 'worker');
    const worker = createReconciliationWorker({
      connection,
      prefix: rig.rig.config.redis.prefix,
      runs: new ReconciliationRuns({
        models,
        queue: { add: async () => undefined },
        now: () => new Date(),
        logger: silentLogger(),
      }),
      service: service(),
      logger: silentLogger(),
    });
    try {
      const first = await eventually(async () => {
        const read = await graphql<Read>(memberOf(company.tenant), READ, {
          customerId: company.tenant,
          first: 1,
        });
        return read.data?.quickbooksReconciliation?.state === 'SUCCEEDED' ? read.data : undefined;
      }, 20_000);
      const run = first.quickbooksReconciliation!;
      expect(run.summary).toMatchObject({ invoicesCompared: 3, counts: [{ class: 'STATUS', count: 2 }] });
      expect(run.summary).toHaveProperty('readCalls', { reports: 2, rereads: 1 });
      expect(run.rows.nodes).toHaveLength(1);
      expect(run.rows.pageInfo.hasNextPage).toBe(true);
      const second = await graphql<Read>(memberOf(company.tenant), READ, {
        customerId: company.tenant,
        first: 1,
        after: run.rows.pageInfo.endCursor,
      });
      const seen = [
        run.rows.nodes[0]!.invoiceId,
        second.data!.quickbooksReconciliation!.rows.nodes[0]!.invoiceId,
      ];
      expect(seen.sort()).toEqual([a.id, b.id].sort());
      expect(second.data!.quickbooksReconciliation!.rows.pageInfo.hasNextPage).toBe(false);

      const outsider = await graphql(memberOf('someone-else'), READ, { customerId: company.tenant });
      expect(outsider.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      // Acting on a row: what applies, then a dismissal with its reason, audited.
      const ROWS = `query ($customerId: ID!) { quickbooksReconciliation(customerId: $customerId) {
        rows(first: 10) { nodes { id invoiceId actions dismissed { by reason } } } } }`;
      type Rows = {
        quickbooksReconciliation: {
          rows: {
            nodes: { id: string; actions: string[]; dismissed: { by: string; reason: string } | null }[];
          };
        };
      };
      const listed = await graphql<Rows>(memberOf(company.tenant), ROWS, { customerId: company.tenant });
      const [row] = listed.data!.quickbooksReconciliation.rows.nodes;
      expect(row!.actions).toEqual(['REPUSH', 'DISMISS']);
      const DISMISS = `mutation ($customerId: ID!, $rowId: ID!, $reason: String!,
          $decision: QuickBooksReconciliationDecision) {
        dismissQuickBooksReconciliationRow(customerId: $customerId, rowId: $rowId, reason: $reason,
          decision: $decision) {
          id actions dismissed { decision by reason } } }`;
      const byMember = await graphql(memberOf(company.tenant), DISMISS, {
        customerId: company.tenant,
        rowId: row!.id,
        reason: 'voided on purpose',
      });
      expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const tooShort = await graphql(adminOf(company.tenant), DISMISS, {
        customerId: company.tenant,
        rowId: row!.id,
        reason: 'ok',
      });
      expect(tooShort.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
      const other = rig.rig.newTenant('other');
      const elsewhere = await graphql(adminOf(other), DISMISS, {
        customerId: other,
        rowId: row!.id,
        reason: 'not my row at all',
      });
      expect(elsewhere.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      // A voided invoice is no tax difference: QuickBooks' figure cannot be "accepted" for it.
      const notTax = await graphql(adminOf(company.tenant), DISMISS, {
        customerId: company.tenant,
        rowId: row!.id,
        reason: 'QuickBooks is right',
        decision: 'ACCEPT_QUICKBOOKS',
      });
      expect(notTax.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'decision' });
      const dismissed = await graphql<{
        dismissQuickBooksReconciliationRow: { actions: string[]; dismissed: { by: string; reason: string } };
      }>(adminOf(company.tenant), DISMISS, {
        customerId: company.tenant,
        rowId: row!.id,
        reason: 'voided in QuickBooks on purpose; the platform follows',
      });
      expect(dismissed.errors).toBeUndefined();
      expect(dismissed.data!.dismissQuickBooksReconciliationRow).toEqual({
        id: row!.id,
        actions: [],
        dismissed: {
          decision: 'DISMISS',
          by: `admin-of-${company.tenant}`,
          reason: 'voided in QuickBooks on purpose; the platform follows',
        },
      });
      const audited = await models.auditLogs
        .find({ tenantId: company.tenant, action: 'QUICKBOOKS_RECONCILIATION_ROW_DISMISSED' })
        .lean();
      expect(audited).toHaveLength(1);
      expect(audited[0]!.reason).toContain('voided in QuickBooks on purpose');

      // A tax difference of the same run: QuickBooks' figure accepted, kept as such and audited as such.
      const stored = await models.reconciliationRows.findById(row!.id).lean();
      const [taxRow] = await models.reconciliationRows.create([
        {
          runId: stored!.runId,
          tenantId: company.tenant,
          invoiceId: a.id,
          number: 'TAX-1',
          class: 'ROUNDING',
          atStakeCents: 1,
          findings: [{ class: 'ROUNDING', ours: 2772, theirs: 2771, explanation: 'rounded once' }],
        },
      ]);
      const accepted = await graphql<{
        dismissQuickBooksReconciliationRow: { actions: string[]; dismissed: { decision: string } };
      }>(adminOf(company.tenant), DISMISS, {
        customerId: company.tenant,
        rowId: taxRow!._id.toString(),
        reason: 'QuickBooks rounds on the subtotal; fine',
        decision: 'ACCEPT_QUICKBOOKS',
      });
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data!.dismissQuickBooksReconciliationRow).toMatchObject({
        actions: [],
        dismissed: { decision: 'ACCEPT_QUICKBOOKS' },
      });
      const acceptance = await models.auditLogs
        .find({ tenantId: company.tenant, action: 'QUICKBOOKS_RECONCILIATION_FIGURE_ACCEPTED' })
        .lean();
      expect(acceptance.map((entry) => entry.reason)).toEqual([
        'ROUNDING on invoice TAX-1: QuickBooks rounds on the subtotal; fine',
      ]);

      // Payments back now, on request.
      const SYNC = `mutation ($customerId: ID!) { syncQuickBooksPayments(customerId: $customerId) }`;
      expect(
        (await graphql(memberOf(company.tenant), SYNC, { customerId: company.tenant })).errors?.[0]
          ?.extensions?.code,
      ).toBe('FORBIDDEN');
      const notConnected = await graphql(adminOf(other), SYNC, { customerId: other });
      expect(notConnected.errors?.[0]?.extensions?.code).toBe('QUICKBOOKS_NOT_CONNECTED');
      const synced = await graphql<{ syncQuickBooksPayments: boolean }>(adminOf(company.tenant), SYNC, {
        customerId: company.tenant,
      });
      expect(synced.data?.syncQuickBooksPayments).toBe(true);
      const sweeps = new Queue(QueueName.paymentSweep, {
        connection: rig.rig.redis,
        prefix: rig.rig.config.redis.prefix,
      });
      try {
        const waiting = await sweeps.getJobs(['waiting', 'delayed', 'prioritized']);
        expect(waiting.some((job) => job.data?.tenantId === company.tenant)).toBe(true);
      } finally {
        await sweeps.close();
      }
    } finally {
      await worker.close();
      await closeRedis(connection);
    }
  });
});

describe('the nightly reconciliation', () => {
  it('queues one run per connected customer over the configured window, skipping one already running', async () => {
    const company = await push().company();
    const queued: { tenantId: string; runId: string }[] = [];
    const runs = new ReconciliationRuns({
      models,
      queue: { add: async (_name, data) => void queued.push(data) },
      now: () => new Date('2026-12-02T02:23:00Z'),
      logger: silentLogger(),
    });
    const first = await runs.startNightly(31);
    expect(first.started).toBeGreaterThanOrEqual(1);
    const mine = await runs.get(company.tenant);
    expect(mine).toMatchObject({
      from: '2026-11-02',
      to: '2026-12-02',
      state: 'RUNNING',
      requestedBy: 'system:nightly',
    });
    expect(queued).toContainEqual({ tenantId: company.tenant, runId: mine!.id });
    const second = await runs.startNightly(31);
    expect(second.started).toBe(0);
    expect(queued.filter((job) => job.tenantId === company.tenant)).toHaveLength(1);
  });
});

describe('change data capture between runs', () => {
  it('finds an invoice dated outside the window that changed in QuickBooks since the last run, with no re-read', async () => {
    const rig = push();
    const company = await rig.company();
    const october = push().hostInvoice(company, { issueDate: '2026-10-15', dueDate: '2026-11-14' });
    expect((await push().push(company, october.id)).outcome).toBe('SYNCED');
    await pushed(company);
    const since = new Date();
    const { quickbooksInvoiceId } = await push().status(company, october.id);
    rig.rig.sandbox.control.adminEditInvoice(company.realmId, quickbooksInvoiceId!, { action: 'void' });

    // Without CDC the November window knows nothing of October.
    const blind = await service().reconcile(company.tenant, WINDOW);
    expect(blind.rows).toEqual([]);
    const result = await service().reconcile(company.tenant, WINDOW, undefined, { changedSince: since });
    expect(result.rows).toEqual([
      expect.objectContaining({
        invoiceId: october.id,
        comparison: expect.objectContaining({ class: 'STATUS' }),
      }),
    ]);
    // CDC returns the changed invoice whole: one CDC request, no re-read.
    expect(result.summary.readCalls).toEqual({ reports: 2, rereads: 0, changeDataCapture: 1 });
  });

  it('a run asks CDC since the previous finished run of the same company', async () => {
    const company = await push().company();
    await pushed(company);
    const calls: { changedSince?: Date }[] = [];
    const runs = new ReconciliationRuns({
      models,
      queue: { add: async () => undefined },
      now: () => new Date(),
      logger: silentLogger(),
    });
    const runOnce = async () => {
      const run = await runs.start(company.tenant, 'admin', WINDOW);
      await runs.execute(
        { tenantId: company.tenant, runId: run.id },
        (tenantId, window, onProgress, options) => {
          calls.push(options ?? {});
          return service().reconcile(tenantId, window, onProgress, options);
        },
        false,
      );
      return runs.get(company.tenant, run.id);
    };
    const first = await runOnce();
    const second = await runOnce();
    expect(calls[0]).toEqual({});
    expect(calls[1]?.changedSince).toEqual(first!.startedAt);
    expect(second!.summary!.readCalls.changeDataCapture).toBe(1);
  });
});

describe('the live view of a run', () => {
  it('writes its progress phase by phase and pushes every step to members over the subscription', async () => {
    const rig = push();
    const company = await rig.company();
    const edited = await pushed(company);
    await pushed(company);
    rig.rig.sandbox.control.adminEditInvoice(company.realmId, edited.quickbooksInvoiceId, { action: 'void' });
    const events = createReconciliationEvents({
      publishClient: rig.rig.redis,
      subscribeClient: rig.rig.redis,
      prefix: rig.rig.config.redis.prefix,
    });
    const runs = new ReconciliationRuns({
      models,
      queue: { add: async () => undefined },
      events,
      now: () => new Date(),
      logger: silentLogger(),
    });
    const subscribe = async (claims: Parameters<typeof tokenFor>[0]) => {
      const client = createClient({
        url: rig.rig.api.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${await tokenFor(claims)}` },
        retryAttempts: 0,
      });
      const seen: { state: string; phase: string | null; compared: number | null }[] = [];
      const errors: string[] = [];
      const stop = client.subscribe<{
        quickbooksReconciliationChanged: {
          state: string;
          progress: { phase: string } | null;
          summary: { invoicesCompared: number } | null;
        };
      }>(
        {
          query: `subscription ($customerId: ID!) {
            quickbooksReconciliationChanged(customerId: $customerId) {
              state progress { phase done total } summary { invoicesCompared }
            }
          }`,
          variables: { customerId: company.tenant },
        },
        {
          next: ({ data, errors: failures }) => {
            const run = data?.quickbooksReconciliationChanged;
            if (run)
              seen.push({
                state: run.state,
                phase: run.progress?.phase ?? null,
                compared: run.summary?.invoicesCompared ?? null,
              });
            for (const failure of failures ?? [])
              errors.push(String((failure.extensions as { code?: string } | undefined)?.code));
          },
          error: (error) =>
            errors.push(
              String(
                (Array.isArray(error) ? (error[0] as { extensions?: { code?: string } }) : undefined)
                  ?.extensions?.code ?? error,
              ),
            ),
          complete: () => undefined,
        },
      );
      return { client, seen, errors, stop };
    };
    const member = await subscribe(memberOf(company.tenant));
    const outsider = await subscribe(memberOf('someone-else'));
    try {
      const channel = `${rig.rig.config.redis.prefix}:reconciliation-changed:${company.tenant}`;
      await eventually(async () => {
        const [, count] = (await rig.rig.redis.pubsub('NUMSUB', channel)) as [string, number];
        return count > 0 ? true : undefined;
      });
      const run = await runs.start(company.tenant, 'admin', WINDOW);
      await runs.execute(
        { tenantId: company.tenant, runId: run.id },
        (tenantId, window, onProgress) => service().reconcile(tenantId, window, onProgress),
        false,
      );
      await eventually(async () =>
        member.seen.some((step) => step.state === 'SUCCEEDED') ? true : undefined,
      );
      const phases = member.seen.filter((step) => step.state === 'RUNNING').map((step) => step.phase);
      expect([...new Set(phases)]).toEqual([
        'READING_REPORTS',
        'READING_PLATFORM',
        'REREADING',
        'READING_RECEIVABLES',
        'SAVING',
      ]);
      expect(member.seen.at(-1)).toEqual({ state: 'SUCCEEDED', phase: null, compared: 2 });
      expect((await runs.get(company.tenant, run.id))?.progress).toBeNull();
      expect(outsider.seen).toEqual([]);
      expect(outsider.errors).toContain('FORBIDDEN');
    } finally {
      member.stop();
      outsider.stop();
      await member.client.dispose();
      await outsider.client.dispose();
    }
  });
});
