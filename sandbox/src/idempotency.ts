import { createHash } from 'node:crypto';
import type { Clock } from './clock.js';
import type { HttpResult } from './errors.js';
import { Faults } from './errors.js';
import type { IdempotencySettings } from './settings.js';

/** "The RequestID can have a maximum of 50 characters for all operations except batch" (blog 2015-04-06). */
export const REQUEST_ID_MAX_LENGTH = 50;
/** "For batch operations, the RequestID supports a maximum of 36 characters" (same blog). */
export const BATCH_REQUEST_ID_MAX_LENGTH = 36;

interface Stored {
  result: HttpResult;
  fingerprint: string;
  storedAt: number;
}

export type Replay = { kind: 'replay'; result: HttpResult } | { kind: 'mismatch' } | { kind: 'miss' };

/**
 * `?requestid=`: "If the service receives another request with the same RequestID, instead of performing
 * the operation again or returning an error, the service sends the same response as it did for the
 * original request" and it "must be unique for all requests for a given company" (Intuit blog 2015-04-06,
 * §3.7), hence one cache keyed by realm + requestid whatever the app, method or path. Intuit's Java and .NET
 * SDKs put a fresh requestid on reads and queries too (PrepareRequestInterceptor.prepareQBOUri,
 * RestHandler.PrepareRequest), so GETs are remembered like writes. Retention, and the answer to the same id
 * on a different request, are undocumented, hence settings.
 */
export class IdempotencyCache {
  private readonly entries = new Map<string, Stored>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: () => IdempotencySettings,
  ) {}

  lookup(realmId: string, requestId: string, fingerprint: string): Replay {
    const settings = this.settings();
    if (!settings.enabled) return { kind: 'miss' };
    const key = `${realmId}\u0000${requestId}`;
    const stored = this.entries.get(key);
    if (!stored) return { kind: 'miss' };
    if (this.clock.now() - stored.storedAt > settings.windowSeconds * 1000) {
      this.entries.delete(key);
      return { kind: 'miss' };
    }
    if (stored.fingerprint !== fingerprint && settings.onBodyMismatch === 'error')
      return { kind: 'mismatch' };
    return { kind: 'replay', result: stored.result };
  }

  store(realmId: string, requestId: string, fingerprint: string, result: HttpResult): void {
    const settings = this.settings();
    if (!settings.enabled) return;
    if (result.status >= 400 && !settings.replayFaults) return;
    this.entries.set(`${realmId}\u0000${requestId}`, { result, fingerprint, storedAt: this.clock.now() });
    // Bounded so a long benchmark that sends a requestid on every write cannot exhaust memory; Map keeps
    // insertion order, so the first keys are the oldest.
    while (this.entries.size > settings.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  reset(): void {
    this.entries.clear();
  }

  size(): number {
    return this.entries.size;
  }
}

/**
 * What makes two requests "the same request" for a replay: method, path, query string (a GET query carries
 * its statement there) and body. The requestid itself is left out; the parameters are sorted so their order
 * does not matter.
 */
export function requestFingerprint(
  method: string,
  path: string,
  query: Record<string, string | undefined>,
  body: string,
): string {
  const params = Object.entries(query)
    .filter(([name, value]) => value !== undefined && name !== 'requestid' && name !== 'requestId')
    .map(([name, value]) => `${name}=${value ?? ''}`)
    .sort()
    .join('&');
  return createHash('sha1').update(`${method} ${path}?${params}\n${body}`).digest('base64');
}

/**
 * 50 characters, 36 for batch (blog 2015-04-06). The fault is the one Intuit answered for an over-long
 * requestid + bId inside a batch ([OBS] intuit/QuickBooks-V3-Java-SDK#180); that outside a batch the same
 * 6000 comes back for the whole request is UNCONFIRMED.
 */
export function checkRequestIdLength(requestId: string, isBatch: boolean): void {
  const max = isBatch ? BATCH_REQUEST_ID_MAX_LENGTH : REQUEST_ID_MAX_LENGTH;
  if (requestId.length > max) throw Faults.requestIdTooLong(requestId, max);
}
