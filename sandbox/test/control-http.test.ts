import { beforeEach, describe, expect, it } from '@jest/globals';
import { control, salesLine, TestClient, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox({ resetEachTest: false });

beforeEach(async () => {
  expect((await control(t.sandbox, 'POST', '/reset', {})).status).toBe(200);
});

describe('control surface over HTTP', () => {
  it('reports health and the start-up facts', async () => {
    expect((await control(t.sandbox, 'GET', '/health')).json.ok).toBe(true);
    expect(t.sandbox.app.clientId).toBe('ABsandboxDevClientId0000000000000000000000000000');
    expect(t.sandbox.realms.map((r) => r.country)).toEqual(['US', 'CA', 'GB']);
  });

  it('issues tokens, lists and edits entities', async () => {
    const tokens = (await control(t.sandbox, 'POST', '/tokens', { realmId: US_REALM })).json;
    expect(tokens.access_token).toBeTruthy();
    const qbo = new TestClient(t.sandbox, tokens.access_token, US_REALM);
    await qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(25)] });
    const invoices = (await control(t.sandbox, 'GET', `/realms/${US_REALM}/entities/Invoice`)).json;
    expect(invoices).toHaveLength(1);
    const edited = await control(
      t.sandbox,
      'PATCH',
      `/realms/${US_REALM}/entities/invoice/${invoices[0].Id}`,
      {
        PrivateNote: 'edited by a person',
      },
    );
    expect(edited.json.SyncToken).toBe('1');
    const read = await control(t.sandbox, 'GET', `/realms/${US_REALM}/entities/Invoice/${invoices[0].Id}`);
    expect(read.json.PrivateNote).toBe('edited by a person');
    expect((await control(t.sandbox, 'GET', `/realms/${US_REALM}/entities/Invoice/999`)).status).toBe(400);
  });

  it('moves the clock so tokens expire without waiting', async () => {
    const tokens = (await control(t.sandbox, 'POST', '/tokens', { realmId: US_REALM })).json;
    const qbo = new TestClient(t.sandbox, tokens.access_token, US_REALM);
    expect((await qbo.get('/customer/1')).status).toBe(200);
    const moved = await control(t.sandbox, 'POST', '/clock', { advanceSeconds: 3600 });
    expect(Date.parse(moved.json.now)).toBeGreaterThan(Date.now() + 3_500_000);
    expect((await qbo.get('/customer/1')).status).toBe(401);
    await control(t.sandbox, 'POST', '/clock', { set: '2030-01-01T00:00:00Z', freeze: true });
    expect((await control(t.sandbox, 'GET', '/clock')).json.now).toBe('2030-01-01T00:00:00.000Z');
  });

  it('patches settings and rejects unknown ones', async () => {
    const patched = await control(t.sandbox, 'PATCH', '/settings', { limits: { perMinute: 2 } });
    expect(patched.json.limits.perMinute).toBe(2);
    const bad = await control(t.sandbox, 'PATCH', '/settings', { limits: { perMinit: 2 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain('perMinit');
    await control(t.sandbox, 'POST', '/reset', {});
    expect((await control(t.sandbox, 'GET', '/settings')).json.limits.perMinute).toBe(500);
  });

  it('registers apps and creates companies', async () => {
    const app = await control(t.sandbox, 'POST', '/apps', {
      name: 'Field service app',
      redirectUris: ['https://app.example/callback'],
      webhookUrl: null,
    });
    expect(app.json.clientId).toBeTruthy();
    const realm = await control(t.sandbox, 'POST', '/realms', {
      country: 'AU',
      companyName: 'Sydney Plumbing',
    });
    expect(realm.json).toMatchObject({ country: 'AU', companyName: 'Sydney Plumbing' });
    const prefs = await control(t.sandbox, 'PATCH', `/realms/${realm.json.realmId}`, {
      customTxnNumbers: true,
      bookCloseDate: '2026-01-31',
    });
    expect(prefs.json).toMatchObject({ customTxnNumbers: true, bookCloseDate: '2026-01-31' });
    const tokens = (
      await control(t.sandbox, 'POST', '/tokens', {
        realmId: realm.json.realmId,
        clientId: app.json.clientId,
      })
    ).json;
    const qbo = new TestClient(t.sandbox, tokens.access_token, realm.json.realmId);
    expect((await qbo.get('/preferences')).json.Preferences.SalesFormsPrefs.CustomTxnNumbers).toBe(true);
    const invalid = await control(t.sandbox, 'POST', '/realms', { country: 'FR' });
    expect(invalid.status).toBe(400);
  });

  it('injects faults and latency, and shows the request log', async () => {
    const tokens = (await control(t.sandbox, 'POST', '/tokens', { realmId: US_REALM })).json;
    const qbo = new TestClient(t.sandbox, tokens.access_token, US_REALM);
    const rule = await control(t.sandbox, 'POST', '/faults', {
      match: { entity: 'Customer' },
      times: 1,
      action: { type: 'status', status: 503 },
    });
    expect(rule.json.id).toBeTruthy();
    expect((await control(t.sandbox, 'GET', '/faults')).json.faults).toHaveLength(1);
    expect((await qbo.get('/customer/1')).status).toBe(503);
    expect((await qbo.get('/customer/1')).status).toBe(200);
    expect((await control(t.sandbox, 'POST', '/faults', { action: { type: 'explode' } })).status).toBe(400);
    await control(t.sandbox, 'POST', '/latency', { fixedMs: 60, times: 1 });
    const started = Date.now();
    await qbo.get('/item/1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    const log = (await control(t.sandbox, 'GET', `/requests?realmId=${US_REALM}`)).json;
    expect(log.map((e: { status: number }) => e.status)).toEqual([503, 200, 200]);
    expect(log[0].fault).toBe(rule.json.id);
    await control(t.sandbox, 'DELETE', '/requests');
    expect((await control(t.sandbox, 'GET', '/requests')).json).toEqual([]);
  });

  it('simulates a user who lost access (401 / 120)', async () => {
    const tokens = (await control(t.sandbox, 'POST', '/tokens', { realmId: US_REALM })).json;
    await control(t.sandbox, 'POST', `/realms/${US_REALM}/access`, {
      clientId: t.sandbox.app.clientId,
      hasAccess: false,
    });
    expect((await new TestClient(t.sandbox, tokens.access_token, US_REALM).get('/customer/1')).status).toBe(
      401,
    );
  });

  it('sends test webhook events and reports deliveries', async () => {
    const received: string[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push(body);
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await control(t.sandbox, 'PATCH', `/apps/${t.sandbox.app.clientId}`, {
      webhookUrl: `http://127.0.0.1:${port}/hook`,
    });
    const events = await control(t.sandbox, 'POST', '/webhooks/test-events', {});
    expect(events.json.length).toBeGreaterThan(0);
    expect((await control(t.sandbox, 'POST', '/webhooks/drain', { timeoutMs: 2000 })).json.drained).toBe(
      true,
    );
    expect(received).toHaveLength(1);
    expect((await control(t.sandbox, 'GET', '/webhooks/deliveries')).json[0]).toMatchObject({
      status: 200,
      delivered: true,
    });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
