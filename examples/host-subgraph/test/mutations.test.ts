import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { HostSubgraph, InvoiceEvent } from '../src/index.js';
import { ACME, codes, gql, NORDLYS, startTestHost, token } from './helpers.js';

const FIELDS = `id number status version updatedAt finalizedAt voidedAt voidReason issueDate dueDate memo
  billTo { name email address { city country } } lines { id description quantity unitPrice taxRate amount taxAmount }
  pricesIncludeTax totals { subtotal tax total } customer { id }`;

const CREATE = `mutation ($input: CreateInvoiceInput!) { createInvoice(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateInvoiceInput!) { updateInvoice(id: $id, input: $input) { ${FIELDS} } }`;
const FINALIZE = `mutation ($id: ID!) { finalizeInvoice(id: $id) { ${FIELDS} } }`;
const VOID = `mutation ($id: ID!, $reason: String) { voidInvoice(id: $id, reason: $reason) { ${FIELDS} } }`;

let host: HostSubgraph;
let acme: string;
let nordlys: string;
const events: InvoiceEvent[] = [];
let now = new Date('2026-11-25T09:00:00.000Z');

beforeAll(async () => {
  host = await startTestHost({ clock: () => now });
  host.events.onAny((event) => events.push(event));
  acme = await token([ACME]);
  nordlys = await token([NORDLYS]);
});

beforeEach(() => {
  host.store.reset();
  events.length = 0;
});

afterAll(async () => {
  await host.close();
});

function tick(minutes: number): void {
  now = new Date(now.getTime() + minutes * 60_000);
}

