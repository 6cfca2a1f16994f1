import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { QuickBooksError } from './errors.js';
import { faultInBody, parseFailure } from './faults.js';
import {
  DEFAULT_THROTTLE_PAUSE_MS,
  GovernorTimeoutError,
  type AcquireOptions,
  type GovernorGrant,
} from './governor.js';
import { DEFAULT_RETRY_POLICY, decideRetry, type RetryPolicy } from './retry.js';

/**
 * The one place the minor version is chosen. Intuit answers everything below 75, and no parameter at all,
 * as 75 since August 2025, and nothing requires more (research note §3.2); the emulator's newest is 75
 * (sandbox/src/api/minor-version.ts). Raise it here, deliberately, when a field we need arrives later.
 */
export const MINOR_VERSION = '75';

/** "The RequestID can have a maximum of 50 characters … 36 for batch" (Intuit blog 2015-04-06, §3.7). */
export const REQUEST_ID_MAX_LENGTH = 50;
export const BATCH_REQUEST_ID_MAX_LENGTH = 36;

/** A requestid for one logical write: made once by the caller, kept with the job, reused on every retry. */
export function newRequestId(): string {
  return randomUUID();
}

export type QuickBooksLogger = Pick<Logger, 'debug' | 'warn'>;

/** What the sender needs from the outside world; tests replace these, composition roots pass SYSTEM_EDGES. */
export interface HttpEdges {
  fetch: typeof fetch;
  /** Epoch milliseconds. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): the backoff jitter. */
  random: () => number;
}

export const SYSTEM_EDGES: HttpEdges = {
  fetch: (input, init) => globalThis.fetch(input, init),
  now: () => Date.now(),
  sleep: (ms) => delay(ms),
  random: () => Math.random(),
};

/** The part of RateGovernor the sender uses (governor.ts); one per process, shared through Redis. */
export interface RequestGovernor {
  acquire(realmId: string, options?: AcquireOptions): Promise<GovernorGrant>;
  pauseRealm(realmId: string, ms?: number): Promise<void>;
  costOfBatch(items: number): number;
}

/** Where the sender reports what it saw (observability/metrics.ts); never given tenant or realm ids. */
export interface RequestMetrics {
  /** One per attempt that got an answer (its HTTP status) or none (`network`). */
  requestFinished(operation: string, status: number | 'network'): void;
  /** One per 429 (3001) Intuit answered. */
  throttled(): void;
}

export interface QuickBooksHttpOptions extends HttpEdges {
  /** `https://quickbooks.api.intuit.com`, the sandbox's, or the emulator's (see endpoints.ts). */
  apiBaseUrl: string;
  /** Per attempt; Intuit itself gives up after 120 s (§4.1). */
  timeoutMs: number;
  logger: QuickBooksLogger;
  retry?: Partial<RetryPolicy>;
  /**
   * Every attempt waits for a grant of the realm's shared budget and gives it back when the answer (or the
   * failure) is in; a 429 pauses the realm for every process. Absent only where no Redis is at hand (unit
   * tests, one-off tools).
   */
  governor?: RequestGovernor;
  metrics?: RequestMetrics;
}

interface ApiRequestCommon {
  method: 'GET' | 'POST';
  realmId: string;
  /** Below `/v3/company/{realmId}`, starting with `/`, e.g. `/invoice/130`. */
  path: string;
  query?: Readonly<Record<string, string>>;
  /** A JSON value, serialised once so every retry sends the same bytes (Intuit replays by requestid). */
  body?: unknown;
  accessToken: string;
  /** For logs: read, query, create, update, void, batch, cdc. */
  operation: string;
}

/** A write must name its requestid: the caller makes it once and passes the same one on every retry. */
export type ApiRequest = ApiRequestCommon & ({ intent: 'read' } | { intent: 'write'; requestId: string });

export interface ApiResponse {
  status: number;
  body: Record<string, unknown>;
  intuitTid?: string;
  /** How many attempts it took (1 when nothing was retried). */
  attempts: number;
}

/**
 * Sends Accounting API requests: bearer token, JSON, the pinned minorversion, a requestid on writes,
 * `intuit_tid` captured from every answer, typed failures, and retries by the policy in retry.ts. It never
 * logs bodies, query strings or headers (the Authorization header, the SQL with customer names).
 */
export class QuickBooksHttp {
  private readonly policy: RetryPolicy;
  private readonly apiBaseUrl: string;

