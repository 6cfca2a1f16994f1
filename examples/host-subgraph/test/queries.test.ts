import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import type { HostSubgraph } from '../src/index.js';
import { ACME, codes, gql, NORDLYS, startTestHost, TEST_SECRET, THAMES, token } from './helpers.js';

const INVOICE_FIELDS = `
  id number status currency issueDate dueDate memo version createdAt updatedAt finalizedAt voidedAt voidReason
  customer { id }
  billTo { name email phone address { line1 line2 city region postalCode country } }
  lines { id description itemKind serviceCode quantity unitPrice taxRate amount taxAmount }
  totals { subtotal tax total }
`;

let host: HostSubgraph;
let acmeToken: string;
let nordlysToken: string;

beforeAll(async () => {
  host = await startTestHost();
  acmeToken = await token([ACME]);
  nordlysToken = await token([NORDLYS]);
});

afterAll(async () => {
  await host.close();
});

describe('seeded tenants', () => {
  it('serves the US tenant with its invoices in every status', async () => {
    const result = await gql(
      host.url,
      `{ customer(id: "${ACME}") { id name country currency defaultTaxRate invoices { id number status } } }`,
      {},
      acmeToken,
    );
    expect(result.errors).toBeUndefined();
    const customer = result.data.customer;
    expect(customer).toMatchObject({
      id: ACME,
      name: 'Acme Plumbing & HVAC LLC',
      country: 'US',
      currency: 'USD',
      defaultTaxRate: '8.25',
    });
    expect(customer.invoices.map((i: { id: string }) => i.id)).toEqual([
      'inv-acme-1001',
      'inv-acme-1002',
      'inv-acme-1003',
      'inv-acme-1004',
      'inv-acme-1005',
      'inv-acme-1006',
      'inv-acme-1007',
    ]);
    expect(new Set(customer.invoices.map((i: { status: string }) => i.status))).toEqual(
      new Set(['DRAFT', 'FINALIZED', 'VOID']),
    );
  });

  it('serves the Norwegian tenant in NOK with 25% MVA', async () => {
    const result = await gql(
      host.url,
      `query ($id: ID!) { customer(id: $id) { currency country defaultTaxRate }
        invoices(customerId: $id) { id number currency lines { taxRate } } }`,
      { id: NORDLYS },
      nordlysToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.customer).toEqual({ currency: 'NOK', country: 'NO', defaultTaxRate: '25' });
    expect(result.data.invoices.map((i: { id: string }) => i.id)).toEqual([
      'inv-nordlys-2001',
      'inv-nordlys-2002',
      'inv-nordlys-2003',
      'inv-nordlys-2004',
      'inv-nordlys-2005',
      'inv-nordlys-2006',
    ]);
    for (const invoice of result.data.invoices) {
      expect(invoice.currency).toBe('NOK');
      expect(invoice.number).toMatch(/^NE-20\d\d$/);
      for (const line of invoice.lines) expect(line.taxRate).toBe('25');
    }
  });

  it('serves a UK tenant in GBP', async () => {
    const result = await gql(
      host.url,
      `{ customer(id: "${THAMES}") { currency invoices(status: FINALIZED) { id } } }`,
      {},
      await token([THAMES]),
    );
    expect(result.data.customer).toEqual({
      currency: 'GBP',
      invoices: [{ id: 'inv-thames-3001' }, { id: 'inv-thames-3002' }],
    });
  });

  it('returns a full invoice with bill-to party, lines and totals', async () => {
    const result = await gql(
      host.url,
      `{ invoice(id: "inv-acme-1001") { ${INVOICE_FIELDS} } }`,
      {},
      acmeToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.invoice).toMatchObject({
      id: 'inv-acme-1001',
      number: 'INV-1001',
      status: 'FINALIZED',
      currency: 'USD',
      issueDate: '2026-10-05',
      dueDate: '2026-11-04',
      version: 2,
      finalizedAt: '2026-10-05T19:44:30.000Z',
      voidedAt: null,
      customer: { id: ACME },
      billTo: {
        name: 'Maria Gonzalez',
        address: {
          line1: '4817 Shoal Creek Blvd',
          city: 'Austin',
          region: 'TX',
          postalCode: '78756',
          country: 'US',
        },
      },
      totals: { subtotal: '1715.86', tax: '108.43', total: '1824.29' },
    });
    expect(result.data.invoice.lines).toHaveLength(4);
    expect(result.data.invoice.lines[1]).toEqual({
      id: 'inv-acme-1001-L2',
      description: 'Licensed plumber labor (hours)',
      itemKind: 'LABOR',
      serviceCode: 'LAB-PLUMB',
      quantity: '2.5',
      unitPrice: '125.00',
      taxRate: '0',
      amount: '312.50',
      taxAmount: '0.00',
    });
  });

  it('rounds each line half up to 2 decimals before summing', async () => {
    const result = await gql(
      host.url,
      `{ acme: invoice(id: "inv-acme-1006") { lines { amount taxAmount } totals { subtotal tax total } } }`,
      {},
      acmeToken,
    );
    // 1.5 h x 129.99 = 194.985 -> 194.99; tax 16.086675 -> 16.09; 38.50 x 8.25% = 3.17625 -> 3.18
    expect(result.data.acme).toEqual({
      lines: [
        { amount: '194.99', taxAmount: '16.09' },
        { amount: '38.50', taxAmount: '3.18' },
      ],
      totals: { subtotal: '233.49', tax: '19.27', total: '252.76' },
    });
    const nordlys = await gql(
      host.url,
      `{ invoice(id: "inv-nordlys-2003") { lines { amount taxAmount } totals { subtotal tax total } } }`,
      {},
      nordlysToken,
    );
    // 10.02 x 25% = 2.505 -> 2.51 (half up; half-even would give 2.50)
    expect(nordlys.data.invoice.lines[2]).toEqual({ amount: '10.02', taxAmount: '2.51' });
    expect(nordlys.data.invoice.totals).toEqual({ subtotal: '2330.67', tax: '582.67', total: '2913.34' });
  });

  it('filters invoices by status', async () => {
    const result = await gql(
      host.url,
      `{ drafts: invoices(customerId: "${ACME}", status: DRAFT) { id status }
         voided: invoices(customerId: "${ACME}", status: VOID) { id voidReason voidedAt } }`,
      {},
      acmeToken,
    );
    expect(result.data.drafts.map((i: { id: string }) => i.id)).toEqual([
      'inv-acme-1004',
      'inv-acme-1005',
      'inv-acme-1007',
    ]);
    expect(result.data.voided).toEqual([
      { id: 'inv-acme-1003', voidReason: 'Duplicate of INV-1002', voidedAt: '2026-10-10T14:31:27.000Z' },
    ]);
  });
});

