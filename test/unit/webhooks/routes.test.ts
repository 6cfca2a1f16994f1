import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { pino } from 'pino';
import {
  createWebhookRoutes,
  QUICKBOOKS_WEBHOOK_PATH,
  WEBHOOK_MAX_BODY_BYTES,
} from '../../../src/server/webhook-routes.js';
import type { IntakeOutcome } from '../../../src/services/webhooks/intake.js';

/** The route alone, with a fake intake: what reaches the service and what each outcome answers. */
describe('POST /integrations/quickbooks/webhooks', () => {
  const received: { body: Buffer; signature: string | undefined }[] = [];
  let next: IntakeOutcome | Error = { status: 200, queued: 0, skipped: 0, ignored: 0 };
  let server: http.Server;
  let url = '';

  beforeAll(async () => {
    const app = express();
    app.use(
      createWebhookRoutes(
        {
          async receive(body, signature) {
            received.push({ body, signature });
            if (next instanceof Error) throw next;
            return next;
          },
        },
        pino({ level: 'silent' }),
      ),
    );
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${QUICKBOOKS_WEBHOOK_PATH}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('hands the service the exact bytes sent and the intuit-signature header', async () => {
    received.length = 0;
    next = { status: 200, queued: 1, skipped: 0, ignored: 0 };
    const body = '[ {"id" :"1"} ]\n';
    const response = await post(body, { 'intuit-signature': 'c2ln' });
    expect(response.status).toBe(200);
    expect(received).toEqual([{ body: Buffer.from(body), signature: 'c2ln' }]);
  });

  it('reads the raw body whatever the content type', async () => {
    received.length = 0;
    const response = await post('abc', { 'content-type': 'text/plain' });
    expect(response.status).toBe(200);
    expect(received[0]?.body.toString()).toBe('abc');
  });

  it('answers 403 for a refused signature and 400 for a body that is not a delivery', async () => {
    next = { status: 403, reason: 'bad-signature' };
    expect((await post('[]')).status).toBe(403);
    next = { status: 400, reason: 'x' };
    expect((await post('[]')).status).toBe(400);
  });

  it('answers 413 for a body over the limit without calling the service', async () => {
    received.length = 0;
    const response = await post(' '.repeat(WEBHOOK_MAX_BODY_BYTES + 1));
    expect(response.status).toBe(413);
    expect(received).toEqual([]);
  });

  it('answers 503 when the jobs cannot be queued, so Intuit retries', async () => {
    next = new Error('redis down');
    expect((await post('[]')).status).toBe(503);
  });
});