  constructor(private readonly options: QuickBooksHttpOptions) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.apiBaseUrl = options.apiBaseUrl.replace(/\/+$/, '');
  }

  async send(request: ApiRequest): Promise<ApiResponse> {
    const url = this.urlFor(request);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const budget = this.budgetOf(request);
    for (let attempt = 1; ; attempt++) {
      try {
        return { ...(await this.governedAttempt(request, url, body, attempt, budget)), attempts: attempt };
      } catch (error) {
        if (!(error instanceof QuickBooksError) || error.code === GOVERNOR_BUSY_CODE) throw error;
        if (error.kind === 'throttled' && error.status !== undefined) await this.pauseRealm(request, error);
        const decision = decideRetry(error, {
          attempt,
          intent: request.intent,
          policy: this.policy,
          random: this.options.random,
        });
        if (!decision.retry) throw error;
        this.options.logger.warn(
          {
            realmId: request.realmId,
            operation: request.operation,
            attempt,
            kind: error.kind,
            code: error.code,
            status: error.status,
            intuitTid: error.intuitTid,
            delayMs: decision.delayMs,
          },
          'QuickBooks request failed; retrying',
        );
        await this.options.sleep(decision.delayMs);
      }
    }
  }

  /** What one attempt of this request costs against the realm's windows (a batch: per item, by default). */
  private budgetOf(request: ApiRequest): AcquireOptions {
    if (request.path !== '/batch') return {};
    const items = (request.body as { BatchItemRequest?: unknown } | undefined)?.BatchItemRequest;
    const count = Array.isArray(items) ? items.length : 1;
    return { batch: true, cost: this.options.governor?.costOfBatch(Math.max(1, count)) ?? 1 };
  }

  /**
   * One attempt inside a grant of the realm's budget. A realm too busy to admit the request within the
   * governor's deadline is reported as `throttled` (see governorBusy) and not retried here: the wait has
   * already been as long as this process allows.
   */
  private async governedAttempt(
    request: ApiRequest,
    url: string,
    body: string | undefined,
    attempt: number,
    budget: AcquireOptions,
  ): Promise<Omit<ApiResponse, 'attempts'>> {
    const { governor } = this.options;
    if (!governor) return this.attempt(request, url, body, attempt);
    let grant: GovernorGrant;
    try {
      grant = await governor.acquire(request.realmId, budget);
    } catch (error) {
      if (error instanceof GovernorTimeoutError) throw governorBusy(error, request, this.options.random);
      // A cost no window can admit is a bug in the caller, not an outage.
      if (error instanceof RangeError) throw error;
      // Redis did not answer (down, failing over, command timeout): nothing was sent, so even a write
      // may be tried again, and sending without the shared budget could cause the 429s it prevents.
      throw new QuickBooksError({
        kind: 'transient',
        message: 'QuickBooks request not sent: the rate governor (Redis) is unavailable',
        realmId: request.realmId,
        cause: error,
      });
    }
    try {
      return await this.attempt(request, url, body, attempt);
    } finally {
      // The in-flight slot is free once the answer is in; a failed release (Redis down) only delays
      // the slot until its lease runs out, and must not replace the answer.
      await grant
        .release()
        .catch((error: unknown) =>
          this.options.logger.warn(
            { realmId: request.realmId, err: error },
            'could not release the QuickBooks request slot',
          ),
        );
    }
  }

  /**
   * Intuit throttled this realm: no process sends to it until the wait is over (Retry-After, else
   * Intuit's 60 s). Other realms keep their budgets. Best effort: a failed pause only means the next
   * requests may meet another 429.
   */
  private async pauseRealm(request: ApiRequest, error: QuickBooksError): Promise<void> {
    const { governor, logger } = this.options;
    if (!governor) return;
    const pauseMs = error.retryAfterMs ?? DEFAULT_THROTTLE_PAUSE_MS;
    try {
      await governor.pauseRealm(request.realmId, pauseMs);
      logger.warn(
        { realmId: request.realmId, operation: request.operation, pauseMs, intuitTid: error.intuitTid },
        'QuickBooks throttled the realm; paused it for every process',
      );
    } catch (failure) {
      logger.warn({ realmId: request.realmId, err: failure }, 'could not pause the throttled realm');
    }
  }

  private urlFor(request: ApiRequest): string {
    const params: Record<string, string> = { ...request.query, minorversion: MINOR_VERSION };
    if (request.intent === 'write') {
      const limit = request.path === '/batch' ? BATCH_REQUEST_ID_MAX_LENGTH : REQUEST_ID_MAX_LENGTH;
      if (request.requestId.length === 0 || request.requestId.length > limit) {
        // A programming error, not a QuickBooks failure: Intuit would refuse it with a 6000 (§3.7).
        throw new RangeError(`requestid must be 1-${limit} characters`);
      }
      params.requestid = request.requestId;
    }
    // encodeURIComponent, not URLSearchParams: spaces in a query statement go out as %20, not '+'.
    const search = Object.entries(params)
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join('&');
    return `${this.apiBaseUrl}/v3/company/${encodeURIComponent(request.realmId)}${request.path}?${search}`;
  }

  private async attempt(
    request: ApiRequest,
    url: string,
    body: string | undefined,
    attempt: number,
  ): Promise<Omit<ApiResponse, 'attempts'>> {
    const { fetch, now, logger } = this.options;
    const started = now();
    const headers: Record<string, string> = {
      authorization: `Bearer ${request.accessToken}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const logFields = {
      realmId: request.realmId,
      operation: request.operation,
      method: request.method,
      attempt,
    };

    let answer: RawAnswer;
    try {
      answer = await exchange(
        fetch,
        url,
        { method: request.method, headers, body },
        { intent: request.intent, realmId: request.realmId, timeoutMs: this.options.timeoutMs },
      );
    } catch (failure) {
      this.options.metrics?.requestFinished(request.operation, 'network');
      const { kind, intuitTid } = failure as QuickBooksError;
      logger.debug(
        { ...logFields, kind, intuitTid, durationMs: now() - started },
        'QuickBooks request got no answer',
      );
      throw failure;
    }
    const { status, text, intuitTid, retryAfter } = answer;
    this.options.metrics?.requestFinished(request.operation, status);
    if (status === 429) this.options.metrics?.throttled();
    logger.debug({ ...logFields, status, intuitTid, durationMs: now() - started }, 'QuickBooks request');

    const context = {
      source: 'api' as const,
      intent: request.intent,
      realmId: request.realmId,
      intuitTid,
      retryAfter,
      now: now(),
      secrets: [request.accessToken],
    };
    if (status < 200 || status > 299) throw parseFailure(status, text, context);
    const json = parseObject(text);
    if (json === undefined) {
      throw new QuickBooksError({
        kind: request.intent === 'write' ? 'ambiguous' : 'transient',
        status,
        message: `QuickBooks answered HTTP ${status} with a body that is not a JSON object${request.intent === 'write' ? '; the write may have committed' : ''}`,
        intuitTid,
        realmId: request.realmId,
      });
    }
    if (faultInBody(json)) throw parseFailure(status, text, context);
    return { status, body: json, intuitTid };
  }
}

/**
 * A realm that did not admit a request in time is `throttled`, not `transient`: the realm is busy (our own
 * budget, or a pause after Intuit's 429), not failing. `throttled` tells the caller to wait
 * `retryAfterMs` and send again without spending an attempt of its backoff schedule, so a long backfill
 * on one realm delays its jobs instead of sending them to the dead letter. No `status`: nothing was sent,
 * and callers (and metrics) tell it apart from Intuit's 429 by that and by `code`.
 */
export function governorBusy(
  error: GovernorTimeoutError,
  request: Pick<ApiRequest, 'realmId'>,
  random: () => number = Math.random,
): QuickBooksError {
  return new QuickBooksError({
    kind: 'throttled',
    code: GOVERNOR_BUSY_CODE,
    message: `QuickBooks request not sent: the company's request budget is in use (${error.reason}, waited ${error.waitedMs} ms)`,
    realmId: request.realmId,
    retryAfterMs: busyRetryAfterMs(error, random),
    cause: error,
  });
}

