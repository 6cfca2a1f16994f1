/**
 * The order of backfill chunks between tenants (issue 11, "without starving other tenants"): real Redis,
 * the store, the emulator and a real BullMQ worker taking one job at a time, so the order it takes them in
 * is what the test observes.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { BackfillRunner, BackfillService } from '../../src/services/backfill/index.js';
import { useBackfillRig } from '../support/backfill-rig.js';
import { eventually } from '../support/harness.js';
import type { PushCompany, PushRig } from '../support/push-rig.js';

const backfill = useBackfillRig({ forceClose: false });
const push = () => backfill().push;

jest.setTimeout(600_000);

let backfills: BackfillService;
let runner: BackfillRunner;
beforeAll(() => {
  ({ backfills, runner } = backfill());
});

// One job at a time: the order the worker takes them in is the order they finish in.
const startWorker = (processor: Pick<BackfillRunner, 'plan' | 'runChunk' | 'abandonChunk' | 'abandonPlan'>) =>
  backfill().startWorker(processor, { concurrency: 1 });
const start = (company: PushCompany) => backfill().start(company);
const hostInvoices = (_rig: PushRig, company: PushCompany, count: number) =>
  backfill().hostInvoices(company, count);

const settled = (company: PushCompany, state: string, timeoutMs = 240_000) =>
  eventually(async () => {
    const current = await backfills.current(company.tenant);
    return current?.state === state ? current : undefined;
  }, timeoutMs);

describe('backfills of several tenants', () => {
  it('a small backfill started behind a large one finishes while the large one is still running', async () => {
    const rig = push();
    const [large, small] = [await rig.company(), await rig.company()];
    hostInvoices(rig, large, 90); // 3 chunks
    const smallOnes = hostInvoices(rig, small, 30); // 1 chunk
    // Both are queued before any worker runs: without a tenant-fair order the small one's chunk would be
    // behind all three of the large one's. Fair, it runs right after the large one's first.
    await start(large);
    await start(small);
    startWorker(runner);

    const smallDone = await settled(small, 'COMPLETED');
    const largeThen = await backfills.current(large.tenant);
    expect(smallDone).toMatchObject({ total: 30, done: 30, failed: 0 });
    expect(largeThen!.state).toBe('RUNNING');
    expect(largeThen!.done + largeThen!.failed).toBeLessThanOrEqual(30);
    expect(await settled(large, 'COMPLETED')).toMatchObject({ total: 90, done: 90, failed: 0 });
    for (const invoice of smallOnes) expect(rig.copiesOf(small, invoice.id)).toHaveLength(1);
  });
});