describe('authentication and tenant isolation', () => {
  const query = `{ customer(id: "${ACME}") { id } invoice(id: "inv-acme-1001") { id } }`;

  it('answers UNAUTHENTICATED without a token', async () => {
    const result = await gql(host.url, query);
    expect(result.status).toBe(200);
    expect(codes(result)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(result.data).toEqual({ customer: null, invoice: null });
  });

  it('answers UNAUTHENTICATED for a token signed with another secret, expired or without tenants', async () => {
    const forged = await token([ACME], {}, 'some-other-secret-that-is-long-enough-0123');
    const expired = await token([ACME], { expiresIn: '-1m' });
    const noTenants = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('user-1')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_SECRET));
    for (const bad of [forged, expired, noTenants, 'not-a-jwt']) {
      const result = await gql(host.url, query, {}, bad);
      expect(codes(result)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
    }
    const expiredResult = await gql(host.url, query, {}, expired);
    expect(expiredResult.errors?.[0]?.extensions?.reason).toBe('ERR_JWT_EXPIRED');
  });

  it("reads another tenant's customer and invoices as null or empty, like ones that do not exist", async () => {
    const result = await gql(
      host.url,
      `{ customer(id: "${ACME}") { id } invoice(id: "inv-acme-1001") { id }
         invoices(customerId: "${ACME}") { id } missing: invoice(id: "inv-acme-9999") { id } }`,
      {},
      nordlysToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ customer: null, invoice: null, invoices: [], missing: null });
  });

  it('lets a user with several tenants read each of them', async () => {
    const both = await token([ACME, NORDLYS]);
    const result = await gql(
      host.url,
      `{ a: invoice(id: "inv-acme-1002") { customer { id } } n: invoice(id: "inv-nordlys-2002") { customer { id } } }`,
      {},
      both,
    );
    expect(result.data).toEqual({ a: { customer: { id: ACME } }, n: { customer: { id: NORDLYS } } });
  });

  it('serves /health', async () => {
    const response = await fetch(host.url.replace('/graphql', '/health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });
});
