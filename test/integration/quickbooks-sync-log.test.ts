/**
 * Issue 11 "Status, log, retry": the sync log query (paged, filtered, tenant-scoped, member-readable) and
 * the connection's sync summary, through the API against the real store.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClientError } from 'graphql-request';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { createSyncStatusEvents } from '../../src/events/sync-status-events.js';
import { models } from '../../src/models/index.js';
import { SyncLogService, type SyncLogRecord } from '../../src/services/sync-log.js';
import { SyncStatusService, type InvoiceKey } from '../../src/services/sync-status.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { memberOf } from '../support/connect-rig.js';
import { silentLogger, uniqueName } from '../support/harness.js';

const LOG = `query Log($c: ID!, $f: QuickBooksSyncLogFilter, $first: Int, $after: String) {
  quickbooksSyncLog(customerId: $c, filter: $f, first: $first, after: $after) {
    edges { cursor node { id entityType entityId operation outcome attempt trigger realmId requestId
      quickbooksId intuitTid durationMs createdAt error { code message retryable detail } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const SUMMARY = `query Summary($c: ID!) {
  quickbooksConnection(customerId: $c) {
    status
    syncSummary {
      counts { state count }
      lastSucceededAt
      oldestPendingSince
      recentErrors { invoiceId state at error { code message retryable intuitTid } }
    }
  }
}`;

interface LogNode {
  id: string;
  entityType: string;
  entityId: string;
  outcome: string;
  createdAt: string;
  error: { code: string; message: string; retryable: boolean; detail: string | null } | null;
  [field: string]: unknown;
}
interface LogPage {
  quickbooksSyncLog: {
    edges: { cursor: string; node: LogNode }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  } | null;
}
interface SummaryData {
  quickbooksConnection: {
    syncSummary: {
      counts: { state: string; count: number }[];
      lastSucceededAt: string | null;
      oldestPendingSince: string | null;
      recentErrors: { invoiceId: string; state: string; at: string; error: { code: string } }[];
    } | null;
  } | null;
}

let api: TestApi;
let publishClient: Redis;
let subscribeClient: Redis;
let clockAt = new Date('2026-11-01T00:00:00.000Z');
const clock = () => clockAt;
let log: SyncLogService;
let status: SyncStatusService;

beforeAll(async () => {
  api = await startTestApi();
  publishClient = new Redis(api.config.redis.url);
  subscribeClient = new Redis(api.config.redis.url);
  const events = createSyncStatusEvents({ publishClient, subscribeClient, prefix: api.config.redis.prefix });
  log = new SyncLogService({ models, now: clock });
  status = new SyncStatusService({ models, events, now: clock, logger: silentLogger() });
});

afterAll(async () => {
  await api.close();
  await Promise.all([publishClient.quit(), subscribeClient.quit()]);
  await mongoose.disconnect();
});

const attempt = (tenantId: string, overrides: Partial<SyncLogRecord> = {}): SyncLogRecord => ({
  tenantId,
  entityType: 'INVOICE',
  entityId: 'inv-1',
  operation: 'INVOICE_PUSH',
  outcome: 'SUCCEEDED',
  attempt: 1,
  trigger: 'intake',
  realmId: '9130000000000001',
  requestId: uniqueName('req'),
  quickbooksId: '1042',
  intuitTid: '1-abc-tid',
  durationMs: 180,
  ...overrides,
});

/** Records `count` entries one minute apart (optionally several in the same millisecond). */
async function recordAt(at: string, records: SyncLogRecord[]) {
  clockAt = new Date(at);
  const ids: string[] = [];
  for (const record of records) ids.push((await log.record(record)).id);
  return ids;
}

async function readLog(
  tenantId: string,
  variables: Record<string, unknown> = {},
  reader = memberOf(tenantId),
) {
  const client = await api.client(reader);
  return client.request<LogPage>(LOG, { c: tenantId, ...variables });
}

