/**
 * Issue 13 as a person sees it, every part real and over the network: an invoice finalized in the platform
 * is pushed to the emulator; a bookkeeper records payments in QuickBooks; the emulator's signed webhooks
 * reach this subgraph's endpoint, a worker process (as deployed) re-reads QuickBooks and tells the demo host
 * through its payment hook, and the invoice reads PARTIALLY_PAID / PAID through the gateway, live. The
 * emulator's webhook fault modes then duplicate, reorder and drop deliveries; the end state must not care.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Sandbox } from '../../sandbox/src/index.js';
import { EMULATOR_DEFAULT_VERIFIER_TOKEN } from '../../src/config.js';
import { QUICKBOOKS_WEBHOOK_PATH } from '../../src/server/webhook-routes.js';
import { Bookkeeper } from '../support/bookkeeper.js';
import { startEntry, workerEnv, type EntryProcess } from '../support/entry-process.js';
import { eventually } from '../support/harness.js';
import { startGraphWithEmulator, type Graph } from './support/graph.js';
import { connectThroughGateway, createDraftInvoice, mapDemoCompany } from './support/quickbooks.js';

const TENANT = 'cust-acme-us';
const REALM = '9341455130166501';
const admin = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };
const member = { userId: 'member-1', tenants: [TENANT] };
/** The CDC backstop's period in this test: a dropped webhook must be caught within it (plus one sweep). */
const SWEEP_SECONDS = 3;

let sandbox: Sandbox;
let graph: Graph;
let worker: EntryProcess;
let bookkeeper: Bookkeeper;

beforeAll(async () => {
  ({ sandbox, graph } = await startGraphWithEmulator({
    api: {
      QUICKBOOKS_PUSH_DEBOUNCE_MS: '300',
      QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: EMULATOR_DEFAULT_VERIFIER_TOKEN,
    },
    notifyQuickBooks: true,
  }));
  bookkeeper = new Bookkeeper(sandbox);
  sandbox.control.updateApp(sandbox.app.clientId, {
    webhookUrl: `${graph.api.config.quickbooks.publicUrl}${QUICKBOOKS_WEBHOOK_PATH}`,
  });
  worker = startEntry('src/workers/index.ts', {
    ...workerEnv(graph.api.config, { emulatorUrl: sandbox.url, hostGraphqlUrl: graph.gatewayUrl }),
    QUICKBOOKS_PAYMENT_SWEEP_SECONDS: String(SWEEP_SECONDS),
    QUICKBOOKS_PAYMENT_SWEEP_OVERLAP_SECONDS: '60',
  });
  await worker.waitFor('workers started');
  await connectThroughGateway(graph, admin, TENANT, REALM);
  await mapDemoCompany(graph, sandbox, admin, TENANT, REALM);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await graph?.close();
  await sandbox?.close();
});

interface PaidInvoice {
  invoice: {
    paymentStatus: string;
    amountPaid: string;
    balance: string;
    payments: { externalId: string; amount: string; revision: number }[];
    quickbooksSyncStatus: { state: string; quickbooksInvoiceId: string | null };
    quickbooksPayments: { quickbooksPaymentId: string; amount: string }[];
    quickbooksBalance: { balance: string; paymentStatus: string } | null;
  };
}

async function read(invoiceId: string): Promise<PaidInvoice['invoice']> {
  const client = await graph.client(member);
  const { invoice } = await client.request<PaidInvoice>(
    gql`
      query Paid($id: ID!) {
        invoice(id: $id) {
          paymentStatus
          amountPaid
          balance
          payments {
            externalId
            amount
            revision
          }
          quickbooksSyncStatus {
            state
            quickbooksInvoiceId
          }
          quickbooksPayments {
            quickbooksPaymentId
            amount
          }
          quickbooksBalance {
            balance
            paymentStatus
          }
        }
      }
    `,
    { id: invoiceId },
  );
  return invoice;
}

