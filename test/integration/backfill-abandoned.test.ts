/**
 * Backfill jobs BullMQ gives up on (issue 11): a worker that dies mid-chunk or mid-plan more often than
 * maxStalledCount allows. Real Redis, the store, the emulator and real BullMQ workers: one "dying" worker
 * takes the job and is force-closed (its lock is no longer renewed, as when the process is killed), and a
 * healthy worker's stalled check then fails the job ("job stalled more than allowable limit").
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Queue } from 'bullmq';
import {
  type BackfillJobData,
  type BackfillProgressEvent,
  type BackfillQueue,
  type BackfillRunner,
  type BackfillService,
} from '../../src/services/backfill/index.js';
import { useBackfillRig } from '../support/backfill-rig.js';
import { eventually } from '../support/harness.js';
import type { PushCompany, PushRig } from '../support/push-rig.js';

const backfill = useBackfillRig({ forceClose: true });
const push = () => backfill().push;

jest.setTimeout(120_000);

/** Short locks so a dead worker's job is found stalled in about a second; one stall is the limit. */
const STALL = { lockDurationMs: 1000, stalledIntervalMs: 300, maxStalledCount: 0 } as const;

/** A promise that never settles: the processor of a worker that is about to "die" with the job. */
const forever = () => new Promise<never>(() => undefined);

let queue: Queue<BackfillJobData>;
let backfills: BackfillService;
let runner: BackfillRunner;
beforeAll(() => {
  ({ queue, backfills, runner } = backfill());
});

const composeRunner = (_rig: PushRig, queueFor: BackfillQueue) => backfill().composeRunner(queueFor);
const startWorker = (processor: Pick<BackfillRunner, 'plan' | 'runChunk' | 'abandonChunk' | 'abandonPlan'>) =>
  backfill().startWorker(processor, { concurrency: 1, ...STALL });
const start = (company: PushCompany) => backfill().start(company);
const hostInvoices = (_rig: PushRig, company: PushCompany, count: number) =>
  backfill().hostInvoices(company, count);

const settled = (company: PushCompany, state: string) =>
  eventually(async () => {
    const current = await backfills.current(company.tenant);
    return current?.state === state ? current : undefined;
  }, 60_000);

function collect(company: PushCompany, until: (event: BackfillProgressEvent) => boolean) {
  const events: BackfillProgressEvent[] = [];
  const feed = backfills.subscribe(company.tenant);
  const done = (async () => {
    for await (const event of feed) {
      events.push(event);
      if (until(event)) return;
    }
  })();
  return { events, done };
}

