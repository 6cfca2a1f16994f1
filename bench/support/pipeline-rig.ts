/**
 * The push pipeline as deployed, for bench/push-pipeline.ts: Redis and the store from scripts/services
 * (as `npm start` and `npm test` get them), the emulator and the API from the connect rig, the demo host
 * in-process (its store filled directly, as the push rig does), intake through the real
 * InvoiceIntakeService, and push workers as real child processes (src/workers/index.ts) with a probe that
 * counts their CPU time, store calls and Redis commands. Import only after allowTestRigsOutsideJest().
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { startHostSubgraph } from '../../examples/host-subgraph/src/index.js';
import type { RequestLogEntry } from '../../sandbox/src/index.js';
import { ensureBackingServices, type BackingServices } from '../../scripts/services/index.js';
import { models } from '../../src/models/index.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { InvoiceIntakeService, type InvoicePushQueue } from '../../src/services/invoice-intake.js';
import { requeueOrphanedPushes, type ReconcileResult } from '../../src/services/push-reconciliation.js';
import type { InvoiceChange, PushRetryOptions } from '../../src/workers/invoice-push-job.js';
import { QueueName } from '../../src/workers/queues.js';
import { ConnectRig } from '../../test/support/connect-rig.js';
import { startEntry, workerEnv, type EntryProcess } from '../../test/support/entry-process.js';
import { uniqueName } from '../../test/support/harness.js';
import { PushRig, type PushCompany } from '../../test/support/push-rig.js';

export const INTUIT_PER_MINUTE = 500;

/** How Intuit's limits apply in a phase: scaled windows on both sides, or off (the pipeline's ceiling). */
export type LimitMode = { on: true; windowScale: number; marginMs: number } | { on: false };

export interface Timed {
  count: number;
  ms: number;
}

/** What bench/support/worker-probe.mjs writes: totals since the worker started. */
export interface ProbeReading {
  cpuMicros: number;
  store: Timed;
  redis: Timed;
  host: Timed;
  quickbooks: Timed;
}

export interface Pushed {
  company: PushCompany;
  invoiceId: string;
  enqueuedAt: number;
}

export interface Settled {
  pushed: Pushed;
  state: string;
  /** Enqueue-to-synced, for invoices that reached SYNCED. */
  latencyMs?: number;
  errorCode?: string;
}

const PROBE = path.resolve(import.meta.dirname, 'worker-probe.mjs');
const TERMINAL = new Set(['ACTION_REQUIRED', 'DEAD']);

/** The governor's settings for a mode, as a worker process reads them (src/config.ts). */
function governorEnv(mode: LimitMode): Record<string, string> {
  if (!mode.on) {
    // "Raised", not removed: every request still passes the governor (its Redis script is part of the cost).
    return {
      QUICKBOOKS_GOVERNOR_PER_MINUTE: '100000',
      QUICKBOOKS_GOVERNOR_PER_SECOND: '0',
      QUICKBOOKS_GOVERNOR_CONCURRENT: '1000',
      QUICKBOOKS_GOVERNOR_BATCHES_PER_MINUTE: '10000',
    };
  }
  return {
    QUICKBOOKS_GOVERNOR_WINDOW_SCALE: String(mode.windowScale),
    QUICKBOOKS_GOVERNOR_MARGIN_MS: String(mode.marginMs),
  };
}

export interface RigOptions {
  /** Where a store the rig starts keeps its data (fault mode: /dev/shm, so the store is not disk-bound). */
  storeDir?: string;
}

export class PipelineRig {
  private worker:
    | { process: EntryProcess; probeFile: string; mode: LimitMode; extraEnv: Record<string, string> }
    | undefined;
  /** Attempts and backoff of the pushes intake queues; undefined: the product's (8 from 10 s). */
  pushRetry: PushRetryOptions | undefined;
  workerKills = 0;
  /** How long each replacement worker took to start: what bounds the kill rate. */
  readonly workerStartMs: number[] = [];

