import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { jwtVerify } from 'jose';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DEV_INSECURE_JWT_SECRET, type HostSubgraph } from '../src/index.js';
import { ACME, capturingLogger, gql, NORDLYS, startTestHost, TEST_SECRET, token } from './helpers.js';

/** What the stand-in product subgraph received: one entry per POST. */
interface Received {
  authorization: string | undefined;
  query: string;
  variables: { customerId: string; invoiceId: string; change: string };
}

/**
 * A real HTTP receiver standing in for the product subgraph: it records every POST and answers with
 * the next scripted status (200 with a QUEUED status once the script runs out).
 */
class Receiver {
  readonly received: Received[] = [];
  script: { status: number; body?: unknown }[] = [];
  private server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Omit<Received, 'authorization'>;
      this.received.push({ authorization: req.headers.authorization, ...body });
      const next = this.script.shift() ?? {
        status: 200,
        body: { data: { notifyQuickBooksInvoiceChanged: { state: 'QUEUED' } } },
      };
      res.writeHead(next.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(next.body ?? { errors: [{ message: 'server error' }] }));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Resolves once `check` holds, polling; fails the test after 10 s. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const FINALIZE = `mutation ($id: ID!) { finalizeInvoice(id: $id) { id status } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateInvoiceInput!) { updateInvoice(id: $id, input: $input) { id } }`;
const VOID = `mutation ($id: ID!) { voidInvoice(id: $id, reason: "wrong customer") { id } }`;

let receiver: Receiver;
let receiverUrl: string;
let acme: string;

beforeAll(async () => {
  acme = await token([ACME]);
});

beforeEach(async () => {
  receiver = new Receiver();
  receiverUrl = await receiver.start();
});

afterEach(async () => {
  await receiver.close();
});

describe('QuickBooks hook', () => {
  let host: HostSubgraph;
  let logs: ReturnType<typeof capturingLogger>;

  beforeEach(async () => {
    logs = capturingLogger();
    host = await startTestHost({
      logger: logs.logger,
      quickbooksNotify: { url: receiverUrl, retryDelaysMs: [10, 20, 30] },
    });
  });

  afterEach(async () => {
    await host.close();
  });

  it('announces a finalize with the mutation and a one-tenant service token, never logging the token', async () => {
    const result = await gql(host.url, FINALIZE, { id: 'inv-acme-1004' }, acme);
    expect(result.errors).toBeUndefined();
    await until(() => logs.lines.some((l) => l.msg === 'QuickBooks notified of invoice change'));

    expect(receiver.received).toHaveLength(1);
    const [call] = receiver.received;
    expect(call!.query).toContain('notifyQuickBooksInvoiceChanged(customerId: $customerId');
    expect(call!.variables).toEqual({ customerId: ACME, invoiceId: 'inv-acme-1004', change: 'FINALIZED' });
    const bearer = /^Bearer (\S+)$/.exec(call!.authorization ?? '')?.[1];
    expect(bearer).toBeDefined();
    const { payload } = await jwtVerify(bearer!, new TextEncoder().encode(TEST_SECRET), {
      algorithms: ['HS256'],
    });
    expect(payload).toMatchObject({ sub: 'platform-host', service: 'platform-host', tenants: [ACME] });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);

    const logged = JSON.stringify(logs.lines);
    expect(logged).not.toContain(bearer!);
    expect(logged).not.toContain(TEST_SECRET);
    expect(logs.lines.find((l) => l.msg === 'QuickBooks notified of invoice change')).toMatchObject({
      tenantId: ACME,
      invoiceId: 'inv-acme-1004',
      change: 'FINALIZED',
      state: 'QUEUED',
      attempt: 1,
    });
  });

  it('announces edits of a finalized invoice and its void, in order, but not drafts', async () => {
    await gql(host.url, UPDATE, { id: 'inv-acme-1004', input: { memo: 'still a draft' } }, acme);
    await gql(host.url, FINALIZE, { id: 'inv-acme-1004' }, acme);
    for (const memo of ['edit 1', 'edit 2', 'edit 3']) {
      await gql(host.url, UPDATE, { id: 'inv-acme-1004', input: { memo } }, acme);
    }
    await gql(host.url, VOID, { id: 'inv-acme-1004' }, acme);
    await until(() => receiver.received.length === 5);

    expect(receiver.received.map((r) => r.variables.change)).toEqual([
      'FINALIZED',
      'UPDATED',
      'UPDATED',
      'UPDATED',
      'VOIDED',
    ]);
  });

  it('retries a 5xx answer and a retryable GraphQL error with the same token, then succeeds', async () => {
    receiver.script = [
      { status: 503 },
      {
        status: 200,
        body: { errors: [{ message: 'busy', extensions: { code: 'CONFLICT', retryable: true } }] },
      },
    ];
    await gql(host.url, FINALIZE, { id: 'inv-acme-1004' }, acme);
    await until(() => logs.lines.some((l) => l.msg === 'QuickBooks notified of invoice change'));

    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.authorization)).size).toBe(1);
    expect(logs.lines.filter((l) => l.msg === 'QuickBooks notification failed').map((l) => l.reason)).toEqual(
      ['HTTP 503', 'CONFLICT'],
    );
  });

  it('gives up after the last attempt and logs the drop', async () => {
    receiver.script = [{ status: 500 }, { status: 502 }, { status: 503 }, { status: 500 }, { status: 500 }];
    await gql(host.url, FINALIZE, { id: 'inv-acme-1004' }, acme);
    await until(() => logs.lines.some((l) => l.msg === 'QuickBooks notification dropped'));

    expect(receiver.received).toHaveLength(4);
    expect(logs.lines.find((l) => l.msg === 'QuickBooks notification dropped')).toMatchObject({
      level: 50,
      invoiceId: 'inv-acme-1004',
    });
  });

  it('does not retry a refusal such as FORBIDDEN', async () => {
    receiver.script = [
      {
        status: 200,
        body: { errors: [{ message: 'no', extensions: { code: 'FORBIDDEN', retryable: false } }] },
      },
    ];
    await gql(host.url, FINALIZE, { id: 'inv-acme-1004' }, acme);
    await until(() => logs.lines.some((l) => l.msg === 'QuickBooks notification refused'));
    // Another invoice's announcement goes through afterwards: the refusal did not block the hook.
    const nordlys = await token([NORDLYS]);
    await gql(host.url, FINALIZE, { id: 'inv-nordlys-2005' }, nordlys);
    await until(() => receiver.received.length === 2);

    expect(receiver.received.map((r) => r.variables.invoiceId)).toEqual([
      'inv-acme-1004',
      'inv-nordlys-2005',
    ]);
    expect(logs.lines.find((l) => l.msg === 'QuickBooks notification refused')).toMatchObject({
      reason: 'FORBIDDEN',
      attempt: 1,
    });
  });

  it('times out a product that does not answer and retries', async () => {
    // A receiver that hangs on the first request only.
    let hung = false;
    const hanging = http.createServer((req, res) => {
      if (!hung) {
        hung = true;
        req.resume();
        return;
      }
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { notifyQuickBooksInvoiceChanged: { state: 'QUEUED' } } }));
      });
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    await host.close();
    host = await startTestHost({
      logger: logs.logger,
      quickbooksNotify: {
        url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/graphql`,
        timeoutMs: 200,
        retryDelaysMs: [10],
      },
    });
    try {
      await gql(host.url, FINALIZE, { id: 'inv-acme-1004' }, acme);
      await until(() => logs.lines.some((l) => l.msg === 'QuickBooks notified of invoice change'));
      const failed = logs.lines.filter((l) => l.msg === 'QuickBooks notification failed');
      expect(failed).toHaveLength(1);
      expect(String(failed[0]!.reason)).toMatch(/TimeoutError/);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});

describe('QuickBooks hook switched off', () => {
  it('sends nothing and logs nothing of the hook when no notify URL is given', async () => {
    const logs = capturingLogger();
    const host = await startTestHost({ logger: logs.logger });
    try {
      await gql(host.url, FINALIZE, { id: 'inv-acme-1004' }, acme);
      await gql(host.url, VOID, { id: 'inv-acme-1004' }, acme);
      // Give a wrongly started hook the time to send.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.received).toEqual([]);
      expect(logs.lines.filter((l) => l.component === 'quickbooks-hook')).toEqual([]);
      expect(logs.lines.some((l) => l.msg === 'invoice event')).toBe(true);
    } finally {
      await host.close();
    }
  });

  it('refuses quickbooksNotify without an HS256 secret to sign with', async () => {
    await expect(
      startTestHost({
        auth: { jwksUrl: 'http://127.0.0.1:9/jwks.json' },
        quickbooksNotify: { url: receiverUrl },
      }),
    ).rejects.toThrow(/needs an HS256 secret/);
  });
});

describe('main.ts with QUICKBOOKS_NOTIFY_URL', () => {
  const root = path.resolve(import.meta.dirname, '../../..');
  const main = path.join(root, 'examples/host-subgraph/src/main.ts');

  it('notifies the URL from the environment with a token signed by the host secret', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'info',
        AUTH_MODE: 'dev-insecure',
        HOST_SUBGRAPH_PORT: '0',
        QUICKBOOKS_NOTIFY_URL: receiverUrl,
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`main.ts exited (${code})`)));
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const listening = output
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line) as { msg?: string; url?: string })
            .find((logged) => logged.msg === 'demo host subgraph listening');
          if (listening?.url) resolve(listening.url);
        });
      });
      const bearer = await token([ACME], {}, DEV_INSECURE_JWT_SECRET);
      await gql(url, FINALIZE, { id: 'inv-acme-1004' }, bearer);
      await until(() => receiver.received.length === 1 && output.includes('QuickBooks notified'));
      const sent = /^Bearer (\S+)$/.exec(receiver.received[0]!.authorization ?? '')![1]!;
      const { payload } = await jwtVerify(sent, new TextEncoder().encode(DEV_INSECURE_JWT_SECRET));
      expect(payload).toMatchObject({ service: 'platform-host', tenants: [ACME] });
      expect(output).not.toContain(sent);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('exits 78 when the URL is set but no HS256 secret can sign the tokens', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'silent',
        AUTH_MODE: 'jwt',
        AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
        QUICKBOOKS_NOTIFY_URL: 'not a url',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('QUICKBOOKS_NOTIFY_URL must be an http:// or https:// URL');
    expect(stderr).toContain('QUICKBOOKS_NOTIFY_URL needs an HS256 secret');
  });
});
