import type { QuickBooksError } from './errors.js';

/**
 * The request sender's retry policy as two small pure functions (the shape of stripe-node's
 * `_shouldRetry` / `_getSleepTimeInMS`): whether to send the same request again, and how long to wait.
 * Randomness is injected so tests can pin the jitter.
 */

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** The backoff ceiling of the first retry; it doubles per retry up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * The longest wait the sender sits out itself. A throttled realm usually asks for longer (Intuit says
   * 60 s, §4.1): that error goes back to the caller, whose queue pauses the whole realm instead of holding
   * a worker slot.
   */
  maxInlineWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxInlineWaitMs: 5000,
};

/**
 * Capped exponential backoff with full jitter (a uniform draw between 0 and the capped ceiling), so clients
 * that failed together do not retry together. `retry` counts from 1 (the first retry).
 */
export function backoffDelayMs(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * Whether the sender sends the same request again after `error` ended attempt number `attempt` (from 1).
 * Writes are retried with the same requestid, so Intuit answers a repeat of a committed write from its
 * replay cache (§3.7); but a write that was sent and got no answer is never retried blindly: the caller
 * looks it up first.
 */
export function decideRetry(
  error: QuickBooksError,
  input: { attempt: number; intent: 'read' | 'write'; policy: RetryPolicy; random: () => number },
): RetryDecision {
  const { attempt, intent, policy, random } = input;
  if (!error.retryable) return { retry: false, reason: `${error.kind} is not retryable` };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: `gave up after ${attempt} attempts` };
  const backoff = () => backoffDelayMs(attempt, policy, random);
  switch (error.kind) {
    case 'authentication':
      return { retry: false, reason: 'the access token must be refreshed first' };
    case 'stale_object':
      return { retry: false, reason: 'the object must be re-read for its current SyncToken' };
    case 'ambiguous':
      return intent === 'read'
        ? { retry: true, delayMs: backoff() }
        : { retry: false, reason: 'the write may have committed: look it up before retrying' };
    case 'throttled': {
      const delayMs = Math.max(error.retryAfterMs ?? 0, backoff());
      return delayMs <= policy.maxInlineWaitMs
        ? { retry: true, delayMs }
        : { retry: false, reason: `throttled for ${delayMs} ms: the caller pauses the realm` };
    }
    case 'transient':
      return { retry: true, delayMs: backoff() };
    default:
      return { retry: false, reason: `${error.kind} is not retried by the sender` };
  }
}
