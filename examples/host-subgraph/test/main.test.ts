import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { ACME, codes, gql, token } from './helpers.js';
import { DEV_INSECURE_JWT_SECRET } from '../src/index.js';

const root = path.resolve(import.meta.dirname, '../../..');
const main = path.join(root, 'examples/host-subgraph/src/main.ts');

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: root,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('main.ts', () => {
  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const result = await runMain({ AUTH_MODE: 'dev-insecure', HOST_SUBGRAPH_PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('exits 78 listing the problems when the settings are wrong', async () => {
    const result = await runMain({ AUTH_MODE: 'jwt', HOST_SUBGRAPH_PORT: 'abc' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('HOST_SUBGRAPH_PORT must be a port number');
    expect(result.stderr).toContain('AUTH_MODE=jwt needs AUTH_JWT_SECRET');
  });

  it('exits 78 for limits that are not integers in range', async () => {
    const result = await runMain({
      AUTH_MODE: 'dev-insecure',
      GRAPHQL_MAX_DEPTH: '0',
      GRAPHQL_MAX_COST: 'lots',
      HTTP_MAX_BODY_BYTES: '10',
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('GRAPHQL_MAX_DEPTH must be an integer from 1 to 100, got "0"');
    expect(result.stderr).toContain('GRAPHQL_MAX_COST must be an integer');
    expect(result.stderr).toContain('HTTP_MAX_BODY_BYTES must be an integer from 1024');
  });

  it('exits 78 for the public dev secret in production, without echoing it', async () => {
    const result = await runMain({
      NODE_ENV: 'production',
      AUTH_MODE: 'jwt',
      AUTH_JWT_SECRET: DEV_INSECURE_JWT_SECRET,
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('AUTH_JWT_SECRET is the public dev secret');
    expect(result.stderr).not.toContain(DEV_INSECURE_JWT_SECRET);
  });

  it('applies GRAPHQL_MAX_DEPTH from the environment', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'info',
        AUTH_MODE: 'dev-insecure',
        HOST_SUBGRAPH_PORT: '0',
        GRAPHQL_MAX_DEPTH: '2',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`main.ts exited (${code})`)));
        readline.createInterface({ input: child.stdout }).on('line', (line) => {
          const logged = JSON.parse(line) as { msg?: string; url?: string };
          if (logged.msg === 'demo host subgraph listening' && logged.url) resolve(logged.url);
        });
      });
      const bearer = await token([ACME], {}, DEV_INSECURE_JWT_SECRET);
      expect(codes(await gql(url, `{ customer(id: "${ACME}") { id } }`, {}, bearer))).toEqual([]);
      const deeper = await gql(url, `{ customer(id: "${ACME}") { invoices { id } } }`, {}, bearer);
      expect(codes(deeper)).toEqual(['QUERY_TOO_COMPLEX']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
