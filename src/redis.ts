import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ's production guide: worker and queue connections must never give up on a command
 * (maxRetriesPerRequest: null). Pub/sub keeps ioredis' defaults (an offline queue while reconnecting), so
 * a status event published during a blip is delayed, not lost.
 */
export type RedisRole = 'worker' | 'pubsub';

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = role === 'worker' ? { maxRetriesPerRequest: null } : {};
  return new Redis(url, { ...options, connectionName: `qbs-${role}`, ...extra });
}