describe('invoice lifecycle', () => {
  it('creates, edits, finalizes and voids an invoice, emitting one event per change', async () => {
    const created = await gql(
      host.url,
      CREATE,
      {
        input: {
          customerId: ACME,
          issueDate: '2026-11-25',
          lines: [
            {
              description: 'Service call-out fee',
              itemKind: 'FEE',
              quantity: 1,
              unitPrice: '89',
              taxRate: 0,
            },
          ],
        },
      },
      acme,
    );
    expect(created.errors).toBeUndefined();
    const draft = created.data.createInvoice;
    expect(draft).toMatchObject({
      id: 'inv-acme-1008',
      number: 'INV-1008',
      status: 'DRAFT',
      version: 1,
      billTo: null,
      dueDate: null,
      customer: { id: ACME },
      updatedAt: '2026-11-25T09:00:00.000Z',
      lines: [{ id: 'inv-acme-1008-L1', quantity: '1', unitPrice: '89.00', taxRate: '0', amount: '89.00' }],
      totals: { subtotal: '89.00', tax: '0.00', total: '89.00' },
    });

    tick(5);
    const edited = await gql(
      host.url,
      UPDATE,
      {
        id: draft.id,
        input: {
          dueDate: '2026-12-25',
          memo: '  Leak under kitchen sink  ',
          billTo: {
            name: 'Dana Whitaker',
            email: 'dana@example.com',
            address: { line1: '1200 Barton Springs Rd', city: 'Austin', region: 'TX', country: 'us' },
          },
          lines: [
            {
              id: 'inv-acme-1008-L1',
              description: 'Service call-out fee',
              itemKind: 'FEE',
              quantity: 1,
              unitPrice: 89,
              taxRate: 0,
            },
            // No taxRate: the tenant's default (8.25%) applies.
            {
              description: 'P-trap kit, 1-1/2 in',
              itemKind: 'MATERIAL',
              serviceCode: 'MAT-PTRAP',
              quantity: 1,
              unitPrice: '18.49',
            },
            {
              description: 'Licensed plumber labor (hours)',
              itemKind: 'LABOR',
              quantity: '0.75',
              unitPrice: '125.00',
              taxRate: '0',
            },
          ],
        },
      },
      acme,
    );
    expect(edited.errors).toBeUndefined();
    expect(edited.data.updateInvoice).toMatchObject({
      status: 'DRAFT',
      version: 2,
      updatedAt: '2026-11-25T09:05:00.000Z',
      dueDate: '2026-12-25',
      memo: 'Leak under kitchen sink',
      billTo: { name: 'Dana Whitaker', address: { city: 'Austin', country: 'US' } },
      lines: [
        { id: 'inv-acme-1008-L1', amount: '89.00' },
        { id: 'inv-acme-1008-L2', taxRate: '8.25', amount: '18.49', taxAmount: '1.53' },
        { id: 'inv-acme-1008-L3', amount: '93.75', taxAmount: '0.00' },
      ],
      // 18.49 x 8.25% = 1.525425 -> 1.53
      totals: { subtotal: '201.24', tax: '1.53', total: '202.77' },
    });

    tick(60);
    const finalized = await gql(host.url, FINALIZE, { id: draft.id }, acme);
    expect(finalized.errors).toBeUndefined();
    expect(finalized.data.finalizeInvoice).toMatchObject({
      status: 'FINALIZED',
      version: 3,
      finalizedAt: '2026-11-25T10:05:00.000Z',
      updatedAt: '2026-11-25T10:05:00.000Z',
    });

    tick(1);
    const voided = await gql(host.url, VOID, { id: draft.id, reason: 'Customer disputed the visit' }, acme);
    expect(voided.errors).toBeUndefined();
    expect(voided.data.voidInvoice).toMatchObject({
      status: 'VOID',
      version: 4,
      voidedAt: '2026-11-25T10:06:00.000Z',
      voidReason: 'Customer disputed the visit',
      finalizedAt: '2026-11-25T10:05:00.000Z',
    });

    expect(events.map((e) => [e.type, e.status, e.version, e.updatedAt])).toEqual([
      ['invoice.created', 'DRAFT', 1, '2026-11-25T09:00:00.000Z'],
      ['invoice.updated', 'DRAFT', 2, '2026-11-25T09:05:00.000Z'],
      ['invoice.finalized', 'FINALIZED', 3, '2026-11-25T10:05:00.000Z'],
      ['invoice.voided', 'VOID', 4, '2026-11-25T10:06:00.000Z'],
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ tenantId: ACME, invoiceId: 'inv-acme-1008', invoiceNumber: 'INV-1008' });
      expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    }

    const read = await gql(host.url, `{ invoice(id: "inv-acme-1008") { status version } }`, {}, acme);
    expect(read.data.invoice).toEqual({ status: 'VOID', version: 4 });
  });

  it('finalizes a seeded draft and delivers typed events to specific listeners', async () => {
    const finalized: InvoiceEvent[] = [];
    host.events.once('invoice.finalized', (event) => finalized.push(event));
    const result = await gql(host.url, FINALIZE, { id: 'inv-nordlys-2005' }, nordlys);
    expect(result.data.finalizeInvoice).toMatchObject({ status: 'FINALIZED', version: 2, number: 'NE-2005' });
    expect(finalized).toEqual([
      expect.objectContaining({ tenantId: NORDLYS, invoiceId: 'inv-nordlys-2005', version: 2 }),
    ]);
    expect(host.events.listenerCount('invoice.finalized')).toBe(2); // the `once` listener is gone
  });

  it('keeps working when a listener throws', async () => {
    const off = host.events.onAny(() => {
      throw new Error('listener bug');
    });
    try {
      const result = await gql(host.url, FINALIZE, { id: 'inv-acme-1004' }, acme);
      expect(result.errors).toBeUndefined();
      expect(events).toHaveLength(1);
    } finally {
      off();
    }
  });

  it('reseeds with reset()', async () => {
    await gql(host.url, FINALIZE, { id: 'inv-acme-1004' }, acme);
    await gql(host.url, CREATE, { input: { customerId: ACME } }, acme);
    host.store.reset();
    expect(host.store.getInvoice('inv-acme-1004')?.status).toBe('DRAFT');
    expect(host.store.getInvoice('inv-acme-1008')).toBeUndefined();
    const again = await gql(host.url, CREATE, { input: { customerId: ACME } }, acme);
    expect(again.data.createInvoice.id).toBe('inv-acme-1008');
  });
});