/** Every page of the log under `filter`, `first` at a time. */
async function readAll(tenantId: string, first: number, filter?: Record<string, unknown>) {
  const pages: LogNode[][] = [];
  let after: string | null = null;
  for (;;) {
    const data: LogPage = await readLog(tenantId, { first, after, f: filter });
    const page = data.quickbooksSyncLog!;
    pages.push(page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return pages;
    after = page.pageInfo.endCursor;
  }
}

async function errorCodeOf(request: Promise<unknown>) {
  try {
    await request;
  } catch (error) {
    if (error instanceof ClientError) {
      return { code: error.response.errors?.[0]?.extensions?.code, data: error.response.data as unknown };
    }
    throw error;
  }
  throw new Error('expected a GraphQL error');
}

describe('quickbooksSyncLog', () => {
  it('pages newest first across several pages with no overlap, same-millisecond entries included', async () => {
    const tenant = uniqueName('tenant');
    const older = await recordAt('2026-11-02T09:00:00.000Z', [attempt(tenant, { entityId: 'inv-1' })]);
    // Three attempts in the same millisecond: the cursor must break the tie by id, not skip or repeat.
    const tied = await recordAt('2026-11-02T10:00:00.000Z', [
      attempt(tenant, { entityId: 'inv-2' }),
      attempt(tenant, { entityId: 'inv-3' }),
      attempt(tenant, { entityId: 'inv-4' }),
    ]);
    const newer = await recordAt('2026-11-02T11:00:00.000Z', [
      attempt(tenant, { entityId: 'inv-5' }),
      attempt(tenant, { entityId: 'inv-6', outcome: 'STARTED' }),
    ]);

    const pages = await readAll(tenant, 2);

    expect(pages.map((page) => page.length)).toEqual([2, 2, 2]);
    const ids = pages.flat().map((node) => node.id);
    expect(new Set(ids).size).toBe(6);
    // Newest first; within one millisecond, the later insert (larger ObjectId) first.
    expect(ids).toEqual([...newer.reverse(), ...tied.reverse(), ...older]);
    const first = pages[0]![1]!;
    expect(first).toMatchObject({
      entityType: 'INVOICE',
      operation: 'INVOICE_PUSH',
      outcome: 'SUCCEEDED',
      attempt: 1,
      trigger: 'intake',
      realmId: '9130000000000001',
      quickbooksId: '1042',
      intuitTid: '1-abc-tid',
      durationMs: 180,
      createdAt: '2026-11-02T11:00:00.000Z',
      error: null,
    });
  });

  it('filters by outcome, entity type, entity and date window, each with paging', async () => {
    const tenant = uniqueName('tenant');
    const fault = {
      code: '6000',
      message: 'A business validation error occurred',
      retryable: false,
      detail: 'Line 1',
    };
    const [failedPush] = await recordAt('2026-11-03T08:00:00.000Z', [
      attempt(tenant, { entityId: 'inv-9', outcome: 'FAILED', error: fault, quickbooksId: undefined }),
    ]);
    const [customerUpsert] = await recordAt('2026-11-04T08:00:00.000Z', [
      attempt(tenant, {
        entityType: 'QUICKBOOKS_CUSTOMER',
        operation: 'QUICKBOOKS_CUSTOMER_UPSERT',
        entityId: 'party-3',
      }),
    ]);
    const [retriedPush] = await recordAt('2026-11-05T08:00:00.000Z', [
      attempt(tenant, { entityId: 'inv-9', attempt: 2, trigger: 'retry' }),
    ]);
    const [otherPush] = await recordAt('2026-11-06T08:00:00.000Z', [attempt(tenant, { entityId: 'inv-10' })]);

    const idsOf = async (filter: Record<string, unknown>) =>
      (await readAll(tenant, 1, filter)).flat().map((node) => node.id);

    expect(await idsOf({ outcome: 'FAILED' })).toEqual([failedPush]);
    expect(await idsOf({ entityType: 'QUICKBOOKS_CUSTOMER' })).toEqual([customerUpsert]);
    expect(await idsOf({ entityType: 'INVOICE' })).toEqual([otherPush, retriedPush, failedPush]);
    expect(await idsOf({ entityId: 'inv-9' })).toEqual([retriedPush, failedPush]);
    expect(await idsOf({ since: '2026-11-04T08:00:00.000Z', until: '2026-11-06T08:00:00.000Z' })).toEqual([
      retriedPush,
      customerUpsert,
    ]);
    expect(await idsOf({ outcome: 'SUCCEEDED', entityId: 'inv-9' })).toEqual([retriedPush]);

    const failed = (await readLog(tenant, { f: { outcome: 'FAILED' } })).quickbooksSyncLog!.edges[0]!.node;
    expect(failed.error).toEqual(fault);
    expect(failed.quickbooksId).toBeNull();
  });

  it("is readable by any member, and another tenant's members get FORBIDDEN and no entry", async () => {
    const tenantA = uniqueName('tenant-a');
    const tenantB = uniqueName('tenant-b');
    const [entryA] = await recordAt('2026-11-07T08:00:00.000Z', [attempt(tenantA)]);
    const [entryB] = await recordAt('2026-11-07T08:00:01.000Z', [attempt(tenantB)]);

    expect((await readLog(tenantA)).quickbooksSyncLog!.edges.map((edge) => edge.node.id)).toEqual([entryA]);
    expect((await readLog(tenantB)).quickbooksSyncLog!.edges.map((edge) => edge.node.id)).toEqual([entryB]);

    const refused = await errorCodeOf(readLog(tenantA, {}, memberOf(tenantB)));
    expect(refused).toEqual({ code: 'FORBIDDEN', data: { quickbooksSyncLog: null } });

    // B's cursor only positions a scan of A's own entries: it never brings B's entries into A's list.
    const cursorB = (await readLog(tenantB)).quickbooksSyncLog!.edges[0]!.cursor;
    const positioned = await readLog(tenantA, { after: cursorB });
    expect(positioned.quickbooksSyncLog!.edges.map((edge) => edge.node.id)).toEqual([entryA]);
  });

  it("names an invoice entry's invoice as an entity (the gateway joins its number) and a failed one's intuit_tid in its error", async () => {
    const tenant = uniqueName('tenant');
    await recordAt('2026-11-08T08:00:00.000Z', [
      attempt(tenant, {
        entityId: 'inv-42',
        outcome: 'FAILED',
        intuitTid: '1-failed-tid',
        error: { code: 'QUICKBOOKS_VALIDATION', message: 'Refused', retryable: false },
      }),
      attempt(tenant, {
        entityType: 'QUICKBOOKS_CUSTOMER',
        entityId: 'party-7',
        operation: 'QUICKBOOKS_CUSTOMER_UPSERT',
      }),
    ]);
    const client = await api.client(memberOf(tenant));
    const data = await client.request<{
      quickbooksSyncLog: {
        nodes: {
          entityId: string;
          invoice: { id: string } | null;
          error: { intuitTid: string | null } | null;
        }[];
      };
    }>(
      `query ($c: ID!) { quickbooksSyncLog(customerId: $c) { nodes { entityId invoice { id } error { intuitTid } } } }`,
      { c: tenant },
    );
    expect(data.quickbooksSyncLog.nodes).toEqual([
      { entityId: 'party-7', invoice: null, error: null },
      { entityId: 'inv-42', invoice: { id: 'inv-42' }, error: { intuitTid: '1-failed-tid' } },
    ]);
  });

  it('answers UNAUTHENTICATED without a caller and BAD_USER_INPUT for a cursor it did not issue', async () => {
    const tenant = uniqueName('tenant');
    const anonymous = await api.client();
    expect((await errorCodeOf(anonymous.request(LOG, { c: tenant }))).code).toBe('UNAUTHENTICATED');
    const forged = Buffer.from(JSON.stringify({ at: 'never', id: 'x' })).toString('base64url');
    expect((await errorCodeOf(readLog(tenant, { after: forged }))).code).toBe('BAD_USER_INPUT');
    expect((await errorCodeOf(readLog(tenant, { first: 101 }))).code).toBe('BAD_USER_INPUT');
  });
});

describe('QuickBooksConnection.syncSummary', () => {
  const error = (code: string) => ({
    code,
    message: `QuickBooks said ${code}`,
    retryable: code === 'QBO_SERVER',
  });

  /** Pins updatedAt, which mongoose stamps with the wall clock, so ordering assertions are exact. */
  const pin = (key: InvoiceKey, at: string) =>
    models.invoiceSyncStates.updateOne(key, { $set: { updatedAt: new Date(at) } }, { timestamps: false });

  it('counts states after transitions, with the last success, the oldest pending and the five newest errors', async () => {
    const tenantId = uniqueName('tenant');
    const key = (invoiceId: string): InvoiceKey => ({ tenantId, invoiceId });
    const run = async (
      invoiceId: string,
      ...steps: [Parameters<SyncStatusService['transition']>[1], object][]
    ) => {
      for (const [event, data] of steps) {
        const result = await status.transition(key(invoiceId), event, data as never);
        expect(result.applied).toBe(true);
      }
    };
    const started: ['ENQUEUED' | 'STARTED', object][] = [
      ['ENQUEUED', {}],
      ['STARTED', {}],
    ];

    await run('inv-synced-1', ...started, ['SUCCEEDED', { quickbooksInvoiceId: '11' }]);
    await run('inv-synced-2', ...started, ['SUCCEEDED', { quickbooksInvoiceId: '12' }]);
    await run('inv-queued', ['ENQUEUED', {}]);
    await run('inv-syncing', ...started);
    await run('inv-action', ...started, ['NEEDS_ACTION', { error: error('MAPPING_REQUIRED') }]);
    await run('inv-failed', ...started, ['FAILED_RETRYABLE', { error: error('QBO_SERVER') }]);
    for (const n of [1, 2, 3, 4]) {
      await run(`inv-dead-${n}`, ...started, [
        'EXHAUSTED',
        { error: { ...error('QBO_SERVER'), intuitTid: `tid-${n}` } },
      ]);
    }
    await run('inv-dismissed', ...started, ['NEEDS_ACTION', { error: error('6000') }], ['DISMISSED', {}]);
    // Another tenant's invoices never count here.
    await status.transition({ tenantId: uniqueName('other'), invoiceId: 'inv-queued' }, 'ENQUEUED', {});

    await pin(key('inv-synced-1'), '2026-11-10T08:00:00.000Z');
    await pin(key('inv-synced-2'), '2026-11-10T09:00:00.000Z');
    await pin(key('inv-queued'), '2026-11-10T07:00:00.000Z');
    await pin(key('inv-syncing'), '2026-11-10T06:00:00.000Z');
    await pin(key('inv-action'), '2026-11-10T10:00:00.000Z');
    await pin(key('inv-failed'), '2026-11-10T05:00:00.000Z');
    for (const n of [1, 2, 3, 4]) await pin(key(`inv-dead-${n}`), `2026-11-10T1${n}:00:00.000Z`);

    const reads: string[] = [];
    mongoose.set('debug', (collection: string, method: string) => {
      if (collection === 'invoice_sync_states') reads.push(method);
    });
    const client = await api.client(memberOf(tenantId));
    let data: SummaryData;
    try {
      data = await client.request<SummaryData>(SUMMARY, { c: tenantId });
    } finally {
      mongoose.set('debug', false);
    }

    const summary = data.quickbooksConnection!.syncSummary!;
    expect(Object.fromEntries(summary.counts.map(({ state, count }) => [state, count]))).toEqual({
      NOT_SYNCED: 1,
      QUEUED: 1,
      SYNCING: 1,
      SYNCED: 2,
      SYNCED_WITH_DIFFERENCES: 0,
      ACTION_REQUIRED: 1,
      FAILED: 1,
      DEAD: 4,
    });
    expect(summary.lastSucceededAt).toBe('2026-11-10T09:00:00.000Z');
    expect(summary.oldestPendingSince).toBe('2026-11-10T06:00:00.000Z');
    // Six invoices have errors; the five newest are listed, newest first; the dismissed one has none.
    expect(summary.recentErrors.map((item) => [item.invoiceId, item.state, item.error.code])).toEqual([
      ['inv-dead-4', 'DEAD', 'QBO_SERVER'],
      ['inv-dead-3', 'DEAD', 'QBO_SERVER'],
      ['inv-dead-2', 'DEAD', 'QBO_SERVER'],
      ['inv-dead-1', 'DEAD', 'QBO_SERVER'],
      ['inv-action', 'ACTION_REQUIRED', 'MAPPING_REQUIRED'],
    ]);
    expect(summary.recentErrors[0]).toMatchObject({
      at: '2026-11-10T14:00:00.000Z',
      error: {
        code: 'QBO_SERVER',
        message: 'QuickBooks said QBO_SERVER',
        retryable: true,
        intuitTid: 'tid-4',
      },
    });
    // The whole summary: one $group for the counts and three limited index reads, nothing per invoice.
    expect(reads.sort()).toEqual(['aggregate', 'find', 'find', 'find']);
  });

  it('is empty but complete for a tenant with no synced invoice, and not computed unless asked', async () => {
    const tenantId = uniqueName('tenant');
    const reads: string[] = [];
    const client = await api.client(memberOf(tenantId));
    mongoose.set('debug', (collection: string, method: string) => {
      if (collection === 'invoice_sync_states') reads.push(method);
    });
    try {
      await client.request(`query ($c: ID!) { quickbooksConnection(customerId: $c) { status } }`, {
        c: tenantId,
      });
      expect(reads).toEqual([]);
      const data = await client.request<SummaryData>(SUMMARY, { c: tenantId });
      const summary = data.quickbooksConnection!.syncSummary!;
      expect(summary.counts.every(({ count }) => count === 0)).toBe(true);
      expect(summary.counts).toHaveLength(8);
      expect(summary).toMatchObject({ lastSucceededAt: null, oldestPendingSince: null, recentErrors: [] });
    } finally {
      mongoose.set('debug', false);
    }
  });

  it("is FORBIDDEN for another tenant's members", async () => {
    const tenantA = uniqueName('tenant-a');
    await status.transition({ tenantId: tenantA, invoiceId: 'inv-1' }, 'ENQUEUED', {});
    const client = await api.client(memberOf(uniqueName('tenant-b')));
    const refused = await errorCodeOf(client.request(SUMMARY, { c: tenantA }));
    expect(refused).toEqual({ code: 'FORBIDDEN', data: { quickbooksConnection: null } });
  });
});
