import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import type { SandboxFixture } from './helpers.js';

export interface Received {
  body: string;
  signature: string | undefined;
  at: number;
}

/** One CloudEvent as Intuit sends it (§7.3). */
export interface CloudEvent {
  id: string;
  type: string;
  time: string;
  intuitentityid: string;
  intuitaccountid: string;
  [key: string]: unknown;
}

/** A webhook endpoint that records raw bodies and can be told to fail the next N deliveries. */
export class Receiver {
  readonly received: Received[] = [];
  failNext = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const signature = request.headers['intuit-signature'];
        this.received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: typeof signature === 'string' ? signature : undefined,
          at: Date.now(),
        });
        if (this.failNext > 0) {
          this.failNext -= 1;
          response.writeHead(500).end();
          return;
        }
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/webhooks/quickbooks`;
  }

  /** Every CloudEvent received, deliveries flattened in arrival order. */
  events(): CloudEvent[] {
    return this.received.flatMap((r) => JSON.parse(r.body) as CloudEvent[]);
  }

  /** `type id` of every event received, e.g. `qbo.customer.created.v1 58`. */
  summary(): string[] {
    return this.events().map((e) => `${e.type} ${e.intuitentityid}`);
  }

  clear(): void {
    this.received.length = 0;
    this.failNext = 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/**
 * A receiver for the file's emulator: started once, emptied before every test and registered as the default
 * app's webhook endpoint, with Intuit's retry schedule compressed so failures retry within milliseconds.
 */
export function useWebhookReceiver(t: SandboxFixture): Receiver {
  const receiver = new Receiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());
  beforeEach(() => {
    receiver.clear();
    t.sandbox.control.updateSettings({ webhooks: { retryTimeScale: 0.001, batchWindowMs: 5 } });
    t.sandbox.control.updateApp(t.sandbox.app.clientId, { webhookUrl: receiver.url });
  });
  return receiver;
}
