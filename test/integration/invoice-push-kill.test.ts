/**
 * A worker process killed (SIGKILL) while its invoice create is in flight, QuickBooks committing it
 * afterwards: BullMQ hands the stalled job to another worker, which finds the stored pending create,
 * looks the invoice up and adopts it. Exactly one QuickBooks invoice. The emulator's requestid replay is
 * off, so the look-up is what prevents the duplicate.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { Queue } from 'bullmq';
import { models } from '../../src/models/index.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { QueueName } from '../../src/workers/queues.js';
import { INVOICE_PUSH_JOB_NAME, invoicePushJobOptions } from '../../src/workers/invoice-push-job.js';
import { eventually } from '../support/harness.js';
import { startEntry, workerEnv } from '../support/entry-process.js';
import { usePushRig } from '../support/push-rig.js';

// BullMQ notices a dead worker's job when its 30 s lock lapses.
jest.setTimeout(120_000);

const push = usePushRig();

describe('a worker killed mid-push', () => {
  it('SIGKILL while the create is in flight, committed afterwards: the re-run adopts it, one invoice', async () => {
    const rig = push();
    const { config, sandbox } = rig.rig;
    sandbox.control.updateSettings({ idempotency: { enabled: false } });
    const company = await rig.company();
    const invoice = rig.hostInvoice(company);
    // The create is held, then committed after the worker is gone.
    sandbox.control.injectFault({
      match: { entity: 'invoice', operation: 'write', realmId: company.realmId },
      action: { type: 'hang', ms: 3000, thenCommit: true },
    });

    const child = startEntry(
      'src/workers/index.ts',
      workerEnv(config, { emulatorUrl: sandbox.url, hostGraphqlUrl: rig.host.url }),
    );
    const producer = createRedis(config.redis.url, 'producer');
    const queue = new Queue(QueueName.invoicePush, { connection: producer, prefix: config.redis.prefix });
    try {
      await child.waitFor('workers started');
      await rig.enqueued(company, invoice.id);
      // Only the child runs jobs until it is killed.
      await queue.add(
        INVOICE_PUSH_JOB_NAME,
        rig.jobData(company.tenant, invoice.id),
        invoicePushJobOptions(company.tenant, invoice.id, 0),
      );
      const inFlight = await eventually(async () => {
        const create = sandbox.control
          .requests({ limit: 10_000 })
          .find((r) => r.realmId === company.realmId && r.entity === 'invoice' && r.method === 'POST');
        return create && create.status === null ? create : undefined;
      }, 30_000);
      expect(inFlight.requestid).toMatch(/^inv-/);
      const record = await rig.pushRecord(company, invoice.id);
      expect(record.pendingCreate?.requestId).toBe(inFlight.requestid);
      child.kill();
      await child.exited;

      // QuickBooks commits the held create with nobody listening.
      await eventually(
        async () => (rig.copiesOf(company, invoice.id).length === 1 ? true : undefined),
        10_000,
      );
      expect((await rig.status(company, invoice.id)).state).toBe('SYNCING');

      // BullMQ takes a dead worker's job over only after its lock (30 s, renewed every 15 s) lapsed AND two
      // stalled checks saw it without a lock: with the default 30 s check that was 60 or 90 s after the kill
      // (measured), too close to this test's deadline. A 2 s check makes it about the lock's lapse.
      const { worker } = await rig.startWorker(undefined, { stalledIntervalMs: 2000 });
      expect(worker.isRunning()).toBe(true);
      const synced = await eventually(async () => {
        const status = await rig.status(company, invoice.id);
        return status.state === 'SYNCED' ? status : undefined;
      }, 90_000);
      const copies = rig.copiesOf(company, invoice.id);
      expect(copies).toHaveLength(1);
      expect(synced.quickbooksInvoiceId).toBe(copies[0]!.Id);
      // The attempt's log entry is written after its state change: wait for it rather than race it.
      const log = await eventually(async () => {
        const entries = await models.syncLogs
          .find({ tenantId: company.tenant, operation: 'INVOICE_PUSH' })
          .lean();
        return entries.length > 0 ? entries : undefined;
      }, 10_000);
      expect(log.map((entry) => entry.outcome)).toEqual(['SUCCEEDED']);
    } finally {
      await queue.close();
      await closeRedis(producer);
      child.kill();
      sandbox.control.updateSettings({ idempotency: { enabled: true } });
    }
  });
});