describe('editing a finalized invoice', () => {
  it('keeps it FINALIZED, bumps the version and emits invoice.updated per edit', async () => {
    const before = host.store.getInvoice('inv-acme-1001')!;
    tick(1);
    const edited = await gql(
      host.url,
      UPDATE,
      {
        id: 'inv-acme-1001',
        input: {
          memo: 'Discount agreed on site',
          lines: [
            { description: 'Service call', itemKind: 'FEE', quantity: '1', unitPrice: '89.00', taxRate: '0' },
          ],
        },
      },
      acme,
    );
    expect(edited.errors).toBeUndefined();
    expect(edited.data.updateInvoice).toMatchObject({
      status: 'FINALIZED',
      version: before.version + 1,
      memo: 'Discount agreed on site',
      finalizedAt: before.finalizedAt,
      totals: { subtotal: '89.00', tax: '0.00', total: '89.00' },
    });
    tick(1);
    const again = await gql(host.url, UPDATE, { id: 'inv-acme-1001', input: { memo: 'Second edit' } }, acme);
    expect(again.data.updateInvoice).toMatchObject({ status: 'FINALIZED', version: before.version + 2 });
    expect(events.map((e) => [e.type, e.status, e.version])).toEqual([
      ['invoice.updated', 'FINALIZED', before.version + 1],
      ['invoice.updated', 'FINALIZED', before.version + 2],
    ]);
  });

  it('refuses an edit that would leave it without lines or without a bill-to party', async () => {
    const noLines = await gql(host.url, UPDATE, { id: 'inv-acme-1001', input: { lines: [] } }, acme);
    expect(noLines.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      invoiceId: 'inv-acme-1001',
      problems: [{ field: 'lines', message: 'needs at least one line' }],
    });
    const noBillTo = await gql(host.url, UPDATE, { id: 'inv-acme-1001', input: { billTo: null } }, acme);
    expect(noBillTo.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [{ field: 'billTo' }],
    });
    expect(host.store.getInvoice('inv-acme-1001')?.lines.length).toBeGreaterThan(0);
    expect(host.store.getInvoice('inv-acme-1001')?.billTo).not.toBeNull();
    expect(events).toEqual([]);
  });

  it('switches to prices including tax: the same unit prices now hold the tax, the total stays theirs', async () => {
    const input = {
      lines: [
        { description: 'Fuse', itemKind: 'MATERIAL', quantity: '1', unitPrice: '1.23', taxRate: '20' },
        { description: 'Labour', itemKind: 'LABOR', quantity: '3', unitPrice: '9.99', taxRate: '20' },
      ],
    };
    const exclusive = await gql(host.url, UPDATE, { id: 'inv-acme-1001', input }, acme);
    expect(exclusive.data.updateInvoice).toMatchObject({
      pricesIncludeTax: false,
      totals: { subtotal: '31.20', tax: '6.24', total: '37.44' },
    });
    const inclusive = await gql(
      host.url,
      UPDATE,
      { id: 'inv-acme-1001', input: { pricesIncludeTax: true } },
      acme,
    );
    expect(inclusive.errors).toBeUndefined();
    // 1.23 gross: 1.025 before tax, half up 1.03, VAT 0.20; 29.97 gross: 24.975 → 24.98, VAT 4.99.
    expect(inclusive.data.updateInvoice).toMatchObject({
      pricesIncludeTax: true,
      lines: [
        { unitPrice: '1.23', amount: '1.03', taxAmount: '0.20' },
        { unitPrice: '9.99', amount: '24.98', taxAmount: '4.99' },
      ],
      totals: { subtotal: '26.01', tax: '5.19', total: '31.20' },
    });
  });

  it('creates an invoice whose prices include tax', async () => {
    const created = await gql(
      host.url,
      CREATE,
      {
        input: {
          customerId: ACME,
          pricesIncludeTax: true,
          lines: [
            {
              description: 'Kit',
              itemKind: 'MATERIAL',
              quantity: '2',
              unitPrice: '57.49',
              taxRate: '14.975',
            },
          ],
        },
      },
      acme,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createInvoice).toMatchObject({
      pricesIncludeTax: true,
      totals: { subtotal: '100.00', tax: '14.98', total: '114.98' },
    });
  });

  it("still refuses another tenant's finalized invoice", async () => {
    const result = await gql(host.url, UPDATE, { id: 'inv-acme-1001', input: { memo: 'x' } }, nordlys);
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(events).toEqual([]);
  });
});

describe('illegal transitions', () => {
  it('refuses to finalize a FINALIZED invoice again', async () => {
    const finalize = await gql(host.url, FINALIZE, { id: 'inv-acme-1001' }, acme);
    expect(finalize.data).toBeNull();
    expect(finalize.errors?.[0]?.extensions).toEqual({
      code: 'INVALID_STATE_TRANSITION',
      invoiceId: 'inv-acme-1001',
      status: 'FINALIZED',
      action: 'finalize',
    });
    expect(events).toEqual([]);
  });

  it('refuses to void a DRAFT or an already VOID invoice, and to edit a VOID one', async () => {
    for (const [query, variables] of [
      [VOID, { id: 'inv-acme-1004' }],
      [VOID, { id: 'inv-acme-1003' }],
      [UPDATE, { id: 'inv-acme-1003', input: { memo: 'x' } }],
    ] as const) {
      const result = await gql(host.url, query, variables, acme);
      expect(codes(result)).toEqual(['INVALID_STATE_TRANSITION']);
    }
    expect(events).toEqual([]);
  });

  it('refuses to finalize without lines or without a bill-to party', async () => {
    const noLines = await gql(host.url, FINALIZE, { id: 'inv-acme-1005' }, acme);
    expect(noLines.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [{ field: 'lines', message: 'needs at least one line' }],
    });
    const noBillTo = await gql(host.url, FINALIZE, { id: 'inv-acme-1007' }, acme);
    expect(noBillTo.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      problems: [{ field: 'billTo' }],
    });
    expect(host.store.getInvoice('inv-acme-1007')?.status).toBe('DRAFT');
    expect(events).toEqual([]);
  });
});

