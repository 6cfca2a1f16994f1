/**
 * Issue 11, intake: the host announces invoice changes with a service token and gets one debounced push
 * job per invoice; admins retry or dismiss. The API runs in-process on real Redis and the Mongo-compatible
 * store; the queue is read back through BullMQ as the push worker will read it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, Worker, type Job } from 'bullmq';
import { ClientError } from 'graphql-request';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { AuditLogModel, InvoiceSyncStateModel } from '../../src/models/index.js';
import type { InvoicePushJobData } from '../../src/workers/invoice-push-job.js';
import { QueueName } from '../../src/workers/queues.js';
import { InvoiceSyncStatusesDocument } from '../generated/graphql.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { eventually, uniqueName } from '../support/harness.js';

const ACME = 'cust-acme';
const GLOBEX = 'cust-globex';
/** Long enough that no job leaves the delayed set while a test looks at it. */
const DEBOUNCE_MS = 60_000;

const host = { userId: 'svc-platform-host', tenants: [ACME], service: 'platform-host' };
const acmeAdmin = { userId: 'user-admin', tenants: [ACME], adminOf: [ACME] };
const acmeMember = { userId: 'user-member', tenants: [ACME] };

const NOTIFY = /* GraphQL */ `
  mutation Notify($customerId: ID!, $invoiceId: ID!, $change: QuickBooksInvoiceChange!) {
    notifyQuickBooksInvoiceChanged(customerId: $customerId, invoiceId: $invoiceId, change: $change) {
      state
    }
  }
`;
const RETRY = /* GraphQL */ `
  mutation Retry($customerId: ID!, $invoiceId: ID!) {
    retryQuickBooksSync(customerId: $customerId, invoiceId: $invoiceId) {
      state
      attempts
    }
  }
`;
const DISMISS = /* GraphQL */ `
  mutation Dismiss($customerId: ID!, $invoiceId: ID!, $reason: String!) {
    dismissQuickBooksSyncError(customerId: $customerId, invoiceId: $invoiceId, reason: $reason) {
      state
      lastError {
        code
      }
    }
  }
`;

type StateName =
  'NOT_SYNCED' | 'QUEUED' | 'SYNCED' | 'SYNCED_WITH_DIFFERENCES' | 'FAILED' | 'DEAD' | 'ACTION_REQUIRED';

let api: TestApi;
let redis: Redis;
let pushes: Queue<InvoicePushJobData>;

beforeAll(async () => {
  api = await startTestApi({ QUICKBOOKS_PUSH_DEBOUNCE_MS: String(DEBOUNCE_MS) });
  redis = new Redis(api.config.redis.url, { maxRetriesPerRequest: null });
  pushes = new Queue<InvoicePushJobData>(QueueName.invoicePush, {
    connection: redis,
    prefix: api.config.redis.prefix,
  });
});

afterAll(async () => {
  await pushes.close();
  await redis.quit();
  await mongoose.connection.db?.dropDatabase();
  await api.close();
});

async function as(
  claims: Parameters<TestApi['client']>[0],
  query: string,
  variables: Record<string, unknown>,
) {
  return (await api.client(claims)).request<Record<string, { state: string } | null>>(query, variables);
}

/** The GraphQL error a refused request carries: its code and message. */
async function refusal(request: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    const first = error.response.errors?.[0];
    return { code: first?.extensions?.code, message: first?.message ?? '' };
  }
  throw new Error('expected the request to be refused');
}

/** Every pending push job of one invoice (delayed: inside the debounce window; waiting: due now). */
async function pendingJobs(tenantId: string, invoiceId: string): Promise<Job<InvoicePushJobData>[]> {
  const jobs = await pushes.getJobs(['delayed', 'waiting', 'prioritized'], 0, -1);
  return jobs.filter((job) => job.data.tenantId === tenantId && job.data.invoiceId === invoiceId);
}

const storedState = (tenantId: string, invoiceId: string) =>
  InvoiceSyncStateModel.findOne({ tenantId, invoiceId }).lean<{ state: StateName; lastError?: unknown }>();

