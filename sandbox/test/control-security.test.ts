/**
 * The control surface (/_sandbox) has no authentication, so it must not be reachable from the two places a
 * developer's browser can reach it from: a page on another site posting to 127.0.0.1 (cross-site request
 * forgery), and a page whose own host name is re-pointed at 127.0.0.1 (DNS rebinding). It also stays
 * local when the emulator listens on a network address, unless that is asked for.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { LogLevel } from '../src/logger.js';
import type { Sandbox, SandboxOptions } from '../src/index.js';
import { salesLine, start, US_REALM, useSandbox } from './helpers.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Replaces the Host header. */
  host?: string;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** node:http rather than fetch: a browser's rebinding request carries a Host header fetch will not forge. */
function send(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: {
          ...(request.host === undefined ? {} : { host: request.host }),
          ...(request.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(request.body)) }),
          ...request.headers,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            json: parseJson(text),
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

function portOf(sandbox: Sandbox): string {
  return new URL(sandbox.url).port;
}

function capturingLogger(): { logger: NonNullable<SandboxOptions['logger']>; warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    logger: (level: LogLevel, message: string) => {
      if (level === 'warn') warnings.push(message);
    },
  };
}

/** An address of this machine that is not loopback, so a request to it arrives from a non-loopback peer. */
function networkAddress(): string | undefined {
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) if (!entry.internal && entry.family === 'IPv4') return entry.address;
  }
  return undefined;
}

const t = useSandbox();

async function invoiceCount(): Promise<number> {
  return t.sandbox.control.listEntities(US_REALM, 'Invoice').length;
}

describe('a cross-site page cannot drive the control surface', () => {
  it('a text/plain POST, as a page sends without a CORS preflight, gets 415 and does not reset', async () => {
    expect(
      (await t.qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(10)] })).status,
    ).toBe(200);
    // What `fetch(url, { method: 'POST', mode: 'no-cors', body: '{}' })` or a text/plain form sends.
    const response = await send(t.sandbox.url, {
      method: 'POST',
      path: '/_sandbox/reset',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://evil.example' },
      body: '{}',
    });
    expect(response.status).toBe(415);
    expect(response.json).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(await invoiceCount()).toBe(1);
  });

  it('a POST labelled as a url-encoded form gets 415 and installs no fault', async () => {
    // Another content type a page may send without a preflight; the body is JSON all the same.
    const response = await send(t.sandbox.url, {
      method: 'POST',
      path: '/_sandbox/faults',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ action: { type: 'drop' }, times: null }),
    });
    expect(response.status).toBe(415);
    expect(response.json).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(t.sandbox.control.listFaults().faults).toEqual([]);
  });

  it('a POST labelled as a multipart form gets 415 and leaves the clock alone', async () => {
    const before = t.sandbox.control.now();
    const response = await send(t.sandbox.url, {
      method: 'POST',
      path: '/_sandbox/clock',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: JSON.stringify({ set: '2040-01-01T00:00:00Z', freeze: true }),
    });
    expect(response.status).toBe(415);
    expect(Math.abs(Date.parse(t.sandbox.control.now()) - Date.parse(before))).toBeLessThan(60_000);
  });

  it('a POST without a body or content type (a no-cors fetch) gets 415 and does not reset', async () => {
    await t.qbo.post('/invoice', { CustomerRef: { value: '1' }, Line: [salesLine(10)] });
    const response = await send(t.sandbox.url, { method: 'POST', path: '/_sandbox/reset' });
    expect(response.status).toBe(415);
    expect(await invoiceCount()).toBe(1);
  });

  it('answers a preflight without any CORS permission, so the browser never sends the JSON request', async () => {
    const response = await send(t.sandbox.url, {
      method: 'OPTIONS',
      path: '/_sandbox/reset',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('refuses a JSON request that names a foreign Origin (403), and takes one from a loopback page', async () => {
    const foreign = await send(t.sandbox.url, {
      method: 'POST',
      path: '/_sandbox/faults',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ action: { type: 'drop' } }),
    });
    expect(foreign.status).toBe(403);
    expect(foreign.json).toMatchObject({ code: 'FORBIDDEN_ORIGIN' });
    expect(t.sandbox.control.listFaults().faults).toEqual([]);

    const local = await send(t.sandbox.url, {
      method: 'POST',
      path: '/_sandbox/clock',
      headers: { 'content-type': 'application/json; charset=utf-8', origin: 'http://localhost:3000' },
      body: JSON.stringify({ advanceSeconds: 1 }),
    });
    expect(local.status).toBe(200);
  });

  it('still takes JSON POSTs and body-less DELETEs from local tools', async () => {
    t.sandbox.control.injectFault({ action: { type: 'drop' } });
    const cleared = await send(t.sandbox.url, { method: 'DELETE', path: '/_sandbox/faults' });
    expect(cleared.status).toBe(200);
    expect(t.sandbox.control.listFaults().faults).toEqual([]);
    const tokens = await send(t.sandbox.url, {
      method: 'POST',
      path: '/_sandbox/tokens',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ realmId: US_REALM }),
    });
    expect(tokens.status).toBe(200);
    expect(tokens.json.access_token).toBeTruthy();
  });
});

