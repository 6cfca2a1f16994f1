import { Types } from 'mongoose';
import type { JobsOptions } from 'bullmq';
import type { Logger } from '../../logger.js';
import type { Models } from '../../models/index.js';
import type { AuditRecord } from '../audit-log.js';
import type { DifferenceClass, Finding, RoundingRule } from '../../sync/reconciliation.js';
import type { TaxLineFigure } from '../../sync/tax-parity.js';
import type { ReconciliationChangedEvent, ReconciliationEvents } from '../../events/reconciliation-events.js';
import {
  splitWindow,
  type ProgressListener,
  type ReconciliationProgress,
  type ReceivableCredit,
  type ReconciliationResult,
  type ReconciliationService,
  type ReconciliationWindow,
} from './reconciliation-service.js';

export type ReconciliationState = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface ReconciliationRunView {
  id: string;
  tenantId: string;
  from: string;
  to: string;
  state: ReconciliationState;
  requestedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
  summary: {
    invoicesCompared: number;
    atStakeCents: number;
    counts: { class: DifferenceClass; count: number }[];
    readCalls: { reports: number; rereads: number; changeDataCapture: number };
    receivableCredits: ReceivableCredit[];
  } | null;
  error: { code: string; message: string } | null;
  /** Where a RUNNING run is (null before the worker starts it, and once it ended). */
  progress: ReconciliationProgress | null;
}

/**
 * What an admin can do about a row. REPUSH: push the platform's invoice again (`retryQuickBooksSync`), for
 * rows where the platform is right by definition (missing, amount, tax recomputed, status). ACCEPT_QUICKBOOKS:
 * keep QuickBooks' figure (a rounding or tax QuickBooks applied on purpose), recorded as a dismissal with that
 * reason. SYNC_PAYMENTS: bring QuickBooks' payments back now (`syncQuickBooksPayments`). DISMISS: any row.
 */
export type ReconciliationAction = 'REPUSH' | 'ACCEPT_QUICKBOOKS' | 'SYNC_PAYMENTS' | 'DISMISS';
/** The actions that close a row with a reason. */
export type ReconciliationDecision = Extract<ReconciliationAction, 'ACCEPT_QUICKBOOKS' | 'DISMISS'>;

export interface ReconciliationRowView {
  id: string;
  invoiceId: string | null;
  quickbooksInvoiceId: string | null;
  number: string | null;
  class: DifferenceClass;
  atStakeCents: number;
  findings: Finding[];
  /** For a tax difference: the tax per rate on both sides. */
  taxLines: { platform: TaxLineFigure[]; quickbooks: TaxLineFigure[] } | null;
  dismissed: { by: string; at: Date; reason: string; decision: ReconciliationDecision } | null;
  actions: ReconciliationAction[];
}

export function actionsFor(
  row: Pick<ReconciliationRowView, 'class' | 'invoiceId'> & { dismissed: unknown },
): ReconciliationAction[] {
  if (row.dismissed) return [];
  const actions: ReconciliationAction[] = [];
  if (row.invoiceId && ['MISSING_IN_QUICKBOOKS', 'AMOUNT', 'TAX_RECOMPUTED', 'STATUS'].includes(row.class))
    actions.push('REPUSH');
  if (row.class === 'ROUNDING' || row.class === 'TAX_RECOMPUTED') actions.push('ACCEPT_QUICKBOOKS');
  if (row.class === 'BALANCE') actions.push('SYNC_PAYMENTS');
  actions.push('DISMISS');
  return actions;
}

