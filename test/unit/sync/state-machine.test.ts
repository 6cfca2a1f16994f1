import { describe, expect, it } from '@jest/globals';
import {
  allowedFrom,
  nextState,
  SYNC_EVENTS,
  SYNC_STATES,
  type SyncEvent,
  type SyncState,
} from '../../../src/sync/state-machine.js';

/**
 * The whole table written out a second time, independently of the module, as a grid: one line per event,
 * one column per from-state (NOT_SYNCED, QUEUED, SYNCING, SYNCED, SYNCED_WITH_DIFFERENCES, ACTION_REQUIRED,
 * FAILED, DEAD).
 * `-` is a refusal. Any change to the module's table must be made here too, on purpose.
 */
const N = 'NOT_SYNCED';
const Q = 'QUEUED';
const S = 'SYNCING';
const OK = 'SYNCED';
const W = 'SYNCED_WITH_DIFFERENCES';
const A = 'ACTION_REQUIRED';
const F = 'FAILED';
const D = 'DEAD';
const X = '-';
type Cell = SyncState | typeof X;

const COLUMNS: readonly SyncState[] = [N, Q, S, OK, W, A, F, D];
const EXPECTED: Record<SyncEvent, readonly Cell[]> = {
  //                 NOT_SYNCED QUEUED SYNCING SYNCED WITH_DIFF ACTION_REQ FAILED DEAD
  ENQUEUED: /*     */ [Q, Q, Q, Q, Q, Q, Q, Q],
  STARTED: /*      */ [X, S, S, X, X, X, S, X],
  SUCCEEDED: /*    */ [X, Q, OK, X, X, OK, OK, OK],
  SUCCEEDED_WITH_DIFFERENCES: [X, Q, W, X, X, W, W, W],
  DIFFERENCE_ACCEPTED: [X, X, X, X, X, W, X, X],
  NEEDS_ACTION: /* */ [X, Q, A, X, X, X, X, X],
  FAILED_RETRYABLE: [X, Q, F, X, X, X, X, X],
  EXHAUSTED: /*    */ [X, Q, D, X, X, X, D, X],
  DISMISSED: /*    */ [X, X, X, X, X, N, N, N],
  RETRY_REQUESTED: [Q, X, X, Q, Q, Q, Q, Q],
  VOIDED: /*       */ [X, N, N, X, X, N, N, N],
  DEFERRED: /*     */ [X, Q, Q, X, X, X, X, X],
};

const cells = SYNC_EVENTS.flatMap((event) =>
  COLUMNS.map((from, column) => ({ event, from, expected: EXPECTED[event][column] })),
);

describe('sync state transition table', () => {
  it('knows exactly the eight states and the grid covers every state and event', () => {
    expect([...SYNC_STATES].sort()).toEqual([...COLUMNS].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...SYNC_EVENTS].sort());
    expect(cells).toHaveLength(SYNC_STATES.length * SYNC_EVENTS.length);
  });

  it.each(cells.filter((cell) => cell.expected !== X))('$event from $from leads to $expected', (cell) => {
    expect(nextState(cell.from, cell.event)).toBe(cell.expected);
  });

  it.each(cells.filter((cell) => cell.expected === X))('$event from $from is refused', (cell) => {
    expect(nextState(cell.from, cell.event)).toBeUndefined();
  });

  it('a late retry can never turn SYNCED into a failure state', () => {
    for (const event of ['FAILED_RETRYABLE', 'NEEDS_ACTION', 'EXHAUSTED', 'STARTED'] as const) {
      expect(nextState('SYNCED', event)).toBeUndefined();
    }
    // Only a new version (ENQUEUED) or an admin's re-push moves a synced invoice at all.
    expect(SYNC_EVENTS.filter((event) => nextState('SYNCED', event) !== undefined).sort()).toEqual([
      'ENQUEUED',
      'RETRY_REQUESTED',
    ]);
  });

  it('a late report cannot turn SYNCED_WITH_DIFFERENCES into a failure; a new version or a retry moves it', () => {
    expect(
      SYNC_EVENTS.filter((event) => nextState('SYNCED_WITH_DIFFERENCES', event) !== undefined).sort(),
    ).toEqual(['ENQUEUED', 'RETRY_REQUESTED']);
  });

  it('an outcome of an older attempt while a newer version is queued keeps the invoice queued', () => {
    for (const event of ['SUCCEEDED', 'NEEDS_ACTION', 'FAILED_RETRYABLE', 'EXHAUSTED'] as const) {
      expect(nextState('QUEUED', event)).toBe('QUEUED');
    }
  });

  it('a job left in the queue does not restart a dismissed, voided or dead-lettered invoice', () => {
    expect(nextState('NOT_SYNCED', 'STARTED')).toBeUndefined();
    expect(nextState('DEAD', 'STARTED')).toBeUndefined();
    expect(nextState('ACTION_REQUIRED', 'STARTED')).toBeUndefined();
  });

  it('allowedFrom lists the from-states of each row in state order', () => {
    for (const event of SYNC_EVENTS) {
      const expected = COLUMNS.filter((_, column) => EXPECTED[event][column] !== X);
      expect(allowedFrom(event)).toEqual(expected);
    }
    expect(allowedFrom('FAILED_RETRYABLE')).toEqual(['QUEUED', 'SYNCING']);
  });
});
