/**
 * `_entities` for a page of invoices costs one database round trip for their sync status (issue 11's
 * bench target: 100 invoices' status in one). Counted on the wire with the MongoDB driver's command
 * monitoring, not mongoose's debug hook: a cursor's getMore, a second batch or a per-entity read would
 * each show as a command here (the same mechanism as bench/support/worker-probe.mjs and bench/entities.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { InvoiceSyncStateModel } from '../../src/models/index.js';
import { InvoiceSyncStatusesDocument } from '../generated/graphql.js';
import { startTestApi, type TestApi } from '../support/api.js';

const TENANT = 'cust-round-trips';
const PAGE = 100;

/** Every command the driver sent since the last reset: collection (or command name) per round trip. */
const commands: string[] = [];
let api: TestApi;

beforeAll(async () => {
  const connect = mongoose.connect.bind(mongoose);
  mongoose.connect = (async (uri: string, options: mongoose.ConnectOptions = {}) => {
    const connected = await connect(uri, { ...options, monitorCommands: true });
    connected.connection.getClient().on('commandStarted', (event) => {
      const target = (event.command as Record<string, unknown>)[event.commandName];
      commands.push(`${event.commandName} ${typeof target === 'string' ? target : ''}`.trim());
    });
    return connected;
  }) as typeof mongoose.connect;
  api = await startTestApi();
  // Every invoice of the page has a stored state (the costly case: 100 documents to bring back).
  await InvoiceSyncStateModel.create(
    Array.from({ length: PAGE }, (_, n) => ({
      tenantId: TENANT,
      invoiceId: `inv-${n}`,
      state: 'SYNCED' as const,
      attempts: 1,
      quickbooksInvoiceId: String(1000 + n),
    })),
  );
});

afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await api.close();
});

describe('Invoice entities', () => {
  it('resolve the sync status of 100 invoices in one database round trip', async () => {
    const client = await api.client({ userId: 'user-1', tenants: [TENANT] });
    const representations = Array.from({ length: PAGE }, (_, n) => ({
      __typename: 'Invoice',
      id: `inv-${n}`,
      customer: { id: TENANT },
    }));

    commands.length = 0;
    const result = await client.request(InvoiceSyncStatusesDocument, { representations });
    const sent = [...commands];

    expect(result._entities).toHaveLength(PAGE);
    expect(result._entities.every((entity) => entity?.quickbooksSyncStatus?.state === 'SYNCED')).toBe(true);
    expect(result._entities[42]).toMatchObject({
      id: 'inv-42',
      quickbooksSyncStatus: { quickbooksInvoiceId: '1042' },
    });
    expect(sent).toEqual(['find invoice_sync_states']);
  });
});