async function seedState(tenantId: string, invoiceId: string, state: StateName) {
  await InvoiceSyncStateModel.create({
    tenantId,
    invoiceId,
    state,
    attempts: state === 'NOT_SYNCED' ? 0 : 3,
    version: 1,
    ...(state === 'SYNCED' || state === 'SYNCED_WITH_DIFFERENCES' ? { quickbooksInvoiceId: '145' } : {}),
    ...(['FAILED', 'DEAD', 'ACTION_REQUIRED'].includes(state)
      ? { lastError: { code: 'QBO_SERVER', message: 'QuickBooks answered 503', retryable: true } }
      : {}),
  });
}

describe('notifyQuickBooksInvoiceChanged', () => {
  it('a service token naming the customer queues the invoice and one delayed push job', async () => {
    const invoiceId = uniqueName('inv');
    const before = Date.now();
    const data = await as(host, NOTIFY, { customerId: ACME, invoiceId, change: 'FINALIZED' });
    expect(data.notifyQuickBooksInvoiceChanged).toEqual({ state: 'QUEUED' });

    const [job, ...others] = await pendingJobs(ACME, invoiceId);
    expect(others).toHaveLength(0);
    expect(await job!.getState()).toBe('delayed');
    expect(job!.opts.delay).toBe(DEBOUNCE_MS);
    expect(job!.name).toBe('push-invoice');
    expect(job!.data).toEqual({
      tenantId: ACME,
      invoiceId,
      change: 'FINALIZED',
      trigger: 'NOTIFIED',
      notifiedAt: expect.any(String),
    });
    expect(Date.parse(job!.data.notifiedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(job!.deduplicationId).toBe(`${ACME}:${invoiceId}`);
  });

  it('a member reads the invoice as QUEUED through _entities after the notification', async () => {
    const invoiceId = uniqueName('inv');
    await as(host, NOTIFY, { customerId: ACME, invoiceId, change: 'FINALIZED' });
    const client = await api.client(acmeMember);
    const data = await client.request(InvoiceSyncStatusesDocument, {
      representations: [{ __typename: 'Invoice', id: invoiceId, customer: { id: ACME } }],
    });
    expect(data._entities[0]).toMatchObject({ id: invoiceId, quickbooksSyncStatus: { state: 'QUEUED' } });
  });

  it('ten notifications within the window give one job carrying the last change', async () => {
    const invoiceId = uniqueName('inv');
    const changes = ['FINALIZED', ...Array<string>(8).fill('UPDATED'), 'VOIDED'];
    for (const change of changes) await as(host, NOTIFY, { customerId: ACME, invoiceId, change });

    const jobs = await pendingJobs(ACME, invoiceId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.change).toBe('VOIDED');
    expect(await jobs[0]!.getState()).toBe('delayed');
    expect((await storedState(ACME, invoiceId))?.state).toBe('QUEUED');
  });

  it('ten notifications sent at the same moment still give one job', async () => {
    const invoiceId = uniqueName('inv');
    await Promise.all(
      Array.from({ length: 10 }, () => as(host, NOTIFY, { customerId: ACME, invoiceId, change: 'UPDATED' })),
    );
    expect(await pendingJobs(ACME, invoiceId)).toHaveLength(1);
    expect((await storedState(ACME, invoiceId))?.state).toBe('QUEUED');
  });

  it('VOIDED right after FINALIZED leaves one job, carrying VOIDED', async () => {
    const invoiceId = uniqueName('inv');
    await as(host, NOTIFY, { customerId: ACME, invoiceId, change: 'FINALIZED' });
    await as(host, NOTIFY, { customerId: ACME, invoiceId, change: 'VOIDED' });
    const jobs = await pendingJobs(ACME, invoiceId);
    expect(jobs.map((job) => job.data.change)).toEqual(['VOIDED']);
  });

  it('the same invoice id in two tenants gives two independent jobs', async () => {
    const invoiceId = uniqueName('inv');
    const bothTenants = { ...host, tenants: [ACME, GLOBEX] };
    await as(bothTenants, NOTIFY, { customerId: ACME, invoiceId, change: 'FINALIZED' });
    await as(bothTenants, NOTIFY, { customerId: GLOBEX, invoiceId, change: 'VOIDED' });
    expect((await pendingJobs(ACME, invoiceId)).map((job) => job.data.change)).toEqual(['FINALIZED']);
    expect((await pendingJobs(GLOBEX, invoiceId)).map((job) => job.data.change)).toEqual(['VOIDED']);
  });

  it('a tenant admin is refused: only a platform service may announce changes', async () => {
    const invoiceId = uniqueName('inv');
    const refused = await refusal(
      as(acmeAdmin, NOTIFY, { customerId: ACME, invoiceId, change: 'FINALIZED' }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/platform service/);
    expect(await pendingJobs(ACME, invoiceId)).toHaveLength(0);
    expect(await storedState(ACME, invoiceId)).toBeNull();
  });

  it('a service token for another tenant is refused, and nothing is queued for the named one', async () => {
    const invoiceId = uniqueName('inv');
    const refused = await refusal(as(host, NOTIFY, { customerId: GLOBEX, invoiceId, change: 'FINALIZED' }));
    expect(refused.code).toBe('FORBIDDEN');
    expect(await pendingJobs(GLOBEX, invoiceId)).toHaveLength(0);
    expect(await storedState(GLOBEX, invoiceId)).toBeNull();
  });

  it('an anonymous caller is UNAUTHENTICATED', async () => {
    const refused = await refusal(
      as(undefined, NOTIFY, { customerId: ACME, invoiceId: 'x', change: 'UPDATED' }),
    );
    expect(refused.code).toBe('UNAUTHENTICATED');
  });

  it('a token whose service claim is not a non-empty string is refused as a whole (401)', async () => {
    const response = await refusal(
      as({ ...host, service: '' }, NOTIFY, {
        customerId: ACME,
        invoiceId: 'x',
        change: 'UPDATED',
      }),
    );
    expect(response.code).toBe('UNAUTHENTICATED');
  });
});

describe('retryQuickBooksSync', () => {
  it.each(['DEAD', 'FAILED', 'ACTION_REQUIRED'] as const)(
    'an admin retries a %s invoice: QUEUED and a push due now',
    async (state) => {
      const invoiceId = uniqueName('inv');
      await seedState(ACME, invoiceId, state);
      const data = await as(acmeAdmin, RETRY, { customerId: ACME, invoiceId });
      expect(data.retryQuickBooksSync).toEqual({ state: 'QUEUED', attempts: 3 });
      const [job, ...others] = await pendingJobs(ACME, invoiceId);
      expect(others).toHaveLength(0);
      expect(await job!.getState()).toBe('waiting');
      expect(job!.data).toMatchObject({ tenantId: ACME, invoiceId, trigger: 'RETRY_REQUESTED' });
      expect(job!.data.change).toBeUndefined();
    },
  );

  it('"sync now" of an invoice never pushed queues it', async () => {
    const invoiceId = uniqueName('inv');
    const data = await as(acmeAdmin, RETRY, { customerId: ACME, invoiceId });
    expect(data.retryQuickBooksSync).toMatchObject({ state: 'QUEUED' });
    expect(await pendingJobs(ACME, invoiceId)).toHaveLength(1);
  });

  it.each(['SYNCED', 'SYNCED_WITH_DIFFERENCES'] as const)(
    'a %s invoice is pushed again (the re-push of an invoice changed in QuickBooks): QUEUED with one job',
    async (state) => {
      const invoiceId = uniqueName('inv');
      await seedState(ACME, invoiceId, state);
      const data = await as(acmeAdmin, RETRY, { customerId: ACME, invoiceId });
      expect(data.retryQuickBooksSync).toMatchObject({ state: 'QUEUED' });
      expect(await pendingJobs(ACME, invoiceId)).toHaveLength(1);
    },
  );

  it('an invoice already queued is refused with BAD_USER_INPUT and keeps its one job', async () => {
    const invoiceId = uniqueName('inv');
    await as(host, NOTIFY, { customerId: ACME, invoiceId, change: 'FINALIZED' });
    const refused = await refusal(as(acmeAdmin, RETRY, { customerId: ACME, invoiceId }));
    expect(refused).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/already queued/) });
    expect(await pendingJobs(ACME, invoiceId)).toHaveLength(1);
  });

  it('a member, and a service token, are refused', async () => {
    const invoiceId = uniqueName('inv');
    await seedState(ACME, invoiceId, 'DEAD');
    expect((await refusal(as(acmeMember, RETRY, { customerId: ACME, invoiceId }))).code).toBe('FORBIDDEN');
    expect((await refusal(as(host, RETRY, { customerId: ACME, invoiceId }))).code).toBe('FORBIDDEN');
    expect(await pendingJobs(ACME, invoiceId)).toHaveLength(0);
    expect((await storedState(ACME, invoiceId))?.state).toBe('DEAD');
  });
});

