import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostSubgraph } from '../src/index.js';
import { ACME, capturingLogger, gql, startTestHost, token } from './helpers.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];
let failNext = 0;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(503).end();
        return;
      }
      received.push({ headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/invoices`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('invoice event delivery', () => {
  let host: HostSubgraph;
  const { logger, lines } = capturingLogger();

  beforeAll(async () => {
    host = await startTestHost({ invoiceEventsUrl: receiverUrl, logger });
  });

  afterAll(async () => {
    await host.close();
  });

  it('POSTs each event as JSON, in order, retrying a refused delivery', async () => {
    const bearer = await token([ACME]);
    failNext = 1;
    await gql(host.url, 'mutation { finalizeInvoice(id: "inv-acme-1004") { id } }', {}, bearer);
    await gql(host.url, 'mutation { voidInvoice(id: "inv-acme-1004", reason: "test") { id } }', {}, bearer);
    await waitFor(() => received.length === 2);
    expect(received.map((r) => r.body.type)).toEqual(['invoice.finalized', 'invoice.voided']);
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.headers['x-invoice-event-type']).toBe('invoice.finalized');
    expect(received[0]?.headers['x-invoice-event-id']).toBe(received[0]?.body.eventId);
    expect(received[1]?.body).toMatchObject({
      tenantId: ACME,
      invoiceId: 'inv-acme-1004',
      invoiceNumber: 'INV-1004',
      status: 'VOID',
      version: 3,
    });
  });

  it('drops an event after 3 refused attempts and goes on with the next one', async () => {
    const bearer = await token([ACME]);
    received.length = 0;
    failNext = 3;
    await gql(host.url, 'mutation { finalizeInvoice(id: "inv-acme-1007") { id } }', {}, bearer); // refused: no bill-to
    await gql(
      host.url,
      'mutation { updateInvoice(id: "inv-acme-1005", input: { memo: "m" }) { id } }',
      {},
      bearer,
    );
    await gql(host.url, 'mutation { finalizeInvoice(id: "inv-acme-1007") { id } }', {}, bearer); // still refused
    await gql(
      host.url,
      'mutation { updateInvoice(id: "inv-acme-1005", input: { memo: "n" }) { id } }',
      {},
      bearer,
    );
    await waitFor(() => received.length === 1);
    expect(received[0]?.body).toMatchObject({
      type: 'invoice.updated',
      invoiceId: 'inv-acme-1005',
      version: 3,
    });
    expect(lines.filter((line) => line.msg === 'invoice event dropped')).toEqual([
      expect.objectContaining({ type: 'invoice.updated' }),
    ]);
  });

  it('logs one JSON line per event', () => {
    const eventLines = lines.filter((line) => line.msg === 'invoice event');
    expect(eventLines.map((line) => (line.event as { type: string }).type)).toEqual([
      'invoice.finalized',
      'invoice.voided',
      'invoice.updated',
      'invoice.updated',
    ]);
  });
});
