/**
 * Run as a separate process by the rate governor test: one "worker process" sending requests to one realm
 * through its own RateGovernor. It prints `ready`, waits for `go` on stdin so several processes start
 * together, then makes `requests` acquisitions, `parallel` at a time. While holding a slot it counts
 * itself in Redis (current holders, the highest count seen, one grant timestamp per request) so the test
 * can check the limits across processes. Prints `done` and exits.
 * With `hold` as <requests>, it takes <parallel> slots, prints `held` and keeps them until it is killed
 * (a worker dying mid-request); GOVERNOR_LEASE_MS sets the slot lease.
 * Usage: tsx test/support/governor-client.ts <realmId> <keyPrefix> <requests|hold> <parallel> <limitsJson>
 */
import readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { RateGovernor, type GovernorLimits } from '../../src/quickbooks/governor.js';
import { closeRedis, createRedis } from '../../src/redis.js';

const [realmId, keyPrefix, requestsArg, parallelArg, limitsJson] = process.argv.slice(2);
const redisUrl = process.env.TEST_REDIS_URL;
if (!realmId || !keyPrefix || !requestsArg || !parallelArg || !limitsJson || !redisUrl) {
  throw new Error('usage: governor-client <realmId> <keyPrefix> <requests> <parallel> <limitsJson>');
}

const redis = createRedis(redisUrl, 'pubsub');
await redis.ping();
const governor = new RateGovernor({
  redis,
  keyPrefix,
  limits: JSON.parse(limitsJson) as Partial<GovernorLimits>,
  acquireTimeoutMs: 60_000,
  ...(process.env.GOVERNOR_LEASE_MS ? { leaseMs: Number(process.env.GOVERNOR_LEASE_MS) } : {}),
});
const stats = `${keyPrefix}:stats`;
// Counts the holder in and records the highest count in one step, so no interleaving hides a peak.
const ENTER = `
local current = redis.call('INCR', KEYS[1])
if current > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], current) end
local time = redis.call('TIME')
redis.call('RPUSH', KEYS[3], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
return current
`;

const go = new Promise<void>((resolve) => {
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'go') resolve();
  });
});
process.stdout.write('ready\n');
await go;

if (requestsArg === 'hold') {
  await Promise.all(Array.from({ length: Number(parallelArg) }, () => governor.acquire(realmId)));
  process.stdout.write('held\n');
  await new Promise<never>(() => undefined);
}

let remaining = Number(requestsArg);
async function lane(): Promise<void> {
  while (remaining > 0) {
    remaining -= 1;
    const grant = await governor.acquire(realmId!);
    try {
      await redis.eval(ENTER, 3, `${stats}:holders`, `${stats}:peak`, `${stats}:grants`);
      await delay(5 + Math.floor(Math.random() * 20));
      await redis.decr(`${stats}:holders`);
    } finally {
      await grant.release();
    }
  }
}
try {
  await Promise.all(Array.from({ length: Number(parallelArg) }, () => lane()));
  process.stdout.write('done\n');
} catch (error) {
  process.stdout.write(`failed ${String(error)}\n`);
  process.exitCode = 1;
} finally {
  await closeRedis(redis);
  process.stdin.destroy();
}