  private constructor(
    readonly services: BackingServices,
    readonly connect: ConnectRig,
    readonly push: PushRig,
    private readonly env: Record<string, string>,
    private readonly queue: Queue,
    private readonly intake: InvoiceIntakeService,
    private readonly producer: ReturnType<typeof createRedis>,
  ) {}

  static async start(
    mode: LimitMode,
    log: (line: string) => void,
    options: RigOptions = {},
  ): Promise<PipelineRig> {
    const storeDir = options.storeDir;
    const started = await ensureBackingServices(log, storeDir ? { dataDir: storeDir } : {});
    const services: BackingServices = storeDir
      ? {
          ...started,
          stop: async () => {
            await started.stop();
            fs.rmSync(storeDir, { recursive: true, force: true });
          },
        }
      : started;
    // The harness builds configs from these (test/support/harness.ts testEnv).
    process.env.TEST_MONGODB_URI = services.mongo.uri;
    process.env.TEST_REDIS_URL = services.redis.url;
    const env = {
      MONGODB_DB_NAME: uniqueName('qbs_bench'),
      REDIS_PREFIX: uniqueName('qbs-bench'),
      QUICKBOOKS_STATE_SECRET: crypto.randomBytes(32).toString('hex'),
      QUICKBOOKS_TOKEN_KEYS: `k1:${crypto.randomBytes(32).toString('base64')}`,
      // The bench measures the pipeline, not the debounce window (QUICKBOOKS_PUSH_DEBOUNCE_MS, 3 s).
      QUICKBOOKS_PUSH_DEBOUNCE_MS: '0',
      // The store is loaded to saturation here; its 3 s / 4 s production deadlines would turn slowness
      // into failures and measure those instead of throughput.
      MONGODB_MAX_TIME_MS: '20000',
      MONGODB_SOCKET_TIMEOUT_MS: '30000',
    };
    const connect = await ConnectRig.start({ env: { ...env, ...governorEnv(mode) } });
    const secret = connect.config.auth.secret;
    if (!secret) throw new Error('the bench needs an HS256 secret');
    const host = await startHostSubgraph({ port: 0, auth: { secret } });
    const push = new PushRig(connect, host);
    const producer = createRedis(connect.config.redis.url, 'producer');
    const queue = new Queue(QueueName.invoicePush, {
      connection: producer,
      prefix: connect.config.redis.prefix,
    });
    // Refused adds reach intake's caller; without a listener BullMQ prints each reconnect failure.
    queue.on('error', () => undefined);
    // Intake's job options with the bench's retry policy when one is set: the worker honours what the job
    // carries, so a bench can shorten the 10 s backoff without a product switch.
    const holder: { rig?: PipelineRig } = {};
    const retrying: InvoicePushQueue = {
      add: (name, data, opts) => {
        const retry = holder.rig?.pushRetry;
        return queue.add(
          name,
          data,
          retry
            ? {
                ...opts,
                attempts: retry.attempts,
                backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
              }
            : opts,
        );
      },
    };
    const intake = new InvoiceIntakeService({
      syncStatus: push.syncStatus,
      queue: retrying,
      auditLog: { record: async () => undefined },
      now: () => new Date(),
      debounceMs: 0,
    });
    const made = new PipelineRig(services, connect, push, env, queue, intake, producer);
    holder.rig = made;
    made.setEmulatorLimits(mode);
    // Every request of a run stays in the log: the bench counts calls and 429s from it.
    connect.sandbox.control.updateSettings({ requestLog: { maxEntries: 2_000_000 } });
    return made;
  }

  setEmulatorLimits(mode: LimitMode): void {
    this.connect.sandbox.control.updateSettings({
      limits: mode.on
        ? { enabled: true, perSecond: 10, windowScale: mode.windowScale }
        : { enabled: false, windowScale: 1 },
    });
  }

