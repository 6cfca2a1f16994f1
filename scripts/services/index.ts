import { ensureMongo, type MongoOptions, type MongoService } from './mongo.js';
import { ensureRedis, type RedisService } from './redis.js';

export { freePort, canConnect, waitForPort } from './ports.js';
export { buildFerretDB } from './mongo.js';
export { stopChild } from './process.js';
export { ensureChromium, CHROMIUM_ARGS } from './chromium.js';

export interface BackingServices {
  mongo: MongoService;
  redis: RedisService;
  stop(): Promise<void>;
}

/**
 * The one idempotent setup step behind `npm start` and `npm test`: reuse what the environment names or
 * already runs, install and start what is missing, and stop only what it started.
 */
export async function ensureBackingServices(
  log: (line: string) => void,
  mongoOptions: MongoOptions = {},
): Promise<BackingServices> {
  const redis = await ensureRedis(log);
  let mongo: MongoService;
  try {
    mongo = await ensureMongo(log, mongoOptions);
  } catch (error) {
    await redis.stop();
    throw error;
  }
  return {
    mongo,
    redis,
    async stop() {
      await Promise.allSettled([mongo.stop(), redis.stop()]);
    },
  };
}
