/**
 * The one table every invoice sync state change goes through. Pure: no I/O, no clock. The status service
 * applies it with a conditional write (src/services/sync-status.ts); workers, resolvers and intake only
 * name the event that happened and never pick a state themselves.
 *
 * The table is keyed by (event, from-state) because a few events land differently depending on where the
 * invoice stands: an outcome reported while a newer version is QUEUED must not claim that version as
 * SYNCED or FAILED, it leaves the invoice QUEUED. A missing cell means "refused": the event is stale or
 * makes no sense from there, and nothing is written.
 */

export const SYNC_STATES = [
  'NOT_SYNCED',
  'QUEUED',
  'SYNCING',
  'SYNCED',
  'SYNCED_WITH_DIFFERENCES',
  'ACTION_REQUIRED',
  'FAILED',
  'DEAD',
] as const;
export type SyncState = (typeof SYNC_STATES)[number];

export const SYNC_EVENTS = [
  /** A push of the invoice's current version was queued (intake, edit, backfill, void to propagate). */
  'ENQUEUED',
  /** A worker began an attempt. */
  'STARTED',
  /** QuickBooks holds the version the attempt pushed. */
  'SUCCEEDED',
  /**
   * QuickBooks holds the version, with another tax than the platform billed (automated sales tax, rounding,
   * sales tax off), and the tenant's tax setting accepts that: visible, explained, not a failure.
   */
  'SUCCEEDED_WITH_DIFFERENCES',
  /** An admin accepted QuickBooks' tax on an invoice the STOP tax setting held for a decision. */
  'DIFFERENCE_ACCEPTED',
  /** The attempt stopped on something only a person can fix (mapping, validation, closed books). */
  'NEEDS_ACTION',
  /** The attempt failed transiently; a retry with backoff is scheduled. */
  'FAILED_RETRYABLE',
  /** The last attempt failed: the job is in the dead letter. */
  'EXHAUSTED',
  /** An admin dismissed the error: the invoice is left alone until it changes or is retried. */
  'DISMISSED',
  /** An admin asked for a retry, or "sync now" of an invoice never pushed. */
  'RETRY_REQUESTED',
  /**
   * The host voided an invoice the pipeline established QuickBooks never received: nothing to push or
   * retry any more. A void of an invoice QuickBooks holds is a push (ENQUEUED), not this event. Reported
   * from SYNCING by the push that found the host invoice void and QuickBooks without it.
   */
  'VOIDED',
  /**
   * Our own rate governor turned the attempt away before a QuickBooks request (the company's request
   * budget is in use by other pushes): nothing failed, the job waits for room and runs again.
   */
  'DEFERRED',
] as const;
export type SyncEvent = (typeof SYNC_EVENTS)[number];

type Row = Readonly<Partial<Record<SyncState, SyncState>>>;

/**
 * Rows are events, cells are from-state -> next state. Why the less obvious cells are there (or not):
 * - SYNCED accepts only ENQUEUED and an admin's RETRY_REQUESTED: a late failure, action or dead-letter
 *   report of an older attempt can never turn SYNCED into FAILED/ACTION_REQUIRED/DEAD, and a duplicate
 *   STARTED of a finished job cannot reopen it. A new version always arrives as ENQUEUED first; a retry of
 *   a SYNCED invoice is the reconciliation's "re-push" (QuickBooks' copy was changed there).
 * - STARTED is accepted from SYNCING (BullMQ re-runs a stalled job whose worker died mid-push) and from
 *   FAILED (the scheduled retry), not from NOT_SYNCED/ACTION_REQUIRED/DEAD: those need an ENQUEUED or
 *   RETRY_REQUESTED first, so a job left in the queue after a dismissal or a void does not run again.
 * - Outcomes reported while QUEUED (an edit arrived during the push) keep QUEUED: the newer version's push
 *   decides the outcome. The write still records the QuickBooks id or the error of that attempt.
 * - SUCCEEDED after FAILED/ACTION_REQUIRED/DEAD: an overlapping attempt of the same version did reach
 *   QuickBooks; good news is the truth about QuickBooks, so it wins over an older bad report.
 * - EXHAUSTED from FAILED: the dead letter may be recorded by BullMQ's failed handler after the processor
 *   already reported the attempt's failure.
 * - SYNCED_WITH_DIFFERENCES behaves as SYNCED: after fixing the tax setup in QuickBooks, or choosing to
 *   send the platform's tax, an admin's retry pushes it again.
 * - DIFFERENCE_ACCEPTED only from ACTION_REQUIRED: the STOP tax setting's hold. The service checks the
 *   error is that hold; the table cannot see it.
 * - DEFERRED only from SYNCING (and QUEUED, kept): a turn-away by our governor is waiting, not failing, so
 *   the invoice shows QUEUED with its previous error (if any) rather than FAILED with a throttling error.
 */