  /**
   * Tenants connected to companies of their own, mapped. One at a time: the emulator's approve mode names
   * the realm to approve, so two connect flows at once would swap companies.
   */
  async companies(count: number, options: { customNumbers?: boolean } = {}): Promise<PushCompany[]> {
    const made: PushCompany[] = [];
    for (let i = 0; i < count; i += 1) made.push(await this.push.company(options));
    return made;
  }

  /** A push worker process as deployed (src/workers/index.ts), with the probe preloaded. */
  async startWorker(mode: LimitMode, extraEnv: Record<string, string> = {}): Promise<void> {
    if (this.worker) throw new Error('a worker is already running');
    this.worker = await this.spawnWorker(mode, extraEnv);
  }

  /**
   * Worker kill: a new worker process is started (so pushes go on), then the old one gets SIGKILL mid-push;
   * its active jobs are left to BullMQ's stalled-job recovery, as after a crashed pod.
   */
  async killAndReplaceWorker(): Promise<void> {
    const old = this.worker;
    if (!old) throw new Error('no worker running');
    const spawnedAt = Date.now();
    const next = await this.spawnWorker(old.mode, old.extraEnv);
    this.workerStartMs.push(Date.now() - spawnedAt);
    this.worker = next;
    old.process.kill();
    await old.process.exited;
    this.workerKills += 1;
    fs.rmSync(path.dirname(old.probeFile), { recursive: true, force: true });
  }

