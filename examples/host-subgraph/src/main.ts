/**
 * CLI of the DEMO host subgraph (development and tests only; the real platform is the host in production).
 *
 *   HOST_SUBGRAPH_PORT  default 4002 (0 picks a free port)
 *   HOST                default 127.0.0.1
 *   AUTH_MODE           jwt (default) | dev-insecure (public dev secret; refused when NODE_ENV=production)
 *   AUTH_JWT_SECRET     HS256 secret, at least 32 characters (AUTH_MODE=jwt), or
 *   AUTH_JWKS_URL       JWKS endpoint (AUTH_MODE=jwt)
 *   AUTH_ISSUER, AUTH_AUDIENCE   optional, checked when set
 *   INVOICE_EVENTS_URL  optional: POST every invoice event there as JSON
 *   QUICKBOOKS_NOTIFY_URL  optional: the QuickBooks subgraph's /graphql; finalize, edits of finalized
 *                       invoices and voids are announced there (src/quickbooks-hook.ts); off when unset
 *   QUICKBOOKS_NOTIFY_SERVICE_NAME  default platform-host: the tokens' `service` claim and `sub`
 *   QUICKBOOKS_NOTIFY_SECRET  HS256 secret for those tokens; default the host's own (AUTH_JWT_SECRET or
 *                       the dev secret); required with AUTH_JWKS_URL
 *   LOG_LEVEL           default info (pino levels, or silent)
 *   GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_ALIASES, GRAPHQL_MAX_DIRECTIVES, GRAPHQL_MAX_TOKENS, GRAPHQL_MAX_COST
 *                       per-operation limits (defaults 8, 15, 20, 1000, 5000; see README)
 *   HTTP_MAX_BODY_BYTES default 1048576
 *
 * Exit codes: 0 after SIGINT/SIGTERM, 1 when the port is taken or start-up fails, 78 for bad settings.
 */
import { pino } from 'pino';
import { DEV_INSECURE_JWT_SECRET, MIN_SECRET_LENGTH, type HostAuthOptions } from './auth.js';
import {
  DEFAULT_HOST_QUERY_LIMITS,
  DEFAULT_NOTIFY_SERVICE_NAME,
  DEFAULT_HOST_SUBGRAPH_PORT,
  DEFAULT_MAX_BODY_BYTES,
  startHostSubgraph,
  type HostQueryLimits,
  type QuickBooksNotifySettings,
} from './index.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface Settings {
  port: number;
  host: string;
  auth: HostAuthOptions;
  invoiceEventsUrl?: string;
  quickbooksNotify?: QuickBooksNotifySettings;
  logLevel: string;
  limits: HostQueryLimits;
  maxBodyBytes: number;
}

