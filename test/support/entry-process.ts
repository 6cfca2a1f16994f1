import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { stopChild } from '../../scripts/services/index.js';
import type { Config } from '../../src/config.js';
import { TEST_JWT_SECRET } from './harness.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface EntryProcess {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Resolves once a log line contains `text`; fails with everything logged so far. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL if it does not exit in time. */
  stop(): Promise<void>;
  kill(): void;
}

/**
 * One of the product's entry points (src/index.ts, src/workers/index.ts) as its own process, as deployed.
 * node itself with tsx's loader, not the tsx CLI: the CLI runs node as a grandchild that a SIGKILL of the
 * CLI would leave running.
 */
export function startEntry(entry: string, env: NodeJS.ProcessEnv): EntryProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => lines.push(line));
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    async waitFor(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!lines.some((line) => line.includes(text))) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`"${text}" not logged by ${entry}; got:\n${lines.join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => stopChild(child, 10_000),
    kill: () => void child.kill('SIGKILL'),
  };
}

/**
 * The environment of a worker process that shares an in-process API's store, Redis namespace and token
 * key, talking to the given emulator and host. The token key matters: the worker must decrypt the tokens
 * the API sealed.
 */
export function workerEnv(
  config: Config,
  targets: { emulatorUrl: string; hostGraphqlUrl: string },
): NodeJS.ProcessEnv {
  const { keys, activeKeyId } = config.quickbooks.tokenKeys;
  const active = keys.get(activeKeyId);
  if (!active) throw new Error(`the API's active token key ${activeKeyId} is not among its keys`);
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    MONGODB_URI: config.mongo.uri,
    ...(config.mongo.dbName ? { MONGODB_DB_NAME: config.mongo.dbName } : {}),
    REDIS_URL: config.redis.url,
    REDIS_PREFIX: config.redis.prefix,
    AUTH_MODE: 'jwt',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    QUICKBOOKS_EMULATOR_URL: targets.emulatorUrl,
    QUICKBOOKS_TOKEN_KEYS: `${activeKeyId}:${active.toString('base64')}`,
    HOST_GRAPHQL_URL: targets.hostGraphqlUrl,
  };
}
