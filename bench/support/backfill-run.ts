/** The scenarios of bench/backfill.ts (see there); imported after allowTestRigsOutsideJest(). */
import type { InvoiceRecord } from '../../examples/host-subgraph/src/index.js';
import { models } from '../../src/models/index.js';
import { adminOf } from '../../test/support/connect-rig.js';
import type { PushCompany } from '../../test/support/push-rig.js';
import { arg } from './args.js';
import { duplicatesIn, fixed, percentile } from './measure.js';
import { PipelineRig, type LimitMode, type Pushed } from './pipeline-rig.js';

const windowScale = Number(arg('window-scale', '0.5'));
const marginMs = Number(arg('margin-ms', String(Math.round(250 * windowScale))));
const backfillSize = Number(arg('invoices', '2000'));
const homeowners = Number(arg('homeowners', '50'));
const otherTenants = Number(arg('others', '4'));
const singlesPerTenant = Number(arg('singles', '5'));
const smallBackfill = Number(arg('small', '60'));
const pairSize = Number(arg('pair', '1000'));
const timeoutMs = Number(arg('timeout-s', '900')) * 1000;
const only = new Set(arg('only', 'request,items,fairness,pair').split(','));

const limited: LimitMode = { on: true, windowScale, marginMs };
const out = (line = '') => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);

const START = /* GraphQL */ `
  mutation Backfill($customerId: ID!, $since: DateTimeISO!) {
    syncExistingQuickBooksInvoices(customerId: $customerId, since: $since) {
      id
      state
    }
  }
`;
const SINCE = '2026-11-01T00:00:00.000Z';

type BatchCost = 'items' | 'request';

interface Sample {
  at: number;
  state: string;
  done: number;
  failed: number;
  total?: number;
}

interface Tracked {
  company: PushCompany;
  invoiceIds: string[];
  startedAt: number;
  samples: Sample[];
}

/** Finalized invoices of one tenant, billed to a recurring set of homeowners (customers recur). */
function finalized(rig: PipelineRig, company: PushCompany, count: number): InvoiceRecord[] {
  return Array.from({ length: count }, (_, index) =>
    rig.push.hostInvoice(company, {
      issueDate: '2026-11-20',
      billTo: {
        name: `Homeowner ${company.tenant.slice(-4)}-${index % homeowners}`,
        email: `owner-${index % homeowners}-${company.tenant}@example.com`,
        phone: null,
        address: null,
      },
    }),
  );
}

async function startBackfill(rig: PipelineRig, company: PushCompany, invoiceIds: string[]): Promise<Tracked> {
  const startedAt = Date.now();
  const answer = await rig.connect.graphql<{ syncExistingQuickBooksInvoices: { id: string } | null }>(
    adminOf(company.tenant),
    START,
    { customerId: company.tenant, since: SINCE },
  );
  if (answer.errors) throw new Error(`backfill start refused: ${JSON.stringify(answer.errors)}`);
  return { company, invoiceIds, startedAt, samples: [] };
}

