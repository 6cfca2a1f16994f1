import { describe, expect, it } from '@jest/globals';
import { salesLine, TestClient, toApiResponse, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox({ throttlePerSecond: true });

async function count(entity: string, where = ''): Promise<number> {
  return (await t.qbo.query(`select count(*) from ${entity} ${where}`)).json.QueryResponse.totalCount;
}

function expectThrottled(response: { status: number; text: string; headers: Headers }) {
  expect(response.status).toBe(429);
  expect(response.headers.get('content-type')).toContain('xml');
  expect(response.text).toContain('<Fault type="SERVICE"><Error code="3001">');
  expect(response.text).toContain('message=ThrottleExceeded; errorCode=003001; statusCode=429');
}

describe('rate limits (on by default)', () => {
  it('allows 500 requests a minute per realm, then answers 429 in XML even for JSON clients', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { perSecond: null } });
    for (let i = 0; i < 500; i += 1) {
      const response = await t.qbo.get('/item/1');
      if (response.status !== 200) throw new Error(`request ${i} answered ${response.status}`);
    }
    const throttled = await t.qbo.get('/item/1');
    expectThrottled(throttled);
    expect(throttled.headers.get('retry-after')).toBeNull();

    // The budget belongs to the company: another app on it is throttled too (limits page, §4.1).
    const other = t.sandbox.control.registerApp({ name: 'Other app' });
    expectThrottled(await TestClient.connect(t.sandbox, US_REALM, other.clientId).get('/item/1'));

    t.sandbox.control.advanceClock(60_000);
    expect((await t.qbo.get('/item/1')).status).toBe(200);
  });

  it('sends Retry-After when configured', async () => {
    t.sandbox.control.updateSettings({ limits: { perMinute: 1, retryAfterSeconds: 60 } });
    await t.qbo.get('/item/1');
    const throttled = await t.qbo.get('/item/1');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('60');
  });

  it('allows 10 concurrent requests per realm and app', async () => {
    t.sandbox.control.updateSettings({ limits: { perSecond: null } });
    t.sandbox.control.injectLatency({ fixedMs: 250, times: 12 });
    const responses = await Promise.all(Array.from({ length: 12 }, () => t.qbo.get('/item/1')));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expectThrottled(responses.find((r) => r.status === 429) ?? responses[0]!);
  });

  it('allows 40 batch requests a minute per realm and app', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { perSecond: null } });
    const batch = { BatchItemRequest: [{ bId: '1', Query: 'select count(*) from Item' }] };
    for (let i = 0; i < 40; i += 1) expect((await t.qbo.post('/batch', batch)).status).toBe(200);
    expectThrottled(await t.qbo.post('/batch', batch));
    expect((await t.qbo.get('/item/1')).status).toBe(200);
  });

  it('enforces the current page’s requests per second (10 by default, configurable)', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { perSecond: 3 } });
    for (let i = 0; i < 3; i += 1) expect((await t.qbo.get('/item/1')).status).toBe(200);
    expectThrottled(await t.qbo.get('/item/1'));
    t.sandbox.control.advanceClock(1000);
    expect((await t.qbo.get('/item/1')).status).toBe(200);
  });

  it('can be switched off', async () => {
    t.sandbox.control.updateSettings({ limits: { enabled: false } });
    t.sandbox.control.injectLatency({ fixedMs: 100, times: 15 });
    const responses = await Promise.all(Array.from({ length: 15 }, () => t.qbo.get('/item/1')));
    expect(responses.every((r) => r.status === 200)).toBe(true);
  });
});

