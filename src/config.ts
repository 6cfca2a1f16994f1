import { z } from 'zod';

const booleanFromString = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

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
  });

export type Env = z.infer<typeof EnvSchema>;

/**
 * A well-known signing secret for AUTH_MODE=dev-insecure, so `npm start` and local tools can mint tokens.
 * Anyone can forge tokens in that mode: it is refused in production.
 */
export const DEV_INSECURE_JWT_SECRET = 'dev-insecure-quickbooks-subgraph-secret-do-not-use';

export interface Config {
  env: Env['NODE_ENV'];
  http: { host: string; port: number; introspection: boolean };
  logLevel: Env['LOG_LEVEL'];
  mongo: { uri: string; dbName?: string };
  redis: { url: string; prefix: string };
  auth:
    | { mode: 'jwt'; secret?: string; jwksUrl?: string; issuer?: string; audience?: string }
    | { mode: 'dev-insecure'; secret: string; issuer?: string; audience?: string };
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
  const auth: Config['auth'] =
    env.AUTH_MODE === 'dev-insecure'
      ? {
          mode: 'dev-insecure',
          secret: DEV_INSECURE_JWT_SECRET,
          issuer: env.AUTH_ISSUER,
          audience: env.AUTH_AUDIENCE,
        }
      : {
          mode: 'jwt',
          secret: env.AUTH_JWT_SECRET,
          jwksUrl: env.AUTH_JWKS_URL,
          issuer: env.AUTH_ISSUER,
          audience: env.AUTH_AUDIENCE,
        };
  return {
    env: env.NODE_ENV,
    http: {
      host: env.HOST,
      port: env.PORT,
      introspection: env.INTROSPECTION ?? env.NODE_ENV !== 'production',
    },
    logLevel: env.LOG_LEVEL,
    mongo: { uri: env.MONGODB_URI, dbName: env.MONGODB_DB_NAME },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    auth,
    syncLogRetentionDays: env.SYNC_LOG_RETENTION_DAYS,
    workerShutdownTimeoutMs: env.WORKER_SHUTDOWN_TIMEOUT_MS,
  };
}