describe('bad input', () => {
  const line = { description: 'Labour', itemKind: 'LABOR', quantity: '1', unitPrice: '10' };
  const cases: [string, Record<string, unknown>, string][] = [
    ['zero quantity', { lines: [{ ...line, quantity: '0' }] }, 'input.lines[0].quantity'],
    ['negative price', { lines: [{ ...line, unitPrice: '-1' }] }, 'input.lines[0].unitPrice'],
    ['too many decimals', { lines: [{ ...line, quantity: '1.00001' }] }, 'input.lines[0].quantity'],
    ['tax rate over 100', { lines: [{ ...line, taxRate: '101' }] }, 'input.lines[0].taxRate'],
    ['blank description', { lines: [{ ...line, description: '   ' }] }, 'input.lines[0].description'],
    ['unknown line id', { lines: [{ ...line, id: 'inv-acme-1001-L1' }] }, 'input.lines[0].id'],
    ['blank bill-to name', { billTo: { name: ' ' } }, 'input.billTo.name'],
    ['bad email', { billTo: { name: 'A', email: 'not-an-email' } }, 'input.billTo.email'],
    [
      'bad country',
      { billTo: { name: 'A', address: { line1: 'x', city: 'y', country: 'USA' } } },
      'input.billTo.address.country',
    ],
    ['due before issue', { issueDate: '2026-11-20', dueDate: '2026-11-01' }, 'input.dueDate'],
    ['nothing to change', {}, 'input'],
    ['null lines', { lines: null }, 'input.lines'],
    ['null pricesIncludeTax', { pricesIncludeTax: null }, 'input.pricesIncludeTax'],
  ];

  it.each(cases)('rejects %s with BAD_USER_INPUT', async (_name, input, field) => {
    const result = await gql(host.url, UPDATE, { id: 'inv-acme-1004', input }, acme);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(host.store.getInvoice('inv-acme-1004')?.version).toBe(1);
    expect(events).toEqual([]);
  });

  it('rejects malformed scalars before any resolver runs', async () => {
    for (const variables of [
      { id: 'inv-acme-1004', input: { issueDate: '2026-02-30' } },
      { id: 'inv-acme-1004', input: { lines: [{ ...line, quantity: '1e3' }] } },
      { id: 'inv-acme-1004', input: { lines: [{ ...line, itemKind: 'PIZZA' }] } },
    ]) {
      const result = await gql(host.url, UPDATE, variables, acme);
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('does not burn an invoice number on a rejected create', async () => {
    const bad = await gql(
      host.url,
      CREATE,
      { input: { customerId: ACME, lines: [{ ...line, quantity: '-2' }] } },
      acme,
    );
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    const good = await gql(host.url, CREATE, { input: { customerId: ACME } }, acme);
    expect(good.data.createInvoice.number).toBe('INV-1008');
  });
});

describe('mutation authorization', () => {
  it('answers UNAUTHENTICATED without a token', async () => {
    const result = await gql(host.url, FINALIZE, { id: 'inv-acme-1004' });
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    expect(host.store.getInvoice('inv-acme-1004')?.status).toBe('DRAFT');
  });

  it("answers FORBIDDEN for another tenant's invoice or customer", async () => {
    for (const [query, variables] of [
      [FINALIZE, { id: 'inv-acme-1004' }],
      [VOID, { id: 'inv-acme-1001' }],
      [UPDATE, { id: 'inv-acme-1004', input: { memo: 'hi' } }],
      [CREATE, { input: { customerId: ACME } }],
    ] as const) {
      const result = await gql(host.url, query, variables, nordlys);
      expect(codes(result)).toEqual(['FORBIDDEN']);
    }
    expect(host.store.getInvoice('inv-acme-1004')).toMatchObject({ status: 'DRAFT', memo: null, version: 1 });
    expect(events).toEqual([]);
  });

  it('answers NOT_FOUND for an invoice that exists nowhere', async () => {
    const result = await gql(host.url, FINALIZE, { id: 'inv-acme-9999' }, acme);
    expect(codes(result)).toEqual(['NOT_FOUND']);
  });
});