  private async spawnWorker(
    mode: LimitMode,
    extraEnv: Record<string, string>,
  ): Promise<{
    process: EntryProcess;
    probeFile: string;
    mode: LimitMode;
    extraEnv: Record<string, string>;
  }> {
    const config = this.connect.config;
    const probeFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'push-bench-')), 'probe.json');
    const entry = startEntry('src/workers/index.ts', {
      ...workerEnv(config, { emulatorUrl: this.connect.sandbox.url, hostGraphqlUrl: this.push.host.url }),
      ...this.env,
      ...governorEnv(mode),
      ...extraEnv,
      BENCH_PROBE_FILE: probeFile,
      NODE_OPTIONS: `--import=${pathToFileURL(PROBE).href}`,
    });
    try {
      await entry.waitFor('workers started', 60_000);
    } catch (error) {
      entry.kill();
      throw error;
    }
    return { process: entry, probeFile, mode, extraEnv };
  }

  async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    await worker.process.stop();
    fs.rmSync(path.dirname(worker.probeFile), { recursive: true, force: true });
  }

  /** A worker that exited (crashed, or killed from outside) would leave the bench waiting for nothing. */
  private assertWorkerRunning(): void {
    const child = this.worker?.process.child;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      const lines = this.worker?.process.lines.slice(-20).join('\n') ?? '';
      throw new Error(
        `the worker process exited (${child.exitCode ?? child.signalCode}); its last lines:\n${lines}`,
      );
    }
  }

  /** The running worker's counters; deltas of two readings price a phase. */
  probe(): ProbeReading {
    if (!this.worker) throw new Error('no worker running');
    return JSON.parse(fs.readFileSync(this.worker.probeFile, 'utf8')) as ProbeReading;
  }

  /** Waits past one probe write so a reading taken next covers everything done before this call. */
  async freshProbe(): Promise<ProbeReading> {
    await new Promise((resolve) => setTimeout(resolve, 250));
    return this.probe();
  }

  /** The host announces changes (intake: QUEUED + a job); a few notifications in flight at once. */
  async notify(
    items: { company: PushCompany; invoiceId: string }[],
    change: InvoiceChange,
  ): Promise<Pushed[]> {
    const pushed: Pushed[] = [];
    let next = 0;
    const one = async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const enqueuedAt = Date.now();
        await this.intake.notify({ tenantId: item.company.tenant, invoiceId: item.invoiceId }, change);
        pushed.push({ ...item, enqueuedAt });
      }
    };
    await Promise.all(Array.from({ length: 4 }, one));
    return pushed;
  }

  /**
   * Polls the store (once a second: the poll competes with the worker for it) until every invoice is
   * SYNCED after its notification, or needs a person, or the timeout passes (what is left is reported
   * as its current state).
   */
  async settle(pushed: Pushed[], timeoutMs: number): Promise<{ settled: Settled[]; finishedAt: number }> {
    const tenants = [...new Set(pushed.map((p) => p.company.tenant))];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.assertWorkerRunning();
      const rows = await models.invoiceSyncStates
        .find(
          { tenantId: { $in: tenants } },
          { tenantId: 1, invoiceId: 1, state: 1, lastSyncedAt: 1, lastError: 1 },
        )
        .lean<
          {
            tenantId: string;
            invoiceId: string;
            state: string;
            lastSyncedAt?: Date;
            lastError?: { code: string };
          }[]
        >();
      const byKey = new Map(rows.map((row) => [`${row.tenantId}\u0000${row.invoiceId}`, row]));
      const settled: Settled[] = [];
      let open = 0;
      let lastSynced = 0;
      for (const p of pushed) {
        const row = byKey.get(`${p.company.tenant}\u0000${p.invoiceId}`);
        const syncedAt = row?.lastSyncedAt?.getTime();
        if (row?.state === 'SYNCED' && syncedAt !== undefined && syncedAt >= p.enqueuedAt) {
          settled.push({ pushed: p, state: 'SYNCED', latencyMs: syncedAt - p.enqueuedAt });
          lastSynced = Math.max(lastSynced, syncedAt);
        } else if (row && TERMINAL.has(row.state)) {
          settled.push({
            pushed: p,
            state: row.state,
            ...(row.lastError ? { errorCode: row.lastError.code } : {}),
          });
        } else {
          open += 1;
          settled.push({ pushed: p, state: row?.state ?? 'MISSING' });
        }
      }
      if (open === 0 || Date.now() > deadline) return { settled, finishedAt: lastSynced || Date.now() };
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /**
   * The host resending a notification intake refused (Redis down): QUEUED may already be written, and
   * ENQUEUED is accepted from QUEUED, so resending is safe. Counts the refusals.
   */
  async notifyResending(
    items: { company: PushCompany; invoiceId: string }[],
    change: InvoiceChange,
    refusals: { count: number },
  ): Promise<Pushed[]> {
    const pushed: Pushed[] = [];
    let next = 0;
    const one = async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const enqueuedAt = Date.now();
        for (let attempt = 1; ; attempt += 1) {
          try {
            await this.intake.notify({ tenantId: item.company.tenant, invoiceId: item.invoiceId }, change);
            break;
          } catch (error) {
            refusals.count += 1;
            if (attempt >= 30) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
        pushed.push({ ...item, enqueuedAt });
      }
    };
    await Promise.all(Array.from({ length: 4 }, one));
    return pushed;
  }

  /** The maintenance sweep (`requeue-orphaned-pushes`) on demand, with the bench's own age threshold. */
  sweepOrphans(olderThanMs: number): Promise<ReconcileResult> {
    return requeueOrphanedPushes(
      { models, queue: this.queue, now: () => new Date() },
      { olderThanMs, limit: 100_000 },
    );
  }

  /** An admin's dead-letter replay: a retry of invoices still DEAD. */
  async replayDead(items: { company: PushCompany; invoiceId: string }[]): Promise<void> {
    for (const item of items) {
      await this.intake.retry(
        { tenantId: item.company.tenant, invoiceId: item.invoiceId },
        { onlyFrom: ['DEAD'] },
      );
    }
  }

  /** The emulator's log position; `apiRequestsSince` lists the Accounting API requests after it. */
  mark(): number {
    return this.connect.mark();
  }

  apiRequestsSince(mark: number): RequestLogEntry[] {
    return this.connect.sandbox.control
      .requests({ sinceSeq: mark })
      .filter((entry) => entry.realmId !== null);
  }

  async close(): Promise<void> {
    await this.stopWorker();
    await this.queue.close();
    await closeRedis(this.producer);
    await this.push.close();
    await this.connect.close();
    await this.services.stop();
  }
}
