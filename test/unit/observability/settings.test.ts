import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../src/config.js';
import { problemsOf, productionQuickBooks, validEnv } from '../support/config-env.js';
import { INTUIT_LIMITS } from '../../../src/quickbooks/governor.js';

/** The governor and metrics settings of src/config.ts (QUICKBOOKS_GOVERNOR_*, METRICS_TOKEN, WORKER_METRICS_*). */
const valid = validEnv;
const production = { ...valid, NODE_ENV: 'production', ...productionQuickBooks };

describe('governor settings', () => {
  it("default to Intuit's limits", () => {
    expect(loadConfig(valid).quickbooks.governor).toEqual({
      limits: INTUIT_LIMITS,
      acquireTimeoutMs: 30_000,
      workerAcquireTimeoutMs: 1500,
    });
  });

  it("give background work a shorter wait for a busy company than a person's request, never a longer one", () => {
    expect(
      loadConfig({ ...valid, QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS: '800' }).quickbooks.governor
        .workerAcquireTimeoutMs,
    ).toBe(800);
    expect(
      problemsOf({
        ...valid,
        QUICKBOOKS_GOVERNOR_ACQUIRE_TIMEOUT_MS: '2000',
        QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS: '5000',
      }),
    ).toEqual([expect.stringContaining('must not exceed QUICKBOOKS_GOVERNOR_ACQUIRE_TIMEOUT_MS')]);
    expect(problemsOf({ ...valid, QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS: '50' })).toEqual([
      expect.stringContaining('QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS'),
    ]);
  });

  it('take overrides to match an emulator, with scaled windows and the per-second window off', () => {
    const { limits } = loadConfig({
      ...valid,
      QUICKBOOKS_GOVERNOR_PER_MINUTE: '50',
      QUICKBOOKS_GOVERNOR_PER_SECOND: '0',
      QUICKBOOKS_GOVERNOR_CONCURRENT: '4',
      QUICKBOOKS_GOVERNOR_BATCHES_PER_MINUTE: '5',
      QUICKBOOKS_GOVERNOR_BATCH_COST: 'request',
      QUICKBOOKS_GOVERNOR_WINDOW_SCALE: '0.1',
    }).quickbooks.governor;
    expect(limits).toMatchObject({
      perMinute: 50,
      perSecond: null,
      concurrent: 4,
      batchesPerMinute: 5,
      batchCost: 'request',
      minuteMs: 6000,
      secondMs: 100,
    });
  });

  it('refuse nonsense at start-up, and a scaled window in production', () => {
    expect(
      problemsOf({ ...valid, QUICKBOOKS_GOVERNOR_CONCURRENT: '0', QUICKBOOKS_GOVERNOR_WINDOW_SCALE: '2' }),
    ).toEqual([
      expect.stringContaining('QUICKBOOKS_GOVERNOR_CONCURRENT'),
      expect.stringContaining('QUICKBOOKS_GOVERNOR_WINDOW_SCALE'),
    ]);
    expect(problemsOf({ ...production, QUICKBOOKS_GOVERNOR_WINDOW_SCALE: '0.5' })).toEqual([
      expect.stringContaining('QUICKBOOKS_GOVERNOR_WINDOW_SCALE is for benches'),
    ]);
  });
});

describe('metrics settings', () => {
  it('serve /metrics without a token outside production, and not at all in production without one', () => {
    expect(loadConfig(valid).metrics).toEqual({ enabled: true, token: undefined, workerHost: '127.0.0.1' });
    expect(loadConfig(production).metrics.enabled).toBe(false);
    const token = 'a-metrics-token-of-at-least-32-chars';
    expect(loadConfig({ ...production, METRICS_TOKEN: token }).metrics).toMatchObject({
      enabled: true,
      token,
    });
  });

  it('open the worker listener only when WORKER_METRICS_PORT is set, and never echo a short token', () => {
    expect(loadConfig({ ...valid, WORKER_METRICS_PORT: '9464' }).metrics.workerPort).toBe(9464);
    const problems = problemsOf({ ...valid, METRICS_TOKEN: 'short-secret' });
    expect(problems).toEqual([expect.stringContaining('METRICS_TOKEN must be at least 32 characters')]);
    expect(problems.join()).not.toContain('short-secret');
  });
});
