import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { freePort, stopChild, waitForPort } from '../../../scripts/services/index.js';
import { TEST_JWT_SECRET } from '../../support/harness.js';

const root = path.resolve(import.meta.dirname, '../../..');
/** The gateway's entry point, run by Node's type stripping as `npm run gateway` runs it. */
export const GATEWAY_ENTRY = 'gateway/server.ts';

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Everything the gateway wrote to stdout and stderr so far (its log). */
  output(): string;
  stop(): Promise<void>;
}

/** The environment a test gateway starts from: test mode, the tests' secret; `env` overrides any of it. */
export function gatewayEnv(port: number, env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    AUTH_MODE: 'jwt',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    GATEWAY_PORT: String(port),
    ...env,
  };
}

export function spawnGateway(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const chunks: string[] = [];
  const child = spawn(process.execPath, [GATEWAY_ENTRY], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  // Hive's pretty log colours its output.
  return { child, output: () => stripVTControlCharacters(chunks.join('')) };
}

/**
 * Another gateway process (the same gateway/server.ts and committed supergraph as `npm start`), with its
 * own environment, in front of the given subgraph URLs.
 */
export async function startGateway(options: {
  hostUrl: string;
  quickbooksUrl: string;
  env?: Record<string, string>;
}): Promise<GatewayProcess> {
  const port = await freePort();
  const { child, output } = spawnGateway(
    gatewayEnv(port, {
      HOST_SUBGRAPH_URL: options.hostUrl,
      QUICKBOOKS_SUBGRAPH_URL: options.quickbooksUrl,
      ...options.env,
    }),
  );
  const stop = () => stopChild(child, 10_000);
  try {
    await waitForPort('127.0.0.1', port, 30_000, 'gateway');
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output()}`, { cause: error });
  }
  return { url: `http://127.0.0.1:${port}/graphql`, child, output, stop };
}

/** Starts a gateway that is expected to refuse its settings: its exit code and output. */
export async function gatewayExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const { child, output } = spawnGateway(gatewayEnv(port, env));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output: output() };
}

/** A "subgraph" that accepts connections and never answers: a stalled process or a paused database. */
export async function startSilentServer(): Promise<{
  url: string;
  /** How many connections it has accepted so far (a request that reached it is in flight). */
  accepted(): number;
  close(): Promise<void>;
}> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    accepted: () => accepted,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
