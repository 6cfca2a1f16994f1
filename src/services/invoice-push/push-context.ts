import type { JudgedMapping } from '../mappings/mapping-service.js';
import type { QuickBooksSettings } from '../quickbooks-settings.js';
import type { ReferenceSnapshot } from '../reference-data/types.js';

/** What every push of a tenant builds its invoice from, besides the invoice itself. */
export interface PushContext {
  snapshot: ReferenceSnapshot;
  mappings: JudgedMapping[];
  settings: QuickBooksSettings;
  /** True when this came from the cache: a problem found with it is checked on a fresh read first. */
  cached: boolean;
}

export interface PushContextSources {
  referenceData: { get(tenantId: string): Promise<ReferenceSnapshot> };
  mappings: { list(tenantId: string): Promise<JudgedMapping[]> };
  settings: { get(tenantId: string): Promise<QuickBooksSettings> };
}

interface Entry {
  at: number;
  value: Promise<Omit<PushContext, 'cached'>>;
}

/** Entries beyond this are dropped oldest first: a worker serves a bounded set of tenants at a time. */
const MAX_ENTRIES = 1000;

/**
 * The reference snapshot, mappings and settings of a tenant's connected company, kept for a few seconds
 * in the worker process (QUICKBOOKS_PUSH_CONTEXT_CACHE_MS; 0 reads them for every push). They change when
 * an admin edits them, rarely next to a burst of pushes; reading them costs six store round trips a push.
 * Keyed by tenant and realm, so a reconnect to another company never builds from the previous one's data.
 * What keeps an admin's fix from being missed is the caller's part: a push that would stop on a mapping or
 * setting problem asks again with `fresh` before saying so (see InvoicePushService).
 */
export class PushContextCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly sources: PushContextSources,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(tenantId: string, realmId: string, options: { fresh?: boolean } = {}): Promise<PushContext> {
    const key = `${tenantId}\u0000${realmId}`;
    const now = this.clock();
    const entry = this.entries.get(key);
    if (this.ttlMs > 0 && !options.fresh && entry && now - entry.at < this.ttlMs) {
      return { ...(await entry.value), cached: true };
    }
    const value = this.read(tenantId);
    if (this.ttlMs > 0) {
      this.entries.delete(key);
      this.entries.set(key, { at: now, value });
      // A failed read is not kept: the next push asks again.
      value.catch(() => {
        if (this.entries.get(key)?.value === value) this.entries.delete(key);
      });
      if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    }
    return { ...(await value), cached: false };
  }

  private async read(tenantId: string): Promise<Omit<PushContext, 'cached'>> {
    const [snapshot, mappings, settings] = await Promise.all([
      this.sources.referenceData.get(tenantId),
      this.sources.mappings.list(tenantId),
      this.sources.settings.get(tenantId),
    ]);
    return { snapshot, mappings, settings };
  }
}