export class ReconciliationInputError extends Error {
  override readonly name = 'ReconciliationInputError';
  readonly retryable = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class ReconciliationRowNotFoundError extends Error {
  override readonly name = 'ReconciliationRowNotFoundError';
  readonly retryable = false;
}

export interface ReconciliationJobData {
  tenantId: string;
  runId: string;
}

export const RECONCILIATION_JOB = 'reconcile';
export const NIGHTLY_RECONCILIATION_JOB = 'plan-nightly-reconciliations';
/** `requestedBy` of the nightly runs. */
export const NIGHTLY_REQUESTER = 'system:nightly';

export class ReconciliationNotConnectedError extends Error {
  override readonly name = 'ReconciliationNotConnectedError';
  readonly retryable = false;
}

export class ReconciliationRunningError extends Error {
  override readonly name = 'ReconciliationRunningError';
  readonly retryable = false;
}

/** A run started this long ago and still RUNNING is taken for dead (its worker gave up or died). */
const RUNNING_FOR_AT_MOST_MS = 30 * 60_000;
const ROWS_PER_WRITE = 500;

interface StoredRun {
  _id: Types.ObjectId;
  tenantId: string;
  realmId?: string;
  from: string;
  to: string;
  state: ReconciliationState;
  requestedBy: string;
  startedAt: Date;
  finishedAt?: Date | null;
  summary?: {
    invoicesCompared?: number;
    atStakeCents?: number;
    counts?: Record<string, number>;
    readCalls?: { reports?: number; rereads?: number; changeDataCapture?: number };
    receivableCredits?: ReceivableCredit[];
  } | null;
  error?: { code?: string; message?: string } | null;
  progress?: { phase?: ReconciliationProgress['phase'] | null; done?: number; total?: number } | null;
}

/** Progress is written at most this often (and at every phase change): it is for eyes, not for audit. */
const PROGRESS_EVERY_MS = 500;

/**
 * Reconciliation runs as records: started on request (one at a time per tenant), executed by the worker
 * (`qbo-reconciliation`), read page by page. Every read and write is keyed by the tenant.
 */
export class ReconciliationRuns {
  constructor(
    private readonly deps: {
      models: Pick<Models, 'customers' | 'reconciliations' | 'reconciliationRows'>;
      queue: { add(name: string, data: ReconciliationJobData, opts?: JobsOptions): Promise<unknown> };
      auditLog?: { record(entry: AuditRecord): Promise<void> };
      /** Told when a run moves on (progress, end): the live view. Absent: nobody is told. */
      events?: ReconciliationEvents;
      now: () => Date;
      logger: Logger;
    },
  ) {}

  /** Every change of the customer's runs, as ids (the subscription reads the run itself). */
  subscribe(tenantId: string): AsyncIterableIterator<ReconciliationChangedEvent> {
    if (!this.deps.events) throw new Error('reconciliation events are not wired in this process');
    return this.deps.events.subscribe([tenantId], () => true);
  }

  /** Best-effort: a lost event costs a live view one update, never the run. */
  private async announce(tenantId: string, runId: string): Promise<void> {
    try {
      await this.deps.events?.publish({ tenantId, runId });
    } catch (error) {
      this.deps.logger.warn({ err: error, tenantId, runId }, 'reconciliation change not published');
    }
  }

  /** A listener for the service that writes the run's progress, at most every PROGRESS_EVERY_MS. */
  private progressWriter(tenantId: string, runId: Types.ObjectId): ProgressListener {
    let lastPhase: string | undefined;
    let lastAt = 0;
    return async (progress) => {
      const at = Date.now();
      if (progress.phase === lastPhase && at - lastAt < PROGRESS_EVERY_MS) return;
      lastPhase = progress.phase;
      lastAt = at;
      await this.deps.models.reconciliations.updateOne(
        { _id: runId, tenantId, state: 'RUNNING' },
        { $set: { progress } },
      );
      await this.announce(tenantId, runId.toString());
    };
  }