/**
 * When a job turned away by the governor should come back: the governor's own "free in N ms", spread.
 * Every job of a burst turned away by one full window hears the same N; coming back together, all but a
 * few would be turned away again (and each return costs a worker slot and a sync-log entry), so the wait is
 * stretched by up to BUSY_RETRY_SPREAD_MS at random. A full in-flight set says nothing about when a slot
 * frees (requests take tens of ms to seconds), so that wait is a short random one. A pause (Intuit's 429)
 * is honoured as is: it is already far longer than any spread.
 */
export function busyRetryAfterMs(
  error: Pick<GovernorTimeoutError, 'reason' | 'retryAfterMs'>,
  random: () => number = Math.random,
): number {
  const spread = Math.round(random() * BUSY_RETRY_SPREAD_MS);
  if (error.reason === 'paused' && error.retryAfterMs !== undefined) return error.retryAfterMs;
  if (error.reason === 'rate' && error.retryAfterMs !== undefined) return error.retryAfterMs + spread;
  return IN_FLIGHT_RETRY_MIN_MS + spread;
}

/** The random part of busyRetryAfterMs: a second spreads a burst over Intuit's 10-a-second window. */
export const BUSY_RETRY_SPREAD_MS = 1000;
/** The least wait after a full in-flight set: long enough for a typical request (~100-300 ms) to finish. */
export const IN_FLIGHT_RETRY_MIN_MS = 250;