/** Samples every tracked backfill's record twice a second until all are finished (or the timeout). */
async function follow(tracked: Tracked[], until: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const docs = await models.backfills
      .find({ tenantId: { $in: tracked.map((t) => t.company.tenant) } })
      .lean<{ tenantId: string; state: string; done: number; failed: number; total?: number }[]>();
    const at = Date.now();
    for (const t of tracked) {
      const doc = docs.find((d) => d.tenantId === t.company.tenant);
      if (doc) {
        t.samples.push({
          at,
          state: doc.state,
          done: doc.done,
          failed: doc.failed,
          ...(typeof doc.total === 'number' ? { total: doc.total } : {}),
        });
      }
    }
    if (tracked.every((t) => finishedAt(t) !== undefined) || until()) return;
    if (at > deadline) throw new Error('backfills did not finish before the timeout');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const finishedAt = (t: Tracked) =>
  t.samples.find((s) => s.state === 'COMPLETED' || s.state === 'CANCELLED')?.at;
const firstProgressAt = (t: Tracked) => t.samples.find((s) => s.done + s.failed > 0)?.at;
const last = (t: Tracked) => t.samples.at(-1)!;
/** Work counted at a moment (the last sample at or before it). */
const countedAt = (t: Tracked, at: number) =>
  t.samples.filter((s) => s.at <= at).reduce((n, s) => Math.max(n, s.done + s.failed), 0);

/** A real-time rate per minute, and the same in the emulator's (scaled) minutes. */
function rates(invoices: number, ms: number): string {
  const perMinute = (invoices / ms) * 60_000;
  return `${fixed(perMinute, 0)}/min real time = ${fixed(perMinute * windowScale, 0)}/min of Intuit time`;
}

function setBatchCost(rig: PipelineRig, cost: BatchCost): void {
  rig.connect.sandbox.control.updateSettings({ limits: { batchCost: cost } });
}

async function withWorker<T>(rig: PipelineRig, cost: BatchCost, work: () => Promise<T>): Promise<T> {
  setBatchCost(rig, cost);
  await rig.startWorker(limited, { QUICKBOOKS_GOVERNOR_BATCH_COST: cost });
  try {
    return await work();
  } finally {
    await rig.stopWorker();
  }
}

/** One realm backfills `backfillSize` invoices: rate, batches, 429s, duplicates, failures. */
async function throughput(rig: PipelineRig, cost: BatchCost): Promise<void> {
  const [company] = await rig.companies(1);
  const invoices = finalized(rig, company!, backfillSize);
  const ids = invoices.map((invoice) => invoice.id);
  await withWorker(rig, cost, async () => {
    const mark = rig.mark();
    log(`${cost}: backfill of ${ids.length} invoices over ${homeowners} homeowners`);
    const tracked = await startBackfill(rig, company!, ids);
    await follow([tracked]);
    const end = last(tracked);
    const requests = rig.apiRequestsSince(mark).filter((entry) => entry.realmId === company!.realmId);
    const batches = requests.filter((entry) => entry.operation === 'batch');
    const throttled = requests.filter((entry) => entry.status === 429).length;
    const copies = rig.connect.sandbox.control.listEntities(company!.realmId, 'Invoice') as {
      PrivateNote?: string;
    }[];
    const ofOurs = new Set(ids);
    const held = new Set<string>();
    for (const copy of copies) {
      for (const match of (copy.PrivateNote ?? '').matchAll(/\(([^()]+)\)/g)) {
        if (ofOurs.has(match[1]!)) held.add(match[1]!);
      }
    }
    const started = tracked.startedAt;
    const finished = finishedAt(tracked) ?? end.at;
    const sending = firstProgressAt(tracked) ?? started;
    out();
    out(`## backfill throughput, batch cost '${cost}' (emulator and governor), window scale ${windowScale}`);
    out(`invoices: ${ids.length}; state ${end.state}; done ${end.done}; failed ${end.failed}`);
    out(
      `start to COMPLETED: ${fixed((finished - started) / 1000, 1)} s real: ${rates(end.done, finished - started)}`,
    );
    out(
      `first chunk counted to COMPLETED: ${fixed((finished - sending) / 1000, 1)} s real: ${rates(end.done, finished - sending)}`,
    );
    out(
      `requests to the realm: ${requests.length} (${batches.length} batches, ${requests.length - batches.length} others: customers, queries); 429s: ${throttled}`,
    );
    out(
      `duplicates (QuickBooks invoices beyond one per platform invoice): ${duplicatesIn(copies, ofOurs)}; platform invoices without a copy: ${ids.length - held.size}`,
    );
  });
}

/** Single pushes of other tenants: `singlesPerTenant` rounds, one invoice per tenant every 2 s. */
async function singles(rig: PipelineRig, tenants: PushCompany[]): Promise<number[]> {
  const pushed: Pushed[] = [];
  for (let round = 0; round < singlesPerTenant; round += 1) {
    const items = tenants.map((company) => ({ company, invoiceId: finalized(rig, company, 1)[0]!.id }));
    pushed.push(...(await rig.notify(items, 'FINALIZED')));
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  const { settled } = await rig.settle(pushed, timeoutMs);
  return settled.flatMap((s) => (s.latencyMs === undefined ? [] : [s.latencyMs]));
}

const latencyLine = (label: string, values: number[]) =>
  `${label}: n=${values.length} p50 ${fixed(percentile(values, 50) / 1000, 2)} s, p95 ${fixed(percentile(values, 95) / 1000, 2)} s`;

/** Others' single pushes and small backfills, idle and while one tenant backfills `backfillSize`. */
async function fairness(rig: PipelineRig): Promise<void> {
  const others = await rig.companies(otherTenants);
  const [big, smallIdle, ...smallLoaded] = await rig.companies(2 + otherTenants);
  await withWorker(rig, 'request', async () => {
    log('fairness: idle baseline');
    const idleLatencies = await singles(rig, others);
    const idleSmall = await startBackfill(
      rig,
      smallIdle!,
      finalized(rig, smallIdle!, smallBackfill).map((i) => i.id),
    );
    await follow([idleSmall]);

    log(`fairness: while one tenant backfills ${backfillSize}`);
    const bigIds = finalized(rig, big!, backfillSize).map((i) => i.id);
    for (const company of smallLoaded) finalized(rig, company, smallBackfill);
    const bigRun = await startBackfill(rig, big!, bigIds);
    await follow([bigRun], () => (last(bigRun)?.done ?? 0) > 0);
    const following = follow([bigRun]);
    const loadedSmall: Tracked[] = [];
    for (const company of smallLoaded) loadedSmall.push(await startBackfill(rig, company, []));
    const smallFollowing = follow(loadedSmall);
    const loadedLatencies = await singles(rig, others);
    await smallFollowing;
    const bigDoneWhenSmallFinished = Math.max(...loadedSmall.map((t) => countedAt(bigRun, finishedAt(t)!)));
    await following;

    const took = (t: Tracked) => ((finishedAt(t) ?? NaN) - t.startedAt) / 1000;
    out();
    out(
      `## fairness: ${otherTenants} tenants' single pushes and ${smallBackfill}-invoice backfills, window scale ${windowScale}`,
    );
    out(latencyLine('single pushes, idle (enqueue to SYNCED)', idleLatencies));
    out(latencyLine(`single pushes, while one tenant backfills ${backfillSize}`, loadedLatencies));
    out(`${smallBackfill}-invoice backfill, idle: ${fixed(took(idleSmall), 1)} s start to COMPLETED`);
    out(
      `${smallBackfill}-invoice backfills started while the big one ran (after its first chunk): ${loadedSmall
        .map((t) => `${fixed(took(t), 1)} s`)
        .join(
          ', ',
        )} start to COMPLETED; the big one had ${bigDoneWhenSmallFinished} of ${backfillSize} counted when the last finished`,
    );
    out(
      `the big backfill: ${fixed(took(bigRun), 1)} s start to COMPLETED (${rates(last(bigRun).done, finishedAt(bigRun)! - bigRun.startedAt)})`,
    );
  });
}

/** Two tenants backfill `pairSize` each, the second 2 s after the first: both must progress. */
async function pair(rig: PipelineRig): Promise<void> {
  const [first, second] = await rig.companies(2);
  const firstIds = finalized(rig, first!, pairSize).map((i) => i.id);
  const secondIds = finalized(rig, second!, pairSize).map((i) => i.id);
  await withWorker(rig, 'request', async () => {
    log(`pair: two backfills of ${pairSize}`);
    const a = await startBackfill(rig, first!, firstIds);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const b = await startBackfill(rig, second!, secondIds);
    await follow([a, b]);
    const aEnd = finishedAt(a)!;
    const bEnd = finishedAt(b)!;
    out();
    out(
      `## two tenants backfilling ${pairSize} each at once (the second 2 s later), window scale ${windowScale}`,
    );
    for (const [label, t, other, otherEnd] of [
      ['first', a, b, bEnd],
      ['second', b, a, aEnd],
    ] as const) {
      out(
        `${label}: first chunk counted ${fixed(((firstProgressAt(t) ?? NaN) - t.startedAt) / 1000, 1)} s after its start; COMPLETED after ${fixed((finishedAt(t)! - t.startedAt) / 1000, 1)} s; ${countedAt(t, otherEnd)} of ${pairSize} counted when the other finished (${countedAt(other, otherEnd)})`,
      );
    }
    out(`done/failed: first ${last(a).done}/${last(a).failed}, second ${last(b).done}/${last(b).failed}`);
  });
}

const rig = await PipelineRig.start(limited, log);
try {
  out(
    `# backfill bench: ${backfillSize} invoices, ${homeowners} homeowners, window scale ${windowScale} (1 Intuit minute = ${fixed(60 * windowScale, 1)} s)`,
  );
  if (only.has('request')) await throughput(rig, 'request');
  if (only.has('items')) await throughput(rig, 'items');
  if (only.has('fairness')) await fairness(rig);
  if (only.has('pair')) await pair(rig);
} finally {
  await rig.close();
}
process.exit(0);
