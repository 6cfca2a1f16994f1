/**
 * Run as a separate process by the token refresh tests: connects like a worker does (configuration from
 * the environment, real database, real Redis, the emulator as QUICKBOOKS_EMULATOR_URL), prints `ready`,
 * waits for a `go` line on stdin so several processes start the refresh together, refreshes one tenant's
 * token and prints the outcome as JSON. Printing the access token is fine here: it is the emulator's.
 * Usage: tsx test/support/refresh-race.ts <tenantId>
 */
import readline from 'node:readline';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { connectDatabase, disconnectDatabase } from '../../src/models/index.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { vaultFor } from './refresh-fixtures.js';

const [tenantId] = process.argv.slice(2);
if (!tenantId) throw new Error('usage: refresh-race <tenantId>');

const config = loadConfig();
await connectDatabase(config.mongo.uri, config.mongo.dbName);
const redis = createRedis(config.redis.url, 'pubsub');
await redis.ping();
// Logs go to stderr; stdout carries only the protocol lines the test reads.
const vault = vaultFor(config, redis, pino({ level: 'info' }, pino.destination(2)));

const go = new Promise<void>((resolve) => {
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'go') resolve();
  });
});
process.stdout.write('ready\n');
await go;
try {
  const outcome = await vault.refresh(tenantId, { reason: 'manual' });
  process.stdout.write(`${JSON.stringify({ ok: true, ...outcome })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: String(error) })}\n`);
  process.exitCode = 1;
} finally {
  await closeRedis(redis);
  await disconnectDatabase();
  process.stdin.destroy();
}