describe('a backfill job BullMQ gives up on', () => {
  it('a chunk whose worker dies mid-batch past the stall limit ends the backfill: its invoices DEAD and retryable, the rest synced', async () => {
    const rig = push();
    const company = await rig.company();
    const wanted = hostInvoices(rig, company, 40); // chunk 0: 30 invoices, chunk 1: 10
    let entered!: () => void;
    const inChunk = new Promise<void>((resolve) => (entered = resolve));
    const dying = startWorker({
      plan: (data) => runner.plan(data),
      runChunk: async () => {
        entered();
        return forever();
      },
      abandonChunk: (data, reason) => runner.abandonChunk(data, reason),
      abandonPlan: (data, reason) => runner.abandonPlan(data, reason),
    });
    const progress = collect(company, (event) => event.backfill.state === 'COMPLETED');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the subscription is confirmed by Redis

    await start(company);
    await inChunk;
    await dying.close(true); // as a killed process: the chunk's lock is no longer renewed
    startWorker(runner);

    const done = await settled(company, 'COMPLETED');
    expect(done).toMatchObject({ total: 40, done: 10, failed: 30, handedOff: 0 });
    await progress.done;
    expect(progress.events.at(-1)?.backfill).toMatchObject({ state: 'COMPLETED', done: 10, failed: 30 });

    const plan = await backfills.stored(company.tenant, done.id);
    const stalledIds = new Set(plan!.chunks!.find((chunk) => chunk.index === 0)!.invoiceIds);
    for (const invoice of wanted) {
      const status = await rig.status(company, invoice.id);
      if (stalledIds.has(invoice.id)) {
        expect(status).toMatchObject({
          state: 'DEAD',
          lastError: { code: 'BACKFILL_STALLED', retryable: true },
        });
        expect(rig.copiesOf(company, invoice.id)).toHaveLength(0);
      } else {
        expect(status).toMatchObject({ state: 'SYNCED' });
        expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
      }
    }

    // The tenant is free again: a new backfill picks the dead invoices and sends each once.
    await start(company);
    expect(await settled(company, 'COMPLETED')).toMatchObject({ total: 30, done: 30, failed: 0 });
    for (const invoice of wanted) expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
  });

  it('a chunk whose last attempt throws ends the backfill: its invoices DEAD and retryable, the rest synced', async () => {
    const rig = push();
    const company = await rig.company();
    const wanted = hostInvoices(rig, company, 35); // chunk 0: 30 invoices, chunk 1: 5
    let attempts = 0;
    startWorker({
      plan: (data) => runner.plan(data),
      runChunk: async (data, attempt, lastAttempt) => {
        if (data.chunkIndex > 0) return runner.runChunk(data, attempt, lastAttempt);
        attempts += 1;
        throw new Error('the store did not answer');
      },
      abandonChunk: (data, reason) => runner.abandonChunk(data, reason),
      abandonPlan: (data, reason) => runner.abandonPlan(data, reason),
    });

    await start(company);
    const done = await settled(company, 'COMPLETED');
    expect(done).toMatchObject({ total: 35, done: 5, failed: 30 });
    expect(attempts).toBe(3); // the runner's retry option: every attempt was spent first
    const plan = await backfills.stored(company.tenant, done.id);
    const thrownIds = new Set(plan!.chunks!.find((chunk) => chunk.index === 0)!.invoiceIds);
    for (const invoice of wanted) {
      const status = await rig.status(company, invoice.id);
      expect(status).toMatchObject(
        thrownIds.has(invoice.id)
          ? { state: 'DEAD', lastError: { code: 'BACKFILL_ABANDONED', retryable: true } }
          : { state: 'SYNCED' },
      );
    }
  });

  it('a planner that dies after storing the plan ends the backfill: chunks never queued count as failed, queued ones run', async () => {
    const rig = push();
    const company = await rig.company();
    const wanted = hostInvoices(rig, company, 40);
    let entered!: () => void;
    const inPlan = new Promise<void>((resolve) => (entered = resolve));
    // The dying planner's queue takes chunk 0, then the process "dies" while adding chunk 1.
    const dyingRunner = composeRunner(rig, {
      add: async (name, data, opts) => {
        if (data.kind === 'chunk' && data.chunkIndex > 0) {
          entered();
          return forever();
        }
        return queue.add(name, data, opts);
      },
      getJob: (id) => queue.getJob(id),
    });
    const dying = startWorker({
      plan: (data) => dyingRunner.plan(data),
      runChunk: () => forever(), // the planner is this worker's only job (concurrency 1)
      abandonChunk: (data, reason) => runner.abandonChunk(data, reason),
      abandonPlan: (data, reason) => runner.abandonPlan(data, reason),
    });

    await start(company);
    await inPlan;
    await dying.close(true);
    startWorker(runner);

    const done = await settled(company, 'COMPLETED');
    expect(done).toMatchObject({ total: 40, done: 30, failed: 10 });
    const plan = await backfills.stored(company.tenant, done.id);
    const neverQueued = new Set(plan!.chunks!.find((chunk) => chunk.index === 1)!.invoiceIds);
    for (const invoice of wanted) {
      const status = await rig.status(company, invoice.id);
      expect(status.state).toBe(neverQueued.has(invoice.id) ? 'DEAD' : 'SYNCED');
      expect(rig.copiesOf(company, invoice.id)).toHaveLength(neverQueued.has(invoice.id) ? 0 : 1);
    }
  });

  it('a planner that dies before planning cancels the backfill, and a new one is accepted and runs', async () => {
    const rig = push();
    const company = await rig.company();
    const wanted = hostInvoices(rig, company, 5);
    let entered!: () => void;
    const inPlan = new Promise<void>((resolve) => (entered = resolve));
    const dying = startWorker({
      plan: async () => {
        entered();
        return forever();
      },
      runChunk: () => forever(),
      abandonChunk: (data, reason) => runner.abandonChunk(data, reason),
      abandonPlan: (data, reason) => runner.abandonPlan(data, reason),
    });

    await start(company);
    await inPlan;
    await dying.close(true);
    startWorker(runner);

    expect(await settled(company, 'CANCELLED')).toMatchObject({ done: 0, failed: 0 });
    await start(company);
    expect(await settled(company, 'COMPLETED')).toMatchObject({ total: 5, done: 5 });
    for (const invoice of wanted) expect(rig.copiesOf(company, invoice.id)).toHaveLength(1);
  });
});
