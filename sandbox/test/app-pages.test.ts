/**
 * The emulator's stand-in for QuickBooks Online's invoice page (`/app/invoice?txnId=…&realmId=…`), which
 * the subgraph's "open in QuickBooks" link points at when it runs against the emulator.
 */
import http from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { CA_REALM, salesLine, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox();

async function createInvoice(fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await t.qbo.post('/invoice?minorversion=75', {
    CustomerRef: { value: '1' },
    Line: [salesLine(120, '1', { Qty: 1, UnitPrice: 120 })],
    ...fields,
  });
  expect(response.status).toBe(200);
  return response.json.Invoice as Record<string, unknown>;
}

function pageUrl(txnId: string, realmId: string): string {
  return `${t.sandbox.url}/app/invoice?txnId=${encodeURIComponent(txnId)}&realmId=${encodeURIComponent(realmId)}`;
}

/** A request whose Host header is not this machine's name, as a DNS-rebinding page sends it. */
function getWithHost(url: string, host: string): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    http
      .get(
        {
          hostname: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          headers: { host },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      )
      .on('error', reject);
  });
}

describe('the invoice page', () => {
  it('shows the invoice of that company, its values HTML-escaped', async () => {
    const invoice = await createInvoice({ PrivateNote: 'Platform invoice <b>INV-7</b> & "co" (inv-7)' });

    const response = await fetch(pageUrl(String(invoice.Id), US_REALM));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('Platform invoice &lt;b&gt;INV-7&lt;/b&gt; &amp; &quot;co&quot; (inv-7)');
    expect(html).not.toContain('<b>INV-7</b>');
    expect(html).toContain(`<td>${String(invoice.DocNumber)}</td>`);
    expect(html).toContain('120.00');
  });

  it('is 404 for an id looked up in another company or an unknown one', async () => {
    const invoice = await createInvoice();

    const elsewhere = await fetch(pageUrl(String(invoice.Id), CA_REALM));
    const unknownRealm = await fetch(pageUrl(String(invoice.Id), '1234'));

    expect(elsewhere.status).toBe(404);
    expect(unknownRealm.status).toBe(404);
  });

  it('is 400 without txnId or realmId, and escapes what it echoes', async () => {
    const missingRealm = await fetch(`${t.sandbox.url}/app/invoice?txnId=1`);
    const hostile = await fetch(pageUrl('<script>alert(1)</script>', US_REALM));

    expect(missingRealm.status).toBe(400);
    expect(hostile.status).toBe(404);
    expect(await hostile.text()).not.toContain('<script>alert(1)</script>');
  });

  it('answers only loopback host names, like the control surface (it shows company data unauthenticated)', async () => {
    const invoice = await createInvoice();

    expect(await getWithHost(pageUrl(String(invoice.Id), US_REALM), 'attacker.example')).toBe(403);
  });
});
