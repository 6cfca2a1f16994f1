import { describe, expect, it } from '@jest/globals';
import type { ApiResponse } from './helpers.js';
import { CA_REALM, TestClient, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox({ throttlePerSecond: true });

function expectThrottled(response: { status: number; text: string }) {
  expect(response.status).toBe(429);
  expect(response.text).toContain('<Error code="3001">');
}

/** Asserts a 400 with fault 6000 and returns its Detail. */
function expect6000(response: ApiResponse): string {
  expect(response.status).toBe(400);
  expect(response.json.Fault.Error[0].code).toBe('6000');
  return response.json.Fault.Error[0].Detail;
}

const otherApp = () =>
  TestClient.connect(t.sandbox, US_REALM, t.sandbox.control.registerApp({ name: 'Other' }).clientId);
const queries = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ bId: `q${i}`, Query: 'select count(*) from Item' }));
const REUSED =
  'Business Validation Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again.  If the problem persists, contact customer support.';

describe('500 requests a minute per realm ID, shared by every app', () => {
  it('throttles every app of the company once the company has used 500, other companies unaffected', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { perSecond: null } });
    const other = otherApp();
    for (let i = 0; i < 250; i += 1) {
      if ((await t.qbo.get('/item/1')).status !== 200) throw new Error(`first app, request ${i}`);
      if ((await other.get('/item/1')).status !== 200) throw new Error(`second app, request ${i}`);
    }
    expectThrottled(await t.qbo.get('/item/1'));
    expectThrottled(await other.get('/item/1'));
    expect((await TestClient.connect(t.sandbox, CA_REALM).get('/item/1')).status).toBe(200);
    t.sandbox.control.advanceClock(60_000);
    expect((await other.get('/item/1')).status).toBe(200);
  });
});

describe('10 requests a second per realm ID and app (on by default)', () => {
  it('answers the 11th request within a second with 429, other apps and the next second unaffected', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    for (let i = 0; i < 10; i += 1) expect((await t.qbo.get('/item/1')).status).toBe(200);
    expectThrottled(await t.qbo.get('/item/1'));
    expect((await otherApp().get('/item/1')).status).toBe(200);
    t.sandbox.control.advanceClock(1000);
    expect((await t.qbo.get('/item/1')).status).toBe(200);
  });

  it('can be switched off (limits.perSecond: null)', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { perSecond: null } });
    for (let i = 0; i < 25; i += 1) expect((await t.qbo.get('/item/1')).status).toBe(200);
  });
});

describe('what one batch counts for', () => {
  it('counts once per item against 10 a second by default (limits.batchCost: items)', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    expect((await t.qbo.post('/batch', { BatchItemRequest: queries(8) })).status).toBe(200);
    expect((await t.qbo.get('/item/1')).status).toBe(200);
    expect((await t.qbo.get('/item/1')).status).toBe(200);
    expectThrottled(await t.qbo.get('/item/1'));
  });

  it('counts once per item against 500 a minute by default', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { perSecond: null, perMinute: 40 } });
    expect((await t.qbo.post('/batch', { BatchItemRequest: queries(30) })).status).toBe(200);
    for (let i = 0; i < 10; i += 1) expect((await t.qbo.get('/item/1')).status).toBe(200);
    expectThrottled(await t.qbo.get('/item/1'));
  });

  it('counts once per batch with limits.batchCost: request', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { batchCost: 'request' } });
    expect((await t.qbo.post('/batch', { BatchItemRequest: queries(8) })).status).toBe(200);
    for (let i = 0; i < 9; i += 1) expect((await t.qbo.get('/item/1')).status).toBe(200);
    expectThrottled(await t.qbo.get('/item/1'));

    t.sandbox.control.advanceClock(60_000);
    t.sandbox.control.updateSettings({ limits: { perSecond: null, perMinute: 5 } });
    expect((await t.qbo.post('/batch', { BatchItemRequest: queries(30) })).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await t.qbo.get('/item/1')).status).toBe(200);
    expectThrottled(await t.qbo.get('/item/1'));
  });

  it('allows 40 batch requests a minute per app, 120 per company', async () => {
    t.sandbox.control.setClock(Date.now(), { freeze: true });
    t.sandbox.control.updateSettings({ limits: { perSecond: null } });
    const apps = [t.qbo, otherApp(), otherApp()];
    for (const app of apps) {
      for (let i = 0; i < 40; i += 1)
        expect((await app.post('/batch', { BatchItemRequest: queries(1) })).status).toBe(200);
      expectThrottled(await app.post('/batch', { BatchItemRequest: queries(1) }));
    }
    expectThrottled(await otherApp().post('/batch', { BatchItemRequest: queries(1) }));
    expect((await otherApp().get('/item/1')).status).toBe(200);
  });
});

