import type { Clock } from './clock.js';
import type { LimitSettings } from './settings.js';

/** Timestamps in a sliding window; amortised O(1) per request. */
class Window {
  private readonly stamps: number[] = [];
  private head = 0;

  count(now: number, spanMs: number): number {
    while (this.head < this.stamps.length && (this.stamps[this.head] ?? 0) <= now - spanMs) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
    return this.stamps.length - this.head;
  }

  add(now: number): void {
    this.stamps.push(now);
  }
}

export type Release = () => void;

/**
 * Intuit's throttles (§4.1-4.2): 500 requests/minute per realm and app, 10 concurrent per realm and app
 * (or 10/second on the current page; both configurable), 40 batch requests/minute per realm and app and
 * 120 per realm. Windows run on the emulator clock so tests can advance past them.
 */
export class RateLimiter {
  private readonly minute = new Map<string, Window>();
  private readonly second = new Map<string, Window>();
  private readonly batchMinute = new Map<string, Window>();
  private readonly batchRealmMinute = new Map<string, Window>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: () => LimitSettings,
  ) {}

  /** Returns a release function, or null when the request must be answered 429. */
  acquire(realmId: string, clientId: string, isBatch: boolean): Release | null {
    const settings = this.settings();
    if (!settings.enabled) return noop;
    const key = `${realmId}\u0000${clientId}`;
    const now = this.clock.now();
    const active = this.inFlight.get(key) ?? 0;
    if (active >= settings.concurrent) return null;
    const minute = windowFor(this.minute, key);
    if (minute.count(now, 60_000) >= settings.perMinute) return null;
    const second = settings.perSecond === null ? null : windowFor(this.second, key);
    if (second && settings.perSecond !== null && second.count(now, 1000) >= settings.perSecond) return null;
    let batch: Window | null = null;
    let batchRealm: Window | null = null;
    if (isBatch) {
      batch = windowFor(this.batchMinute, key);
      batchRealm = windowFor(this.batchRealmMinute, realmId);
      if (batch.count(now, 60_000) >= settings.batchPerMinute) return null;
      if (batchRealm.count(now, 60_000) >= settings.batchPerMinutePerRealm) return null;
    }
    minute.add(now);
    second?.add(now);
    batch?.add(now);
    batchRealm?.add(now);
    this.inFlight.set(key, active + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.inFlight.get(key) ?? 1;
      if (current <= 1) this.inFlight.delete(key);
      else this.inFlight.set(key, current - 1);
    };
  }

  reset(): void {
    this.minute.clear();
    this.second.clear();
    this.batchMinute.clear();
    this.batchRealmMinute.clear();
    this.inFlight.clear();
  }
}

const noop: Release = () => undefined;

function windowFor(map: Map<string, Window>, key: string): Window {
  let window = map.get(key);
  if (!window) {
    window = new Window();
    map.set(key, window);
  }
  return window;
}
