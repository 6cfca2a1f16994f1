import { ConfigError, loadConfig } from '../../../src/config.js';

/** The least environment loadConfig accepts (development). */
export const validEnv = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/qbs',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AUTH_JWT_SECRET: 'a-secret-that-is-at-least-thirty-two-chars',
};

/** Production also needs its own QuickBooks credentials and keys: given here, so each test sees one problem. */
export const productionQuickBooks = {
  QUICKBOOKS_CLIENT_ID: 'prod-client-id',
  QUICKBOOKS_CLIENT_SECRET: 'prod-client-secret',
  QUICKBOOKS_STATE_SECRET: 'a-production-state-secret-of-at-least-32-chars',
  QUICKBOOKS_TOKEN_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

/** The problems loadConfig lists for `env`; fails the test when it accepts it. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