describe('requestid idempotency', () => {
  it('replays the first response for a repeated requestid instead of creating twice', async () => {
    const first = await t.qbo.post('/customer?requestid=req-1', { DisplayName: 'Idempotent Inc' });
    const again = await t.qbo.post('/customer?requestid=req-1', { DisplayName: 'Idempotent Inc' });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(await count('Customer', "where DisplayName = 'Idempotent Inc'")).toBe(1);
    const log = t.sandbox.control.requests({ path: '/customer' });
    expect(log.map((e) => [e.requestid, e.replayed])).toEqual([
      ['req-1', false],
      ['req-1', true],
    ]);
  });

  it('replays faults too and forgets after the retention window', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    const first = await t.qbo.post('/customer?requestid=dup-1', { DisplayName: 'Cool Cars' });
    expect(first.status).toBe(400);
    expect((await t.qbo.post('/customer?requestid=dup-1', { DisplayName: 'Cool Cars' })).text).toBe(
      first.text,
    );
    const created = await t.qbo.post('/customer?requestid=win-1', { DisplayName: 'Window Cleaners' });
    t.sandbox.control.advanceClock(25 * 3600_000);
    t.reconnect();
    const later = await t.qbo.post('/customer?requestid=win-1', { DisplayName: 'Window Cleaners' });
    expect(later.text).not.toBe(created.text);
    expect(later.json.Fault.Error[0].code).toBe('6240');
  });

  it('remembers a bounded number of requestids, oldest forgotten first', async () => {
    t.sandbox.control.updateSettings({ idempotency: { maxEntries: 1 } });
    await t.qbo.post('/customer?requestid=old-1', { DisplayName: 'Oldest Entry' });
    await t.qbo.post('/customer?requestid=new-1', { DisplayName: 'Newest Entry' });
    const forgotten = await t.qbo.post('/customer?requestid=old-1', { DisplayName: 'Oldest Entry' });
    expect(forgotten.json.Fault.Error[0].code).toBe('6240');
  });

  it('rejects a reused requestid with a different body (6000), or replays the first answer when configured', async () => {
    const first = await t.qbo.post('/customer?requestid=mm-1', { DisplayName: 'First Body' });
    const mismatch = await t.qbo.post('/customer?requestid=mm-1', { DisplayName: 'Second Body' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.Fault.Error[0].code).toBe('6000');
    expect(await count('Customer', "where DisplayName = 'Second Body'")).toBe(0);

    t.sandbox.control.updateSettings({ idempotency: { onBodyMismatch: 'replay' } });
    const replayed = await t.qbo.post('/customer?requestid=mm-1', { DisplayName: 'Second Body' });
    expect(replayed.text).toBe(first.text);
  });
});

