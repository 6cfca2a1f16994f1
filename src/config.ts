import { z } from 'zod';
import type { GovernorLimits } from './quickbooks/governor.js';

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

/**
 * Public development defaults for the QuickBooks secrets, so `npm start` runs with no setup. Like the dev
 * JWT secret they are in this repository for anyone to read: refused when NODE_ENV=production.
 */
export const DEV_INSECURE_STATE_SECRET = 'dev-insecure-quickbooks-oauth-state-secret-do-not-use';
/** `dev:` + 32 bytes (base64) that are not secret: the token vault's development key. */
export const DEV_INSECURE_TOKEN_KEYS = 'dev:ZGV2LWluc2VjdXJlLXRva2VuLWtleS0wMDAwMDAwMDA=';

/** The emulator's default development app (sandbox/src/apps.ts): public, like the emulator itself. */
export const EMULATOR_DEFAULT_CLIENT = {
  clientId: 'ABsandboxDevClientId0000000000000000000000000000',
  clientSecret: 'sandboxDevClientSecret000000000000000000',
} as const;

/** The emulator default app's webhook verifier token (sandbox/src/apps.ts): public, like the emulator. */
export const EMULATOR_DEFAULT_VERIFIER_TOKEN = 'sandbox-default-verifier-token';

/** Every setting that holds a secret: in production none may contain a public dev secret. */
const SECRET_SETTINGS = [
  'AUTH_JWT_SECRET',
  'QUICKBOOKS_STATE_SECRET',
  'QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN',
] as const;
const PUBLIC_DEV_SECRETS = [
  DEV_INSECURE_JWT_SECRET,
  DEV_INSECURE_STATE_SECRET,
  EMULATOR_DEFAULT_VERIFIER_TOKEN,
] as const;

export const QUICKBOOKS_ENVIRONMENTS = ['emulator', 'sandbox', 'production'] as const;
export type QuickBooksEnvironment = (typeof QUICKBOOKS_ENVIRONMENTS)[number];

