/**
 * The push worker on its BullMQ queue: retries with backoff into the dead letter and out again by an
 * admin's retry, a 429 that delays the job without spending an attempt, a lost authorization that parks
 * it until the tenant reconnects.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Job } from 'bullmq';
import { models } from '../../src/models/index.js';
import type { PushResult } from '../../src/services/invoice-push/index.js';
import { INVOICE_PUSH_JOB_NAME, invoicePushJobOptions } from '../../src/workers/invoice-push-job.js';
import { resumeTenantJobs } from '../../src/workers/tenant-jobs.js';
import { adminOf } from '../support/connect-rig.js';
import { eventually } from '../support/harness.js';
import { usePushRig, type PushCompany } from '../support/push-rig.js';

const push = usePushRig();

afterEach(() => {
  push().rig.sandbox.control.clearFaults();
});

const RETRY = /* GraphQL */ `
  mutation Retry($customerId: ID!, $invoiceId: ID!) {
    retryQuickBooksSync(customerId: $customerId, invoiceId: $invoiceId) {
      state
    }
  }
`;

const invoiceWrites = (company: PushCompany) => ({
  entity: 'invoice',
  operation: 'write',
  realmId: company.realmId,
});

function recorder() {
  const outcomes: { outcome: PushResult['outcome']; latency?: number }[] = [];
  return {
    outcomes,
    observer: {
      pushFinished(outcome: PushResult['outcome'], latency?: number) {
        outcomes.push({ outcome, ...(latency !== undefined ? { latency } : {}) });
      },
    },
  };
}

const stateOf = async (company: PushCompany, invoiceId: string, wanted: string) => {
  const status = await push().status(company, invoiceId);
  return status.state === wanted ? status : undefined;
};

describe('the push worker', () => {
  it('5xx on every attempt: FAILED, then DEAD after the last; an admin retry then syncs it', async () => {
    const rig = push();
    const { queue } = await rig.startWorker();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    rig.rig.sandbox.control.injectFault({
      match: invoiceWrites(company),
      times: null,
      action: { type: 'status', status: 503 },
    });

    await rig.enqueued(company, invoice.id);
    const job = await queue.add(
      INVOICE_PUSH_JOB_NAME,
      rig.jobData(company.tenant, invoice.id),
      invoicePushJobOptions(company.tenant, invoice.id, 0, { attempts: 2, backoffMs: 50 }),
    );
    const dead = await eventually(() => stateOf(company, invoice.id, 'DEAD'), 30_000);
    expect(dead).toMatchObject({
      attempts: 2,
      lastError: { code: 'QUICKBOOKS_UNAVAILABLE', retryable: true },
    });
    const failed = await eventually(
      async () => ((await job.getState()) === 'failed' ? true : undefined),
      10_000,
    );
    expect(failed).toBe(true);
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(0);

    rig.rig.sandbox.control.clearFaults();
    const retried = await rig.rig.graphql<{ retryQuickBooksSync: { state: string } }>(
      adminOf(company.tenant),
      RETRY,
      { customerId: company.tenant, invoiceId: invoice.id },
    );
    expect(retried.data?.retryQuickBooksSync.state).toBe('QUEUED');
    const synced = await eventually(() => stateOf(company, invoice.id, 'SYNCED'), 30_000);
    expect(synced.lastError).toBeUndefined();
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    // The attempt's log entry is written after its state change: wait for it rather than race it.
    const log = await eventually(async () => {
      const entries = await models.syncLogs
        .find({ tenantId: company.tenant, operation: 'INVOICE_PUSH' })
        .sort({ createdAt: 1 })
        .lean();
      return entries.length >= 3 ? entries : undefined;
    }, 10_000);
    expect(log.map((entry) => [entry.outcome, entry.attempt])).toEqual([
      ['FAILED', 1],
      ['FAILED', 2],
      ['SUCCEEDED', 1],
    ]);
    expect(log[2]!.trigger).toBe('RETRY_REQUESTED');
  });

  it('a 429 with Retry-After delays the job without spending an attempt', async () => {
    const rig = push();
    const events = recorder();
    const { queue } = await rig.startWorker(events.observer);
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    // Longer than the sender waits out itself (5 s), so the worker has to delay the job.
    rig.rig.sandbox.control.injectFault({
      match: invoiceWrites(company),
      action: {
        type: 'status',
        status: 429,
        headers: { 'retry-after': '6' },
        fault: { code: '3001', message: 'ThrottleExceeded' },
      },
    });

    await rig.enqueued(company, invoice.id);
    // One attempt only: had the 429 spent it, the job would fail instead of syncing.
    const job: Job = await queue.add(
      INVOICE_PUSH_JOB_NAME,
      rig.jobData(company.tenant, invoice.id),
      invoicePushJobOptions(company.tenant, invoice.id, 0, { attempts: 1, backoffMs: 50 }),
    );
    await eventually(async () => ((await job.getState()) === 'delayed' ? true : undefined), 10_000);
    const synced = await eventually(() => stateOf(company, invoice.id, 'SYNCED'), 30_000);
    expect(synced.quickbooksInvoiceId).toBeTruthy();
    // SYNCED is written before the job finishes (its log entry and completion follow): wait for it.
    const completed = await eventually(
      async () => ((await job.getState()) === 'completed' ? true : undefined),
      10_000,
    );
    expect(completed).toBe(true);
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
    expect(events.outcomes.map((o) => o.outcome)).toEqual(['THROTTLED', 'SYNCED']);
    expect(events.outcomes[1]!.latency).toBeGreaterThan(0);
  });

  it('a tenant whose QuickBooks authorization is gone: the job is parked, and runs after the reconnect', async () => {
    const rig = push();
    const { queue } = await rig.startWorker();
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    await models.customers.updateOne(
      { _id: company.tenant },
      { $set: { 'integrations.quickbooks.state': 'NEEDS_REAUTH' } },
    );
    const mark = rig.rig.mark();

    await rig.enqueued(company, invoice.id);
    const job = await queue.add(
      INVOICE_PUSH_JOB_NAME,
      rig.jobData(company.tenant, invoice.id),
      invoicePushJobOptions(company.tenant, invoice.id, 0, { attempts: 1, backoffMs: 50 }),
    );
    await eventually(async () => ((await job.getState()) === 'delayed' ? true : undefined), 10_000);
    expect(rig.requestsSince(mark, company.realmId)).toEqual([]);
    expect((await rig.status(company, invoice.id)).state).toBe('QUEUED');

    // The reconnect (here: the state restored) wakes the tenant's parked jobs.
    await models.customers.updateOne(
      { _id: company.tenant },
      { $set: { 'integrations.quickbooks.state': 'CONNECTED' } },
    );
    expect(await resumeTenantJobs([queue], company.tenant)).toBe(1);
    await eventually(() => stateOf(company, invoice.id, 'SYNCED'), 30_000);
    expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
  });
});
