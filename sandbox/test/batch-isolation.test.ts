import { describe, expect, it } from '@jest/globals';
import { salesLine, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox();

interface BatchAnswer {
  bId: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [key: string]: any;
}

async function batch(items: unknown[]): Promise<BatchAnswer[]> {
  const response = await t.qbo.post('/batch', { BatchItemRequest: items });
  expect(response.status).toBe(200);
  return response.json.BatchItemResponse;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function byBId(answers: BatchAnswer[]): Record<string, any> {
  return Object.fromEntries(answers.map((answer) => [answer.bId, answer]));
}

const customers = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    bId: `c${i}`,
    operation: 'create',
    Customer: { DisplayName: `Order Probe ${i}` },
  }));

/** Ids are handed out as items run, so sorting the answers by Id gives the execution order. */
function executionOrder(answers: BatchAnswer[]): string[] {
  return [...answers]
    .sort((a, b) => Number(a.Customer.Id) - Number(b.Customer.Id))
    .map((answer) => answer.bId);
}

/** Settings that give back the emulator's old batch: request order, and each item sees the ones before. */
const SEQUENTIAL = { batch: { order: 'in-order', itemsSeeEachOther: true } } as const;

describe('batch execution order (Intuit: "execution order should not be assumed")', () => {
  it('runs items in a shuffled order that is the same on every run, and answers in that order', async () => {
    const requestOrder = customers(6).map((item) => item.bId);
    const first = await batch(customers(6));
    const ran = executionOrder(first);
    expect(ran).not.toEqual(requestOrder);
    expect(first.map((answer) => answer.bId)).toEqual(ran);

    t.sandbox.control.reset();
    t.reconnect();
    const again = await batch(customers(6));
    expect(executionOrder(again)).toEqual(ran);
  });

  it('never runs two items in request order, so answers cannot be paired by position', async () => {
    for (let size = 2; size <= 5; size += 1) {
      t.sandbox.control.reset();
      t.reconnect();
      const answers = await batch(customers(size));
      expect(executionOrder(answers)).not.toEqual(customers(size).map((item) => item.bId));
    }
  });

  it('can answer in request order while still running shuffled (batch.responseOrder: request)', async () => {
    t.sandbox.control.updateSettings({ batch: { responseOrder: 'request' } });
    const answers = await batch(customers(6));
    expect(answers.map((answer) => answer.bId)).toEqual(customers(6).map((item) => item.bId));
    expect(executionOrder(answers)).not.toEqual(customers(6).map((item) => item.bId));
  });

  it('runs and answers in request order when batch.order is in-order', async () => {
    t.sandbox.control.updateSettings({ batch: { order: 'in-order' } });
    const answers = await batch(customers(6));
    expect(executionOrder(answers)).toEqual(customers(6).map((item) => item.bId));
    expect(answers.map((answer) => answer.bId)).toEqual(customers(6).map((item) => item.bId));
  });
});