describe('requestid length (blog 2015-04-06: 50 characters, 36 for batch)', () => {
  it('refuses a requestid over 50 characters with 6000 and does nothing', async () => {
    const long = 'r'.repeat(51);
    const detail = expect6000(
      await t.qbo.post(`/customer?requestid=${long}`, { DisplayName: 'Too Long Id' }),
    );
    expect(detail).toBe(
      'Business Validation Error: You cannot enter more than 50 characters in the request_id field. You tried entering rrrrrrrrrr..., which is 51 characters.',
    );
    expect(
      (await t.qbo.query("select count(*) from Customer where DisplayName = 'Too Long Id'")).json
        .QueryResponse.totalCount,
    ).toBe(0);
    expect(
      (await t.qbo.post(`/customer?requestid=${'r'.repeat(50)}`, { DisplayName: 'Long Id' })).status,
    ).toBe(200);
    expect6000(await t.qbo.get(`/customer/1?requestid=${long}`));
  });

  it('refuses a batch requestid over 36 characters', async () => {
    expect6000(await t.qbo.post(`/batch?requestid=${'b'.repeat(37)}`, { BatchItemRequest: queries(1) }));
    const ok = await t.qbo.post(`/batch?requestid=${'b'.repeat(36)}`, { BatchItemRequest: queries(1) });
    expect(ok.json.BatchItemResponse[0].QueryResponse).toBeDefined();
  });

  it('faults only the batch items whose requestid + bId exceed 50 characters', async () => {
    const requestId = '86e1e8438fd9413587c2bd17f4185b13';
    const longBId = 'a1b2c3d4-0000-4000-8000-000000000001';
    const response = await t.qbo.post(`/batch?requestid=${requestId}`, {
      BatchItemRequest: [
        { bId: 'short', operation: 'create', Customer: { DisplayName: 'Short Bid Co' } },
        { bId: longBId, operation: 'create', Customer: { DisplayName: 'Long Bid Co' } },
      ],
    });
    expect(response.status).toBe(200);
    const answers = Object.fromEntries(
      response.json.BatchItemResponse.map((item: { bId: string }) => [item.bId, item]),
    );
    expect(answers.short.Customer.DisplayName).toBe('Short Bid Co');
    expect(answers[longBId].Fault.Error[0]).toMatchObject({
      code: '6000',
      Detail:
        'Business Validation Error: You cannot enter more than 50 characters in the request_id field. You tried entering 86e1e8438f..., which is 68 characters.',
    });
    expect(
      (await t.qbo.query("select count(*) from Customer where DisplayName = 'Long Bid Co'")).json
        .QueryResponse.totalCount,
    ).toBe(0);
  });
});

