/**
 * Issue 11's happy path as a person sees it, every part real and over the network: an admin connects
 * QuickBooks and maps items through the federated gateway, finalizes an invoice in the host, and watches
 * the subscription go QUEUED -> SYNCING -> SYNCED while the host's QuickBooks hook notifies this subgraph
 * and a worker process (its own process, as deployed) reads the invoice back through the gateway and
 * pushes it to the emulator. Then the invoice is read back from the emulator, to the cent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Client } from 'graphql-ws';
import type { Sandbox } from '../../sandbox/src/index.js';
import { startEntry, workerEnv, type EntryProcess } from '../support/entry-process.js';
import { eventually } from '../support/harness.js';
import { startGraphWithEmulator, type Graph } from './support/graph.js';
import { connectThroughGateway, createDraftInvoice, mapDemoCompany } from './support/quickbooks.js';

const TENANT = 'cust-acme-us';
const REALM = '9341455130166501';
const admin = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };
const member = { userId: 'member-1', tenants: [TENANT] };

let sandbox: Sandbox;
let graph: Graph;
let worker: EntryProcess;

beforeAll(async () => {
  ({ sandbox, graph } = await startGraphWithEmulator({
    api: { QUICKBOOKS_PUSH_DEBOUNCE_MS: '300' },
    notifyQuickBooks: true,
  }));
  // The worker reads invoices the way the frontend does: through the gateway, as a service.
  worker = startEntry(
    'src/workers/index.ts',
    workerEnv(graph.api.config, { emulatorUrl: sandbox.url, hostGraphqlUrl: graph.gatewayUrl }),
  );
  await worker.waitFor('workers started');
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await graph?.close();
  await sandbox?.close();
});

/** Every state the invoice's subscription delivers, from the moment the gateway confirms it. */
function follow(ws: Client, invoiceId: string) {
  const states: string[] = [];
  const dispose = ws.subscribe<{ quickbooksSyncStatusChanged: { status: { state: string } } }>(
    {
      query: `subscription ($invoiceId: ID!) {
        quickbooksSyncStatusChanged(invoiceId: $invoiceId) { status { state } }
      }`,
      variables: { invoiceId },
    },
    {
      next: (message) => {
        const state = message.data?.quickbooksSyncStatusChanged.status.state;
        if (state) states.push(state);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return { states, dispose };
}

describe('an invoice finalized in the platform reaches QuickBooks through the whole graph', () => {
  it('QUEUED -> SYNCING -> SYNCED live, then read back through the gateway and from the emulator', async () => {
    await connectThroughGateway(graph, admin, TENANT, REALM);
    await mapDemoCompany(graph, sandbox, admin, TENANT, REALM);
    const client = await graph.client(admin);
    const createInvoice = await createDraftInvoice(graph, admin, TENANT);
    const ws = await graph.wsClient(member);
    const live = follow(ws, createInvoice.id);
    // The subscription reaches Redis through the gateway before the change happens.
    await new Promise((resolve) => setTimeout(resolve, 500));

    await client.request(
      gql`
        mutation Finalize($id: ID!) {
          finalizeInvoice(id: $id) {
            status
          }
        }
      `,
      { id: createInvoice.id },
    );

    await eventually(async () => (live.states.includes('SYNCED') ? true : undefined), 30_000);
    live.dispose();
    // Debounced: one push. QUEUED may be seen more than once only if the host notified twice.
    expect(live.states.filter((s) => s !== 'QUEUED')).toEqual(['SYNCING', 'SYNCED']);
    expect(live.states[0]).toBe('QUEUED');

    const read = await (
      await graph.client(member)
    ).request<{
      invoice: {
        number: string;
        totals: { total: string };
        quickbooksSyncStatus: {
          state: string;
          quickbooksInvoiceId: string | null;
          attempts: number;
          lastSyncedAt: string | null;
          lastError: unknown;
        };
      };
    }>(
      gql`
        query Read($id: ID!) {
          invoice(id: $id) {
            number
            totals {
              total
            }
            quickbooksSyncStatus {
              state
              quickbooksInvoiceId
              attempts
              lastSyncedAt
              lastError {
                code
              }
            }
          }
        }
      `,
      { id: createInvoice.id },
    );
    const status = read.invoice.quickbooksSyncStatus;
    expect(status).toMatchObject({ state: 'SYNCED', attempts: 1, lastError: null });
    expect(status.lastSyncedAt).toBeTruthy();

    const [copy] = (
      sandbox.control.listEntities(REALM, 'Invoice') as {
        Id: string;
        TotalAmt: number;
        PrivateNote?: string;
        CustomerRef: { value: string };
      }[]
    ).filter((row) => row.PrivateNote?.includes(`(${createInvoice.id})`));
    expect(copy?.Id).toBe(status.quickbooksInvoiceId);
    // 2.5 × 96 = 240.00 and 3 × 4.99 = 14.97, 8.25 % tax on each: 19.80 + 1.24 = 21.04.
    expect(copy?.TotalAmt).toBe(Number(read.invoice.totals.total));
    expect(read.invoice.totals.total).toBe('276.01');
    const customers = sandbox.control.listEntities(REALM, 'Customer') as {
      Id: string;
      DisplayName: string;
    }[];
    expect(customers.find((c) => c.Id === copy?.CustomerRef.value)?.DisplayName).toBe('Dana Whitfield');
  });
});
