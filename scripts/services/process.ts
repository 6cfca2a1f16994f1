import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';

export interface ManagedProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Asks a child to stop (SIGTERM) and waits for it; SIGKILL if it is still running after the grace period. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Starts a detached service whose output goes to a log file, so a failed start can be explained. */
export function startService(command: string, args: string[], logFile: string): ManagedProcess {
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', log, log], detached: false });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  return {
    pid,
    stop: () => stopChild(child, 5000),
  };
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