/** A finalized platform invoice (276.01) once QuickBooks holds it: its QuickBooks Id and customer. */
async function pushedInvoice(): Promise<{ id: string; quickbooksInvoiceId: string; customerRef: string }> {
  const draft = await createDraftInvoice(graph, admin, TENANT);
  const client = await graph.client(admin);
  await client.request(
    gql`
      mutation Finalize($id: ID!) {
        finalizeInvoice(id: $id) {
          status
        }
      }
    `,
    { id: draft.id },
  );
  const quickbooksInvoiceId = await eventually(async () => {
    const status = (await read(draft.id)).quickbooksSyncStatus;
    return status.state === 'SYNCED' ? (status.quickbooksInvoiceId ?? undefined) : undefined;
  }, 30_000);
  const qbo = sandbox.control.getEntity(REALM, 'Invoice', quickbooksInvoiceId) as {
    CustomerRef: { value: string };
  };
  return { id: draft.id, quickbooksInvoiceId, customerRef: qbo.CustomerRef.value };
}

async function recordPayment(invoice: { quickbooksInvoiceId: string; customerRef: string }, amount: number) {
  return bookkeeper.write(REALM, 'Payment', {
    CustomerRef: { value: invoice.customerRef },
    TotalAmt: amount,
    Line: [{ Amount: amount, LinkedTxn: [{ TxnId: invoice.quickbooksInvoiceId, TxnType: 'Invoice' }] }],
  });
}

const until = <T>(probe: () => Promise<T | undefined>, ms = 20_000) => eventually(probe, ms);

