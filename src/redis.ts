import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * BullMQ's production guide: worker and queue connections must never give up on a command
 * (maxRetriesPerRequest: null) and run blocking commands (BRPOPLPUSH, BZPOPMIN), so they get no command
 * timeout. Pub/sub keeps ioredis' offline queue while reconnecting, so a status event published during a
 * blip is delayed, not lost; but every command has a deadline (commandTimeout), so a request or a
 * subscriber never waits on a stalled Redis for longer than that: it gets a TIMEOUT instead.
 * Producers (the API adding or removing jobs while a request waits) fail fast when Redis is down, as
 * BullMQ's guide advises for queues used from request handlers: no offline queue, a command deadline.
 */
export type RedisRole = 'worker' | 'pubsub' | 'producer';

/** REDIS_COMMAND_TIMEOUT_MS's default, for pub/sub clients created without configuration (tools, tests). */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000;

/**
 * disconnect() waits this long for the socket's 'close' before destroying it. ioredis' default is 2 s, and
 * for a client whose server is unreachable it waits on the socket of a failed attempt, which closed long
 * ago and never emits 'close' again (ioredis 5 AbstractConnector.disconnect): every stop with Redis down
 * (and Jest after the readiness test) hung 2 s. Connected clients are closed with QUIT (closeRedis).
 */
const DISCONNECT_TIMEOUT_MS = 100;

/**
 * `logger`: where a lost connection is reported. Without an 'error' listener ioredis prints every failed
 * reconnect to stderr as an unhandled error event, past the logger and its redaction (the fault bench saw
 * 1,304 of them over 47 Redis restarts); with one, each outage is one warning. Commands still fail to
 * their callers as before.
 */
export function createRedis(
  url: string,
  role: RedisRole,
  extra: RedisOptions = {},
  logger?: Pick<Logger, 'warn'>,
): Redis {
  if (role === 'worker' && extra.commandTimeout !== undefined) {
    throw new Error('worker connections run blocking commands and must not have a commandTimeout');
  }
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null }
      : role === 'producer'
        ? {
            enableOfflineQueue: false,
            maxRetriesPerRequest: 1,
            commandTimeout: DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
          }
        : { commandTimeout: DEFAULT_REDIS_COMMAND_TIMEOUT_MS };
  const client = new Redis(url, {
    ...options,
    connectionName: `qbs-${role}`,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    ...extra,
  });
  let outageReported = false;
  client.on('error', (error: Error) => {
    if (outageReported) return;
    outageReported = true;
    logger?.warn({ err: error, role }, 'Redis connection lost; reconnecting');
  });
  client.on('ready', () => {
    outageReported = false;
  });
  return client;
}

/** Closes a client at shutdown: QUIT when connected, so replies already asked for still arrive; else drop it. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection broke while quitting.
    }
  }
  client.disconnect();
}
