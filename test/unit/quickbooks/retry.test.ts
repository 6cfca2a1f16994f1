import { describe, expect, it } from '@jest/globals';
import { QuickBooksError, type QuickBooksErrorKind } from '../../../src/quickbooks/errors.js';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, decideRetry } from '../../../src/quickbooks/retry.js';

const policy = {
  ...DEFAULT_RETRY_POLICY,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxAttempts: 3,
  maxInlineWaitMs: 5000,
};
const half = () => 0.5;
const error = (kind: QuickBooksErrorKind, extra: { retryAfterMs?: number } = {}) =>
  new QuickBooksError({ kind, message: kind, ...extra });

describe('capped exponential backoff with full jitter', () => {
  it('doubles the ceiling per retry and draws uniformly below it', () => {
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, policy, half))).toEqual([
      250, 500, 1000, 2000, 4000,
    ]);
  });

  it('never exceeds the cap, however many retries', () => {
    expect(backoffDelayMs(30, policy, () => 0.999999)).toBe(7999);
    expect(backoffDelayMs(1000, policy, () => 0.999999)).toBeLessThan(policy.maxDelayMs);
  });

  it('spreads clients that failed together: the draw decides, down to zero', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.25)).toBe(500);
    expect(backoffDelayMs(3, policy, () => 0.75)).toBe(1500);
  });
});

describe('whether the sender sends a failed request again', () => {
  const decide = (e: QuickBooksError, attempt = 1, intent: 'read' | 'write' = 'write') =>
    decideRetry(e, { attempt, intent, policy, random: half });

  it('retries transient failures with backoff, reads and writes alike (writes keep their requestid)', () => {
    expect(decide(error('transient'), 1, 'write')).toEqual({ retry: true, delayMs: 250 });
    expect(decide(error('transient'), 2, 'read')).toEqual({ retry: true, delayMs: 500 });
  });

  it('stops after maxAttempts', () => {
    expect(decide(error('transient'), 3)).toMatchObject({ retry: false });
  });

  it.each([
    'validation',
    'bad_reference',
    'not_found',
    'reauthorization',
    'wrong_realm',
    'scope',
    'configuration',
  ] as const)('never retries %s', (kind) => {
    expect(decide(error(kind))).toMatchObject({ retry: false, reason: `${kind} is not retryable` });
  });

  it('hands a write that may have committed back to the caller, but retries such a read', () => {
    expect(decide(error('ambiguous'), 1, 'write')).toMatchObject({ retry: false });
    expect(decide(error('ambiguous'), 1, 'read')).toEqual({ retry: true, delayMs: 250 });
  });

  it('leaves 401/3200 to the client (refresh first) and 5010 to the caller (re-read first)', () => {
    expect(decide(error('authentication'))).toMatchObject({ retry: false });
    expect(decide(error('stale_object'))).toMatchObject({ retry: false });
  });

  it('waits out a short throttle itself and returns a long one to the caller', () => {
    expect(decide(error('throttled', { retryAfterMs: 2000 }))).toEqual({ retry: true, delayMs: 2000 });
    expect(decide(error('throttled', { retryAfterMs: 60_000 }))).toMatchObject({ retry: false });
    // Never sooner than the backoff would wait.
    expect(decide(error('throttled', { retryAfterMs: 0 }), 2)).toEqual({ retry: true, delayMs: 500 });
  });
});
