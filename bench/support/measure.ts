import type { RequestLogEntry } from '../../sandbox/src/index.js';
import { INTUIT_PER_MINUTE, type Settled } from './pipeline-rig.js';

/** Nearest-rank percentile of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** Requests of one realm: how many, and how fast against the (scaled) per-minute limit. */
export interface RealmRate {
  requests: number;
  /** Requests per (scaled) minute over the realm's active span (first to last request), ÷ 500. */
  fractionOfLimit: number;
  /** The most requests any sliding (scaled) minute held, ÷ 500: above 1 would be a limit we broke. */
  peakWindowFraction: number;
}

export function realmRate(entries: readonly RequestLogEntry[], minuteMs: number): RealmRate {
  const times = entries.map((entry) => Date.parse(entry.at)).sort((a, b) => a - b);
  if (times.length < 2)
    return { requests: times.length, fractionOfLimit: Number.NaN, peakWindowFraction: Number.NaN };
  const span = times.at(-1)! - times[0]!;
  // n requests over a span hold n - 1 intervals: the rate is (n - 1) / span.
  const perMinute = span > 0 ? ((times.length - 1) / span) * minuteMs : Number.POSITIVE_INFINITY;
  let peak = 0;
  let start = 0;
  for (let end = 0; end < times.length; end += 1) {
    while (times[end]! - times[start]! >= minuteMs) start += 1;
    peak = Math.max(peak, end - start + 1);
  }
  return {
    requests: times.length,
    fractionOfLimit: perMinute / INTUIT_PER_MINUTE,
    peakWindowFraction: peak / INTUIT_PER_MINUTE,
  };
}

export function byRealm(entries: readonly RequestLogEntry[]): Map<string, RequestLogEntry[]> {
  const map = new Map<string, RequestLogEntry[]>();
  for (const entry of entries) {
    const list = map.get(entry.realmId ?? '') ?? [];
    list.push(entry);
    map.set(entry.realmId ?? '', list);
  }
  return map;
}

/** "GET read Customer": what the calls were, most frequent first. */
export function callMix(entries: readonly RequestLogEntry[], invoices: number): string {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    const key = `${entry.method} ${entry.operation ?? '?'} ${entry.entity ?? ''}`.trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${key} ${(count / invoices).toFixed(2)}`)
    .join(', ');
}

export interface Outcomes {
  synced: number;
  /** State -> count for everything that did not reach SYNCED (with the error code when there is one). */
  others: Map<string, number>;
  latenciesMs: number[];
}

export function outcomes(settled: readonly Settled[]): Outcomes {
  const others = new Map<string, number>();
  const latenciesMs: number[] = [];
  let synced = 0;
  for (const item of settled) {
    if (item.state === 'SYNCED') {
      synced += 1;
      latenciesMs.push(item.latencyMs ?? 0);
    } else {
      const key = item.errorCode ? `${item.state} ${item.errorCode}` : item.state;
      others.set(key, (others.get(key) ?? 0) + 1);
    }
  }
  return { synced, others, latenciesMs };
}

export function describeOthers(others: Map<string, number>): string {
  return others.size === 0 ? 'none' : [...others.entries()].map(([key, n]) => `${n} ${key}`).join(', ');
}

/** Copies per platform invoice in a company's invoices, by the PrivateNote marker `(<id>)`. */
export function duplicatesIn(
  invoices: readonly { PrivateNote?: string }[],
  platformIds: ReadonlySet<string>,
): number {
  const copies = new Map<string, number>();
  for (const invoice of invoices) {
    for (const match of (invoice.PrivateNote ?? '').matchAll(/\(([^()]+)\)/g)) {
      const id = match[1]!;
      if (platformIds.has(id)) copies.set(id, (copies.get(id) ?? 0) + 1);
    }
  }
  let duplicates = 0;
  for (const count of copies.values()) duplicates += Math.max(0, count - 1);
  return duplicates;
}

export const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
export const percent = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : '-');
