import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canConnect, freePort, waitForPort } from './ports.js';
import { startService, tail, type ManagedProcess } from './process.js';
import { which } from './which.js';

export interface RedisService {
  url: string;
  source: 'REDIS_URL' | 'local server on 6379' | 'started redis-server';
  stop(): Promise<void>;
}

function installRedisServer(log: (line: string) => void): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'No Redis is reachable and redis-server is not installed. Install it (apt-get install redis-server) or set REDIS_URL.',
    );
  }
  log('installing redis-server from Debian packages (one time)…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Order: REDIS_URL, then the machine's server on 6379, then a private redis-server on a free port. */
export async function ensureRedis(log: (line: string) => void): Promise<RedisService> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, source: 'REDIS_URL', stop: async () => {} };
  if (await canConnect('127.0.0.1', 6379)) {
    return { url: 'redis://127.0.0.1:6379', source: 'local server on 6379', stop: async () => {} };
  }
  if (!which('redis-server')) installRedisServer(log);
  const port = await freePort();
  const logFile = path.join(os.tmpdir(), `qbs-redis-${port}.log`);
  const proc: ManagedProcess = startService(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    logFile,
  );
  try {
    await waitForPort('127.0.0.1', port, 10_000, 'redis-server');
  } catch (error) {
    await proc.stop();
    throw new Error(`${(error as Error).message}\n${tail(logFile)}`, { cause: error });
  }
  const stop = async () => {
    await proc.stop();
    fs.rmSync(logFile, { force: true });
  };
  return { url: `redis://127.0.0.1:${port}`, source: 'started redis-server', stop };
}