  async start(
    tenantId: string,
    userId: string,
    window: ReconciliationWindow,
  ): Promise<ReconciliationRunView> {
    splitWindow(window); // a bad window is refused before anything is written
    const { models, now } = this.deps;
    const customer = await models.customers
      .findById(tenantId, { 'integrations.quickbooks.state': 1, 'integrations.quickbooks.realmId': 1 })
      .lean<{ integrations?: { quickbooks?: { state?: string; realmId?: string } } }>();
    const connection = customer?.integrations?.quickbooks;
    if (connection?.state !== 'CONNECTED' || !connection.realmId) {
      throw new ReconciliationNotConnectedError('No QuickBooks company is connected to this customer');
    }
    const running = await models.reconciliations
      .findOne({
        tenantId,
        state: 'RUNNING',
        startedAt: { $gt: new Date(now().getTime() - RUNNING_FOR_AT_MOST_MS) },
      })
      .lean<StoredRun | null>();
    if (running) throw new ReconciliationRunningError('A reconciliation of this customer is already running');
    const created = await models.reconciliations.create({
      tenantId,
      realmId: connection.realmId,
      from: window.from,
      to: window.to,
      state: 'RUNNING',
      requestedBy: userId,
      startedAt: now(),
    });
    const runId = created._id.toString();
    await this.deps.queue.add(
      RECONCILIATION_JOB,
      { tenantId, runId },
      {
        jobId: `reconcile-${runId}`,
        attempts: 3,
        backoff: { type: 'exponential', delay: 10_000 },
        removeOnComplete: 100,
        removeOnFail: 500,
      },
    );
    return toView(created.toObject() as unknown as StoredRun);
  }

  /**
   * The nightly run: one reconciliation of the last `windowDays` days per connected customer. A customer
   * with a run in progress, or that lost its connection meanwhile, is skipped until the next night.
   */
  async startNightly(windowDays: number): Promise<{ started: number; skipped: number }> {
    const today = this.deps.now();
    const from = new Date(today.getTime() - (windowDays - 1) * 86_400_000);
    const window = { from: from.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10) };
    const connected = await this.deps.models.customers
      .find({ 'integrations.quickbooks.state': 'CONNECTED' }, { _id: 1 })
      .lean<{ _id: string }[]>();
    let started = 0;
    for (const customer of connected) {
      try {
        await this.start(customer._id, NIGHTLY_REQUESTER, window);
        started += 1;
      } catch (error) {
        if (!(
          error instanceof ReconciliationRunningError || error instanceof ReconciliationNotConnectedError
        ))
          throw error;
      }
    }
    return { started, skipped: connected.length - started };
  }

  /** The worker's part: run it, keep the rows and the summary; a final failure marks the run FAILED. */
  async execute(
    job: ReconciliationJobData,
    reconcile: ReconciliationService['reconcile'],
    lastAttempt: boolean,
  ): Promise<ReconciliationRunView | null> {
    const { models, now } = this.deps;
    const run = await models.reconciliations
      .findOne({ _id: job.runId, tenantId: job.tenantId })
      .lean<StoredRun | null>();
    if (!run || run.state !== 'RUNNING') return run ? toView(run) : null;
    let result: ReconciliationResult;
    try {
      // The previous finished run of this company: CDC since it started finds what changed elsewhere.
      const previous = await models.reconciliations
        .findOne({ tenantId: job.tenantId, realmId: run.realmId, state: 'SUCCEEDED', _id: { $ne: run._id } })
        .sort({ startedAt: -1 })
        .lean<StoredRun | null>();
      result = await reconcile(
        job.tenantId,
        { from: run.from, to: run.to },
        this.progressWriter(job.tenantId, run._id),
        previous ? { changedSince: previous.startedAt } : {},
      );
    } catch (error) {
      if (lastAttempt || (error as { retryable?: boolean }).retryable === false) {
        await models.reconciliations.updateOne(
          { _id: run._id, tenantId: job.tenantId, state: 'RUNNING' },
          {
            $set: {
              state: 'FAILED',
              finishedAt: now(),
              error: {
                code: (error as { code?: string }).code ?? (error as Error).name ?? 'RECONCILIATION_FAILED',
                message: (error as Error).message,
              },
            },
            $unset: { progress: '' },
          },
        );
        await this.announce(job.tenantId, job.runId);
      }
      throw error;
    }
    await models.reconciliations.updateOne(
      { _id: run._id, tenantId: job.tenantId, state: 'RUNNING' },
      { $set: { progress: { phase: 'SAVING', done: 0, total: result.rows.length } } },
    );
    await this.announce(job.tenantId, job.runId);
    // A retried attempt may have written rows before failing: the run keeps only this attempt's.
    await models.reconciliationRows.deleteMany({ tenantId: job.tenantId, runId: run._id });
    const docs = result.rows.map((row) => ({
      runId: run._id,
      tenantId: job.tenantId,
      invoiceId: row.invoiceId,
      quickbooksInvoiceId: row.quickbooksInvoiceId,
      number: row.number,
      class: row.comparison.class!,
      atStakeCents: row.comparison.atStakeCents,
      findings: row.comparison.findings,
      ...(row.taxLines ? { taxLines: row.taxLines } : {}),
    }));
    for (let start = 0; start < docs.length; start += ROWS_PER_WRITE) {
      await models.reconciliationRows.insertMany(docs.slice(start, start + ROWS_PER_WRITE), {
        ordered: true,
      });
    }
    const counts = Object.fromEntries(Object.entries(result.summary.counts).filter(([, count]) => count > 0));
    await models.reconciliations.updateOne(
      { _id: run._id, tenantId: job.tenantId },
      {
        $set: {
          state: 'SUCCEEDED',
          finishedAt: now(),
          summary: { ...result.summary, counts },
        },
        $unset: { progress: '' },
      },
    );
    await this.announce(job.tenantId, job.runId);
    return this.get(job.tenantId, job.runId);
  }

