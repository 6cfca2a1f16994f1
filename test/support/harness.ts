import crypto from 'node:crypto';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { mintToken, type TokenClaims } from '../../src/auth/dev-tokens.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** A fresh name per test file, so files running in parallel share no database or Redis keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(5).toString('hex')}`;
}

export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const mongo = process.env.TEST_MONGODB_URI;
  const redis = process.env.TEST_REDIS_URL;
  if (!mongo || !redis) throw new Error('test services are not running: run tests through `npm test`');
  return {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'silent',
    MONGODB_URI: mongo,
    MONGODB_DB_NAME: uniqueName('qbs_test'),
    REDIS_URL: redis,
    REDIS_PREFIX: uniqueName('qbs-test'),
    AUTH_MODE: 'jwt',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    ...overrides,
  };
}

/**
 * What NODE_ENV=production needs besides a JWT secret: Intuit credentials (never called by these tests)
 * and state and token keys of its own, since production refuses the public development ones.
 */
export function productionOverrides(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    QUICKBOOKS_CLIENT_ID: 'test-client-id',
    QUICKBOOKS_CLIENT_SECRET: crypto.randomBytes(20).toString('hex'),
    QUICKBOOKS_STATE_SECRET: crypto.randomBytes(32).toString('hex'),
    QUICKBOOKS_TOKEN_KEYS: `test:${crypto.randomBytes(32).toString('base64')}`,
  };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(overrides));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export function tokenFor(claims: TokenClaims, secret = TEST_JWT_SECRET): Promise<string> {
  return mintToken(secret, claims);
}

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
