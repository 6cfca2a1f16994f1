import { z } from 'zod';

const booleanFromString = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

/** A whole number from the environment, within bounds that keep a typo from disabling a safeguard. */
const intSetting = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * A well-known signing secret for AUTH_MODE=dev-insecure, so `npm start` and local tools can mint tokens.
 * Anyone can forge tokens in that mode: it is refused in production.
 */
export const DEV_INSECURE_JWT_SECRET = 'dev-insecure-quickbooks-subgraph-secret-do-not-use';

/** Every setting that holds a secret: in production none may contain the public dev secret. */
const SECRET_SETTINGS = ['AUTH_JWT_SECRET'] as const;

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4001),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    MONGODB_URI: z
      .string({ error: 'MONGODB_URI is required (e.g. mongodb://127.0.0.1:27017/quickbooks_subgraph)' })
      .regex(/^mongodb(\+srv)?:\/\//, 'MONGODB_URI must start with mongodb:// or mongodb+srv://'),
    MONGODB_DB_NAME: z.string().min(1).optional(),

    REDIS_URL: z
      .string({ error: 'REDIS_URL is required (e.g. redis://127.0.0.1:6379)' })
      .regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://'),
    /** Namespaces queues, locks and pub/sub channels so several deployments (or test files) share a server. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'REDIS_PREFIX may contain only letters, digits, _ . and -')
      .default('qbs'),

    AUTH_MODE: z.enum(['jwt', 'dev-insecure']).default('jwt'),
    AUTH_JWT_SECRET: z.string().min(32, 'AUTH_JWT_SECRET must be at least 32 characters').optional(),
    AUTH_JWKS_URL: z.url('AUTH_JWKS_URL must be a URL').optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    /** Refuse tokens issued (iat) longer ago than this, whatever their exp says. Off when unset. */
    AUTH_MAX_TOKEN_AGE_SECONDS: z.coerce.number().int().min(60).max(31_536_000).optional(),

    // Abuse limits per GraphQL operation (GraphQL Armor + graphql-js): defaults are far above what the
    // product's own operations use (depth 5, cost 39, 40 tokens, no aliases or directives).
    GRAPHQL_MAX_DEPTH: intSetting(1, 100, 10),
    GRAPHQL_MAX_ALIASES: intSetting(0, 1000, 15),
    GRAPHQL_MAX_DIRECTIVES: intSetting(0, 1000, 20),
    GRAPHQL_MAX_TOKENS: intSetting(100, 100_000, 1000),
    GRAPHQL_MAX_COST: intSetting(10, 10_000_000, 5000),
    HTTP_MAX_BODY_BYTES: intSetting(1024, 50 * 1024 * 1024, 1024 * 1024),

    // Deadlines: a request never waits on a stalled dependency longer than these. A stalled database
    // costs a read at most socket timeout + one retry's connection wait (4 s + 3 s), inside the request
    // deadline, so the field answers TIMEOUT and its siblings survive.
    REQUEST_TIMEOUT_MS: intSetting(100, 300_000, 10_000),
    MONGODB_SERVER_SELECTION_TIMEOUT_MS: intSetting(100, 120_000, 3000),
    MONGODB_SOCKET_TIMEOUT_MS: intSetting(100, 300_000, 4000),
    MONGODB_MAX_TIME_MS: intSetting(100, 300_000, 3000),
    REDIS_COMMAND_TIMEOUT_MS: intSetting(50, 120_000, 2000),

    // graphql-ws, per connection (src/server/subscription-server.ts). An invoice list page needs one
    // subscription (quickbooksSyncActivity); a gateway multiplexes one caller's subscriptions on one socket.
    SUBSCRIPTION_MAX_PER_CONNECTION: intSetting(1, 10_000, 100),
    SUBSCRIPTION_INIT_TIMEOUT_MS: intSetting(100, 60_000, 3000),
    SUBSCRIPTION_MAX_MESSAGE_BYTES: intSetting(1024, 10 * 1024 * 1024, 64 * 1024),

    SYNC_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(400),
    WORKER_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(25_000),
    INTROSPECTION: booleanFromString.optional(),
  })
  .superRefine((env, ctx) => {
    if (env.AUTH_MODE === 'jwt' && !env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message: 'AUTH_MODE=jwt needs AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL (RS256/ES256)',
      });
    }
    if (env.AUTH_MODE === 'dev-insecure' && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_MODE'],
        message: 'AUTH_MODE=dev-insecure is refused when NODE_ENV=production',
      });
    }
    if (env.NODE_ENV === 'production') {
      for (const name of SECRET_SETTINGS) {
        // Also a padded or prefixed copy: anyone can read the dev secret in this repository.
        if (env[name]?.includes(DEV_INSECURE_JWT_SECRET)) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `${name} is the public development secret; anyone could forge tokens with it (refused when NODE_ENV=production)`,
          });
        }
      }
    }
    if (env.MONGODB_SOCKET_TIMEOUT_MS <= env.MONGODB_MAX_TIME_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['MONGODB_SOCKET_TIMEOUT_MS'],
        message:
          'MONGODB_SOCKET_TIMEOUT_MS must exceed MONGODB_MAX_TIME_MS, so the server stops a slow query before the client drops the connection',
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

/** Per-operation limits (GRAPHQL_MAX_*), enforced by GraphQL Armor and graphql-js's parser. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
}

/** graphql-ws limits per connection (SUBSCRIPTION_*). */
export interface SubscriptionSettings {
  /** Operations one socket may run at once; the next subscribe gets TOO_MANY_SUBSCRIPTIONS. */
  maxPerConnection: number;
  /** How long a socket may stay open before its connection_init (then 4408). */
  connectionInitTimeoutMs: number;
  /** Largest WebSocket message accepted (larger: close 1009). */
  maxMessageBytes: number;
}

/** How long a database call may wait: server selection, a silent socket, and the server's own clock. */
export interface DatabaseTimeouts {
  serverSelectionTimeoutMs: number;
  socketTimeoutMs: number;
  maxTimeMs: number;
}

interface AuthCommon {
  issuer?: string;
  audience?: string;
  maxTokenAgeSeconds?: number;
}

export interface Config {
  env: Env['NODE_ENV'];
  http: {
    host: string;
    port: number;
    introspection: boolean;
    maxBodyBytes: number;
    requestTimeoutMs: number;
  };
  limits: QueryLimits;
  subscriptions: SubscriptionSettings;
  logLevel: Env['LOG_LEVEL'];
  mongo: { uri: string; dbName?: string; timeouts: DatabaseTimeouts };
  redis: { url: string; prefix: string; commandTimeoutMs: number };
  auth: AuthCommon &
    ({ mode: 'jwt'; secret?: string; jwksUrl?: string } | { mode: 'dev-insecure'; secret: string });
  syncLogRetentionDays: number;
  workerShutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at start-up; nothing else reads process.env. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        // Never echo the offending value: it may be a secret.
        return `${name}: ${issue.message}`;
      }),
    );
  }
  const env = parsed.data;
  const authCommon: AuthCommon = {
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    maxTokenAgeSeconds: env.AUTH_MAX_TOKEN_AGE_SECONDS,
  };
  const auth: Config['auth'] =
    env.AUTH_MODE === 'dev-insecure'
      ? { mode: 'dev-insecure', secret: DEV_INSECURE_JWT_SECRET, ...authCommon }
      : { mode: 'jwt', secret: env.AUTH_JWT_SECRET, jwksUrl: env.AUTH_JWKS_URL, ...authCommon };
  return {
    env: env.NODE_ENV,
    http: {
      host: env.HOST,
      port: env.PORT,
      introspection: env.INTROSPECTION ?? env.NODE_ENV !== 'production',
      maxBodyBytes: env.HTTP_MAX_BODY_BYTES,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    },
    limits: {
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: env.GRAPHQL_MAX_TOKENS,
      maxCost: env.GRAPHQL_MAX_COST,
    },
    subscriptions: {
      maxPerConnection: env.SUBSCRIPTION_MAX_PER_CONNECTION,
      connectionInitTimeoutMs: env.SUBSCRIPTION_INIT_TIMEOUT_MS,
      maxMessageBytes: env.SUBSCRIPTION_MAX_MESSAGE_BYTES,
    },
    logLevel: env.LOG_LEVEL,
    mongo: {
      uri: env.MONGODB_URI,
      dbName: env.MONGODB_DB_NAME,
      timeouts: {
        serverSelectionTimeoutMs: env.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
        socketTimeoutMs: env.MONGODB_SOCKET_TIMEOUT_MS,
        maxTimeMs: env.MONGODB_MAX_TIME_MS,
      },
    },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS },
    auth,
    syncLogRetentionDays: env.SYNC_LOG_RETENTION_DAYS,
    workerShutdownTimeoutMs: env.WORKER_SHUTDOWN_TIMEOUT_MS,
  };
}