describe('a DNS-rebinding page cannot read the control surface', () => {
  it('a Host header that is not a loopback name gets 403 and no client secret', async () => {
    const response = await send(t.sandbox.url, {
      path: '/_sandbox/apps',
      host: `evil.example:${portOf(t.sandbox)}`,
    });
    expect(response.status).toBe(403);
    expect(response.json).toMatchObject({ code: 'FORBIDDEN_HOST' });
    expect(response.text).not.toContain(t.sandbox.app.clientSecret);
  });

  it('refuses an HTTP/1.0 request with no Host header', async () => {
    // HTTP/1.1 without Host is refused by Node itself (requireHostHeader); HTTP/1.0 reaches the routes.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(portOf(t.sandbox)), '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write('GET /_sandbox/apps HTTP/1.0\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] 403 /);
    expect(answer).not.toContain(t.sandbox.app.clientSecret);
  });

  it.each(['localhost', '127.0.0.1', '[::1]', 'LocalHost'])(
    'answers Host %s with and without the port',
    async (name) => {
      for (const host of [`${name}:${portOf(t.sandbox)}`, name]) {
        const response = await send(t.sandbox.url, { path: '/_sandbox/apps', host });
        expect([host, response.status]).toEqual([host, 200]);
      }
    },
  );

  it('keeps the OAuth and API routes working under any Host (they are what a remote client uses)', async () => {
    const host = `sandbox.example:${portOf(t.sandbox)}`;
    const discovery = await send(t.sandbox.url, { path: '/.well-known/openid_sandbox_configuration', host });
    expect(discovery.status).toBe(200);
    const customer = await send(t.sandbox.url, {
      path: `/v3/company/${US_REALM}/customer/1?minorversion=75`,
      host,
      headers: { authorization: `Bearer ${t.qbo.accessToken}`, accept: 'application/json' },
    });
    expect(customer.status).toBe(200);
    expect(customer.json.Customer.Id).toBe('1');
  });
});

describe('control surface access settings', () => {
  const started: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((sandbox) => sandbox.close()));
  });
  async function startOwn(options: SandboxOptions): Promise<Sandbox> {
    const sandbox = await start(options);
    started.push(sandbox);
    return sandbox;
  }

  it('accepts the extra host names it is given, and still no others', async () => {
    const sandbox = await startOwn({
      controlSurface: { allowedHosts: ['qbo-sandbox.test', 'other.test:4010'] },
    });
    const port = portOf(sandbox);
    expect(
      (await send(sandbox.url, { path: '/_sandbox/health', host: `qbo-sandbox.test:${port}` })).status,
    ).toBe(200);
    expect((await send(sandbox.url, { path: '/_sandbox/health', host: 'other.test' })).status).toBe(200);
    expect((await send(sandbox.url, { path: '/_sandbox/health', host: `evil.example:${port}` })).status).toBe(
      403,
    );
  });

  it('bound to every interface: warns, and answers the control surface on loopback only', async () => {
    const { logger, warnings } = capturingLogger();
    const sandbox = await startOwn({ host: '0.0.0.0', logger });
    expect(warnings.join('\n')).toMatch(/0\.0\.0\.0.*--allow-remote-control/s);
    const local = `http://127.0.0.1:${portOf(sandbox)}`;
    expect((await send(local, { path: '/_sandbox/health' })).status).toBe(200);
  });

  const address = networkAddress();
  const onNetwork = address ? it : it.skip;

  onNetwork(
    'bound to a network address: the API answers remote clients, the control surface does not',
    async () => {
      const { logger, warnings } = capturingLogger();
      const sandbox = await startOwn({ host: address, logger });
      expect(warnings.join('\n')).toContain('--allow-remote-control');
      const control = await send(sandbox.url, { path: '/_sandbox/apps' });
      expect(control.status).toBe(403);
      expect(control.json).toMatchObject({ code: 'REMOTE_CONTROL_DISABLED' });
      expect(control.text).not.toContain(sandbox.app.clientSecret);
      expect((await send(sandbox.url, { path: '/.well-known/openid_sandbox_configuration' })).status).toBe(
        200,
      );
      // The in-process handle is unaffected.
      expect(sandbox.control.listApps()[0]?.clientSecret).toBe(sandbox.app.clientSecret);
    },
  );

  onNetwork('with allowRemote, remote clients may use it under the bound address, loudly', async () => {
    const { logger, warnings } = capturingLogger();
    const sandbox = await startOwn({ host: address, logger, controlSurface: { allowRemote: true } });
    expect(warnings.join('\n')).toMatch(/open to the network/);
    expect((await send(sandbox.url, { path: '/_sandbox/health' })).status).toBe(200);
    const rebound = await send(sandbox.url, {
      path: '/_sandbox/health',
      host: `evil.example:${portOf(sandbox)}`,
    });
    expect(rebound.status).toBe(403);
  });
});

describe('the CLI', () => {
  const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli.ts');
  const tsx = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '../../node_modules/tsx/dist/cli.mjs',
  );

  /** Starts the CLI, collects its output until the control URL is printed, then stops it. */
  async function startupOutput(args: string[]): Promise<string> {
    const child = spawn(process.execPath, [tsx, cli, '--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`the CLI exited (${code}):\n${lines.join('\n')}`)));
        for (const stream of [child.stdout, child.stderr]) {
          readline.createInterface({ input: stream }).on('line', (line) => {
            lines.push(line);
            if (line.startsWith('Control:')) resolve();
          });
        }
      });
    } finally {
      child.kill('SIGTERM');
    }
    return lines.join('\n');
  }

  it('prints a warning naming the flag when bound to every interface', async () => {
    const output = await startupOutput(['--host', '0.0.0.0']);
    expect(output).toMatch(/WARNING/);
    expect(output).toContain('--allow-remote-control');
  });

  it('prints a louder one with --allow-remote-control, and takes --control-host', async () => {
    const output = await startupOutput([
      '--host',
      '0.0.0.0',
      '--allow-remote-control',
      '--control-host',
      'qbo-sandbox.test',
    ]);
    expect(output).toMatch(/open to the network/);
    expect(output).toContain('qbo-sandbox.test');
  });
});
