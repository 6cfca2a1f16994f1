import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

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
});
