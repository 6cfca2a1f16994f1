import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';

export interface ManagedProcess {
  readonly pid: number;
  stop(): Promise<void>;
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
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
