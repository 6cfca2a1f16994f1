import { beforeEach, describe, expect, it } from '@jest/globals';
import type { TestClient } from './helpers.js';
import { salesLine, useSandbox } from './helpers.js';

const t = useSandbox();

beforeEach(() => {
  // These tests freeze the emulator clock, so a per-second rate limit would see every request in one second.
  t.sandbox.control.updateSettings({ limits: { perSecond: null } });
});

/** Freezes the emulator clock, so every write is stamped with exactly this instant. */
function at(instant: string): void {
  t.sandbox.control.setClock(instant, { freeze: true });
}

async function cdc(qbo: TestClient, entities: string, changedSince: string) {
  return qbo.get(`/cdc?entities=${entities}&changedSince=${encodeURIComponent(changedSince)}`);
}

/** Ids (with status when deleted) per requested entity, in response order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function rows(response: { json: any }, entity: string): string[] {
  const blocks = response.json.CDCResponse[0].QueryResponse as Record<string, unknown>[];
  const block = blocks.find((b) => entity in b) as
    Record<string, { Id: string; status?: string }[]> | undefined;
  return (block?.[entity] ?? []).map((row) => (row.status ? `${row.Id} ${row.status}` : row.Id));
}

async function touchCustomer(qbo: TestClient, id: string, notes: string) {
  const current = (await qbo.get(`/customer/${id}`)).json.Customer;
  const response = await qbo.post('/customer', {
    Id: id,
    SyncToken: current.SyncToken,
    sparse: true,
    Notes: notes,
  });
  expect(response.status).toBe(200);
  return response.json.Customer;
}

describe('CDC boundary', () => {
  it('returns a change made at 15:20:00.700 for changedSince=15:20:00.500Z, though it shows 15:20:00', async () => {
    const qbo = t.qbo;
    at('2026-06-01T15:20:00.300Z');
    await touchCustomer(qbo, '5', 'before the checkpoint');
    at('2026-06-01T15:20:00.700Z');
    const changed = await touchCustomer(qbo, '4', 'after the checkpoint');
    // On the wire LastUpdatedTime has whole seconds, in company time (US: -08:00), as Intuit renders it.
    expect(changed.MetaData.LastUpdatedTime).toBe('2026-06-01T07:20:00-08:00');

    const response = await cdc(qbo, 'Customer', '2026-06-01T15:20:00.500Z');
    expect(response.status).toBe(200);
    expect(rows(response, 'Customer')).toEqual(['4']);
  });

  it('with changeTimePrecision "seconds" the same change is missed, and a checkpoint a second earlier finds it', async () => {
    t.sandbox.control.updateSettings({ cdc: { changeTimePrecision: 'seconds' } });
    const qbo = t.qbo;
    at('2026-06-01T15:20:00.700Z');
    await touchCustomer(qbo, '4', 'after the checkpoint');

    expect(rows(await cdc(qbo, 'Customer', '2026-06-01T15:20:00.500Z'), 'Customer')).toEqual([]);
    expect(rows(await cdc(qbo, 'Customer', '2026-06-01T15:19:59.500Z'), 'Customer')).toEqual(['4']);
    expect(rows(await cdc(qbo, 'Customer', '2026-06-01T15:20:00Z'), 'Customer')).toEqual(['4']);
  });

  it('returns a deletion at or after changedSince as status Deleted, in the shape of Intuit sample', async () => {
    const qbo = t.qbo;
    at('2026-06-01T15:20:00.100Z');
    const invoice = (await qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(10)] })).json
      .Invoice;
    at('2026-06-01T15:20:00.700Z');
    await qbo.post('/invoice?operation=delete', { Id: invoice.Id, SyncToken: invoice.SyncToken });

    const response = await cdc(qbo, 'Invoice', '2026-06-01T15:20:00.500Z');
    const [block] = response.json.CDCResponse[0].QueryResponse;
    expect(block.Invoice).toEqual([
      {
        domain: 'QBO',
        status: 'Deleted',
        Id: invoice.Id,
        MetaData: { LastUpdatedTime: '2026-06-01T07:20:00-08:00' },
      },
    ]);
    t.sandbox.control.updateSettings({ cdc: { changeTimePrecision: 'seconds' } });
    expect(rows(await cdc(qbo, 'Invoice', '2026-06-01T15:20:00.500Z'), 'Invoice')).toEqual([]);
  });

  it('used as the next changedSince, the response time finds a later change at full precision; with whole seconds only after a one-second overlap', async () => {
    const qbo = t.qbo;
    at('2026-06-01T15:20:00.500Z');
    const poll = await cdc(qbo, 'Customer', '2026-06-01T15:00:00Z');
    expect(poll.json.time).toBe('2026-06-01T07:20:00.500-08:00');
    at('2026-06-01T15:20:00.700Z');
    await touchCustomer(qbo, '4', 'right after the poll');

    expect(rows(await cdc(qbo, 'Customer', poll.json.time), 'Customer')).toEqual(['4']);
    t.sandbox.control.updateSettings({ cdc: { changeTimePrecision: 'seconds' } });
    expect(rows(await cdc(qbo, 'Customer', poll.json.time), 'Customer')).toEqual([]);
    const overlap = new Date(Date.parse(poll.json.time) - 1000).toISOString();
    expect(rows(await cdc(qbo, 'Customer', overlap), 'Customer')).toEqual(['4']);
  });
});

describe('CDC rows', () => {
  it('lists a record changed several times once, in its latest state', async () => {
    const qbo = t.qbo;
    at('2026-06-01T12:00:00Z');
    const created = (await qbo.post('/customer', { DisplayName: 'Changed Thrice' })).json.Customer;
    t.sandbox.control.advanceClock(1500);
    await touchCustomer(qbo, created.Id, 'second');
    t.sandbox.control.advanceClock(1500);
    await touchCustomer(qbo, created.Id, 'third');

    const response = await cdc(qbo, 'Customer', '2026-06-01T11:00:00Z');
    const [block] = response.json.CDCResponse[0].QueryResponse;
    expect(block.Customer).toHaveLength(1);
    expect(block.Customer[0]).toMatchObject({ Id: created.Id, SyncToken: '2', Notes: 'third' });
    expect(block).toMatchObject({ startPosition: 1, maxResults: 1 });
  });

  it('lists an invoice created and deleted since the checkpoint only as Deleted', async () => {
    const qbo = t.qbo;
    at('2026-06-01T12:00:00Z');
    const invoice = (await qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(10)] })).json
      .Invoice;
    await qbo.post('/invoice?operation=delete', { Id: invoice.Id, SyncToken: invoice.SyncToken });
    expect(rows(await cdc(qbo, 'Invoice', '2026-06-01T11:00:00Z'), 'Invoice')).toEqual([
      `${invoice.Id} Deleted`,
    ]);
  });

  it('orders rows newest first by default, oldest first on request, and the cap keeps the first rows', async () => {
    const qbo = t.qbo;
    at('2026-06-01T12:00:00Z');
    const ids: string[] = [];
    for (const name of ['Oldest', 'Middle', 'Newest']) {
      ids.push((await qbo.post('/customer', { DisplayName: `CDC ${name}` })).json.Customer.Id);
      t.sandbox.control.advanceClock(250);
    }
    const since = '2026-06-01T11:00:00Z';
    expect(rows(await cdc(qbo, 'Customer', since), 'Customer')).toEqual([...ids].reverse());
    t.sandbox.control.updateSettings({ cdc: { maxObjects: 2 } });
    expect(rows(await cdc(qbo, 'Customer', since), 'Customer')).toEqual([ids[2], ids[1]]);
    t.sandbox.control.updateSettings({ cdc: { order: 'oldest-first' } });
    expect(rows(await cdc(qbo, 'Customer', since), 'Customer')).toEqual([ids[0], ids[1]]);
  });

  it('shares the 1,000-object cap across the requested entities, in request order', async () => {
    const qbo = t.qbo;
    t.sandbox.control.updateSettings({ cdc: { maxObjects: 3 } });
    at('2026-06-01T12:00:00Z');
    await qbo.post('/item', { Name: 'CDC Item', Type: 'Service', IncomeAccountRef: { value: '14' } });
    for (let i = 0; i < 3; i += 1) await qbo.post('/customer', { DisplayName: `CDC Capped ${i}` });
    const response = await cdc(qbo, 'Item,Customer', '2026-06-01T11:00:00Z');
    const [items, customers] = response.json.CDCResponse[0].QueryResponse;
    expect(items.Item).toHaveLength(1);
    expect(customers.Customer).toHaveLength(2);
  });

  it('accepts entity names in any case, as in Intuit sample (entities=estimate,customer)', async () => {
    const qbo = t.qbo;
    at('2026-06-01T12:00:00Z');
    await touchCustomer(qbo, '4', 'lower-case request');
    const response = await cdc(qbo, 'invoice,customer', '2026-06-01T11:00:00Z');
    expect(response.status).toBe(200);
    expect(rows(response, 'Customer')).toEqual(['4']);
  });

  it('refuses the entities Intuit excludes from CDC (TaxCode, TaxRate)', async () => {
    const qbo = t.qbo;
    at('2026-06-01T12:00:00Z');
    for (const entity of ['TaxCode', 'TaxRate', 'Customer,TaxCode']) {
      const response = await cdc(qbo, entity, '2026-06-01T11:00:00Z');
      expect(response.status).toBe(400);
      expect(response.json.Fault.Error[0].code).toBe('4001');
    }
  });
});

describe('CDC changedSince', () => {
  const changeAt = async (instant = '2026-06-01T12:00:00.250Z') => {
    const qbo = t.qbo;
    at(instant);
    await touchCustomer(qbo, '4', `changed at ${instant}`);
    return qbo;
  };

  it('reads Z, numeric offsets, fractions and nanoseconds (a webhook time) as instants', async () => {
    const qbo = await changeAt();
    const found = (since: string) => cdc(qbo, 'Customer', since).then((r) => rows(r, 'Customer'));
    expect(await found('2026-06-01T12:00:00.250Z')).toEqual(['4']);
    expect(await found('2026-06-01T12:00:00.251Z')).toEqual([]);
    expect(await found('2026-06-01T04:00:00.250-08:00')).toEqual(['4']);
    expect(await found('2026-06-01T13:00:00+01:00')).toEqual(['4']);
    expect(await found('2026-06-01T13:00:01+01:00')).toEqual([]);
    expect(await found('2026-06-01T11:59+00:00')).toEqual(['4']);
    expect(await found('2026-06-01T12:00:00.249999999Z')).toEqual(['4']);
  });

  it('reads a date-only value, and a date-time without offset, in the company time zone', async () => {
    // 05:00Z is 21:00 on May 31 for the US company (-08:00): read as UTC, both later values would match.
    const qbo = await changeAt('2026-06-01T05:00:00.250Z');
    expect(rows(await cdc(qbo, 'Customer', '2026-06-01'), 'Customer')).toEqual([]);
    expect(rows(await cdc(qbo, 'Customer', '2026-05-31'), 'Customer')).toEqual(['4']);
    expect(rows(await cdc(qbo, 'Customer', '2026-05-31T21:00:00'), 'Customer')).toEqual(['4']);
    expect(rows(await cdc(qbo, 'Customer', '2026-05-31T21:00:01'), 'Customer')).toEqual([]);
  });

  it('rejects values that are not ISO 8601, including a + offset sent unencoded', async () => {
    const qbo = await changeAt();
    for (const raw of [
      'June%201,%202026',
      '2026-02-30T00:00:00Z',
      '2026-06-01T12:00:00+00:00',
      'yesterday',
    ]) {
      const response = await qbo.get(`/cdc?entities=Customer&changedSince=${raw}`);
      expect([raw, response.status, response.json.Fault.Error[0].code]).toEqual([raw, 400, '2010']);
    }
  });

  it('limits the lookback to 30 days with the error a developer reported, or clamps on request', async () => {
    const qbo = t.qbo;
    at('2026-06-01T12:00:00Z');
    const old = '2026-05-01T11:59:59Z';
    const response = await cdc(qbo, 'Customer', old);
    expect(response.status).toBe(400);
    expect(response.json.Fault.Error[0].Detail).toBe(
      `Operation cdc with changedSince date ${old} which is older than fixed days is not supported.`,
    );
    expect((await cdc(qbo, 'Customer', '2026-05-02T12:00:00Z')).status).toBe(200);
    t.sandbox.control.updateSettings({ cdc: { tooOld: 'clamp' } });
    expect((await cdc(qbo, 'Customer', old)).status).toBe(200);
  });
});
