/**
 * A lost Redis connection is reported through the logger once per outage, not printed by ioredis as an
 * unhandled error event on every reconnect attempt (which bypasses the logger and its redaction).
 */
import net from 'node:net';
import { describe, expect, it } from '@jest/globals';
import type { Logger } from '../../src/logger.js';
import { closeRedis, createRedis } from '../../src/redis.js';
import { eventually } from '../support/harness.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a Redis client whose server is away', () => {
  it('logs one warning for the outage however many reconnects fail', async () => {
    const warnings: { obj: unknown; msg: unknown }[] = [];
    const logger = {
      warn: (obj: unknown, msg?: unknown) => {
        warnings.push({ obj, msg });
      },
    } as unknown as Pick<Logger, 'warn'>;
    const client = createRedis(
      `redis://127.0.0.1:${await closedPort()}`,
      'pubsub',
      { retryStrategy: () => 10 },
      logger,
    );
    let failures = 0;
    client.on('error', () => {
      failures += 1;
    });
    try {
      await eventually(async () => (failures >= 5 ? true : undefined), 10_000);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toBe('Redis connection lost; reconnecting');
      expect(warnings[0]!.obj).toMatchObject({ role: 'pubsub' });
    } finally {
      await closeRedis(client);
    }
  });
});
