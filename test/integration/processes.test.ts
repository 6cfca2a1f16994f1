import { afterAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { testEnv } from '../support/harness.js';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

const databases: { uri: string; dbName: string }[] = [];
function serviceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...testEnv(), LOG_LEVEL: 'info' };
  databases.push({ uri: env.MONGODB_URI!, dbName: env.MONGODB_DB_NAME! });
  return env;
}

afterAll(async () => {
  for (const { uri, dbName } of databases) {
    const connection = await mongoose.createConnection(uri, { dbName }).asPromise();
    await connection.dropDatabase();
    await connection.close();
  }
});

function start(entry: string, env: NodeJS.ProcessEnv) {
  const child = spawn(tsx, [entry], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => lines.push(line));
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (text: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!lines.some((line) => line.includes(text))) {
      if (Date.now() > deadline) throw new Error(`"${text}" not logged; got:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, lines, exited, waitFor };
}

describe('process entry points', () => {
  it('the API refuses to start on invalid configuration, naming each problem (exit 78)', async () => {
    const { exited, lines } = start('src/index.ts', {
      REDIS_URL: 'localhost',
      AUTH_JWT_SECRET: 'x'.repeat(40),
    });
    expect(await exited).toBe(78);
    const output = lines.join('\n');
    expect(output).toContain('MONGODB_URI: MONGODB_URI is required');
    expect(output).toContain('REDIS_URL: REDIS_URL must start with redis:// or rediss://');
  });

  it('the worker drains and exits cleanly on SIGTERM', async () => {
    const worker = start('src/workers/index.ts', serviceEnv());
    await worker.waitFor('workers started');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const drained = worker.lines
      .map((l) => JSON.parse(l) as { msg: string; drained?: boolean })
      .find((l) => l.msg === 'in-flight jobs drained');
    expect(drained?.drained).toBe(true);
  });

  it('the API serves health and stops cleanly on SIGTERM', async () => {
    const api = start('src/index.ts', serviceEnv());
    await api.waitFor('subgraph listening');
    const { url } = api.lines
      .map((l) => JSON.parse(l) as { msg: string; url?: string })
      .find((l) => l.msg === 'subgraph listening')!;
    const health = await fetch(url!.replace('/graphql', '/health'));
    expect(health.status).toBe(200);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });
});
