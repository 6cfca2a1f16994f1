import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/qbs',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AUTH_JWT_SECRET: 'a-secret-that-is-at-least-thirty-two-chars',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('parses a complete environment into typed settings with defaults', () => {
    const config = loadConfig({ ...valid, PORT: '5001' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 5001, introspection: true });
    expect(config.redis.prefix).toBe('qbs');
    expect(config.auth).toMatchObject({ mode: 'jwt', secret: valid.AUTH_JWT_SECRET });
  });

  it('names every missing setting at once', () => {
    const problems = problemsOf({ AUTH_JWT_SECRET: valid.AUTH_JWT_SECRET });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^MONGODB_URI: /),
        expect.stringMatching(/^REDIS_URL: /),
      ]),
    );
  });

  it('rejects malformed values with a message that says what is expected', () => {
    const problems = problemsOf({
      ...valid,
      REDIS_URL: 'localhost:6379',
      PORT: 'eighty',
      REDIS_PREFIX: 'a b',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'REDIS_URL: REDIS_URL must start with redis:// or rediss://',
        expect.stringMatching(/^PORT: /),
        'REDIS_PREFIX: REDIS_PREFIX may contain only letters, digits, _ . and -',
      ]),
    );
  });

  it('requires a way to verify callers in jwt mode', () => {
    const { AUTH_JWT_SECRET: _unused, ...withoutSecret } = valid;
    expect(problemsOf(withoutSecret)).toEqual([
      'AUTH_JWT_SECRET: AUTH_MODE=jwt needs AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL (RS256/ES256)',
    ]);
  });

  it('refuses the insecure dev auth mode in production', () => {
    expect(problemsOf({ ...valid, AUTH_MODE: 'dev-insecure', NODE_ENV: 'production' })).toEqual([
      'AUTH_MODE: AUTH_MODE=dev-insecure is refused when NODE_ENV=production',
    ]);
  });

  it('never echoes a rejected value, which may be a secret', () => {
    const error = (() => {
      try {
        loadConfig({ ...valid, AUTH_JWT_SECRET: 'short-secret-value' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toContain('AUTH_JWT_SECRET must be at least 32 characters');
    expect(error.message).not.toContain('short-secret-value');
  });
});