/** The token vault's keys: every key that may still decrypt, and the one new ciphers are made with. */
export interface TokenKeyRing {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * `QUICKBOOKS_TOKEN_KEYS`: comma-separated `keyId:base64` pairs, each key exactly 32 bytes (AES-256).
 * Problems are returned as messages that name the key id, never the key.
 */
export function parseTokenKeys(raw: string): { keys: Map<string, Buffer>; problems: string[] } {
  const keys = new Map<string, Buffer>();
  const problems: string[] = [];
  for (const [index, entry] of raw.split(',').entries()) {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator).trim() : '';
    if (!KEY_ID.test(id)) {
      problems.push(`entry ${index + 1} must be keyId:base64 with a key id of letters, digits, _ or -`);
      continue;
    }
    const material = entry.slice(separator + 1).trim();
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(material) ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      problems.push(`key "${id}" must be 32 bytes, base64-encoded (e.g. \`openssl rand -base64 32\`)`);
      continue;
    }
    if (keys.has(id)) problems.push(`key id "${id}" appears twice`);
    keys.set(id, key);
  }
  return { keys, problems };
}

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

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
    /**
     * Namespaces queues, locks and pub/sub channels so several deployments (or test files) share a server.
     * On Redis Cluster write it as a hash tag, `{qbs}`: BullMQ needs every key of a queue in one slot.
     */
    REDIS_PREFIX: z
      .string()
      .regex(
        /^(?:[A-Za-z0-9_.-]+|\{[A-Za-z0-9_.-]+\})$/,
        'REDIS_PREFIX may contain only letters, digits, _ . and -, optionally wrapped in {} (a Redis Cluster hash tag)',
      )
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

    // QuickBooks Online. Without Intuit credentials the local emulator is used (`npm start`'s default);
    // QUICKBOOKS_CLIENT_ID and QUICKBOOKS_CLIENT_SECRET switch to Intuit's sandbox, or production when
    // QUICKBOOKS_ENVIRONMENT=production.
    QUICKBOOKS_ENVIRONMENT: z.enum(QUICKBOOKS_ENVIRONMENTS).optional(),
    QUICKBOOKS_CLIENT_ID: z.string().min(1).optional(),
    QUICKBOOKS_CLIENT_SECRET: z.string().min(1).optional(),
    QUICKBOOKS_EMULATOR_URL: z.url('QUICKBOOKS_EMULATOR_URL must be a URL').default('http://127.0.0.1:4010'),
    /** Where browsers reach this service (the OAuth callback); defaults to http://localhost:PORT. */
    PUBLIC_URL: z.url('PUBLIC_URL must be a URL').optional(),
    /** Exactly as registered on the Intuit app's Keys tab; defaults to PUBLIC_URL + the callback path. */
    QUICKBOOKS_REDIRECT_URI: z.url('QUICKBOOKS_REDIRECT_URI must be a URL').optional(),
    QUICKBOOKS_SCOPES: commaList.default(['com.intuit.quickbooks.accounting']),
    /** PKCE S256 on the authorize request: on for the emulator; Intuit does not advertise it (off). */
    QUICKBOOKS_PKCE: booleanFromString.optional(),
    QUICKBOOKS_STATE_SECRET: z
      .string()
      .min(32, 'QUICKBOOKS_STATE_SECRET must be at least 32 characters')
      .default(DEV_INSECURE_STATE_SECRET),
    QUICKBOOKS_TOKEN_KEYS: z.string().min(1).default(DEV_INSECURE_TOKEN_KEYS),
    /** Which key encrypts new tokens; defaults to the only key when there is one. */
    QUICKBOOKS_TOKEN_ACTIVE_KEY_ID: z.string().min(1).optional(),
    /** Origins `returnTo` may point at (no open redirect); PUBLIC_URL's origin is always allowed. */
    QUICKBOOKS_RETURN_TO_ORIGINS: commaList.default([
      'http://localhost:3000',
      'http://localhost:4000',
      'http://127.0.0.1:4000',
    ]),
    QUICKBOOKS_HTTP_TIMEOUT_MS: intSetting(1000, 300_000, 60_000),
    /**
     * The Intuit app's webhook verifier token (developer portal, Webhooks): the key of the HMAC in each
     * delivery's `intuit-signature`. Unset: POST /integrations/quickbooks/webhooks is not served.
     */
    QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: z
      .string()
      .min(16, 'QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN must be at least 16 characters')
      .optional(),
    /**
     * The refresh scheduler's period, and how close to expiry an access token must be to be refreshed
     * (the issue's 45 and 20). With a 60-minute access token a connection can be found just outside the
     * window and lapse before the next run; the on-demand refresh (before a call, and after a 401) covers
     * that gap, and the sweep keeps idle connections' refresh tokens rolling.
     */
    QUICKBOOKS_REFRESH_EVERY_MINUTES: intSetting(1, 55, 45),
    QUICKBOOKS_REFRESH_WITHIN_MINUTES: intSetting(1, 59, 20),
    /**
     * How long an invoice's push waits after the host's last change notification: every further
     * notification within the window restarts it, so a burst of edits gives one push of the latest version.
     */
    QUICKBOOKS_PUSH_DEBOUNCE_MS: intSetting(0, 600_000, 3000),
    /**
     * How long a worker process reuses a tenant's reference snapshot, mappings and settings across pushes
     * (0 = read them for every push). A push that would stop on a mapping or setting problem reads them
     * fresh before saying so, so an admin's fix is never hidden by the cache.
     */
    QUICKBOOKS_PUSH_CONTEXT_CACHE_MS: intSetting(0, 60_000, 5000),
    /**
     * How old the in-memory customer directory (src/sync/customer-directory.ts) may be when a first push
     * decides "no match, create": older, it is refreshed with one CDC call first. A customer someone else
     * creates within this window may be missed by e-mail (QuickBooks' 6240 still guards the name).
     */
    QUICKBOOKS_CUSTOMER_DIRECTORY_FRESH_MS: intSetting(0, 600_000, 5000),
    /**
     * How often each connected company's change-data-capture backstop runs (issue 13): a payment whose
     * webhook was dropped shows within about this long. Intuit advises CDC to back-fill missed events; one
     * CDC call per company per period costs little of its 500 requests a minute.
     */
    QUICKBOOKS_PAYMENT_SWEEP_SECONDS: intSetting(1, 86_400, 900),
    /** How far each CDC sweep reaches back before its checkpoint, for clock skew and late commits. */
    QUICKBOOKS_PAYMENT_SWEEP_OVERLAP_SECONDS: intSetting(0, 3600, 300),
    /**
     * When every connected customer's nightly reconciliation runs (a cron pattern, in UTC), or `off`. Each
     * run reads one report per six months of the window and re-reads only what differs.
     */
    QUICKBOOKS_RECONCILIATION_NIGHTLY: z
      .string()
      .trim()
      .default('23 2 * * *')
      .refine((value) => value === 'off' || /^\S+(\s+\S+){4}$/.test(value), {
        message: 'QUICKBOOKS_RECONCILIATION_NIGHTLY must be a five-field cron pattern or off',
      }),
    /** How many days back (to today) a nightly reconciliation compares. */
    QUICKBOOKS_RECONCILIATION_WINDOW_DAYS: intSetting(1, 366, 31),

    /**
     * The platform's GraphQL API this service reads invoices from, with the caller's own token (the
     * mapping status): the gateway, so the host's rules apply as they do to the panel.
     */
    HOST_GRAPHQL_URL: z.url('HOST_GRAPHQL_URL must be a URL').default('http://127.0.0.1:4000/graphql'),
    /**
     * The push worker's credential for HOST_GRAPHQL_URL when this service cannot mint one (AUTH_JWKS_URL:
     * the private key lives with the identity provider). With an HS256 secret the worker mints a
     * five-minute service token per tenant instead, which is narrower; this static token is then unused.
     */
    HOST_SERVICE_TOKEN: z.string().min(20, 'HOST_SERVICE_TOKEN must be at least 20 characters').optional(),
    /** The `sub` and `service` claim of the service tokens the push worker mints for the host. */
    HOST_SERVICE_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'HOST_SERVICE_NAME may contain only letters, digits, _ . and -')
      .default('quickbooks-subgraph'),

    // The per-realm rate governor (src/quickbooks/governor.ts). Defaults are Intuit's limits (§4.1-4.2 of
    // the research note); set these only to match an emulator configured otherwise (sandbox
    // `limits.*`), never above Intuit's in production: the governor exists so we cause no 429.
    QUICKBOOKS_GOVERNOR_PER_MINUTE: intSetting(1, 100_000, 500),
    /** 0 turns the per-second window off (the emulator's `limits.perSecond: null`). */
    QUICKBOOKS_GOVERNOR_PER_SECOND: intSetting(0, 10_000, 10),
    QUICKBOOKS_GOVERNOR_CONCURRENT: intSetting(1, 1000, 10),
    QUICKBOOKS_GOVERNOR_BATCHES_PER_MINUTE: intSetting(1, 10_000, 40),
    /** What a batch counts for against the request windows; match the emulator's `limits.batchCost`. */
    QUICKBOOKS_GOVERNOR_BATCH_COST: z.enum(['items', 'request']).default('items'),
    /**
     * Multiplies the 60 s and 1 s windows, for benches against an emulator whose windows are scaled the
     * same way (0.1: a "minute" of 6 s). Refused in production.
     */
    QUICKBOOKS_GOVERNOR_WINDOW_SCALE: z.coerce.number().gt(0).max(1).default(1),
    QUICKBOOKS_GOVERNOR_MARGIN_MS: intSetting(0, 10_000, 250),
    /**
     * How long one request may wait for its realm's budget before it fails as `throttled` (and its job is
     * delayed): a worker slot is not held longer than this by a busy realm.
     */
    QUICKBOOKS_GOVERNOR_ACQUIRE_TIMEOUT_MS: intSetting(100, 600_000, 30_000),
    /**
     * The same wait for background work (the worker process: pushes, backfills). Short, because a push
     * waiting for a busy realm holds one of the worker's slots, which every tenant shares: past this the
     * job is delayed until the realm has room and the slot goes to another company's job. At most
     * QUICKBOOKS_GOVERNOR_ACQUIRE_TIMEOUT_MS.
     */
    QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS: intSetting(100, 600_000, 1500),

    /**
     * Bearer token for GET /metrics (API and worker). Without it /metrics is open outside production and
     * not served in production: queue depths and traffic are not for the public port.
     */
    METRICS_TOKEN: z.string().min(32, 'METRICS_TOKEN must be at least 32 characters').optional(),
    /** The worker process's /metrics listener; off when unset. */
    WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),

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
        if (PUBLIC_DEV_SECRETS.some((secret) => env[name]?.includes(secret))) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `${name} is the public development secret; anyone could forge tokens with it (refused when NODE_ENV=production)`,
          });
        }
      }
    }
    if (env.NODE_ENV === 'production') {
      if (
        env.QUICKBOOKS_TOKEN_KEYS === DEV_INSECURE_TOKEN_KEYS ||
        env.QUICKBOOKS_TOKEN_KEYS.includes(DEV_INSECURE_TOKEN_KEYS.slice(4))
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['QUICKBOOKS_TOKEN_KEYS'],
          message:
            'QUICKBOOKS_TOKEN_KEYS holds the public development key (refused when NODE_ENV=production)',
        });
      }
      if (quickbooksEnvironmentOf(env) === 'emulator') {
        ctx.addIssue({
          code: 'custom',
          path: ['QUICKBOOKS_ENVIRONMENT'],
          message:
            'NODE_ENV=production needs Intuit credentials (QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET), not the emulator',
        });
      }
    }
    if (env.QUICKBOOKS_ENVIRONMENT && env.QUICKBOOKS_ENVIRONMENT !== 'emulator') {
      for (const name of ['QUICKBOOKS_CLIENT_ID', 'QUICKBOOKS_CLIENT_SECRET'] as const) {
        if (!env[name]) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `QUICKBOOKS_ENVIRONMENT=${env.QUICKBOOKS_ENVIRONMENT} needs ${name}`,
          });
        }
      }
    }
    const { keys, problems } = parseTokenKeys(env.QUICKBOOKS_TOKEN_KEYS);
    for (const message of problems)
      ctx.addIssue({ code: 'custom', path: ['QUICKBOOKS_TOKEN_KEYS'], message });
    if (problems.length === 0) {
      const active = env.QUICKBOOKS_TOKEN_ACTIVE_KEY_ID;
      if (active === undefined && keys.size > 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['QUICKBOOKS_TOKEN_ACTIVE_KEY_ID'],
          message: 'QUICKBOOKS_TOKEN_KEYS holds several keys: name the one new tokens are encrypted with',
        });
      } else if (active !== undefined && !keys.has(active)) {
        ctx.addIssue({
          code: 'custom',
          path: ['QUICKBOOKS_TOKEN_ACTIVE_KEY_ID'],
          message: `QUICKBOOKS_TOKEN_ACTIVE_KEY_ID "${active}" is not among QUICKBOOKS_TOKEN_KEYS`,
        });
      }
    }
    for (const origin of env.QUICKBOOKS_RETURN_TO_ORIGINS) {
      if (!URL.canParse(origin) || !/^https?:$/.test(new URL(origin).protocol)) {
        ctx.addIssue({
          code: 'custom',
          path: ['QUICKBOOKS_RETURN_TO_ORIGINS'],
          message: `"${origin}" is not an http(s) origin`,
        });
      }
    }
    if (env.NODE_ENV === 'production' && env.QUICKBOOKS_GOVERNOR_WINDOW_SCALE !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUICKBOOKS_GOVERNOR_WINDOW_SCALE'],
        message:
          "QUICKBOOKS_GOVERNOR_WINDOW_SCALE is for benches against the emulator; Intuit's windows are not scaled (refused when NODE_ENV=production)",
      });
    }
    if (env.QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS > env.QUICKBOOKS_GOVERNOR_ACQUIRE_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS'],
        message:
          'QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS must not exceed QUICKBOOKS_GOVERNOR_ACQUIRE_TIMEOUT_MS: background work waits less than a person does',
      });
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

