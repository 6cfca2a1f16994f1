/**
 * The push's invoice loader against the demo host subgraph over HTTP: per-tenant service tokens, the
 * host's Invoice mapped to PlatformInvoice, and typed failures (unreachable / 5xx retryable, refused
 * credentials not, unknown invoice null).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHostSubgraph, TENANT_IDS, type HostSubgraph } from '../../examples/host-subgraph/src/index.js';
import { createGraphQLHostInvoiceSource, HostInvoiceError } from '../../src/host/graphql-host-invoices.js';
import { loadConfig } from '../../src/config.js';
import { testEnv } from '../support/harness.js';

const SECRET = 'push-host-test-secret-0123456789abcdef-xyz';

let host: HostSubgraph;
let failing: Server;
let failingUrl: string;

beforeAll(async () => {
  host = await startHostSubgraph({ port: 0, auth: { secret: SECRET } });
  failing = createServer((_request, response) => {
    response.writeHead(503, { 'content-type': 'text/plain' });
    response.end('unavailable');
  });
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await host.close();
  await new Promise((resolve) => failing.close(resolve));
});

const minting = { kind: 'mint', secret: SECRET, serviceName: 'quickbooks-subgraph' } as const;

describe('the host invoice loader', () => {
  it("reads a tenant's finalized invoice with its lines, bill-to and totals as decimal strings", async () => {
    const source = createGraphQLHostInvoiceSource({ url: host.url, credentials: minting });
    const stored = host.store.listInvoices(TENANT_IDS.acme, 'FINALIZED')[0]!;
    const invoice = await source.load(TENANT_IDS.acme, stored.id);
    expect(invoice).toMatchObject({
      id: stored.id,
      tenantId: TENANT_IDS.acme,
      number: stored.number,
      status: 'FINALIZED',
      currency: stored.currency,
      issueDate: stored.issueDate,
      version: stored.version,
    });
    expect(invoice!.lines).toHaveLength(stored.lines.length);
    expect(typeof invoice!.lines[0]!.amount).toBe('string');
    expect(invoice!.totals.total).toMatch(/^\d+\.\d{2}$/);
    expect(invoice!.billTo?.name).toBe(stored.billTo?.name);
  });

  it("answers null for another tenant's invoice: the minted token names only the job's tenant", async () => {
    const source = createGraphQLHostInvoiceSource({ url: host.url, credentials: minting });
    const otherTenants = host.store.listInvoices(TENANT_IDS.nordlys)[0]!;
    expect(await source.load(TENANT_IDS.acme, otherTenants.id)).toBeNull();
    expect(await source.load(TENANT_IDS.acme, 'inv-does-not-exist')).toBeNull();
  });

  it('a host that answers 5xx is a retryable error; one that refuses the credentials is not', async () => {
    const down = createGraphQLHostInvoiceSource({ url: failingUrl, credentials: minting });
    const error = await down.load(TENANT_IDS.acme, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostInvoiceError);
    expect(error).toMatchObject({ retryable: true, status: 503 });

    const wrongSecret = createGraphQLHostInvoiceSource({
      url: host.url,
      credentials: { ...minting, secret: 'another-secret-that-is-long-enough-0123456789' },
    });
    const refused = await wrongSecret.load(TENANT_IDS.acme, 'x').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HostInvoiceError);
    expect((refused as HostInvoiceError).retryable).toBe(false);
    expect((refused as Error).message).not.toContain('another-secret');
  });

  it('an unreachable host is retryable', async () => {
    const unreachable = createGraphQLHostInvoiceSource({
      url: 'http://127.0.0.1:1/graphql',
      credentials: minting,
    });
    await expect(unreachable.load(TENANT_IDS.acme, 'x')).rejects.toMatchObject({ retryable: true });
  });

  it('credentials from the configuration: minted with an HS256 secret, a static token with JWKS, else refused', () => {
    expect(loadConfig(testEnv()).host.credentials.kind).toBe('mint');
    const jwksEnv = (extra: Record<string, string> = {}) => {
      const env = testEnv({ AUTH_JWKS_URL: 'https://idp.example.test/jwks.json', ...extra });
      delete env.AUTH_JWT_SECRET;
      return env;
    };
    const none = loadConfig(jwksEnv()).host.credentials;
    expect(none.kind).toBe('none');
    expect(() => createGraphQLHostInvoiceSource({ url: host.url, credentials: none })).toThrow(
      /HOST_SERVICE_TOKEN/,
    );
    const token = 'static-service-token-0123456789';
    expect(loadConfig(jwksEnv({ HOST_SERVICE_TOKEN: token })).host.credentials).toEqual({
      kind: 'static',
      token,
    });
  });
});