describe('dismissQuickBooksSyncError', () => {
  it('an admin dismisses a failed invoice: NOT_SYNCED, error cleared, the reason in the audit log', async () => {
    const invoiceId = uniqueName('inv');
    await seedState(ACME, invoiceId, 'FAILED');
    const data = await as(acmeAdmin, DISMISS, {
      customerId: ACME,
      invoiceId,
      reason: '  Entered by hand in QuickBooks  ',
    });
    expect(data.dismissQuickBooksSyncError).toEqual({ state: 'NOT_SYNCED', lastError: null });
    expect(await pendingJobs(ACME, invoiceId)).toHaveLength(0);
    const entries = await AuditLogModel.find({
      tenantId: ACME,
      action: 'QUICKBOOKS_SYNC_ERROR_DISMISSED',
    }).lean();
    const entry = entries.find((e) => e.reason?.includes(invoiceId));
    expect(entry).toMatchObject({
      actorUserId: acmeAdmin.userId,
      outcome: 'SUCCEEDED',
      reason: `invoice ${invoiceId}: Entered by hand in QuickBooks`,
    });
  });

  it('a synced invoice has no error to dismiss: BAD_USER_INPUT, nothing written', async () => {
    const invoiceId = uniqueName('inv');
    await seedState(ACME, invoiceId, 'SYNCED');
    const refused = await refusal(as(acmeAdmin, DISMISS, { customerId: ACME, invoiceId, reason: 'why not' }));
    expect(refused).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/already synced/) });
    expect((await storedState(ACME, invoiceId))?.state).toBe('SYNCED');
    expect(await AuditLogModel.countDocuments({ reason: { $regex: invoiceId } })).toBe(0);
  });

  it('an empty reason is refused with BAD_USER_INPUT naming the field', async () => {
    const invoiceId = uniqueName('inv');
    await seedState(ACME, invoiceId, 'DEAD');
    const client = await api.client(acmeAdmin);
    const error = await client
      .request(DISMISS, { customerId: ACME, invoiceId, reason: '   ' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'reason',
    });
    expect((await storedState(ACME, invoiceId))?.state).toBe('DEAD');
  });

  it('a member is refused', async () => {
    const invoiceId = uniqueName('inv');
    await seedState(ACME, invoiceId, 'DEAD');
    const refused = await refusal(as(acmeMember, DISMISS, { customerId: ACME, invoiceId, reason: 'no' }));
    expect(refused.code).toBe('FORBIDDEN');
    expect((await storedState(ACME, invoiceId))?.state).toBe('DEAD');
  });
});

