import { describe, expect, it } from '@jest/globals';
import { salesLine, useSandbox } from './helpers.js';

const t = useSandbox();

describe('batch', () => {
  it('answers each item by bId, succeeding or faulting independently', async () => {
    const invoice = (await t.qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(10)] }))
      .json.Invoice;
    const response = await t.qbo.post('/batch', {
      BatchItemRequest: [
        { bId: 'c1', operation: 'create', Customer: { DisplayName: 'Batch Customer' } },
        { bId: 'c2', operation: 'create', Customer: { DisplayName: 'Cool Cars' } },
        {
          bId: 'u1',
          operation: 'update',
          Customer: { Id: '2', SyncToken: '0', sparse: true, Notes: 'batched' },
        },
        { bId: 'd1', operation: 'delete', Invoice: { Id: invoice.Id, SyncToken: invoice.SyncToken } },
        { bId: 'q1', Query: "select * from Customer where DisplayName = 'Cool Cars'" },
        {
          bId: 's1',
          operation: 'update',
          Customer: { Id: '3', SyncToken: '7', sparse: true, Notes: 'stale' },
        },
      ],
    });
    expect(response.status).toBe(200);
    const items = response.json.BatchItemResponse;
    const byId = Object.fromEntries(items.map((item: { bId: string }) => [item.bId, item]));
    expect(byId.c1.Customer.DisplayName).toBe('Batch Customer');
    expect(byId.c2.Fault.Error[0].code).toBe('6240');
    expect(byId.u1.Customer).toMatchObject({ Notes: 'batched', SyncToken: '1' });
    expect(byId.d1.Invoice).toEqual({ status: 'Deleted', domain: 'QBO', Id: invoice.Id });
    expect(byId.q1.QueryResponse.Customer[0].Id).toBe('3');
    expect(byId.s1.Fault.Error[0].code).toBe('5010');
    expect(response.json.time).toBeTruthy();
    // One answer per bId; their order is the execution order, not the request's (batch-isolation.test.ts).
    const answered = items.map((item: { bId: string }) => item.bId).sort();
    expect(answered).toEqual(['c1', 'c2', 'd1', 'q1', 's1', 'u1']);
  });

  it('voids through optionsData and honours allowduplicatedocnum', async () => {
    const invoice = (
      await t.qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(10)], DocNumber: 'B-1' })
    ).json.Invoice;
    const response = await t.qbo.post('/batch', {
      BatchItemRequest: [
        { bId: 'v', operation: 'update', optionsData: 'void', Invoice: { Id: invoice.Id, SyncToken: '0' } },
        {
          bId: 'dup',
          operation: 'create',
          optionsData: ['allowduplicatedocnum'],
          Invoice: { CustomerRef: { value: '1' }, Line: [salesLine(5)], DocNumber: 'B-1' },
        },
      ],
    });
    const byId = Object.fromEntries(
      response.json.BatchItemResponse.map((item: { bId: string }) => [item.bId, item]),
    );
    expect(byId.v.Invoice).toMatchObject({ TotalAmt: 0, Balance: 0 });
    expect(byId.dup.Invoice.DocNumber).toBe('B-1');
  });

  it('rejects more than 30 items', async () => {
    const items = Array.from({ length: 31 }, (_, i) => ({
      bId: String(i),
      Query: 'select count(*) from Item',
    }));
    const response = await t.qbo.post('/batch', { BatchItemRequest: items });
    expect(response.status).toBe(400);
    expect(response.json.Fault).toBeDefined();
    expect(
      (await t.qbo.post('/batch', { BatchItemRequest: items.slice(0, 30) })).json.BatchItemResponse,
    ).toHaveLength(30);
  });
});

describe('change data capture', () => {
  it('returns entities changed since an instant, newest first, deleted ones as status: Deleted', async () => {
    t.sandbox.control.setClock('2026-06-01T12:00:00Z', { freeze: true });
    const kept = (await t.qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(10)] })).json
      .Invoice;
    const gone = (await t.qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(20)] })).json
      .Invoice;
    t.sandbox.control.advanceClock(1000);
    await t.qbo.post('/invoice?operation=delete', { Id: gone.Id, SyncToken: gone.SyncToken });
    await t.qbo.post('/customer', { Id: '4', SyncToken: '0', sparse: true, Notes: 'changed' });

    const since = '2026-06-01T11:00:00Z';
    const response = await t.qbo.get(
      `/cdc?entities=Invoice,Customer,Payment&changedSince=${encodeURIComponent(since)}`,
    );
    expect(response.status).toBe(200);
    const [invoices, customers, payments] = response.json.CDCResponse[0].QueryResponse;
    expect(invoices.Invoice.map((i: { Id: string; status?: string }) => [i.Id, i.status])).toEqual([
      [gone.Id, 'Deleted'],
      [kept.Id, undefined],
    ]);
    expect(customers.Customer.map((c: { Id: string }) => c.Id)).toEqual(['4']);
    expect(payments).toEqual({});
  });

  it('limits the lookback to 30 days', async () => {
    const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
    const response = await t.qbo.get(`/cdc?entities=Invoice&changedSince=${encodeURIComponent(old)}`);
    expect(response.status).toBe(400);
    t.sandbox.control.updateSettings({ cdc: { tooOld: 'clamp' } });
    expect((await t.qbo.get(`/cdc?entities=Invoice&changedSince=${encodeURIComponent(old)}`)).status).toBe(
      200,
    );
  });

  it('caps the answer at 1000 objects across all entities', async () => {
    t.sandbox.control.updateSettings({ cdc: { maxObjects: 3 } });
    t.sandbox.control.setClock('2026-06-01T12:00:00Z');
    for (let i = 0; i < 3; i += 1) await t.qbo.post('/customer', { DisplayName: `CDC Customer ${i}` });
    await t.qbo.post('/item', { Name: 'CDC Item', Type: 'Service', IncomeAccountRef: { value: '14' } });
    const response = await t.qbo.get('/cdc?entities=Customer,Item&changedSince=2026-06-01T11:00:00Z');
    const [customers, items] = response.json.CDCResponse[0].QueryResponse;
    expect(customers.Customer).toHaveLength(3);
    expect(items).toEqual({});
  });
});