describe('payments recorded in QuickBooks come back to the platform', () => {
  it('partial then full payment: PARTIALLY_PAID, then PAID with balance 0, live through the gateway', async () => {
    const invoice = await pushedInvoice();
    const ws = await graph.wsClient(member);
    const seen: { paymentStatus: string; payments: number }[] = [];
    const dispose = ws.subscribe<{
      quickbooksInvoicePaymentsChanged: {
        invoice: { paymentStatus: string };
        payments: unknown[];
      };
    }>(
      {
        query: `subscription ($customerId: ID!, $invoiceId: ID) {
          quickbooksInvoicePaymentsChanged(customerId: $customerId, invoiceId: $invoiceId) {
            invoice { paymentStatus }
            payments { quickbooksPaymentId amount }
          }
        }`,
        variables: { customerId: TENANT, invoiceId: invoice.id },
      },
      {
        next: (message) => {
          const change = message.data?.quickbooksInvoicePaymentsChanged;
          if (change)
            seen.push({ paymentStatus: change.invoice.paymentStatus, payments: change.payments.length });
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    await recordPayment(invoice, 100);
    // The platform's status (the hook) and QuickBooks' balance (the invoice read) settle each on its own.
    const partial = await until(async () => {
      const now = await read(invoice.id);
      return now.paymentStatus === 'PARTIALLY_PAID' &&
        now.quickbooksBalance?.paymentStatus === 'PARTIALLY_PAID'
        ? now
        : undefined;
    });
    expect(partial).toMatchObject({ amountPaid: '100.00', balance: '176.01' });
    expect(partial.quickbooksBalance).toEqual({ balance: '176.01', paymentStatus: 'PARTIALLY_PAID' });

    await recordPayment(invoice, 176.01);
    const paid = await until(async () => {
      const now = await read(invoice.id);
      return now.paymentStatus === 'PAID' && now.quickbooksBalance?.paymentStatus === 'PAID'
        ? now
        : undefined;
    });
    expect(paid).toMatchObject({ amountPaid: '276.01', balance: '0.00' });
    expect(paid.quickbooksPayments.map((p) => p.amount).sort()).toEqual(['100.00', '176.01']);
    await until(async () =>
      seen.some((s) => s.paymentStatus === 'PAID' && s.payments === 2) ? true : undefined,
    );
    dispose();
  });

  it('a duplicated delivery applies once', async () => {
    const invoice = await pushedInvoice();
    sandbox.control.setWebhookFaults(sandbox.app.clientId, { duplicate: { entity: 'Payment', next: 1 } });
    await recordPayment(invoice, 50);
    await until(async () =>
      sandbox.control
        .webhookDeliveries(sandbox.app.clientId)
        .some((d) => d.faults.includes('duplicate') && d.delivered)
        ? true
        : undefined,
    );
    const after = await until(async () => {
      const now = await read(invoice.id);
      return now.amountPaid === '50.00' ? now : undefined;
    });
    // Give the duplicate time to be processed too: it must change nothing.
    await sandbox.control.drainWebhooks(10_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const settled = await read(invoice.id);
    expect(settled).toMatchObject({ amountPaid: '50.00', paymentStatus: 'PARTIALLY_PAID' });
    expect(settled.payments).toEqual([expect.objectContaining({ amount: '50.00', revision: 1 })]);
    expect(after.payments).toHaveLength(1);
    sandbox.control.clearWebhookFaults(sandbox.app.clientId);
  });

  it('a reordered delivery (an edit overtaking its create) ends in the edited state', async () => {
    const invoice = await pushedInvoice();
    sandbox.control.setWebhookFaults(sandbox.app.clientId, {
      reorder: { entity: 'Payment', operation: 'Create', next: 1, by: 1, maxHoldMs: 3000 },
    });
    const payment = await recordPayment(invoice, 80);
    await bookkeeper.write(REALM, 'Payment', {
      Id: payment.Id,
      SyncToken: payment.SyncToken,
      sparse: true,
      TotalAmt: 30,
      Line: [{ Amount: 30, LinkedTxn: [{ TxnId: invoice.quickbooksInvoiceId, TxnType: 'Invoice' }] }],
    });
    await until(async () =>
      sandbox.control.webhookDeliveries(sandbox.app.clientId).some((d) => d.faults.includes('reorder'))
        ? true
        : undefined,
    );
    await sandbox.control.drainWebhooks(10_000);
    // The platform's amount and QuickBooks' balance are written by different steps (the hook, the invoice
    // read), possibly by different jobs: each settles on its own.
    await until(async () => ((await read(invoice.id)).amountPaid === '30.00' ? true : undefined));
    await until(async () =>
      (await read(invoice.id)).quickbooksBalance?.balance === '246.01' ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const settled = await read(invoice.id);
    expect(settled.amountPaid).toBe('30.00');
    expect(settled.quickbooksBalance?.balance).toBe('246.01');
    sandbox.control.clearWebhookFaults(sandbox.app.clientId);
  });

  it('a dropped delivery is caught by the CDC backstop within its interval', async () => {
    const invoice = await pushedInvoice();
    // Every event dropped, the Invoice update the payment causes too (it alone would settle the payment).
    sandbox.control.setWebhookFaults(sandbox.app.clientId, { drop: { rate: 1 } });
    const recordedAt = Date.now();
    await recordPayment(invoice, 276.01);
    await until(async () =>
      sandbox.control.webhookDeliveries(sandbox.app.clientId).some((d) => d.faults.includes('drop'))
        ? true
        : undefined,
    );
    const paid = await until(
      async () => {
        const now = await read(invoice.id);
        return now.paymentStatus === 'PAID' ? now : undefined;
      },
      (SWEEP_SECONDS * 2 + 10) * 1000,
    );
    expect(paid.balance).toBe('0.00');
    const deliveries = sandbox.control.webhookDeliveries(sandbox.app.clientId);
    const forThisPayment = deliveries.filter((d) => Date.parse(d.at) >= recordedAt);
    expect(forThisPayment.length).toBeGreaterThan(0);
    expect(forThisPayment.every((d) => !d.delivered && d.faults.includes('drop'))).toBe(true);
    // Caught by a sweep, not by luck: within two sweep periods and the time one sweep takes.
    expect(Date.now() - recordedAt).toBeLessThan((SWEEP_SECONDS * 2 + 10) * 1000);
    sandbox.control.clearWebhookFaults(sandbox.app.clientId);
  });
});