describe('requestid replays are per company and per request', () => {
  const invoice = {
    CustomerRef: { value: '1' },
    Line: [
      { DetailType: 'SalesItemLineDetail', Amount: 10, SalesItemLineDetail: { ItemRef: { value: '1' } } },
    ],
  };

  it('answers 6000 when a requestid comes back on another method, path or body, instead of the first answer', async () => {
    const created = await t.qbo.post('/invoice?requestid=reuse-1', invoice);
    expect(created.status).toBe(200);
    const query = await t.qbo.get(
      `/query?query=${encodeURIComponent('select * from Customer')}&requestid=reuse-1`,
    );
    expect(expect6000(query)).toBe(REUSED);
    expect(query.text).not.toContain('"Invoice"');
    expect(expect6000(await t.qbo.post('/customer?requestid=reuse-1', { DisplayName: 'Other Path' }))).toBe(
      REUSED,
    );
    expect(
      expect6000(await t.qbo.post('/invoice?requestid=reuse-1', { ...invoice, PrivateNote: 'changed' })),
    ).toBe(REUSED);
    // The retry Intuit documents, same content and same requestid, still gets the first answer.
    expect((await t.qbo.post('/invoice?requestid=reuse-1', invoice)).text).toBe(created.text);
    expect((await t.qbo.query('select count(*) from Invoice')).json.QueryResponse.totalCount).toBe(1);
  });

  it('returns the first answer whatever the request with idempotency.onBodyMismatch: replay', async () => {
    t.sandbox.control.updateSettings({ idempotency: { onBodyMismatch: 'replay' } });
    const created = await t.qbo.post('/invoice?requestid=reuse-2', invoice);
    const query = await t.qbo.get(
      `/query?query=${encodeURIComponent('select * from Customer')}&requestid=reuse-2`,
    );
    expect(query.text).toBe(created.text);
  });

  it('tells two GET queries apart by their statement', async () => {
    const items = await t.qbo.get(`/query?query=${encodeURIComponent('select * from Item')}&requestid=q-1`);
    expect(items.status).toBe(200);
    const again = await t.qbo.get(`/query?query=${encodeURIComponent('select * from Item')}&requestid=q-1`);
    expect(again.text).toBe(items.text);
    expect(
      expect6000(await t.qbo.get(`/query?query=${encodeURIComponent('select * from Term')}&requestid=q-1`)),
    ).toBe(REUSED);
  });

  it('remembers reads too: a GET repeated under its requestid gets the first answer', async () => {
    const before = await t.qbo.get('/customer/2?requestid=read-1');
    await t.qbo.post('/customer', { Id: '2', SyncToken: '0', sparse: true, Notes: 'edited' });
    const repeated = await t.qbo.get('/customer/2?requestid=read-1');
    expect(repeated.text).toBe(before.text);
    expect(repeated.json.Customer.Notes).toBeUndefined();
    expect(t.sandbox.control.requests({ path: '/customer/2' }).map((e) => e.replayed)).toEqual([false, true]);
  });

  it('keys requestids by company: the same id in another company is a new request', async () => {
    await t.qbo.post('/customer?requestid=shared-1', { DisplayName: 'Per Realm Co' });
    const ca = TestClient.connect(t.sandbox, CA_REALM);
    const other = await ca.post('/customer?requestid=shared-1', { DisplayName: 'Per Realm Co' });
    expect(other.status).toBe(200);
    expect(other.json.Customer.CurrencyRef.value).toBe('CAD');
  });

  it('answers 6000 on every item when a batch comes back under its requestid (default), running nothing twice', async () => {
    const body = {
      BatchItemRequest: [{ bId: 'b1', operation: 'create', Customer: { DisplayName: 'Batch Retry Co' } }],
    };
    const first = await t.qbo.post('/batch?requestid=batch-retry', body);
    expect(first.json.BatchItemResponse[0].Customer).toBeDefined();
    const again = await t.qbo.post('/batch?requestid=batch-retry', body);
    expect(again.status).toBe(200);
    expect(again.json.BatchItemResponse).toEqual([
      {
        bId: 'b1',
        Fault: {
          type: 'ValidationFault',
          Error: [
            {
              Message: 'A business validation error has occurred while processing your request',
              Detail: REUSED,
              code: '6000',
              element: '',
            },
          ],
        },
      },
    ]);
    expect(
      (await t.qbo.query("select count(*) from Customer where DisplayName = 'Batch Retry Co'")).json
        .QueryResponse.totalCount,
    ).toBe(1);
  });

  it('replays the stored batch answer with idempotency.batchReplay: replay', async () => {
    t.sandbox.control.updateSettings({ idempotency: { batchReplay: 'replay' } });
    const body = {
      BatchItemRequest: [{ bId: 'b1', operation: 'create', Customer: { DisplayName: 'Batch Retry Co' } }],
    };
    const first = await t.qbo.post('/batch?requestid=batch-retry', body);
    const again = await t.qbo.post('/batch?requestid=batch-retry', body);
    expect(again.text).toBe(first.text);
    expect(
      (await t.qbo.query("select count(*) from Customer where DisplayName = 'Batch Retry Co'")).json
        .QueryResponse.totalCount,
    ).toBe(1);
  });
});