describe('fault injection', () => {
  it('fails the next N matching requests with a chosen status, then recovers', async () => {
    t.sandbox.control.injectFault({
      match: { entity: 'customer' },
      times: 2,
      action: { type: 'status', status: 503 },
    });
    expect((await t.qbo.get('/item/1')).status).toBe(200);
    const failed = await t.qbo.get('/customer/1');
    expect(failed.status).toBe(503);
    expect(failed.json.Fault.type).toBe('SystemFault');
    expect(failed.headers.get('intuit_tid')).toBeTruthy();
    expect((await t.qbo.get('/customer/1')).status).toBe(503);
    expect((await t.qbo.get('/customer/1')).status).toBe(200);
  });

  it('injects a custom Intuit envelope, a throttle, or a raw body', async () => {
    t.sandbox.control.injectFault({
      match: { operation: 'write', entity: 'invoice' },
      action: { type: 'status', status: 400, fault: { code: '6000', detail: 'Injected business rule' } },
    });
    const response = await t.qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(10)] });
    expect(response.json.Fault.Error[0]).toMatchObject({ code: '6000', Detail: 'Injected business rule' });
    expect(await count('Invoice')).toBe(0);

    t.sandbox.control.injectFault({ match: { realmId: US_REALM }, action: { type: 'throttle' } });
    expectThrottled(await t.qbo.get('/item/1'));

    t.sandbox.control.injectFault({
      action: { type: 'status', status: 502, body: '<html>Bad Gateway</html>' },
    });
    const raw = await t.qbo.get('/item/1');
    expect([raw.status, raw.text]).toEqual([502, '<html>Bad Gateway</html>']);
  });

  it('commits and then drops the connection: a blind retry duplicates, a requestid retry does not', async () => {
    const body = { CustomerRef: { value: '1' }, Line: [salesLine(10)] };
    t.sandbox.control.injectFault({
      match: { entity: 'invoice', method: 'POST' },
      action: { type: 'commit-then-drop' },
    });
    await expect(t.qbo.post('/invoice', body)).rejects.toThrow();
    await t.qbo.post('/invoice', body);
    expect(await count('Invoice')).toBe(2);

    t.sandbox.control.injectFault({
      match: { entity: 'invoice', method: 'POST' },
      action: { type: 'commit-then-drop' },
    });
    await expect(t.qbo.post('/invoice?requestid=safe-1', body)).rejects.toThrow();
    const retry = await t.qbo.post('/invoice?requestid=safe-1', body);
    expect(retry.status).toBe(200);
    expect(await count('Invoice')).toBe(3);
    const log = t.sandbox.control.requests({ path: '/invoice' }).filter((e) => e.requestid === 'safe-1');
    expect(log.map((e) => [e.outcome, e.status, e.replayed])).toEqual([
      ['dropped', 0, false],
      ['responded', 200, true],
    ]);
  });

  it('drops the connection without committing', async () => {
    t.sandbox.control.injectFault({ match: { entity: 'customer' }, action: { type: 'drop' } });
    await expect(t.qbo.post('/customer', { DisplayName: 'Never Stored' })).rejects.toThrow();
    expect(await count('Customer', "where DisplayName = 'Never Stored'")).toBe(0);
  });

  it('hangs past the client timeout, optionally committing afterwards', async () => {
    t.sandbox.control.injectFault({ match: { entity: 'customer' }, action: { type: 'hang', ms: 400 } });
    const started = Date.now();
    await expect(
      fetch(t.qbo.url('/customer/1'), {
        headers: { authorization: `Bearer ${t.qbo.accessToken}` },
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(350);

    t.sandbox.control.injectFault({
      match: { entity: 'customer' },
      action: { type: 'hang', ms: 150, thenCommit: true },
    });
    const slow = await t.qbo.post('/customer', { DisplayName: 'Slow Commit' });
    expect(slow.status).toBe(200);

    // The client gives up, the server still commits: the request is logged as dropped, the data has it.
    t.sandbox.control.injectFault({
      match: { entity: 'customer' },
      action: { type: 'hang', ms: 150, thenCommit: true },
    });
    await expect(
      fetch(t.qbo.url('/customer'), {
        method: 'POST',
        headers: { authorization: `Bearer ${t.qbo.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ DisplayName: 'Committed After Timeout' }),
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await count('Customer', "where DisplayName = 'Committed After Timeout'")).toBe(1);
    expect(t.sandbox.control.requests({ path: '/customer' }).at(-1)?.outcome).toBe('dropped');
  });

  it('adds fixed or random latency to matching requests', async () => {
    t.sandbox.control.injectLatency({ match: { entity: 'item' }, fixedMs: 120, times: 1 });
    let started = Date.now();
    await t.qbo.get('/item/1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    started = Date.now();
    await t.qbo.get('/item/1');
    expect(Date.now() - started).toBeLessThan(100);
    t.sandbox.control.injectLatency({ distribution: { type: 'uniform', minMs: 50, maxMs: 80 }, times: 1 });
    started = Date.now();
    await t.qbo.get('/customer/1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('can fail the token endpoint: a committed-then-lost refresh leaves the old token invalid', async () => {
    t.sandbox.control.updateSettings({ oauth: { refreshTokenRotationSeconds: 0 } });
    const tokens = t.sandbox.control.issueTokens({ realmId: US_REALM });
    t.sandbox.control.injectFault({ match: { operation: 'token' }, action: { type: 'commit-then-drop' } });
    const refresh = () =>
      fetch(t.sandbox.endpoints.token, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${t.sandbox.app.clientId}:${t.sandbox.app.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `grant_type=refresh_token&refresh_token=${tokens.refresh_token}`,
      });
    await expect(refresh()).rejects.toThrow();
    expect((await toApiResponse(await refresh())).json.error).toBe('invalid_grant');
  });

  it('lists and clears rules, and reset() removes them', async () => {
    const rule = t.sandbox.control.injectFault({ times: null, action: { type: 'status', status: 500 } });
    expect(t.sandbox.control.listFaults().faults.map((f) => f.id)).toEqual([rule.id]);
    expect((await t.qbo.get('/item/1')).status).toBe(500);
    expect(t.sandbox.control.removeFault(rule.id)).toBe(true);
    expect((await t.qbo.get('/item/1')).status).toBe(200);
    t.sandbox.control.injectFault({ times: null, action: { type: 'status', status: 500 } });
    t.sandbox.control.reset();
    t.reconnect();
    expect((await t.qbo.get('/item/1')).status).toBe(200);
  });
});

describe('request log', () => {
  it('records method, path, realm, requestid, status and intuit_tid of every request', async () => {
    await t.qbo.get('/customer/1?minorversion=75');
    await t.qbo.post('/customer?requestid=log-1', { DisplayName: 'Logged' });
    await t.qbo.get('/invoice/424242');
    const log = t.sandbox.control.requests({ realmId: US_REALM });
    expect(
      log.map((e) => [
        e.method,
        e.path.replace(`/v3/company/${US_REALM}`, ''),
        e.status,
        e.requestid,
        e.operation,
      ]),
    ).toEqual([
      ['GET', '/customer/1', 200, null, 'read'],
      ['POST', '/customer', 200, 'log-1', 'write'],
      ['GET', '/invoice/424242', 400, null, 'read'],
    ]);
    expect(log.every((e) => e.intuitTid.startsWith('1-') && e.clientId === t.sandbox.app.clientId)).toBe(
      true,
    );
  });
});