/** `code` of a throttled error our own governor raised (no request was sent to Intuit). */
export const GOVERNOR_BUSY_CODE = 'GOVERNOR_BUSY';

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Failures that happen before a byte of the request leaves this machine: nothing can have committed, so
 * even a write may be sent again. Everything else (reset, closed socket, timeout) may have reached Intuit.
 */
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

function errorCodes(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 4) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof code === 'string' ? [code] : [];
  // Happy eyeballs: a refused localhost is an AggregateError with one refusal per address.
  const nested = Array.isArray(errors) ? errors.flatMap((inner) => errorCodes(inner, depth + 1)) : [];
  return [...own, ...nested, ...errorCodes(cause, depth + 1)];
}

/** True when fetch failed while connecting (refused, unknown host, TLS), before the request was sent. */
export function failedBeforeSending(error: unknown): boolean {
  const codes = errorCodes(error);
  return codes.length > 0 && codes.every((code) => NEVER_SENT_CODES.has(code) || /^ERR_TLS_|CERT/.test(code));
}

/** What every caller records of one answer from Intuit. */
export interface RawAnswer {
  status: number;
  text: string;
  intuitTid?: string;
  retryAfter: string | null;
}

/**
 * One HTTP exchange with Intuit (API or OAuth server) under one deadline covering the headers and the body:
 * a body that stops arriving is the same as no answer. A request without an answer throws the
 * `transient` or `ambiguous` QuickBooksError of networkFailure.
 */
export async function exchange(
  fetch: HttpEdges['fetch'],
  url: string,
  init: Pick<RequestInit, 'method' | 'headers' | 'body'>,
  failure: Omit<Parameters<typeof networkFailure>[1], 'intuitTid'>,
): Promise<RawAnswer> {
  let intuitTid: string | undefined;
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(failure.timeoutMs) });
    intuitTid = response.headers.get('intuit_tid') ?? undefined;
    const retryAfter = response.headers.get('retry-after');
    return { status: response.status, intuitTid, retryAfter, text: await response.text() };
  } catch (error) {
    throw networkFailure(error, { ...failure, intuitTid });
  }
}

/**
 * A request without an answer: `transient` when it was never sent, or when it was a read (nothing to look
 * up); `ambiguous` for a write that may have committed (a timeout or a connection dropped after sending).
 */
export function networkFailure(
  error: unknown,
  input: {
    intent: 'read' | 'write';
    realmId?: string;
    intuitTid?: string;
    timeoutMs: number;
    /** What failed, for the message: `QuickBooks request` unless told otherwise. */
    label?: string;
  },
): QuickBooksError {
  // AbortSignal.timeout rejects with a DOMException named TimeoutError (not always instanceof Error).
  const timedOut =
    typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';
  const neverSent = !timedOut && failedBeforeSending(error);
  const code = errorCodes(error)[0];
  const what = timedOut
    ? `no answer within ${input.timeoutMs} ms`
    : neverSent
      ? `could not connect${code ? ` (${code})` : ''}`
      : `the connection closed without an answer${code ? ` (${code})` : ''}`;
  const ambiguous = !neverSent && input.intent === 'write';
  return new QuickBooksError({
    kind: ambiguous ? 'ambiguous' : 'transient',
    message: `${input.label ?? 'QuickBooks request'} failed: ${what}${ambiguous ? '; it may have been carried out' : ''}`,
    intuitTid: input.intuitTid,
    realmId: input.realmId,
    cause: error,
  });
}