describe('batch items cannot see each other (Intuit batch reference and 2017 blog)', () => {
  const createThenQuery = [
    { bId: 'create', operation: 'create', Customer: { DisplayName: 'Fresh Batch Co' } },
    { bId: 'query', Query: "select * from Customer where DisplayName = 'Fresh Batch Co'" },
  ];

  it('a query does not find a customer created in the same batch', async () => {
    const answers = byBId(await batch(createThenQuery));
    expect(answers.create.Customer.DisplayName).toBe('Fresh Batch Co');
    expect(answers.query.QueryResponse).toEqual({});
    const after = await t.qbo.query("select * from Customer where DisplayName = 'Fresh Batch Co'");
    expect(after.json.QueryResponse.Customer).toHaveLength(1);
  });

  it('with itemsSeeEachOther and in-order, the query finds it (the old behaviour)', async () => {
    t.sandbox.control.updateSettings(SEQUENTIAL);
    const answers = byBId(await batch(createThenQuery));
    expect(answers.query.QueryResponse.Customer[0].DisplayName).toBe('Fresh Batch Co');
  });

  it('an invoice cannot use a customer created in the same batch (2500)', async () => {
    const probe = (await t.qbo.post('/customer', { DisplayName: 'Id Probe' })).json.Customer;
    const nextId = String(Number(probe.Id) + 1);
    const items = [
      { bId: 'cust', operation: 'create', Customer: { DisplayName: 'Brand New Buyer' } },
      {
        bId: 'inv',
        operation: 'create',
        Invoice: { CustomerRef: { value: nextId }, Line: [salesLine(10)] },
      },
    ];
    const answers = byBId(await batch(items));
    expect(answers.cust.Customer.Id).toBe(nextId);
    expect(answers.inv.Fault.Error[0]).toMatchObject({ code: '2500', element: 'CustomerRef' });
    expect((await t.qbo.query('select count(*) from Invoice')).json.QueryResponse.totalCount).toBe(0);
  });

  it('with itemsSeeEachOther and in-order, the invoice can use it', async () => {
    t.sandbox.control.updateSettings(SEQUENTIAL);
    const probe = (await t.qbo.post('/customer', { DisplayName: 'Id Probe' })).json.Customer;
    const nextId = String(Number(probe.Id) + 1);
    const answers = byBId(
      await batch([
        { bId: 'cust', operation: 'create', Customer: { DisplayName: 'Brand New Buyer' } },
        {
          bId: 'inv',
          operation: 'create',
          Invoice: { CustomerRef: { value: nextId }, Line: [salesLine(10)] },
        },
      ]),
    );
    expect(answers.inv.Invoice.CustomerRef).toEqual({ value: nextId, name: 'Brand New Buyer' });
  });

  it('two creates of one DisplayName in one batch both succeed; afterwards the name is taken (6240)', async () => {
    const twins = [
      { bId: 'a', operation: 'create', Customer: { DisplayName: 'Twin Traders' } },
      { bId: 'b', operation: 'create', Vendor: { DisplayName: 'twin traders' } },
    ];
    const answers = byBId(await batch(twins));
    expect(answers.a.Customer.DisplayName).toBe('Twin Traders');
    expect(answers.b.Vendor.DisplayName).toBe('twin traders');
    const third = await t.qbo.post('/customer', { DisplayName: 'Twin Traders' });
    expect(third.json.Fault.Error[0].code).toBe('6240');
    // Renaming one twin frees nothing: the other still holds the name.
    const renamed = await t.qbo.post('/customer', {
      Id: answers.a.Customer.Id,
      SyncToken: '0',
      sparse: true,
      DisplayName: 'Single Trader',
    });
    expect(renamed.status).toBe(200);
    expect((await t.qbo.post('/customer', { DisplayName: 'Twin Traders' })).json.Fault.Error[0].code).toBe(
      '6240',
    );
  });

  it('a DisplayName query finds both twins, and editing one twin under the shared name meets 6240', async () => {
    const answers = byBId(
      await batch([
        { bId: 'a', operation: 'create', Customer: { DisplayName: 'Twin Traders' } },
        { bId: 'b', operation: 'create', Customer: { DisplayName: 'Twin Traders' } },
      ]),
    );
    const found = await t.qbo.query("select * from Customer where DisplayName = 'Twin Traders'");
    expect(found.json.QueryResponse.Customer.map((c: { Id: string }) => c.Id).sort()).toEqual(
      [answers.a.Customer.Id, answers.b.Customer.Id].sort(),
    );
    for (const twin of [answers.a.Customer, answers.b.Customer]) {
      const edit = await t.qbo.post('/customer', {
        Id: twin.Id,
        SyncToken: '0',
        sparse: true,
        Notes: 'edited',
      });
      expect(edit.json.Fault.Error[0].code).toBe('6240');
    }
  });

  it('with itemsSeeEachOther, the second create of the name meets 6240', async () => {
    t.sandbox.control.updateSettings(SEQUENTIAL);
    const answers = byBId(
      await batch([
        { bId: 'a', operation: 'create', Customer: { DisplayName: 'Twin Traders' } },
        { bId: 'b', operation: 'create', Customer: { DisplayName: 'Twin Traders' } },
      ]),
    );
    expect(answers.a.Customer).toBeDefined();
    expect(answers.b.Fault.Error[0].code).toBe('6240');
  });

  it('a name taken before the batch is still refused inside it (6240)', async () => {
    const answers = await batch([{ bId: 'x', operation: 'create', Customer: { DisplayName: 'Cool Cars' } }]);
    expect(answers[0]?.Fault.Error[0].code).toBe('6240');
  });

  it('two invoices with one DocNumber in one batch both succeed; afterwards the number is taken (6140)', async () => {
    // With custom transaction numbers on, a duplicate DocNumber is refused outside a batch (§6.1).
    t.sandbox.control.setCompanyPreferences(US_REALM, { customTxnNumbers: true });
    const invoice = (docNumber: string) => ({
      CustomerRef: { value: '1' },
      DocNumber: docNumber,
      Line: [salesLine(10)],
    });
    const answers = byBId(
      await batch([
        { bId: 'x', operation: 'create', Invoice: invoice('DUP-7') },
        { bId: 'y', operation: 'create', Invoice: invoice('DUP-7') },
      ]),
    );
    expect([answers.x.Invoice.DocNumber, answers.y.Invoice.DocNumber]).toEqual(['DUP-7', 'DUP-7']);
    expect((await t.qbo.post('/invoice', invoice('DUP-7'))).json.Fault.Error[0].code).toBe('6140');

    t.sandbox.control.reset();
    t.reconnect();
    t.sandbox.control.setCompanyPreferences(US_REALM, { customTxnNumbers: true });
    t.sandbox.control.updateSettings(SEQUENTIAL);
    const sequential = byBId(
      await batch([
        { bId: 'x', operation: 'create', Invoice: invoice('DUP-7') },
        { bId: 'y', operation: 'create', Invoice: invoice('DUP-7') },
      ]),
    );
    expect(sequential.y.Fault.Error[0].code).toBe('6140');
  });

  it('two updates of one record with the same SyncToken: whichever runs second meets 5010', async () => {
    const answers = await batch([
      { bId: 'n1', operation: 'update', Customer: { Id: '2', SyncToken: '0', sparse: true, Notes: 'one' } },
      { bId: 'n2', operation: 'update', Customer: { Id: '2', SyncToken: '0', sparse: true, Notes: 'two' } },
    ]);
    const [ranFirst, ranSecond] = answers;
    expect(ranFirst?.Customer.SyncToken).toBe('1');
    expect(ranSecond?.Fault.Error[0].code).toBe('5010');
    const stored = (await t.qbo.get('/customer/2')).json.Customer;
    expect(stored.Notes).toBe(ranFirst?.Customer.Notes);
  });
});
