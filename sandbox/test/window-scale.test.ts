import { describe, expect, it } from '@jest/globals';
import { useSandbox } from './helpers.js';

const t = useSandbox({ throttlePerSecond: true });

const status = async () => (await t.qbo.get('/item/1')).status;

describe('limits.windowScale shrinks the windows and keeps the counts (benches)', () => {
  it('counts 10 a second within a scaled second, and admits again once that span has passed', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { windowScale: 0.1 } });
    for (let i = 0; i < 10; i += 1) expect(await status()).toBe(200);
    expect(await status()).toBe(429);
    t.sandbox.control.advanceClock(99);
    expect(await status()).toBe(429);
    t.sandbox.control.advanceClock(1);
    expect(await status()).toBe(200);
  });

  it('counts the per-minute limit within a scaled minute, not a real one', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { windowScale: 0.1, perSecond: null, perMinute: 20 } });
    for (let i = 0; i < 20; i += 1) expect(await status()).toBe(200);
    expect(await status()).toBe(429);
    t.sandbox.control.advanceClock(5999);
    expect(await status()).toBe(429);
    t.sandbox.control.advanceClock(1);
    expect(await status()).toBe(200);
  });

  it("is 1 by default: Intuit's 60 s window", async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { perSecond: null, perMinute: 5 } });
    expect(t.sandbox.control.settings().limits.windowScale).toBe(1);
    for (let i = 0; i < 5; i += 1) expect(await status()).toBe(200);
    t.sandbox.control.advanceClock(6000);
    expect(await status()).toBe(429);
    t.sandbox.control.advanceClock(54_000);
    expect(await status()).toBe(200);
  });
});
