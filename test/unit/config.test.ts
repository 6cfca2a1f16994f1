import { describe, expect, it } from '@jest/globals';
import { DEV_INSECURE_JWT_SECRET, loadConfig } from '../../src/config.js';
import { problemsOf, productionQuickBooks, validEnv } from './support/config-env.js';

const valid = validEnv;

describe('configuration', () => {
  it('parses a complete environment into typed settings with defaults', () => {
    const config = loadConfig({ ...valid, PORT: '5001' });
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 5001,
      introspection: true,
      maxBodyBytes: 1_048_576,
      requestTimeoutMs: 10_000,
    });
    expect(config.redis).toEqual({ url: valid.REDIS_URL, prefix: 'qbs', commandTimeoutMs: 2000 });
    expect(config.auth).toMatchObject({ mode: 'jwt', secret: valid.AUTH_JWT_SECRET });
    expect(config.auth.maxTokenAgeSeconds).toBeUndefined();
  });

  it('has abuse limits and deadlines by default, each configurable', () => {
    expect(loadConfig(valid).limits).toEqual({
      maxDepth: 10,
      maxAliases: 15,
      maxDirectives: 20,
      maxTokens: 1000,
      maxCost: 5000,
    });
    expect(loadConfig(valid).mongo.timeouts).toEqual({
      serverSelectionTimeoutMs: 3000,
      socketTimeoutMs: 4000,
      maxTimeMs: 3000,
    });
    const tuned = loadConfig({
      ...valid,
      GRAPHQL_MAX_DEPTH: '7',
      GRAPHQL_MAX_ALIASES: '0',
      GRAPHQL_MAX_DIRECTIVES: '5',
      GRAPHQL_MAX_TOKENS: '500',
      GRAPHQL_MAX_COST: '800',
      HTTP_MAX_BODY_BYTES: '65536',
      REQUEST_TIMEOUT_MS: '3000',
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1000',
      MONGODB_SOCKET_TIMEOUT_MS: '2500',
      MONGODB_MAX_TIME_MS: '2000',
      REDIS_COMMAND_TIMEOUT_MS: '500',
      AUTH_MAX_TOKEN_AGE_SECONDS: '3600',
    });
    expect(tuned.limits).toEqual({
      maxDepth: 7,
      maxAliases: 0,
      maxDirectives: 5,
      maxTokens: 500,
      maxCost: 800,
    });
    expect(tuned.http).toMatchObject({ maxBodyBytes: 65536, requestTimeoutMs: 3000 });
    expect(tuned.mongo.timeouts).toEqual({
      serverSelectionTimeoutMs: 1000,
      socketTimeoutMs: 2500,
      maxTimeMs: 2000,
    });
    expect(tuned.redis.commandTimeoutMs).toBe(500);
    expect(tuned.auth.maxTokenAgeSeconds).toBe(3600);
  });

  it('refuses limits that would switch a safeguard off', () => {
    expect(
      problemsOf({ ...valid, GRAPHQL_MAX_DEPTH: '0', GRAPHQL_MAX_TOKENS: '0', REQUEST_TIMEOUT_MS: '0' }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^GRAPHQL_MAX_DEPTH: /),
        expect.stringMatching(/^GRAPHQL_MAX_TOKENS: /),
        expect.stringMatching(/^REQUEST_TIMEOUT_MS: /),
      ]),
    );
  });

  it('keeps the database socket timeout above the server-side query limit', () => {
    expect(problemsOf({ ...valid, MONGODB_SOCKET_TIMEOUT_MS: '3000', MONGODB_MAX_TIME_MS: '3000' })).toEqual([
      expect.stringMatching(/^MONGODB_SOCKET_TIMEOUT_MS: .*exceed MONGODB_MAX_TIME_MS/),
    ]);
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
        expect.stringMatching(/^REDIS_PREFIX: REDIS_PREFIX may contain only letters, digits, _ \. and -/),
      ]),
    );
  });

  it('takes a hash-tagged REDIS_PREFIX for Redis Cluster, and refuses a half-open or nested tag', () => {
    expect(loadConfig({ ...valid, REDIS_PREFIX: '{qbs}' }).redis.prefix).toBe('{qbs}');
    for (const prefix of ['{qbs', 'qbs}', '{{qbs}}', '{}']) {
      expect(problemsOf({ ...valid, REDIS_PREFIX: prefix })).toEqual([
        expect.stringMatching(/^REDIS_PREFIX: /),
      ]);
    }
  });

  it('requires a way to verify callers in jwt mode', () => {
    const { AUTH_JWT_SECRET: _unused, ...withoutSecret } = valid;
    expect(problemsOf(withoutSecret)).toEqual([
      'AUTH_JWT_SECRET: AUTH_MODE=jwt needs AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL (RS256/ES256)',
    ]);
  });

  it('refuses the insecure dev auth mode in production', () => {
    expect(
      problemsOf({ ...valid, ...productionQuickBooks, AUTH_MODE: 'dev-insecure', NODE_ENV: 'production' }),
    ).toEqual(['AUTH_MODE: AUTH_MODE=dev-insecure is refused when NODE_ENV=production']);
  });

  it('refuses the public dev secret as AUTH_JWT_SECRET in production, also padded', () => {
    for (const secret of [DEV_INSECURE_JWT_SECRET, `${DEV_INSECURE_JWT_SECRET}-prod`]) {
      const problems = problemsOf({
        ...valid,
        ...productionQuickBooks,
        NODE_ENV: 'production',
        AUTH_MODE: 'jwt',
        AUTH_JWT_SECRET: secret,
      });
      expect(problems).toEqual([expect.stringMatching(/^AUTH_JWT_SECRET: .*public development secret/)]);
      expect(problems.join('\n')).not.toContain(DEV_INSECURE_JWT_SECRET);
    }
  });

  it('accepts the dev secret outside production, where npm start uses it', () => {
    expect(loadConfig({ ...valid, AUTH_JWT_SECRET: DEV_INSECURE_JWT_SECRET }).auth.secret).toBe(
      DEV_INSECURE_JWT_SECRET,
    );
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
