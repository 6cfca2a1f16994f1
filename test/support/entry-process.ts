import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { stopChild } from '../../scripts/services/index.js';

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