/** Intuit credentials select Intuit (sandbox unless told production); none select the emulator. */
function quickbooksEnvironmentOf(env: {
  QUICKBOOKS_ENVIRONMENT?: QuickBooksEnvironment;
  QUICKBOOKS_CLIENT_ID?: string;
  QUICKBOOKS_CLIENT_SECRET?: string;
}): QuickBooksEnvironment {
  if (env.QUICKBOOKS_ENVIRONMENT) return env.QUICKBOOKS_ENVIRONMENT;
  return env.QUICKBOOKS_CLIENT_ID && env.QUICKBOOKS_CLIENT_SECRET ? 'sandbox' : 'emulator';
}

/** The path of the OAuth callback on this service's HTTP server. */
export const QUICKBOOKS_CALLBACK_PATH = '/integrations/quickbooks/callback';
/** Where the browser lands after the callback when the connect named no returnTo. */
export const QUICKBOOKS_RESULT_PATH = '/integrations/quickbooks/result';

export interface QuickBooksSettings {
  environment: QuickBooksEnvironment;
  clientId: string;
  clientSecret: string;
  /** The emulator's base URL (used only when environment is `emulator`). */
  emulatorUrl: string;
  publicUrl: string;
  redirectUri: string;
  scopes: string[];
  pkce: boolean;
  stateSecret: string;
  tokenKeys: TokenKeyRing;
  /** Absolute origins `returnTo` may point at. */
  returnToOrigins: string[];
  httpTimeoutMs: number;
  /** QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN (secret); undefined: the webhook endpoint is off. */
  webhookVerifierToken?: string;
  refresh: { everyMinutes: number; withinMinutes: number };
  /** QUICKBOOKS_PUSH_DEBOUNCE_MS: the quiet time after an invoice's last change before it is pushed. */
  pushDebounceMs: number;
  /** QUICKBOOKS_PUSH_CONTEXT_CACHE_MS: how long a worker reuses a tenant's mappings, settings, snapshot. */
  pushContextCacheMs: number;
  /** QUICKBOOKS_CUSTOMER_DIRECTORY_FRESH_MS: how old the customer directory may be before a create. */
  customerDirectoryFreshMs: number;
  /** QUICKBOOKS_PAYMENT_SWEEP_*: the payment pull's CDC backstop. */
  paymentSweep: { everyMs: number; overlapMs: number };
  /** QUICKBOOKS_RECONCILIATION_*: the nightly run (null: off) and its window. */
  reconciliation: { nightlyPattern: string | null; windowDays: number };
  /** QUICKBOOKS_GOVERNOR_*: the per-realm budget every process shares. */
  governor: {
    limits: GovernorLimits;
    acquireTimeoutMs: number;
    /** The worker process's wait (pushes, backfills): short, so a busy realm does not hold worker slots. */
    workerAcquireTimeoutMs: number;
  };
}

