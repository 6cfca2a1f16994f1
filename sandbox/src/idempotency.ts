import type { Clock } from './clock.js';
import type { HttpResult } from './errors.js';
import type { IdempotencySettings } from './settings.js';

interface Stored {
  result: HttpResult;
  bodyFingerprint: string;
  storedAt: number;
}

export type Replay = { kind: 'replay'; result: HttpResult } | { kind: 'mismatch' } | { kind: 'miss' };

/**
 * `?requestid=`: "If the service receives another request with the same RequestID, instead of performing
 * the operation again or returning an error, the service sends the same response as it did for the
 * original request" (Intuit blog 2015-04-06, §3.7). Unique per company. Retention and the answer to a
 * different body are undocumented, hence settings.
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
    if (stored.bodyFingerprint !== fingerprint && settings.onBodyMismatch === 'error')
      return { kind: 'mismatch' };
    return { kind: 'replay', result: stored.result };
  }

  store(realmId: string, requestId: string, fingerprint: string, result: HttpResult): void {
    const settings = this.settings();
    if (!settings.enabled) return;
    if (result.status >= 400 && !settings.replayFaults) return;
    this.entries.set(`${realmId}\u0000${requestId}`, {
      result,
      bodyFingerprint: fingerprint,
      storedAt: this.clock.now(),
    });
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
