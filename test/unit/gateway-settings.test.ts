import { describe, expect, it } from '@jest/globals';
import { loadConfig, DEV_INSECURE_JWT_SECRET as SUBGRAPH_DEV_SECRET } from '../../src/config.js';
import {
  DEFAULT_GATEWAY_LIMITS,
  DEV_INSECURE_JWT_SECRET,
  GatewaySettingsError,
  loadGatewaySettings,
} from '../../gateway/settings.js';

const SECRET = 'a-gateway-test-secret-that-is-long-enough-0123';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadGatewaySettings(env);
  } catch (error) {
    if (error instanceof GatewaySettingsError) return error.problems;
    throw error;
  }
  throw new Error('the settings were accepted');
}

describe('gateway settings', () => {
  it('uses the subgraph’s public dev secret, so the production check refuses the same string', () => {
    expect(DEV_INSECURE_JWT_SECRET).toBe(SUBGRAPH_DEV_SECRET);
  });

  it('defaults to development: introspection, GraphiQL from the CDN, CORS for loopback origins', () => {
    const settings = loadGatewaySettings({ AUTH_JWT_SECRET: SECRET });
    expect(settings).toMatchObject({
      production: false,
      introspection: true,
      graphiql: 'cdn',
      cors: { origins: [], allowLoopback: true },
      limits: DEFAULT_GATEWAY_LIMITS,
      timeouts: { upstreamMs: 12_000, requestMs: 15_000 },
      auth: { key: { kind: 'secret', secret: SECRET }, algorithms: ['HS256'] },
      logLevel: 'info',
    });
  });

  it('turns introspection, GraphiQL and CORS off in production unless explicitly enabled', () => {
    expect(loadGatewaySettings({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET })).toMatchObject({
      production: true,
      introspection: false,
      graphiql: 'off',
      cors: { origins: [], allowLoopback: false },
    });
    expect(
      loadGatewaySettings({
        NODE_ENV: 'production',
        AUTH_JWT_SECRET: SECRET,
        INTROSPECTION: 'true',
        GATEWAY_GRAPHIQL: 'offline',
        GATEWAY_CORS_ORIGINS: 'https://panel.example.com, https://admin.example.com',
      }),
    ).toMatchObject({
      introspection: true,
      graphiql: 'offline',
      cors: { origins: ['https://panel.example.com', 'https://admin.example.com'], allowLoopback: false },
    });
  });

  it('verifies only RS256/ES256 with a JWKS and only HS256 with a secret', () => {
    expect(loadGatewaySettings({ AUTH_JWKS_URL: 'https://auth.example.com/jwks.json' }).auth).toMatchObject({
      key: { kind: 'jwks' },
      algorithms: ['RS256', 'ES256'],
    });
    expect(
      problemsOf({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://auth.example.com/jwks.json' }),
    ).toEqual([
      'AUTH_JWKS_URL: set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both: one key source per deployment',
    ]);
  });

  it('refuses production settings anyone could abuse, all at once, without echoing the secret', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      AUTH_MODE: 'dev-insecure',
      AUTH_JWT_SECRET: `padded-${DEV_INSECURE_JWT_SECRET}`,
      GATEWAY_CORS_ORIGINS: '*',
    });
    expect(problems).toEqual([
      'AUTH_MODE: AUTH_MODE=dev-insecure is refused when NODE_ENV=production: anyone can sign its tokens',
      'AUTH_JWT_SECRET: AUTH_JWT_SECRET is the public development secret; anyone could forge tokens with it (refused when NODE_ENV=production)',
      'GATEWAY_CORS_ORIGINS: GATEWAY_CORS_ORIGINS=* is refused when NODE_ENV=production: list the origins of your web apps',
    ]);
    expect(problems.join('\n')).not.toContain(DEV_INSECURE_JWT_SECRET);
  });

  it('allows the dev secret and CORS * outside production', () => {
    expect(loadGatewaySettings({ AUTH_MODE: 'dev-insecure', GATEWAY_CORS_ORIGINS: '*' })).toMatchObject({
      auth: { key: { kind: 'secret', secret: DEV_INSECURE_JWT_SECRET } },
      cors: { origins: '*' },
    });
  });

  it('refuses a missing key, a short secret, origins with a path, and limits out of range', () => {
    expect(problemsOf({})).toEqual([
      'AUTH_JWT_SECRET: AUTH_MODE=jwt needs AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL (RS256/ES256); AUTH_MODE=dev-insecure is for local use',
    ]);
    const problems = problemsOf({
      AUTH_JWT_SECRET: 'short',
      GATEWAY_CORS_ORIGINS: 'https://panel.example.com/app',
      GATEWAY_MAX_DEPTH: '0',
      GATEWAY_MAX_BODY_BYTES: 'lots',
      GATEWAY_UPSTREAM_TIMEOUT_MS: '10',
    });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'AUTH_JWT_SECRET',
      'GATEWAY_MAX_DEPTH',
      'GATEWAY_MAX_BODY_BYTES',
      'GATEWAY_UPSTREAM_TIMEOUT_MS',
      'GATEWAY_CORS_ORIGINS',
    ]);
    expect(problems.join('\n')).not.toContain('short');
  });

  it('limits graphql-ws sockets as the subgraph does by default, and refuses limits out of range', () => {
    const subgraph = loadConfig({
      MONGODB_URI: 'mongodb://127.0.0.1/x',
      REDIS_URL: 'redis://127.0.0.1',
      AUTH_JWT_SECRET: SECRET,
    });
    expect(loadGatewaySettings({ AUTH_JWT_SECRET: SECRET }).subscriptions).toEqual(subgraph.subscriptions);
    const problems = problemsOf({
      AUTH_JWT_SECRET: SECRET,
      GATEWAY_SUBSCRIPTION_MAX_PER_CONNECTION: '0',
      GATEWAY_SUBSCRIPTION_INIT_TIMEOUT_MS: 'soon',
      GATEWAY_SUBSCRIPTION_MAX_MESSAGE_BYTES: '100',
      GATEWAY_SHUTDOWN_TIMEOUT_MS: '0',
    });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'GATEWAY_SUBSCRIPTION_MAX_PER_CONNECTION',
      'GATEWAY_SUBSCRIPTION_INIT_TIMEOUT_MS',
      'GATEWAY_SUBSCRIPTION_MAX_MESSAGE_BYTES',
      'GATEWAY_SHUTDOWN_TIMEOUT_MS',
    ]);
  });

  it('maps pino level names to the gateway logger and treats empty variables as unset', () => {
    expect(loadGatewaySettings({ AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'silent' }).logLevel).toBe(false);
    expect(loadGatewaySettings({ AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'fatal' }).logLevel).toBe('error');
    expect(loadGatewaySettings({ AUTH_JWT_SECRET: SECRET, GATEWAY_MAX_DEPTH: '' }).limits.maxDepth).toBe(
      DEFAULT_GATEWAY_LIMITS.maxDepth,
    );
  });
});
