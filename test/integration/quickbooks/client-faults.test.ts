import { describe, expect, it } from '@jest/globals';
import { QuickBooksClient } from '../../../src/quickbooks/client.js';
import { QuickBooksError } from '../../../src/quickbooks/errors.js';
import { newRequestId } from '../../../src/quickbooks/http.js';
import { CA_REALM, US_REALM, closedPort, useEmulator } from './emulator.js';

const emulator = useEmulator();

const apiRequests = (path?: string) =>
  emulator.sandbox.control.requests({ path }).filter((entry) => entry.path.startsWith('/v3/'));

const failureOf = async (promise: Promise<unknown>): Promise<QuickBooksError> => {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof QuickBooksError))
    throw new Error(`expected a QuickBooksError, got ${String(outcome)}`);
  return outcome;
};

const customersNamed = (name: string) =>
  emulator.sandbox.control
    .listEntities(US_REALM, 'Customer')
    .filter((customer) => customer.DisplayName === name);

describe('QuickBooks failures, as the emulator produces them', () => {
  it('refreshes once after an expired token and resends the write with the same requestid', async () => {
    const tokens = emulator.tokens();
    const expired = tokens.current.accessToken;
    const client = emulator.client(US_REALM, tokens);
    emulator.sandbox.control.advanceClock(3601 * 1000);

    const requestId = newRequestId();
    const { entity } = await client.create('Customer', { DisplayName: 'After Refresh' }, { requestId });

    expect(tokens.refreshedAfter).toEqual([expired]);
    expect(apiRequests('/customer').map((entry) => [entry.status, entry.requestid])).toEqual([
      [401, requestId],
      [200, requestId],
    ]);
    expect(customersNamed('After Refresh').map((customer) => customer.Id)).toEqual([entity.Id]);
    expect(emulator.log.text()).not.toContain(expired.slice(0, 12));
    expect(emulator.log.text()).not.toContain(tokens.current.accessToken.slice(0, 12));
  });

  it('refreshes only once: a second 401 is the error', async () => {
    const tokens = emulator.tokens();
    emulator.sandbox.control.injectFault({
      match: { operation: 'read' },
      times: 2,
      action: {
        type: 'status',
        status: 401,
        fault: { code: '3200', format: 'json-lowercase', type: 'AUTHENTICATION' },
      },
    });
    const failure = await failureOf(emulator.client(US_REALM, tokens).read('Customer', '1'));
    expect(failure).toMatchObject({ kind: 'authentication', status: 401, code: '3200' });
    expect(tokens.refreshedAfter).toHaveLength(1);
    expect(apiRequests('/customer')).toHaveLength(2);
  });

  it('carries the wait of a 429 (XML 3001) and leaves a long one to the caller', async () => {
    emulator.sandbox.control.updateSettings({ limits: { retryAfterSeconds: 30 } });
    emulator.sandbox.control.injectFault({ match: { operation: 'read' }, action: { type: 'throttle' } });
    const failure = await failureOf(emulator.client().read('Customer', '1'));
    expect(failure).toMatchObject({ kind: 'throttled', status: 429, code: '3001', retryAfterMs: 30_000 });
    expect(failure.intuitTid).toBe(apiRequests().at(-1)?.intuitTid);
    expect(apiRequests()).toHaveLength(1);
    expect(emulator.sleeps).toEqual([]);
  });

  it("waits Intuit's 60 s when the 429 has no Retry-After", async () => {
    emulator.sandbox.control.injectFault({ match: { operation: 'query' }, action: { type: 'throttle' } });
    const failure = await failureOf(emulator.client().queryPage('select * from Item'));
    expect(failure).toMatchObject({ kind: 'throttled', retryAfterMs: 60_000, retryable: true });
  });

  it('sits out a short Retry-After itself and then succeeds', async () => {
    emulator.sandbox.control.injectFault({
      match: { operation: 'read' },
      action: {
        type: 'status',
        status: 429,
        fault: { code: '3001', format: 'xml', type: 'SERVICE' },
        headers: { 'retry-after': '1' },
      },
    });
    await expect(emulator.client().read('Customer', '1')).resolves.toMatchObject({ entity: { Id: '1' } });
    expect(emulator.sleeps).toEqual([1000]);
  });

  it('answers a stale SyncToken with stale_object and does not resend it', async () => {
    const client = emulator.client();
    const { entity } = await client.create(
      'Customer',
      { DisplayName: 'Edited Elsewhere' },
      { requestId: newRequestId() },
    );
    emulator.sandbox.control.editEntity(US_REALM, 'Customer', entity.Id, { Notes: 'edited in QuickBooks' });
    const failure = await failureOf(
      client.sparseUpdate(
        'Customer',
        { Id: entity.Id, SyncToken: entity.SyncToken, Notes: 'ours' },
        {
          requestId: newRequestId(),
        },
      ),
    );
    expect(failure).toMatchObject({ kind: 'stale_object', code: '5010', retryable: true, status: 400 });
    expect(failure.detail).toMatch(
      /^Stale Object Error : You and root were working on this at the same time/,
    );
    expect(apiRequests('/customer')).toHaveLength(2);
  });

  it("answers a duplicate name with validation 6240 and Intuit's detail, not retried", async () => {
    const failure = await failureOf(
      emulator
        .client()
        .create('Customer', { DisplayName: "Amy's Bird Sanctuary" }, { requestId: newRequestId() }),
    );
    expect(failure).toMatchObject({
      kind: 'validation',
      code: '6240',
      retryable: false,
      element: undefined,
      detail:
        'The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.',
    });
    expect(apiRequests('/customer')).toHaveLength(1);
  });

  it('names the field Intuit blames (2020 with element)', async () => {
    const failure = await failureOf(
      emulator.client().create(
        'Invoice',
        {
          Line: [
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 10,
              SalesItemLineDetail: { ItemRef: { value: '1' } },
            },
          ],
        },
        { requestId: newRequestId() },
      ),
    );
    expect(failure).toMatchObject({ kind: 'validation', code: '2020', element: 'CustomerRef' });
  });

  it('backs off through 500/10000 and succeeds, one object under one requestid', async () => {
    emulator.sandbox.control.injectFault({
      match: { entity: 'customer', method: 'POST' },
      times: 2,
      action: { type: 'status', status: 500, fault: { code: '10000', type: 'SystemFault' } },
    });
    const requestId = newRequestId();
    const { entity } = await emulator.client().create('Customer', { DisplayName: 'Survivor' }, { requestId });
    expect(apiRequests('/customer').map((entry) => [entry.status, entry.requestid])).toEqual([
      [500, requestId],
      [500, requestId],
      [200, requestId],
    ]);
    // Full jitter with the draw pinned at 0.5: half of 500 ms, then half of 1000 ms.
    expect(emulator.sleeps).toEqual([250, 500]);
    expect(customersNamed('Survivor').map((customer) => customer.Id)).toEqual([entity.Id]);
  });

  it('gives up on a 500 that does not go away, with the last intuit_tid', async () => {
    emulator.sandbox.control.injectFault({
      match: { operation: 'read' },
      times: null,
      action: { type: 'status', status: 503 },
    });
    const failure = await failureOf(emulator.client().read('Customer', '1'));
    expect(failure).toMatchObject({ kind: 'transient', status: 503 });
    expect(failure.intuitTid).toBe(apiRequests().at(-1)?.intuitTid);
    expect(apiRequests()).toHaveLength(3);
  });

  it('reports a create whose answer was lost as ambiguous, and the object exists', async () => {
    emulator.sandbox.control.injectFault({
      match: { entity: 'customer', method: 'POST' },
      action: { type: 'commit-then-drop' },
    });
    const client = emulator.client();
    const requestId = newRequestId();
    const body = { DisplayName: 'Committed Then Dropped' };
    const failure = await failureOf(client.create('Customer', body, { requestId }));
    expect(failure).toMatchObject({ kind: 'ambiguous', retryable: true, realmId: US_REALM });
    expect(apiRequests('/customer').map((entry) => [entry.status, entry.outcome])).toEqual([[0, 'dropped']]);
    const stored = customersNamed('Committed Then Dropped');
    expect(stored).toHaveLength(1);

    // What the caller does next: look it up (here by name), or resend under the same requestid.
    const found = await client.queryPage(
      "select * from Customer where DisplayName = 'Committed Then Dropped'",
    );
    expect(found.rows.map((row) => row.Id)).toEqual([stored[0]?.Id]);
    const replay = await client.create('Customer', body, { requestId });
    expect(replay.entity.Id).toBe(stored[0]?.Id);
    expect(customersNamed('Committed Then Dropped')).toHaveLength(1);
  });

  it('reports a write that timed out as ambiguous, and retries a read that timed out', async () => {
    const http = emulator.http({ timeoutMs: 300 });
    const client = new QuickBooksClient({ http, realmId: US_REALM, tokens: emulator.tokens() });
    emulator.sandbox.control.injectFault({
      match: { entity: 'customer', method: 'POST' },
      action: { type: 'hang', ms: 1500, thenCommit: true },
    });
    const failure = await failureOf(
      client.create('Customer', { DisplayName: 'Slow Commit' }, { requestId: newRequestId() }),
    );
    expect(failure).toMatchObject({ kind: 'ambiguous' });
    expect(failure.message).toContain('no answer within 300 ms');

    emulator.sandbox.control.injectFault({
      match: { operation: 'read' },
      action: { type: 'hang', ms: 1500 },
    });
    await expect(client.read('Customer', '1')).resolves.toMatchObject({ entity: { Id: '1' } });
    expect(emulator.sleeps).toHaveLength(1);
  });

  it('retries a write that could not connect, because nothing was sent', async () => {
    const http = emulator.http({ apiBaseUrl: `http://127.0.0.1:${await closedPort()}` });
    const client = new QuickBooksClient({ http, realmId: US_REALM, tokens: emulator.tokens() });
    const failure = await failureOf(
      client.create('Customer', { DisplayName: 'Nowhere' }, { requestId: newRequestId() }),
    );
    expect(failure).toMatchObject({ kind: 'transient' });
    expect(failure.message).toContain('ECONNREFUSED');
    expect(emulator.sleeps).toHaveLength(2);
  });

  it('reads the XML 401/100 of a token for another company as wrong_realm, without refreshing', async () => {
    const tokens = emulator.tokens(US_REALM);
    const failure = await failureOf(emulator.client(CA_REALM, tokens).companyInfo());
    expect(failure).toMatchObject({
      kind: 'wrong_realm',
      status: 401,
      code: '100',
      realmId: CA_REALM,
      retryable: false,
    });
    expect(tokens.refreshedAfter).toEqual([]);
  });

  it('reads the XML 401/120 of a user who lost access as reauthorization', async () => {
    const tokens = emulator.tokens();
    emulator.sandbox.control.setUserAccess(US_REALM, emulator.sandbox.app.clientId, false);
    const failure = await failureOf(emulator.client(US_REALM, tokens).companyInfo());
    expect(failure).toMatchObject({ kind: 'reauthorization', status: 401, code: '120' });
    expect(tokens.refreshedAfter).toEqual([]);
  });

  it('reads the 403/3100 of a grant without the accounting scope as scope', async () => {
    const tokens = emulator.tokens(US_REALM, ['openid', 'email']);
    const failure = await failureOf(emulator.client(US_REALM, tokens).companyInfo());
    expect(failure).toMatchObject({ kind: 'scope', status: 403, code: '3100', retryable: false });
  });
});
