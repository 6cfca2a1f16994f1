import { describe, expect, it } from '@jest/globals';
import { INTUIT_LIMITS, costOfBatch, resolveLimits } from '../../../src/quickbooks/governor.js';

describe('rate governor limits', () => {
  it("defaults to Intuit's published per-realm limits", () => {
    expect(resolveLimits()).toEqual(INTUIT_LIMITS);
    expect(INTUIT_LIMITS).toMatchObject({
      perMinute: 500,
      concurrent: 10,
      perSecond: 10,
      batchesPerMinute: 40,
    });
  });

  it('takes scaled limits for tests and benches', () => {
    expect(resolveLimits({ perMinute: 50, minuteMs: 6000 })).toMatchObject({ perMinute: 50, minuteMs: 6000 });
    expect(resolveLimits({ perSecond: null }).perSecond).toBeNull();
  });

  it('refuses limits that would admit nothing or make no sense', () => {
    expect(() => resolveLimits({ perMinute: 0 })).toThrow(/perMinute/);
    expect(() => resolveLimits({ concurrent: 2.5 })).toThrow(/concurrent/);
    expect(() => resolveLimits({ marginMs: -1 })).toThrow(/marginMs/);
  });

  it('counts a batch per item or per request as configured', () => {
    expect(costOfBatch(30, 'items')).toBe(30);
    expect(costOfBatch(30, 'request')).toBe(1);
    expect(() => costOfBatch(0, 'items')).toThrow(RangeError);
  });
});