  async get(tenantId: string, runId?: string): Promise<ReconciliationRunView | null> {
    if (runId !== undefined && !Types.ObjectId.isValid(runId)) return null;
    const run = await this.deps.models.reconciliations
      .findOne(runId ? { _id: runId, tenantId } : { tenantId })
      .sort({ startedAt: -1 })
      .lean<StoredRun | null>();
    return run ? toView(run) : null;
  }

  /** Most money at stake first; `after` is the previous page's last row id (with its amount). */
  async rows(
    tenantId: string,
    runId: string,
    limit: number,
    after?: { atStakeCents: number; id: string },
  ): Promise<ReconciliationRowView[]> {
    if (!Types.ObjectId.isValid(runId)) return [];
    const filter: Record<string, unknown> = { tenantId, runId: new Types.ObjectId(runId) };
    if (after) {
      filter.$or = [
        { atStakeCents: { $lt: after.atStakeCents } },
        { atStakeCents: after.atStakeCents, _id: { $gt: new Types.ObjectId(after.id) } },
      ];
    }
    const rows = await this.deps.models.reconciliationRows
      .find(filter)
      .sort({ atStakeCents: -1, _id: 1 })
      .limit(limit + 1)
      .lean<StoredRow[]>();
    return rows.map((row) => toRowView(row));
  }

