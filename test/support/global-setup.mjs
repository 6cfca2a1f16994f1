// Plain ESM so Jest loads it natively; tsx imports the TypeScript service bootstrap that `npm start` uses.
import { tsImport } from 'tsx/esm/api';

/**
 * Starts (or reuses) Redis and the MongoDB-compatible store once for the whole run. Both Jest projects that
 * need them (services, browser) name this setup; the second call finds the first's services.
 */
export default async function globalSetup() {
  if (globalThis.__qbsServices) return;
  const { ensureBackingServices } = await tsImport('../../scripts/services/index.ts', import.meta.url);
  const services = await ensureBackingServices((line) => process.stdout.write(`[test services] ${line}\n`));
  globalThis.__qbsServices = services;
  // Test workers are spawned after this and inherit these.
  process.env.TEST_MONGODB_URI = services.mongo.uri;
  process.env.TEST_REDIS_URL = services.redis.url;
  process.stdout.write(
    `\n[test services] mongodb ${services.mongo.uri} (${services.mongo.source}), redis ${services.redis.url} (${services.redis.source})\n`,
  );
}
