import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './ports.js';
import { startService, tail, type ManagedProcess } from './process.js';
import { which } from './which.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ferretSource = path.join(repoRoot, 'tools/ferretdb');
const ferretBinary = path.join(repoRoot, '.cache/bin/ferretdb');
const ferretStamp = `${ferretBinary}.stamp`;

export interface MongoService {
  /** Server URI without a database name; callers choose their database. */
  uri: string;
  source: 'MONGODB_URI' | 'mongod' | 'FerretDB (sqlite)';
  stop(): Promise<void>;
}

export interface MongoOptions {
  /** Where the started server keeps its data; a throwaway temp directory when omitted. */
  dataDir?: string;
}

function sourceDigest(): string {
  const hash = crypto.createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go'])
    hash.update(fs.readFileSync(path.join(ferretSource, file)));
  return hash.digest('hex');
}

/** Builds the FerretDB wrapper once; later calls are a digest comparison. */
export function buildFerretDB(log: (line: string) => void): string {
  const digest = sourceDigest();
  if (
    fs.existsSync(ferretBinary) &&
    fs.existsSync(ferretStamp) &&
    fs.readFileSync(ferretStamp, 'utf8').trim() === digest
  ) {
    return ferretBinary;
  }
  const go = which('go', ['/usr/local/go/bin']);
  if (!go) {
    throw new Error(
      'No MONGODB_URI, no mongod on PATH, and no Go toolchain to build FerretDB. Install Go >= 1.24, install MongoDB, or set MONGODB_URI.',
    );
  }
  log('building FerretDB v1.24.2 (first run only; about a minute on a fresh machine)…');
  fs.mkdirSync(path.dirname(ferretBinary), { recursive: true });
  execFileSync(go, ['build', '-o', ferretBinary, '.'], {
    cwd: ferretSource,
    stdio: ['ignore', 'ignore', 'inherit'],
    // GOTOOLCHAIN=local: never download another Go toolchain; FerretDB's module needs only go 1.24.
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
  });
  fs.writeFileSync(ferretStamp, digest);
  return ferretBinary;
}

function stripDatabase(uri: string): string {
  const url = new URL(uri);
  url.pathname = '/';
  return url.toString().replace(/\/$/, '');
}

/** Order: MONGODB_URI, then mongod from PATH, then FerretDB with its SQLite backend. */
export async function ensureMongo(
  log: (line: string) => void,
  options: MongoOptions = {},
): Promise<MongoService> {
  const fromEnv = process.env.MONGODB_URI;
  if (fromEnv) return { uri: stripDatabase(fromEnv), source: 'MONGODB_URI', stop: async () => {} };

  const port = await freePort();
  const throwaway = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'qbs-mongo-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(os.tmpdir(), `qbs-mongo-${port}.log`);

  const mongod = which('mongod');
  let proc: ManagedProcess;
  let source: MongoService['source'];
  if (mongod) {
    source = 'mongod';
    proc = startService(
      mongod,
      ['--dbpath', dataDir, '--port', String(port), '--bind_ip', '127.0.0.1'],
      logFile,
    );
  } else {
    source = 'FerretDB (sqlite)';
    const binary = buildFerretDB(log);
    proc = startService(
      binary,
      [`--listen-addr=127.0.0.1:${port}`, `--sqlite-url=file:${dataDir}/`],
      logFile,
    );
  }
  const cleanup = async () => {
    await proc.stop();
    fs.rmSync(logFile, { force: true });
    if (throwaway) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForPort('127.0.0.1', port, 15_000, source);
  } catch (error) {
    await cleanup();
    throw new Error(`${(error as Error).message}\n${tail(logFile)}`, { cause: error });
  }
  return { uri: `mongodb://127.0.0.1:${port}`, source, stop: cleanup };
}