/** An integer setting within [min, max], or its default when unset; problems are collected, not thrown. */
function intSetting(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  [min, max]: [number, number],
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** The QuickBooks hook's settings; undefined (the hook is off) when QUICKBOOKS_NOTIFY_URL is unset. */
function notifySettings(
  env: NodeJS.ProcessEnv,
  auth: HostAuthOptions,
  problems: string[],
): QuickBooksNotifySettings | undefined {
  const url = env.QUICKBOOKS_NOTIFY_URL || undefined;
  if (!url) return undefined;
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) {
    problems.push('QUICKBOOKS_NOTIFY_URL must be an http:// or https:// URL');
  }
  const serviceName = env.QUICKBOOKS_NOTIFY_SERVICE_NAME || DEFAULT_NOTIFY_SERVICE_NAME;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(serviceName)) {
    problems.push('QUICKBOOKS_NOTIFY_SERVICE_NAME may contain only letters, digits, _ . and - (1-64)');
  }
  const secret = env.QUICKBOOKS_NOTIFY_SECRET || undefined;
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) {
    problems.push(`QUICKBOOKS_NOTIFY_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  if (secret === undefined && auth.secret === undefined) {
    problems.push(
      'QUICKBOOKS_NOTIFY_URL needs an HS256 secret to sign service tokens: QUICKBOOKS_NOTIFY_SECRET, or AUTH_JWT_SECRET',
    );
  }
  return { url, serviceName, ...(secret ? { secret } : {}) };
}

function readSettings(env: NodeJS.ProcessEnv): { settings?: Settings; problems: string[] } {
  const problems: string[] = [];
  const rawPort = env.HOST_SUBGRAPH_PORT;
  const port = rawPort === undefined || rawPort === '' ? DEFAULT_HOST_SUBGRAPH_PORT : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`HOST_SUBGRAPH_PORT must be a port number (0-65535), got "${rawPort}"`);
  }
  const host = env.HOST || '127.0.0.1';
  const mode = env.AUTH_MODE || 'jwt';
  const claims = { issuer: env.AUTH_ISSUER || undefined, audience: env.AUTH_AUDIENCE || undefined };
  let auth: HostAuthOptions = claims;
  if (mode === 'dev-insecure') {
    if (env.NODE_ENV === 'production')
      problems.push('AUTH_MODE=dev-insecure is refused when NODE_ENV=production');
    auth = { ...claims, secret: DEV_INSECURE_JWT_SECRET };
  } else if (mode === 'jwt') {
    // Never echo secrets: only their shape is reported.
    if (env.AUTH_JWT_SECRET) {
      if (env.AUTH_JWT_SECRET.length < MIN_SECRET_LENGTH) {
        problems.push(`AUTH_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
      }
      if (env.NODE_ENV === 'production' && env.AUTH_JWT_SECRET === DEV_INSECURE_JWT_SECRET) {
        problems.push('AUTH_JWT_SECRET is the public dev secret, refused when NODE_ENV=production');
      }
      auth = { ...claims, secret: env.AUTH_JWT_SECRET };
    } else if (env.AUTH_JWKS_URL) {
      if (!URL.canParse(env.AUTH_JWKS_URL)) problems.push('AUTH_JWKS_URL must be a URL');
      auth = { ...claims, jwksUrl: env.AUTH_JWKS_URL };
    } else {
      problems.push(
        'AUTH_MODE=jwt needs AUTH_JWT_SECRET or AUTH_JWKS_URL (or use AUTH_MODE=dev-insecure locally)',
      );
    }
  } else {
    problems.push(`AUTH_MODE must be jwt or dev-insecure, got "${mode}"`);
  }
  const invoiceEventsUrl = env.INVOICE_EVENTS_URL || undefined;
  if (invoiceEventsUrl && !/^https?:\/\//.test(invoiceEventsUrl)) {
    problems.push('INVOICE_EVENTS_URL must be an http:// or https:// URL');
  }
  const quickbooksNotify = notifySettings(env, auth, problems);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  // Same names and ranges as the product subgraph's settings, so one environment sets both.
  const limits: HostQueryLimits = {
    maxDepth: intSetting(env, 'GRAPHQL_MAX_DEPTH', DEFAULT_HOST_QUERY_LIMITS.maxDepth, [1, 100], problems),
    maxAliases: intSetting(
      env,
      'GRAPHQL_MAX_ALIASES',
      DEFAULT_HOST_QUERY_LIMITS.maxAliases,
      [0, 1000],
      problems,
    ),
    maxDirectives: intSetting(
      env,
      'GRAPHQL_MAX_DIRECTIVES',
      DEFAULT_HOST_QUERY_LIMITS.maxDirectives,
      [0, 1000],
      problems,
    ),
    maxTokens: intSetting(
      env,
      'GRAPHQL_MAX_TOKENS',
      DEFAULT_HOST_QUERY_LIMITS.maxTokens,
      [100, 100_000],
      problems,
    ),
    maxCost: intSetting(
      env,
      'GRAPHQL_MAX_COST',
      DEFAULT_HOST_QUERY_LIMITS.maxCost,
      [10, 10_000_000],
      problems,
    ),
  };
  const maxBodyBytes = intSetting(
    env,
    'HTTP_MAX_BODY_BYTES',
    DEFAULT_MAX_BODY_BYTES,
    [1024, 50 * 1024 * 1024],
    problems,
  );
  if (problems.length > 0) return { problems };
  return {
    settings: { port, host, auth, invoiceEventsUrl, quickbooksNotify, logLevel, limits, maxBodyBytes },
    problems,
  };
}

const { settings, problems } = readSettings(process.env);
if (!settings) {
  console.error(`host-subgraph: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(78);
}

const logger = pino({
  name: 'host-subgraph',
  level: settings.logLevel,
  base: { service: 'demo-host-subgraph' },
});

try {
  const host = await startHostSubgraph({
    port: settings.port,
    host: settings.host,
    auth: settings.auth,
    invoiceEventsUrl: settings.invoiceEventsUrl,
    quickbooksNotify: settings.quickbooksNotify,
    logger,
    limits: settings.limits,
    maxBodyBytes: settings.maxBodyBytes,
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    host.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `host-subgraph: port ${settings.port} on ${settings.host} is already in use. ` +
        'Stop what uses it, or set HOST_SUBGRAPH_PORT to a free port (0 picks one).',
    );
  } else {
    console.error(`host-subgraph: failed to start: ${(error as Error).message}`);
  }
  process.exit(1);
}