/** /metrics on the API's server and the worker's own listener. */
export interface MetricsSettings {
  /** Required as a bearer token when set; unset: open outside production, not served in production. */
  token?: string;
  /** Served at all (false only in production without a token). */
  enabled: boolean;
  /** The worker's listener; undefined = off. */
  workerPort?: number;
  workerHost: string;
}

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
  quickbooks: QuickBooksSettings;
  /** The platform's own GraphQL API (through the gateway). */
  host: { graphqlUrl: string; credentials: HostCredentials };
  syncLogRetentionDays: number;
  workerShutdownTimeoutMs: number;
  metrics: MetricsSettings;
}

/**
 * How the push worker authenticates to the host: a short-lived per-tenant service token signed with the
 * HS256 secret, a configured static token (JWKS mode), or nothing (the worker refuses to start).
 */
export type HostCredentials =
  | { kind: 'mint'; secret: string; serviceName: string; issuer?: string; audience?: string }
  | { kind: 'static'; token: string }
  | { kind: 'none'; reason: string };

function hostCredentialsOf(env: Env, auth: Config['auth']): HostCredentials {
  if (auth.secret !== undefined) {
    return {
      kind: 'mint',
      secret: auth.secret,
      serviceName: env.HOST_SERVICE_NAME,
      issuer: auth.issuer,
      audience: auth.audience,
    };
  }
  if (env.HOST_SERVICE_TOKEN !== undefined) return { kind: 'static', token: env.HOST_SERVICE_TOKEN };
  return {
    kind: 'none',
    reason:
      'HOST_SERVICE_TOKEN is required to push invoices when AUTH_JWKS_URL is used (no HS256 secret to mint service tokens with)',
  };
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
    quickbooks: quickbooksSettings(env),
    host: { graphqlUrl: env.HOST_GRAPHQL_URL, credentials: hostCredentialsOf(env, auth) },
    syncLogRetentionDays: env.SYNC_LOG_RETENTION_DAYS,
    workerShutdownTimeoutMs: env.WORKER_SHUTDOWN_TIMEOUT_MS,
    metrics: {
      token: env.METRICS_TOKEN,
      enabled: env.METRICS_TOKEN !== undefined || env.NODE_ENV !== 'production',
      workerPort: env.WORKER_METRICS_PORT,
      workerHost: env.WORKER_METRICS_HOST,
    },
  };
}

