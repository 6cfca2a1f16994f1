/**
 * Run as a separate process by test/integration/governed-requests.test.ts: one "worker process" with its
 * own Redis connection, RateGovernor and QuickBooksHttp, reading one emulator realm. Prints `ready`, waits
 * for `go` on stdin (so several processes start together), sends <requests> reads <parallel> at a time,
 * then prints `result {"ok":n,"busy":n,"other":[kinds]}` and exits.
 * Usage: tsx test/support/governed-sender.ts <apiBaseUrl> <realmId> <keyPrefix> <requests> <parallel> <limitsJson>
 * The access token comes in QBO_ACCESS_TOKEN (never on the command line).
 */
import readline from 'node:readline';
import { pino } from 'pino';
import { QuickBooksClient } from '../../src/quickbooks/client.js';
import { QuickBooksError } from '../../src/quickbooks/errors.js';
import { RateGovernor, type GovernorLimits } from '../../src/quickbooks/governor.js';
import { GOVERNOR_BUSY_CODE, QuickBooksHttp, SYSTEM_EDGES } from '../../src/quickbooks/http.js';
import { closeRedis, createRedis } from '../../src/redis.js';

const [apiBaseUrl, realmId, keyPrefix, requestsArg, parallelArg, limitsJson] = process.argv.slice(2);
const redisUrl = process.env.TEST_REDIS_URL;
const accessToken = process.env.QBO_ACCESS_TOKEN;
if (!apiBaseUrl || !realmId || !keyPrefix || !requestsArg || !parallelArg || !limitsJson || !redisUrl) {
  throw new Error(
    'usage: governed-sender <apiBaseUrl> <realmId> <keyPrefix> <requests> <parallel> <limitsJson>',
  );
}
if (!accessToken) throw new Error('QBO_ACCESS_TOKEN is required');

const redis = createRedis(redisUrl, 'pubsub');
await redis.ping();
const governor = new RateGovernor({
  redis,
  keyPrefix,
  limits: JSON.parse(limitsJson) as Partial<GovernorLimits>,
  acquireTimeoutMs: 15_000,
});
const http = new QuickBooksHttp({
  ...SYSTEM_EDGES,
  apiBaseUrl,
  timeoutMs: 10_000,
  logger: pino({ level: 'silent' }),
  governor,
});
const client = new QuickBooksClient({
  http,
  realmId,
  tokens: {
    getAccessToken: async () => accessToken,
    refreshAfterUnauthorized: async () => {
      throw new Error('the test token was refused');
    },
  },
});

const go = new Promise<void>((resolve) => {
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'go') resolve();
  });
});
process.stdout.write('ready\n');
await go;

const result = { ok: 0, busy: 0, other: [] as string[] };
let remaining = Number(requestsArg);
async function lane(): Promise<void> {
  while (remaining > 0) {
    remaining -= 1;
    try {
      await client.read('Customer', '1');
      result.ok += 1;
    } catch (error) {
      if (error instanceof QuickBooksError && error.code === GOVERNOR_BUSY_CODE) result.busy += 1;
      else
        result.other.push(error instanceof QuickBooksError ? `${error.kind}:${error.status}` : String(error));
    }
  }
}
try {
  await Promise.all(Array.from({ length: Number(parallelArg) }, () => lane()));
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
} finally {
  await closeRedis(redis);
  process.stdin.destroy();
}
