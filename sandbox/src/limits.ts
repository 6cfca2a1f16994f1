import type { Clock } from './clock.js';
import type { LimitSettings } from './settings.js';

/** Timestamps in a sliding window; amortised O(1) per counted request (a batch adds one per item). */
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

  add(now: number, times = 1): void {
    for (let i = 0; i < times; i += 1) this.stamps.push(now);
  }
}

export type Release = () => void;

/**
 * Intuit's throttles, on the emulator clock so tests can advance past them. The current limits page
 * (developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles, §4.1): "500 requests per minute
 * per realm ID" (every app of the company shares it), "10 requests per second, per realm ID and app",
 * "Throttled at 40 Batch requests per minute, per realm ID and app", "120 Batch requests per minute per
 * realm ID"; the 2016 blog (§4.2): at most 10 concurrent requests per app and realm.
 *
 * A request is admitted while each window is below its limit; a batch then counts once, or once per item
 * (`batchCost`), against the 500/minute and 10/second windows, and once against the batch windows.
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

  /**
   * Returns a release function, or null when the request must be answered 429. `batchItems` is the number
   * of items of a batch request, undefined for anything else.
   */
  acquire(realmId: string, clientId: string, batchItems?: number): Release | null {
    const settings = this.settings();
    if (!settings.enabled) return noop;
    const appKey = `${realmId}\u0000${clientId}`;
    const now = this.clock.now();
    // Scaled spans keep the counts: a 0.1 scale is Intuit's limits ten times as fast (benches only).
    const minuteMs = 60_000 * settings.windowScale;
    const secondMs = 1000 * settings.windowScale;
    const active = this.inFlight.get(appKey) ?? 0;
    if (active >= settings.concurrent) return null;
    const minute = windowFor(this.minute, realmId);
    if (minute.count(now, minuteMs) >= settings.perMinute) return null;
    const second = settings.perSecond === null ? null : windowFor(this.second, appKey);
    if (second && settings.perSecond !== null && second.count(now, secondMs) >= settings.perSecond)
      return null;
    const isBatch = batchItems !== undefined;
    let batch: Window | null = null;
    let batchRealm: Window | null = null;
    if (isBatch) {
      batch = windowFor(this.batchMinute, appKey);
      batchRealm = windowFor(this.batchRealmMinute, realmId);
      if (batch.count(now, minuteMs) >= settings.batchPerMinute) return null;
      if (batchRealm.count(now, minuteMs) >= settings.batchPerMinutePerRealm) return null;
    }
    const cost = isBatch && settings.batchCost === 'items' ? Math.max(1, batchItems) : 1;
    minute.add(now, cost);
    second?.add(now, cost);
    batch?.add(now);
    batchRealm?.add(now);
    this.inFlight.set(appKey, active + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.inFlight.get(appKey) ?? 1;
      if (current <= 1) this.inFlight.delete(appKey);
      else this.inFlight.set(appKey, current - 1);
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
