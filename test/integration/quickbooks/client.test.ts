import { describe, expect, it } from '@jest/globals';
import { type QuickBooksEntity } from '../../../src/quickbooks/client.js';
import { isQuickBooksError, QuickBooksError } from '../../../src/quickbooks/errors.js';
import { MINOR_VERSION, newRequestId } from '../../../src/quickbooks/http.js';
import { US_REALM, useEmulator } from './emulator.js';

const emulator = useEmulator();

const invoiceFor = (customerId: string, amount: number) => ({
  CustomerRef: { value: customerId },
  Line: [
    { DetailType: 'SalesItemLineDetail', Amount: amount, SalesItemLineDetail: { ItemRef: { value: '1' } } },
  ],
});

const apiRequests = (path?: string) =>
  emulator.sandbox.control
    .requests({ realmId: US_REALM, path })
    .filter((entry) => entry.path.startsWith('/v3/'));

describe('the QuickBooks client against the emulator', () => {
  it('reads the company, pinning minorversion and capturing intuit_tid', async () => {
    const { entity, intuitTid } = await emulator.client().companyInfo();
    expect(entity).toMatchObject({ Id: expect.any(String), SyncToken: expect.any(String), Country: 'US' });
    const [logged] = apiRequests();
    expect(intuitTid).toBe(logged?.intuitTid);
    expect(new URLSearchParams(logged?.query).get('minorversion')).toBe(MINOR_VERSION);
    expect(logged?.minorVersion).toBe(75);
    // Reads carry no requestid: a replayed read would answer stale data.
    expect(logged?.requestid).toBeNull();
  });

  it('reads an entity by id, and a missing one is not_found with its intuit_tid', async () => {
    const client = emulator.client();
    const { entity } = await client.read('Customer', '1');
    expect(entity).toMatchObject({ Id: '1', DisplayName: "Amy's Bird Sanctuary" });

    const missing = await client.read('Customer', '999999').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(QuickBooksError);
    expect(missing).toMatchObject({ kind: 'not_found', code: '610', status: 400, realmId: US_REALM });
    expect((missing as QuickBooksError).intuitTid).toBe(apiRequests().at(-1)?.intuitTid);
  });

  it('pages through every row of a query with STARTPOSITION/MAXRESULTS', async () => {
    const expected = emulator.sandbox.control
      .listEntities(US_REALM, 'Customer')
      .filter((customer) => customer.Active !== false)
      .map((customer) => customer.Id);
    const ids: string[] = [];
    for await (const customer of emulator
      .client()
      .query('select * from Customer ORDERBY Id', { pageSize: 10 })) {
      ids.push(customer.Id);
    }
    expect(expected.length).toBeGreaterThan(20);
    expect(ids.sort()).toEqual([...expected].sort());
    const statements = apiRequests('/query').map((entry) => new URLSearchParams(entry.query).get('query'));
    expect(statements).toEqual(
      Array.from(
        { length: Math.ceil(expected.length / 10) },
        (_, page) => `select * from Customer ORDERBY Id STARTPOSITION ${page * 10 + 1} MAXRESULTS 10`,
      ),
    );
  });

  it('answers one page, and an empty result as no rows', async () => {
    const client = emulator.client();
    const page = await client.queryPage('select * from Customer ORDERBY Id', {
      startPosition: 3,
      maxResults: 5,
    });
    expect(page.rows).toHaveLength(5);
    expect(page.startPosition).toBe(3);
    const amy = await client.queryPage("select * from Customer where DisplayName = 'Amy\\'s Bird Sanctuary'");
    expect(amy.rows.map((row) => row.Id)).toEqual(['1']);
    const none = await client.queryPage("select * from Customer where DisplayName = 'Nobody at all'");
    expect(none.rows).toEqual([]);
  });

  it('creates with the caller’s requestid, and the same requestid again stores nothing new', async () => {
    const client = emulator.client();
    const requestId = newRequestId();
    const body = {
      DisplayName: 'Nordlys Rørlegger AS',
      PrimaryEmailAddr: { Address: 'post@nordlys.example' },
    };
    const first = await client.create('Customer', body, { requestId });
    expect(first.entity).toMatchObject({ DisplayName: 'Nordlys Rørlegger AS', SyncToken: '0' });
    expect(emulator.sandbox.control.getEntity(US_REALM, 'Customer', first.entity.Id)).toBeDefined();

    // The same logical write sent again (a caller's retry): Intuit replays the first answer (§3.7), which
    // only works because the sender sends the same bytes under the same requestid.
    const again = await client.create('Customer', body, { requestId });
    expect(again.entity.Id).toBe(first.entity.Id);
    const writes = apiRequests('/customer');
    expect(writes.map((entry) => [entry.requestid, entry.replayed])).toEqual([
      [requestId, false],
      [requestId, true],
    ]);
  });

  it('sparse-updates only the fields sent', async () => {
    const client = emulator.client();
    const { entity: created } = await client.create(
      'Customer',
      { DisplayName: 'Fjord Heating', CompanyName: 'Fjord Heating AS' },
      { requestId: newRequestId() },
    );
    const { entity: updated } = await client.sparseUpdate(
      'Customer',
      { Id: created.Id, SyncToken: created.SyncToken, Notes: 'Pays by card' },
      { requestId: newRequestId() },
    );
    expect(updated).toMatchObject({
      Id: created.Id,
      SyncToken: '1',
      Notes: 'Pays by card',
      DisplayName: 'Fjord Heating',
      CompanyName: 'Fjord Heating AS',
    });
  });

  it('voids an invoice (operation=void) and a payment (operation=update&include=void)', async () => {
    const client = emulator.client();
    const { entity: invoice } = await client.create('Invoice', invoiceFor('1', 120), {
      requestId: newRequestId(),
    });
    expect(invoice.TotalAmt).toBe(120);
    const { entity: voided } = await client.void('Invoice', invoice, { requestId: newRequestId() });
    expect(voided).toMatchObject({ Id: invoice.Id, TotalAmt: 0, Balance: 0 });
    expect(String(voided.PrivateNote)).toMatch(/^Voided/);

    const { entity: payment } = await client.create(
      'Payment',
      { CustomerRef: { value: '1' }, TotalAmt: 25 },
      { requestId: newRequestId() },
    );
    const { entity: voidedPayment } = await client.void('Payment', payment, { requestId: newRequestId() });
    expect(voidedPayment).toMatchObject({ Id: payment.Id, TotalAmt: 0, PrivateNote: 'Voided' });
    expect(apiRequests().map((entry) => entry.operation)).toEqual(['write', 'void', 'write', 'void']);
  });

  it('runs a batch and answers every item in request order, faults parsed per item', async () => {
    const client = emulator.client();
    const { entity: existing } = await client.create(
      'Customer',
      { DisplayName: 'Stale Co' },
      { requestId: newRequestId() },
    );
    emulator.sandbox.control.editEntity(US_REALM, 'Customer', existing.Id, {
      Notes: 'changed in QuickBooks',
    });

    const requestId = newRequestId();
    const { items } = await client.batch(
      [
        { bId: 'new', operation: 'create', entity: 'Customer', body: { DisplayName: 'Batch Customer' } },
        {
          bId: 'dup',
          operation: 'create',
          entity: 'Customer',
          body: { DisplayName: "Amy's Bird Sanctuary" },
        },
        {
          bId: 'stale',
          operation: 'update',
          entity: 'Customer',
          body: { ...existing, sparse: true, Notes: 'x' },
        },
        { bId: 'q', query: "select * from Customer where DisplayName = 'Amy\\'s Bird Sanctuary'" },
      ],
      { requestId },
    );
    expect(items.map((item) => item.bId)).toEqual(['new', 'dup', 'stale', 'q']);
    const [created, duplicate, stale, query] = items;
    expect(created).toMatchObject({ ok: true, name: 'Customer', value: { DisplayName: 'Batch Customer' } });
    expect(duplicate).toMatchObject({
      ok: false,
      error: { kind: 'validation', code: '6240', realmId: US_REALM },
    });
    expect(stale).toMatchObject({ ok: false, error: { kind: 'stale_object', code: '5010' } });
    expect(query).toMatchObject({ ok: true, name: 'QueryResponse' });
    expect(apiRequests('/batch').map((entry) => entry.requestid)).toEqual([requestId]);
  });

  it('refuses a batch QuickBooks would refuse, before sending it', async () => {
    const client = emulator.client();
    const items = Array.from({ length: 31 }, (_, i) => ({ bId: `b${i}`, query: 'select * from Item' }));
    await expect(client.batch(items, { requestId: newRequestId() })).rejects.toThrow(RangeError);
    await expect(
      client.batch([{ bId: 'a-very-long-bid', query: 'select * from Item' }], { requestId: newRequestId() }),
    ).rejects.toThrow(RangeError);
    expect(apiRequests('/batch')).toHaveLength(0);
  });

  it('reads what changed since an instant through CDC', async () => {
    const client = emulator.client();
    const since = new Date(Date.parse(emulator.sandbox.control.now()) - 1000);
    const { entity: customer } = await client.create(
      'Customer',
      { DisplayName: 'CDC Customer' },
      { requestId: newRequestId() },
    );
    const { entity: invoice } = await client.create('Invoice', invoiceFor(customer.Id, 50), {
      requestId: newRequestId(),
    });
    await client.void('Invoice', invoice, { requestId: newRequestId() });

    const changes = await client.changeDataCapture(['Customer', 'Invoice', 'Payment'], since);
    expect(changes.changes.Customer?.map((row) => row.Id)).toEqual([customer.Id]);
    expect(changes.changes.Invoice).toEqual([expect.objectContaining({ Id: invoice.Id, TotalAmt: 0 })]);
    expect(changes.changes.Payment).toBeUndefined();
    expect(changes).toMatchObject({ objectCount: 2, possiblyTruncated: false, time: expect.any(String) });
    expect(new URLSearchParams(apiRequests('/cdc')[0]?.query).get('changedSince')).toBe(since.toISOString());
  });

  it('rejects a CDC window older than 30 days as a validation error', async () => {
    const since = new Date(Date.parse(emulator.sandbox.control.now()) - 31 * 86_400_000);
    const failure = await emulator
      .client()
      .changeDataCapture(['Invoice'], since)
      .catch((e: unknown) => e);
    expect(isQuickBooksError(failure, 'validation')).toBe(true);
  });

  it('types results by the caller’s entity shape', async () => {
    interface Customer extends QuickBooksEntity {
      DisplayName: string;
    }
    const { entity } = await emulator.client().read<Customer>('Customer', '1');
    const name: string = entity.DisplayName;
    expect(name).toBe("Amy's Bird Sanctuary");
  });
});
