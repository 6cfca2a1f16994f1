import type { BackfillStateName } from '../../models/backfill.js';

/** A backfill as members read it and as its progress events carry it. */
export interface BackfillView {
  id: string;
  tenantId: string;
  state: BackfillStateName;
  /** YYYY-MM-DD: invoices issued on or after it. */
  since: string;
  /** Invoices the plan queued; undefined while PLANNING. */
  total?: number;
  done: number;
  failed: number;
  skipped: number;
  handedOff: number;
  startedBy: string;
  startedAt: Date;
  finishedAt?: Date;
}

/** The stored document as the service reads it (lean). */
export interface StoredBackfill {
  tenantId: string;
  backfillId: string;
  realmId: string;
  state: BackfillStateName;
  since: string;
  startedBy: string;
  startedAt: Date;
  finishedAt?: Date | null;
  total?: number | null;
  done: number;
  failed: number;
  skipped: number;
  handedOff?: number | null;
  chunks?: { index: number; invoiceIds: string[] }[] | null;
  chunksCounted?: number[] | null;
}

export function toView(doc: StoredBackfill): BackfillView {
  return {
    id: doc.backfillId,
    tenantId: doc.tenantId,
    state: doc.state,
    since: doc.since,
    ...(typeof doc.total === 'number' ? { total: doc.total } : {}),
    done: doc.done,
    failed: doc.failed,
    skipped: doc.skipped,
    handedOff: doc.handedOff ?? 0,
    startedBy: doc.startedBy,
    startedAt: doc.startedAt,
    ...(doc.finishedAt ? { finishedAt: doc.finishedAt } : {}),
  };
}
