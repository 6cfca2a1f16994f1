/**
 * A redis-server of the bench's own (free port, temp dir, AOF on) that fault mode may kill and restart
 * under load. Never the machine's shared Redis on 6379: other work uses it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from '../../scripts/services/index.js';

/** `everysec` may lose up to a second of acknowledged writes on a kill; `always` loses none but fsyncs each write. */
export type AppendFsync = 'everysec' | 'always';

export class OwnRedis {
  private child: ChildProcess | undefined;
  restarts = 0;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly appendfsync: AppendFsync,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(appendfsync: AppendFsync): Promise<OwnRedis> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-bench-redis-'));
    const redis = new OwnRedis(await freePort(), dir, appendfsync);
    await redis.spawn();
    return redis;
  }

  private async spawn(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        this.appendfsync,
        '--logfile',
        path.join(this.dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    await waitForPort('127.0.0.1', this.port, 15_000, 'redis-server (bench)');
  }

  /**
   * SIGKILL, as a crashed or OOM-killed Redis: no final fsync, so with `everysec` the last second of
   * writes may be gone. Then a new server on the same port and directory, which replays the AOF.
   */
  async killAndRestart(downMs: number): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.spawn();
    this.restarts += 1;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