  /**
   * An admin's decision on a row, kept on the row and in the audit log with the reason: it is fine
   * (DISMISS), or QuickBooks' figure stands (ACCEPT_QUICKBOOKS, offered for tax differences only). The row is
   * found within the tenant only.
   */
  async dismiss(
    tenantId: string,
    rowId: string,
    userId: string,
    reason: string,
    decision: ReconciliationDecision = 'DISMISS',
  ): Promise<ReconciliationRowView> {
    const trimmed = reason.trim();
    if (trimmed.length < 3 || trimmed.length > 500)
      throw new ReconciliationInputError('reason', 'reason must be 3 to 500 characters');
    if (!Types.ObjectId.isValid(rowId))
      throw new ReconciliationRowNotFoundError('No such reconciliation row');
    const filter = { _id: new Types.ObjectId(rowId), tenantId };
    const current = await this.deps.models.reconciliationRows
      .findOne(filter, { class: 1, invoiceId: 1 })
      .lean<Pick<StoredRow, 'class' | 'invoiceId'> | null>();
    if (!current) throw new ReconciliationRowNotFoundError('No such reconciliation row');
    if (!actionsFor({ ...current, dismissed: null }).includes(decision)) {
      throw new ReconciliationInputError(
        'decision',
        `${decision} does not apply to a ${current.class} row: QuickBooks' figure can be accepted for a tax difference only`,
      );
    }
    const dismissed = { by: userId, at: this.deps.now(), reason: trimmed, decision };
    const row = await this.deps.models.reconciliationRows
      .findOneAndUpdate(filter, { $set: { dismissed } }, { returnDocument: 'after' })
      .lean<StoredRow | null>();
    if (!row) throw new ReconciliationRowNotFoundError('No such reconciliation row');
    await this.deps.auditLog?.record({
      tenantId,
      actorUserId: userId,
      action:
        decision === 'ACCEPT_QUICKBOOKS'
          ? 'QUICKBOOKS_RECONCILIATION_FIGURE_ACCEPTED'
          : 'QUICKBOOKS_RECONCILIATION_ROW_DISMISSED',
      outcome: 'SUCCEEDED',
      reason: `${row.class} on invoice ${row.number ?? row.quickbooksInvoiceId ?? '?'}: ${trimmed}`,
    });
    return toRowView(row);
  }
}

interface StoredRow {
  _id: Types.ObjectId;
  invoiceId: string | null;
  quickbooksInvoiceId: string | null;
  number: string | null;
  class: DifferenceClass;
  atStakeCents: number;
  findings: (Omit<Finding, 'rule'> & { rule?: RoundingRule | null })[];
  taxLines?: { platform: TaxLineFigure[]; quickbooks: TaxLineFigure[] } | null;
  dismissed?: { by?: string; at?: Date; reason?: string; decision?: ReconciliationDecision } | null;
}

function toRowView(row: StoredRow): ReconciliationRowView {
  const dismissed =
    row.dismissed?.by && row.dismissed.at
      ? {
          by: row.dismissed.by,
          at: row.dismissed.at,
          reason: row.dismissed.reason ?? '',
          decision: row.dismissed.decision ?? 'DISMISS',
        }
      : null;
  return {
    id: row._id.toString(),
    invoiceId: row.invoiceId,
    quickbooksInvoiceId: row.quickbooksInvoiceId,
    number: row.number,
    class: row.class,
    atStakeCents: row.atStakeCents,
    findings: row.findings.map(({ rule, ...finding }) => ({ ...finding, ...(rule ? { rule } : {}) })),
    taxLines: row.taxLines ? { platform: row.taxLines.platform, quickbooks: row.taxLines.quickbooks } : null,
    dismissed,
    actions: actionsFor({ class: row.class, invoiceId: row.invoiceId, dismissed }),
  };
}

function toView(run: StoredRun): ReconciliationRunView {
  const summary = run.summary?.invoicesCompared === undefined || !run.summary ? null : run.summary;
  return {
    id: run._id.toString(),
    tenantId: run.tenantId,
    from: run.from,
    to: run.to,
    state: run.state,
    requestedBy: run.requestedBy,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    summary: summary
      ? {
          invoicesCompared: summary.invoicesCompared ?? 0,
          atStakeCents: summary.atStakeCents ?? 0,
          counts: Object.entries(summary.counts ?? {}).map(([name, count]) => ({
            class: name as DifferenceClass,
            count,
          })),
          readCalls: {
            reports: summary.readCalls?.reports ?? 0,
            rereads: summary.readCalls?.rereads ?? 0,
            changeDataCapture: summary.readCalls?.changeDataCapture ?? 0,
          },
          receivableCredits: summary.receivableCredits ?? [],
        }
      : null,
    error: run.error?.code ? { code: run.error.code, message: run.error.message ?? '' } : null,
    progress:
      run.state === 'RUNNING' && run.progress?.phase
        ? { phase: run.progress.phase, done: run.progress.done ?? 0, total: run.progress.total ?? 0 }
        : null,
  };
}
