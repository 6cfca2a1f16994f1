// Preloaded into a bench's worker process (NODE_OPTIONS=--import): what the process spends per push,
// measured from inside without touching src/. Plain ESM so it loads before tsx's loader is registered.
//   - CPU: process.cpuUsage() of the worker process.
//   - Store: the MongoDB driver's command monitoring (mongoose.connect is given monitorCommands: true):
//     one event per round trip (getMore included), with its duration.
//   - Redis: every command ioredis sends (a pipeline or MULTI counts each command inside it; a Lua script
//     is one EVALSHA) and the time until its answer; BullMQ's blocking reads are counted, not timed.
//   - HTTP: every fetch, split into the host's GraphQL endpoint and QuickBooks, with its duration.
// The totals are written to BENCH_PROBE_FILE every 100 ms; the bench reads deltas.
import fs from 'node:fs';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { isMainThread } from 'node:worker_threads';

const file = process.env.BENCH_PROBE_FILE;
const hostUrl = process.env.HOST_GRAPHQL_URL ?? '';
// Preloads also run in worker threads (a logger transport's): only the main thread may write the file.
if (file && isMainThread) {
  const totals = {
    store: { count: 0, ms: 0 },
    redis: { count: 0, ms: 0 },
    host: { count: 0, ms: 0 },
    quickbooks: { count: 0, ms: 0 },
  };
  const connect = mongoose.connect.bind(mongoose);
  mongoose.connect = async (uri, options = {}) => {
    const connected = await connect(uri, { ...options, monitorCommands: true });
    const client = connected.connection.getClient();
    const done = (event) => {
      totals.store.count += 1;
      totals.store.ms += event.duration;
    };
    client.on('commandSucceeded', done);
    client.on('commandFailed', done);
    return connected;
  };
  const blocking = /^(bzpopmin|bzpopmax|brpop|blpop|brpoplpush|blmove|xread)$/i;
  const sendCommand = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function timedSendCommand(command, ...rest) {
    totals.redis.count += 1;
    const result = sendCommand.call(this, command, ...rest);
    if (!blocking.test(command?.name ?? '') && result && typeof result.then === 'function') {
      const started = performance.now();
      const done = () => {
        totals.redis.ms += performance.now() - started;
      };
      result.then(done, done);
    }
    return result;
  };
  const fetchOriginal = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const bucket = hostUrl && url.startsWith(hostUrl) ? totals.host : totals.quickbooks;
    const started = performance.now();
    try {
      return await fetchOriginal(input, init);
    } finally {
      bucket.count += 1;
      bucket.ms += performance.now() - started;
    }
  };
  const write = () => {
    const cpu = process.cpuUsage();
    // Written aside and renamed, so the bench never reads a half-written file; never fatal: the probe must
    // not be what stops a worker (another process cleaning the temp directory, say).
    try {
      fs.writeFileSync(`${file}.tmp`, JSON.stringify({ cpuMicros: cpu.user + cpu.system, ...totals }));
      fs.renameSync(`${file}.tmp`, file);
    } catch {
      // The next tick writes again.
    }
  };
  write();
  setInterval(write, 100).unref();
}
