import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { stripVTControlCharacters } from 'node:util';
import { SignJWT } from 'jose';
import { ensureBackingServices, freePort, stopChild, waitForPort } from '../../scripts/services/index.js';

/** USER_HZ: the unit of /proc CPU times, 100 on every Linux build we run. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * How to start the gateway of a checkout: its own server (gateway/server.ts, run by Node's type
 * stripping as `npm run gateway` does), or, in checkouts from before it, Hive Gateway's CLI with
 * gateway.config.ts (the CLI listens on PORT before its config's port), so older versions can still be
 * measured with `--root`/`--gateway-root`.
 */
export function gatewayCommand(checkout: string, port: number): { args: string[]; env: NodeJS.ProcessEnv } {
  if (fs.existsSync(path.join(checkout, 'gateway/server.ts')))
    return { args: ['gateway/server.ts'], env: {} };
  return {
    args: ['node_modules/@graphql-hive/gateway/dist/bin.js', 'supergraph', 'supergraph.graphql'],
    env: { PORT: String(port) },
  };
}

export interface GraphProcesses {
  gatewayUrl: string;
  gateway: ChildProcess;
  host: ChildProcess;
  api: ChildProcess;
  /** The HS256 secret every process verifies tokens with (random per run). */
  secret: string;
  /** A token the whole graph accepts, for the given tenants, valid for two hours. */
  token(tenants: string[]): Promise<string>;
  /** What the gateway has written to stdout and stderr so far (colours removed). */
  gatewayOutput(): string;
  /** CPU time (user + system) a process has used so far, from /proc (Linux), in ms. */
  cpuMs(child: ChildProcess): number | undefined;
  /** Resident set size of a process, from /proc (Linux), in MB. */
  rssMb(child: ChildProcess): number | undefined;
  stop(): Promise<void>;
}

export interface GraphOptions {
  /** A checkout of this repository (its own dist/ is built); `git worktree` + symlinked node_modules works. */
  root: string;
  /** Run the gateway (its config and supergraph) from another checkout than the subgraphs. */
  gatewayRoot?: string;
  nodeEnv: string;
  /** Extra environment for every process (e.g. a limit to try). */
  env?: NodeJS.ProcessEnv;
  log(line: string): void;
  /** Print the processes' own output lines (warnings and errors at LOG_LEVEL=warn). */
  echo?: boolean;
}

/**
 * The graph as `npm start` runs it, one process each (demo host subgraph, this subgraph, the gateway),
 * built from `root` with tsc, on free ports, with its own database and Redis prefix and a random secret.
 */
export async function startGraphProcesses(options: GraphOptions): Promise<GraphProcesses> {
  const { root, log } = options;
  const services = await ensureBackingServices(log);
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child, 10_000)));
    await services.stop();
  };
  try {
    log(`building ${root}…`);
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    const secret = crypto.randomBytes(32).toString('hex');
    const [gatewayPort, subgraphPort, hostPort] = [await freePort(), await freePort(), await freePort()];
    const suffix = crypto.randomBytes(4).toString('hex');
    const env: NodeJS.ProcessEnv = {
      // Production refuses the public QuickBooks development secrets and the emulator; the benchmarks
      // never call QuickBooks, so per-run values (and placeholder Intuit credentials) do. The
      // environment's own values win; older checkouts ignore these names.
      QUICKBOOKS_STATE_SECRET: crypto.randomBytes(32).toString('hex'),
      QUICKBOOKS_TOKEN_KEYS: `bench:${crypto.randomBytes(32).toString('base64')}`,
      QUICKBOOKS_CLIENT_ID: 'bench-placeholder-client-id',
      QUICKBOOKS_CLIENT_SECRET: 'bench-placeholder-client-secret',
      ...process.env,
      NODE_ENV: options.nodeEnv,
      LOG_LEVEL: 'warn',
      AUTH_MODE: 'jwt',
      AUTH_JWT_SECRET: secret,
      MONGODB_URI: services.mongo.uri,
      MONGODB_DB_NAME: `qbs_bench_${suffix}`,
      REDIS_URL: services.redis.url,
      REDIS_PREFIX: `qbs-bench-${suffix}`,
      PORT: String(subgraphPort),
      HOST_SUBGRAPH_PORT: String(hostPort),
      GATEWAY_PORT: String(gatewayPort),
      HOST_SUBGRAPH_URL: `http://127.0.0.1:${hostPort}/graphql`,
      QUICKBOOKS_SUBGRAPH_URL: `http://127.0.0.1:${subgraphPort}/graphql`,
      ...options.env,
    };
    const gatewayLines: string[] = [];
    const run = (name: string, args: string[], extra: NodeJS.ProcessEnv = {}, cwd = root) => {
      const child = spawn(process.execPath, args, { cwd, env: { ...env, ...extra }, stdio: 'pipe' });
      for (const stream of [child.stdout, child.stderr]) {
        const lines = readline.createInterface({ input: stream });
        if (name === 'gateway') lines.on('line', (line) => gatewayLines.push(stripVTControlCharacters(line)));
        if (options.echo) lines.on('line', (line) => log(`[${name}] ${line.slice(0, 400)}`));
      }
      child.on('exit', (code, signal) => log(`[${name}] exited (${signal ?? code})`));
      children.push(child);
      return child;
    };
    const host = run('host', ['dist/examples/host-subgraph/src/main.js']);
    const api = run('api', ['dist/src/index.js']);
    await Promise.all([
      waitForPort('127.0.0.1', subgraphPort, 60_000, 'subgraph'),
      waitForPort('127.0.0.1', hostPort, 60_000, 'host subgraph'),
    ]);
    const gatewayRoot = options.gatewayRoot ?? root;
    const { args, env: gatewayEnv } = gatewayCommand(gatewayRoot, gatewayPort);
    const gateway = run('gateway', args, gatewayEnv, gatewayRoot);
    await waitForPort('127.0.0.1', gatewayPort, 60_000, 'gateway');
    return {
      gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
      gateway,
      host,
      api,
      secret,
      gatewayOutput: () => gatewayLines.join('\n'),
      token: (tenants) =>
        new SignJWT({ tenants, roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('bench-user')
          .setIssuedAt()
          .setExpirationTime('2h')
          .sign(new TextEncoder().encode(secret)),
      cpuMs(child) {
        try {
          // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime, stime in ticks.
          const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
        } catch {
          return undefined;
        }
      },
      rssMb(child) {
        try {
          const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
          return kb ? Math.round(Number(kb) / 1024) : undefined;
        } catch {
          return undefined;
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
