/**
 * The payment pull's client of the platform's payment hook against the demo host subgraph over HTTP:
 * per-tenant service tokens, absolute amounts and revisions, the host's answer mapped to
 * HostPaymentOutcome, and typed failures (down / 5xx / timeout / 200 with errors retryable; refused
 * credentials, another tenant's invoice and refused input not).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  mintDevToken,
  startHostSubgraph,
  TENANT_IDS,
  type HostSubgraph,
} from '../../examples/host-subgraph/src/index.js';
import { createGraphQLHostPaymentSink } from '../../src/host/graphql-host-payments.js';
import { HostPaymentError, type HostPaymentRecord } from '../../src/host/host-payments.js';

const SECRET = 'payments-host-test-secret-0123456789abcdef-xyz';
const minting = { kind: 'mint', secret: SECRET, serviceName: 'quickbooks-subgraph' } as const;

let host: HostSubgraph;
let scripted: Server;
let scriptedUrl: string;
/** An invoice created and finalized through the host's API in beforeAll: 2 × 50.00 + 8.25% = 108.25. */
let invoiceId: string;

/** Answers by path: /down 503, /errors 200 with a server error, /hang never. */
function startScriptedHost(): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    if (request.url === '/hang') return;
    if (request.url === '/errors') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          data: null,
          errors: [{ message: 'subgraph unavailable', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        }),
      );
      return;
    }
    response.writeHead(503, { 'content-type': 'text/plain' });
    response.end('unavailable');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function hostCall(query: string, variables: Record<string, unknown>, bearer: string) {
  const response = await fetch(host.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, { id: string }>; errors?: unknown[] };
  if (body.errors) throw new Error(`host refused the setup call: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

beforeAll(async () => {
  host = await startHostSubgraph({ port: 0, auth: { secret: SECRET } });
  scripted = await startScriptedHost();
  scriptedUrl = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`;
  const user = await mintDevToken(SECRET, { userId: 'u1', tenants: [TENANT_IDS.acme] });
  const created = await hostCall(
    `mutation ($input: CreateInvoiceInput!) { createInvoice(input: $input) { id } }`,
    {
      input: {
        customerId: TENANT_IDS.acme,
        billTo: { name: 'Rosa Alvarez' },
        lines: [
          {
            description: 'Filter swap',
            itemKind: 'SERVICE',
            quantity: '2',
            unitPrice: '50',
            taxRate: '8.25',
          },
        ],
      },
    },
    user,
  );
  invoiceId = created.createInvoice!.id;
  await hostCall(`mutation ($id: ID!) { finalizeInvoice(id: $id) { id } }`, { id: invoiceId }, user);
});

afterAll(async () => {
  await host.close();
  await new Promise((resolve) => scripted.close(resolve));
});

function payment(overrides: Partial<HostPaymentRecord> = {}): HostPaymentRecord {
  return {
    tenantId: TENANT_IDS.acme,
    invoiceId,
    source: 'quickbooks',
    externalId: 'quickbooks:9341453:101',
    revision: 1,
    amount: '40.00',
    receivedOn: '2026-12-01',
    method: 'Check',
    reference: '2045',
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<HostPaymentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HostPaymentError);
  return error as HostPaymentError;
}