/** Intuit's limits unless overridden; windows scaled together (QUICKBOOKS_GOVERNOR_WINDOW_SCALE). */
function governorLimits(env: Env): GovernorLimits {
  const scale = env.QUICKBOOKS_GOVERNOR_WINDOW_SCALE;
  return {
    perMinute: env.QUICKBOOKS_GOVERNOR_PER_MINUTE,
    perSecond: env.QUICKBOOKS_GOVERNOR_PER_SECOND === 0 ? null : env.QUICKBOOKS_GOVERNOR_PER_SECOND,
    batchesPerMinute: env.QUICKBOOKS_GOVERNOR_BATCHES_PER_MINUTE,
    concurrent: env.QUICKBOOKS_GOVERNOR_CONCURRENT,
    batchCost: env.QUICKBOOKS_GOVERNOR_BATCH_COST,
    minuteMs: Math.max(1, Math.round(60_000 * scale)),
    secondMs: Math.max(1, Math.round(1000 * scale)),
    marginMs: env.QUICKBOOKS_GOVERNOR_MARGIN_MS,
  };
}

function quickbooksSettings(env: Env): QuickBooksSettings {
  const environment = quickbooksEnvironmentOf(env);
  const client =
    environment === 'emulator' && !(env.QUICKBOOKS_CLIENT_ID && env.QUICKBOOKS_CLIENT_SECRET)
      ? EMULATOR_DEFAULT_CLIENT
      : { clientId: env.QUICKBOOKS_CLIENT_ID!, clientSecret: env.QUICKBOOKS_CLIENT_SECRET! };
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  const { keys } = parseTokenKeys(env.QUICKBOOKS_TOKEN_KEYS);
  const activeKeyId = env.QUICKBOOKS_TOKEN_ACTIVE_KEY_ID ?? [...keys.keys()][0]!;
  return {
    environment,
    ...client,
    emulatorUrl: env.QUICKBOOKS_EMULATOR_URL.replace(/\/+$/, ''),
    publicUrl,
    redirectUri: env.QUICKBOOKS_REDIRECT_URI ?? `${publicUrl}${QUICKBOOKS_CALLBACK_PATH}`,
    scopes: env.QUICKBOOKS_SCOPES,
    pkce: env.QUICKBOOKS_PKCE ?? environment === 'emulator',
    stateSecret: env.QUICKBOOKS_STATE_SECRET,
    tokenKeys: { activeKeyId, keys },
    returnToOrigins: [
      ...new Set([
        new URL(publicUrl).origin,
        ...env.QUICKBOOKS_RETURN_TO_ORIGINS.map((o) => new URL(o).origin),
      ]),
    ],
    httpTimeoutMs: env.QUICKBOOKS_HTTP_TIMEOUT_MS,
    webhookVerifierToken: env.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
    refresh: {
      everyMinutes: env.QUICKBOOKS_REFRESH_EVERY_MINUTES,
      withinMinutes: env.QUICKBOOKS_REFRESH_WITHIN_MINUTES,
    },
    pushDebounceMs: env.QUICKBOOKS_PUSH_DEBOUNCE_MS,
    pushContextCacheMs: env.QUICKBOOKS_PUSH_CONTEXT_CACHE_MS,
    customerDirectoryFreshMs: env.QUICKBOOKS_CUSTOMER_DIRECTORY_FRESH_MS,
    paymentSweep: {
      everyMs: env.QUICKBOOKS_PAYMENT_SWEEP_SECONDS * 1000,
      overlapMs: env.QUICKBOOKS_PAYMENT_SWEEP_OVERLAP_SECONDS * 1000,
    },
    reconciliation: {
      nightlyPattern:
        env.QUICKBOOKS_RECONCILIATION_NIGHTLY === 'off' ? null : env.QUICKBOOKS_RECONCILIATION_NIGHTLY,
      windowDays: env.QUICKBOOKS_RECONCILIATION_WINDOW_DAYS,
    },
    governor: {
      limits: governorLimits(env),
      acquireTimeoutMs: env.QUICKBOOKS_GOVERNOR_ACQUIRE_TIMEOUT_MS,
      workerAcquireTimeoutMs: env.QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS,
    },
  };
}