describe('a notification while the invoice is being pushed', () => {
  // Runs last: its worker takes every due job of the queue.
  it('is kept and queued as the next push once the running one ends, not dropped', async () => {
    const invoiceId = uniqueName('inv');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const workerRedis = new Redis(api.config.redis.url, { maxRetriesPerRequest: null });
    const worker = new Worker<InvoicePushJobData>(
      QueueName.invoicePush,
      async (job) => {
        if (job.data.invoiceId !== invoiceId) return;
        started.push(job.data.trigger);
        if (started.length === 1) await held;
      },
      { connection: workerRedis, prefix: api.config.redis.prefix, autorun: false },
    );
    try {
      await as(acmeAdmin, RETRY, { customerId: ACME, invoiceId }); // due now
      void worker.run();
      await eventually(async () => (started.length === 1 ? true : undefined));

      await as(host, NOTIFY, { customerId: ACME, invoiceId, change: 'UPDATED' });
      expect(await pendingJobs(ACME, invoiceId)).toHaveLength(0); // held back while the push runs
      release();

      // The kept notification becomes a job of its own, in its debounce window (60 s here).
      const [next, ...others] = await eventually(async () => {
        const jobs = await pendingJobs(ACME, invoiceId);
        return jobs.length > 0 ? jobs : undefined;
      });
      expect(others).toHaveLength(0);
      expect(next!.data).toMatchObject({ change: 'UPDATED', trigger: 'NOTIFIED' });
      expect(await next!.getState()).toBe('delayed');
    } finally {
      release();
      await worker.close();
      await workerRedis.quit();
    }
  });
});
