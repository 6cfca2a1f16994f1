import { describe, expect, it } from '@jest/globals';
import type { JudgedMapping } from '../../../src/services/mappings/mapping-service.js';
import { classifyFailure, PushContextChanged } from '../../../src/services/invoice-push/failures.js';
import { PushContextCache } from '../../../src/services/invoice-push/push-context.js';
import type { QuickBooksSettings } from '../../../src/services/quickbooks-settings.js';
import type { ReferenceSnapshot } from '../../../src/services/reference-data/types.js';

/** Sources that count their reads and answer with the current "stored" mappings. */
function sources() {
  const reads = { snapshot: 0, mappings: 0, settings: 0 };
  const state = { mappings: [] as JudgedMapping[], fail: false };
  return {
    reads,
    state,
    referenceData: {
      get: async () => {
        reads.snapshot++;
        if (state.fail) throw new Error('store away');
        return {} as ReferenceSnapshot;
      },
    },
    mappings: {
      list: async () => {
        reads.mappings++;
        return state.mappings;
      },
    },
    settings: {
      get: async () => {
        reads.settings++;
        return {} as QuickBooksSettings;
      },
    },
  };
}

describe('the push context cache', () => {
  it('serves a tenant from memory within its time, then reads again', async () => {
    let now = 1_000;
    const source = sources();
    const cache = new PushContextCache(source, 5000, () => now);

    expect(await cache.get('t1', 'r1')).toMatchObject({ cached: false });
    now += 4999;
    expect(await cache.get('t1', 'r1')).toMatchObject({ cached: true });
    expect(source.reads).toEqual({ snapshot: 1, mappings: 1, settings: 1 });
    now += 1;
    expect(await cache.get('t1', 'r1')).toMatchObject({ cached: false });
    expect(source.reads.mappings).toBe(2);
  });

  it('keeps companies apart: a reconnect to another realm never reuses the previous one', async () => {
    const source = sources();
    const cache = new PushContextCache(source, 5000, () => 0);
    await cache.get('t1', 'r1');
    expect(await cache.get('t1', 'r2')).toMatchObject({ cached: false });
    expect(await cache.get('t2', 'r1')).toMatchObject({ cached: false });
  });

  it('a fresh read (before declaring a mapping problem) sees the fix and replaces the entry', async () => {
    const source = sources();
    const cache = new PushContextCache(source, 5000, () => 0);
    await cache.get('t1', 'r1');
    const fixed = [{ kind: 'ITEM', sourceKey: 'ITEM_KIND:FEE' } as unknown as JudgedMapping];
    source.state.mappings = fixed;

    expect((await cache.get('t1', 'r1')).mappings).toEqual([]);
    expect(await cache.get('t1', 'r1', { fresh: true })).toMatchObject({ cached: false, mappings: fixed });
    expect(await cache.get('t1', 'r1')).toMatchObject({ cached: true, mappings: fixed });
  });

  it('0 turns it off; a failed read is not kept', async () => {
    const off = sources();
    const uncached = new PushContextCache(off, 0, () => 0);
    await uncached.get('t1', 'r1');
    expect(await uncached.get('t1', 'r1')).toMatchObject({ cached: false });
    expect(off.reads.mappings).toBe(2);

    const failing = sources();
    failing.state.fail = true;
    const cache = new PushContextCache(failing, 5000, () => 0);
    await expect(cache.get('t1', 'r1')).rejects.toThrow('store away');
    failing.state.fail = false;
    expect(await cache.get('t1', 'r1')).toMatchObject({ cached: false });
  });

  it('a refusal of what a changed context built is retried, not declared', () => {
    const failure = classifyFailure(new PushContextChanged(new Error('refused')));
    expect(failure).toMatchObject({
      kind: 'retry',
      error: { code: 'PUSH_CONTEXT_CHANGED', retryable: true },
    });
  });
});