describe('recording payments on the platform', () => {
  const sink = () => createGraphQLHostPaymentSink({ url: host.url, credentials: minting });

  it('a partial payment, then a second one, take the invoice to PARTIALLY_PAID then PAID with its balance', async () => {
    expect(await sink().record(payment({ amount: '40' }))).toEqual({
      applied: true,
      paymentStatus: 'PARTIALLY_PAID',
      amountPaid: '40.00',
      balance: '68.25',
    });
    expect(
      await sink().record(payment({ externalId: 'quickbooks:9341453:102', amount: '68.25', method: null })),
    ).toEqual({ applied: true, paymentStatus: 'PAID', amountPaid: '108.25', balance: '0.00' });
    expect(host.store.listPayments(invoiceId)).toEqual([
      expect.objectContaining({ externalId: 'quickbooks:9341453:101', amount: '40.00', reference: '2045' }),
      expect.objectContaining({ externalId: 'quickbooks:9341453:102', amount: '68.25', method: null }),
    ]);
  });

  it('a replay of a revision the platform holds is not applied and changes nothing', async () => {
    const before = host.store.listPayments(invoiceId);
    const outcome = await sink().record(payment({ amount: '10.00' }));
    expect(outcome).toEqual({ applied: false, paymentStatus: 'PAID', amountPaid: '108.25', balance: '0.00' });
    expect(host.store.listPayments(invoiceId)).toEqual(before);
  });

  it("another tenant's invoice is HOST_INVOICE_NOT_FOUND, not retryable, and nothing is recorded", async () => {
    const before = host.store.listPayments(invoiceId);
    const error = await failure(sink().record(payment({ tenantId: TENANT_IDS.nordlys, revision: 9 })));
    expect(error).toMatchObject({ code: 'HOST_INVOICE_NOT_FOUND', retryable: false });
    expect(host.store.listPayments(invoiceId)).toEqual(before);
  });

  it('with a static token covering several tenants, the owner is checked before anything is sent', async () => {
    const wide = await mintDevToken(SECRET, {
      userId: 'service:platform-wide',
      tenants: [TENANT_IDS.acme, TENANT_IDS.nordlys],
      service: 'quickbooks-subgraph',
    });
    const staticSink = createGraphQLHostPaymentSink({
      url: host.url,
      credentials: { kind: 'static', token: wide },
    });
    const before = host.store.listPayments(invoiceId);
    const error = await failure(staticSink.record(payment({ tenantId: TENANT_IDS.nordlys, revision: 9 })));
    expect(error).toMatchObject({ code: 'HOST_INVOICE_NOT_FOUND', retryable: false });
    expect(host.store.listPayments(invoiceId)).toEqual(before);
  });

  it('input the platform refuses is HOST_INVALID, not retryable; so is an amount that would need rounding', async () => {
    const draft = host.store.listInvoices(TENANT_IDS.acme, 'DRAFT')[0]!;
    const refused = await failure(sink().record(payment({ invoiceId: draft.id })));
    expect(refused).toMatchObject({ code: 'HOST_INVALID', retryable: false });
    const rounded = await failure(sink().record(payment({ amount: '10.005' })));
    expect(rounded).toMatchObject({ code: 'HOST_INVALID', retryable: false });
  });
});

describe('when the platform cannot take the call', () => {
  it.each([
    ['answers 503', '/down', {}],
    ['answers 200 with a server error', '/errors', {}],
    ['does not answer in time', '/hang', { timeoutMs: 200 }],
  ])('a host that %s is HOST_UNAVAILABLE and retryable', async (_, path, extra) => {
    const sink = createGraphQLHostPaymentSink({
      url: `${scriptedUrl}${path}`,
      credentials: minting,
      ...extra,
    });
    const error = await failure(sink.record(payment()));
    expect(error).toMatchObject({ code: 'HOST_UNAVAILABLE', retryable: true });
  });

  it('an unreachable host is HOST_UNAVAILABLE and retryable', async () => {
    const sink = createGraphQLHostPaymentSink({ url: 'http://127.0.0.1:1/graphql', credentials: minting });
    expect(await failure(sink.record(payment()))).toMatchObject({
      code: 'HOST_UNAVAILABLE',
      retryable: true,
    });
  });

  it('refused credentials are HOST_REFUSED, not retryable, and the secret is not in the message', async () => {
    const otherSecret = 'another-secret-that-is-long-enough-0123456789';
    const sink = createGraphQLHostPaymentSink({
      url: host.url,
      credentials: { ...minting, secret: otherSecret },
    });
    const error = await failure(sink.record(payment({ revision: 50 })));
    expect(error).toMatchObject({ code: 'HOST_REFUSED', retryable: false });
    expect(error.message).not.toContain(otherSecret);
    expect(() =>
      createGraphQLHostPaymentSink({
        url: host.url,
        credentials: { kind: 'none', reason: 'no credentials' },
      }),
    ).toThrow(HostPaymentError);
  });
});