export const TRANSITIONS: Readonly<Record<SyncEvent, Row>> = {
  ENQUEUED: {
    NOT_SYNCED: 'QUEUED',
    QUEUED: 'QUEUED',
    SYNCING: 'QUEUED',
    SYNCED: 'QUEUED',
    SYNCED_WITH_DIFFERENCES: 'QUEUED',
    ACTION_REQUIRED: 'QUEUED',
    FAILED: 'QUEUED',
    DEAD: 'QUEUED',
  },
  STARTED: {
    QUEUED: 'SYNCING',
    SYNCING: 'SYNCING',
    FAILED: 'SYNCING',
  },
  SUCCEEDED: {
    QUEUED: 'QUEUED',
    SYNCING: 'SYNCED',
    ACTION_REQUIRED: 'SYNCED',
    FAILED: 'SYNCED',
    DEAD: 'SYNCED',
  },
  SUCCEEDED_WITH_DIFFERENCES: {
    QUEUED: 'QUEUED',
    SYNCING: 'SYNCED_WITH_DIFFERENCES',
    ACTION_REQUIRED: 'SYNCED_WITH_DIFFERENCES',
    FAILED: 'SYNCED_WITH_DIFFERENCES',
    DEAD: 'SYNCED_WITH_DIFFERENCES',
  },
  DIFFERENCE_ACCEPTED: {
    ACTION_REQUIRED: 'SYNCED_WITH_DIFFERENCES',
  },
  NEEDS_ACTION: {
    QUEUED: 'QUEUED',
    SYNCING: 'ACTION_REQUIRED',
  },
  FAILED_RETRYABLE: {
    QUEUED: 'QUEUED',
    SYNCING: 'FAILED',
  },
  EXHAUSTED: {
    QUEUED: 'QUEUED',
    SYNCING: 'DEAD',
    FAILED: 'DEAD',
  },
  DISMISSED: {
    ACTION_REQUIRED: 'NOT_SYNCED',
    FAILED: 'NOT_SYNCED',
    DEAD: 'NOT_SYNCED',
  },
  RETRY_REQUESTED: {
    NOT_SYNCED: 'QUEUED',
    SYNCED: 'QUEUED',
    SYNCED_WITH_DIFFERENCES: 'QUEUED',
    ACTION_REQUIRED: 'QUEUED',
    FAILED: 'QUEUED',
    DEAD: 'QUEUED',
  },
  DEFERRED: {
    QUEUED: 'QUEUED',
    SYNCING: 'QUEUED',
  },
  VOIDED: {
    QUEUED: 'NOT_SYNCED',
    SYNCING: 'NOT_SYNCED',
    ACTION_REQUIRED: 'NOT_SYNCED',
    FAILED: 'NOT_SYNCED',
    DEAD: 'NOT_SYNCED',
  },
};

/** The state `event` leads to from `from`, or undefined when the table refuses it. */
export function nextState(from: SyncState, event: SyncEvent): SyncState | undefined {
  return TRANSITIONS[event][from];
}

/** The states from which `event` is accepted. */
export function allowedFrom(event: SyncEvent): SyncState[] {
  return SYNC_STATES.filter((state) => TRANSITIONS[event][state] !== undefined);
}
