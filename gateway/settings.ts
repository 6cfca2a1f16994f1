/**
 * The gateway's settings, parsed once from the environment at start-up (the subgraph's src/config.ts does
 * the same for the subgraph). Names shared with the subgraphs (NODE_ENV, AUTH_*, INTROSPECTION, LOG_LEVEL)
 * mean the same thing; gateway-only settings start with GATEWAY_.
 *
 * This folder runs through Node's type stripping (gateway/server.ts, no build step), so it imports nothing
 * from src/ (whose `.js` specifiers only resolve once compiled) and uses only erasable TypeScript.
 */
import { z } from 'zod';

/**
 * The public signing secret of AUTH_MODE=dev-insecure: the same string as src/config.ts
 * DEV_INSECURE_JWT_SECRET (a test starts this gateway with the subgraph's constant to prove it).
 */
export const DEV_INSECURE_JWT_SECRET = 'dev-insecure-quickbooks-subgraph-secret-do-not-use';

/**
 * Per-operation limits. The 26 client operations of the tests, the demo host's and the GraphiQL default
 * query use at most depth 4, cost 95, 2 aliases, no directives and 69 tokens (measured by
 * test/e2e/gateway-hardening.test.ts, which keeps them at half of each limit or less), so the defaults
 * leave room for the web panel (a Relay connection adds two levels) while refusing issue 8's attacks.
 */
export const DEFAULT_GATEWAY_LIMITS = {
  /** Deepest field nesting, leaves counted, fragments flattened (GraphQL Armor max-depth). */
  maxDepth: 8,
  /** Aliased fields per operation, `__typename` aliases excepted (GraphQL Armor max-aliases). */
  maxAliases: 15,
  /** Directives per operation (GraphQL Armor max-directives). */
  maxDirectives: 20,
  /** Lexical tokens per document, counted while parsing (graphql-js `maxTokens`). */
  maxTokens: 1000,
  /** GraphQL Armor's static cost: 1 per scalar, 2 per object, times 1.5 per level of depth. */
  maxCost: 5000,
  /** Request body, in bytes. */
  maxBodyBytes: 1024 * 1024,
} as const;

export type GatewayLimits = { -readonly [K in keyof typeof DEFAULT_GATEWAY_LIMITS]: number };

export const DEFAULT_GATEWAY_TIMEOUTS = {
  /**
   * One subgraph request (queries and mutations; never a subscription's stream). Above the subgraph's own
   * REQUEST_TIMEOUT_MS (10 s), so its typed TIMEOUT, with whatever data it had, arrives first.
   */
  upstreamMs: 12_000,
  /** A whole HTTP request, from arrival to the response's headers (several subgraph requests in turn). */
  requestMs: 15_000,
} as const;

/**
 * graphql-ws limits per client socket, the subgraph's SUBSCRIPTION_* defaults (src/config.ts): a client's
 * socket at the gateway carries what the subgraph's would if the client connected to it directly.
 */
export const DEFAULT_GATEWAY_SUBSCRIPTION_LIMITS = {
  /** Operations one socket may run at once; the next gets TOO_MANY_SUBSCRIPTIONS. */
  maxPerConnection: 100,
  /** How long a socket may stay open without a valid connection_init (then close 4408). */
  connectionInitTimeoutMs: 3000,
  /** The largest message a client may send; larger closes the socket with 1009 before it is parsed. */
  maxMessageBytes: 64 * 1024,
} as const;

export type GatewaySubscriptionLimits = {
  -readonly [K in keyof typeof DEFAULT_GATEWAY_SUBSCRIPTION_LIMITS]: number;
};

export type GraphiqlMode = 'cdn' | 'offline' | 'off';
type HiveLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface GatewaySettings {
  production: boolean;
  supergraphPath: string;
  host: string;
  port: number;
  subgraphUrls: { host?: string; quickbooks?: string };
  auth: {
    /** HS256 with a shared secret, or RS256/ES256 with keys from a JWKS URL: never both algorithm families. */
    key: { kind: 'secret'; secret: string } | { kind: 'jwks'; jwksUrl: string };
    algorithms: ('HS256' | 'RS256' | 'ES256')[];
    issuer?: string;
    audience?: string;
  };
  limits: GatewayLimits;
  timeouts: { upstreamMs: number; requestMs: number };
  subscriptions: GatewaySubscriptionLimits;
  /** How long a stop (SIGTERM/SIGINT) may take before the process exits regardless. */
  shutdownTimeoutMs: number;
  introspection: boolean;
  graphiql: GraphiqlMode;
  /** Origins whose browser pages may call the gateway; '*' (any) is refused in production. */
  cors: { origins: string[] | '*'; allowLoopback: boolean };
  /** Hive Gateway's logger level; false is silent. */
  logLevel: HiveLogLevel | false;
  /** One JSON object per log line (LOG_JSON, as Hive Gateway's own default logger reads it). */
  logJson: boolean;
}

const booleanFromString = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

/** A whole number from the environment, within bounds that keep a typo from disabling a safeguard. */
const intSetting = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A comma-separated list of exact origins (scheme://host[:port]), or '*'. */
const originList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .refine(
    (origins) =>
      origins.every(
        (origin) => origin === '*' || (URL.canParse(origin) && new URL(origin).origin === origin),
      ),
    'GATEWAY_CORS_ORIGINS must be a comma-separated list of origins such as https://panel.example.com (scheme, host and port only), or *',
  );

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    SUPERGRAPH_PATH: z.string().min(1).default('./supergraph.graphql'),
    HOST: z.string().min(1).default('127.0.0.1'),
    GATEWAY_PORT: intSetting(0, 65535, 4000),
    HOST_SUBGRAPH_URL: z.url('HOST_SUBGRAPH_URL must be a URL').optional(),
    QUICKBOOKS_SUBGRAPH_URL: z.url('QUICKBOOKS_SUBGRAPH_URL must be a URL').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_JSON: booleanFromString.default(false),

    AUTH_MODE: z.enum(['jwt', 'dev-insecure']).default('jwt'),
    AUTH_JWT_SECRET: z.string().min(32, 'AUTH_JWT_SECRET must be at least 32 characters').optional(),
    AUTH_JWKS_URL: z.url('AUTH_JWKS_URL must be a URL').optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),

    GATEWAY_MAX_DEPTH: intSetting(2, 100, DEFAULT_GATEWAY_LIMITS.maxDepth),
    GATEWAY_MAX_ALIASES: intSetting(0, 1000, DEFAULT_GATEWAY_LIMITS.maxAliases),
    GATEWAY_MAX_DIRECTIVES: intSetting(0, 1000, DEFAULT_GATEWAY_LIMITS.maxDirectives),
    GATEWAY_MAX_TOKENS: intSetting(100, 100_000, DEFAULT_GATEWAY_LIMITS.maxTokens),
    GATEWAY_MAX_COST: intSetting(10, 10_000_000, DEFAULT_GATEWAY_LIMITS.maxCost),
    GATEWAY_MAX_BODY_BYTES: intSetting(1024, 50 * 1024 * 1024, DEFAULT_GATEWAY_LIMITS.maxBodyBytes),
    GATEWAY_UPSTREAM_TIMEOUT_MS: intSetting(100, 300_000, DEFAULT_GATEWAY_TIMEOUTS.upstreamMs),
    GATEWAY_REQUEST_TIMEOUT_MS: intSetting(100, 600_000, DEFAULT_GATEWAY_TIMEOUTS.requestMs),
    GATEWAY_SUBSCRIPTION_MAX_PER_CONNECTION: intSetting(
      1,
      10_000,
      DEFAULT_GATEWAY_SUBSCRIPTION_LIMITS.maxPerConnection,
    ),
    GATEWAY_SUBSCRIPTION_INIT_TIMEOUT_MS: intSetting(
      100,
      60_000,
      DEFAULT_GATEWAY_SUBSCRIPTION_LIMITS.connectionInitTimeoutMs,
    ),
    GATEWAY_SUBSCRIPTION_MAX_MESSAGE_BYTES: intSetting(
      1024,
      10 * 1024 * 1024,
      DEFAULT_GATEWAY_SUBSCRIPTION_LIMITS.maxMessageBytes,
    ),
    GATEWAY_SHUTDOWN_TIMEOUT_MS: intSetting(1000, 600_000, 10_000),

    INTROSPECTION: booleanFromString.optional(),
    GATEWAY_GRAPHIQL: z.enum(['cdn', 'offline', 'off']).optional(),
    GATEWAY_CORS_ORIGINS: originList.optional(),
  })
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    if (env.AUTH_MODE === 'jwt' && !env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message:
          'AUTH_MODE=jwt needs AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL (RS256/ES256); AUTH_MODE=dev-insecure is for local use',
      });
    }
    if (env.AUTH_MODE === 'jwt' && env.AUTH_JWT_SECRET && env.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWKS_URL'],
        message: 'set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both: one key source per deployment',
      });
    }
    if (production && env.AUTH_MODE === 'dev-insecure') {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_MODE'],
        message: 'AUTH_MODE=dev-insecure is refused when NODE_ENV=production: anyone can sign its tokens',
      });
    }
    // Also a padded or prefixed copy: the dev secret is published in this repository.
    if (production && env.AUTH_JWT_SECRET?.includes(DEV_INSECURE_JWT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message:
          'AUTH_JWT_SECRET is the public development secret; anyone could forge tokens with it (refused when NODE_ENV=production)',
      });
    }
    if (production && env.GATEWAY_CORS_ORIGINS?.includes('*')) {
      ctx.addIssue({
        code: 'custom',
        path: ['GATEWAY_CORS_ORIGINS'],
        message:
          'GATEWAY_CORS_ORIGINS=* is refused when NODE_ENV=production: list the origins of your web apps',
      });
    }
  });

export class GatewaySettingsError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid gateway configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'GatewaySettingsError';
    this.problems = problems;
  }
}

/** pino's level names (used by every process of `npm start`) in Hive Gateway's logger vocabulary. */
function hiveLogLevel(level: z.infer<typeof EnvSchema>['LOG_LEVEL']): HiveLogLevel | false {
  if (level === 'silent') return false;
  return level === 'fatal' ? 'error' : level;
}

/** Parses the environment once; lists every problem and never echoes a value (it may be a secret). */
export function loadGatewaySettings(source: NodeJS.ProcessEnv): GatewaySettings {
  // An empty variable means "unset", as a shell `VAR= cmd` or a compose file's blank value intends.
  const defined = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(defined);
  if (!parsed.success) {
    throw new GatewaySettingsError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';
  const key: GatewaySettings['auth']['key'] =
    env.AUTH_MODE === 'dev-insecure'
      ? { kind: 'secret', secret: DEV_INSECURE_JWT_SECRET }
      : env.AUTH_JWKS_URL
        ? { kind: 'jwks', jwksUrl: env.AUTH_JWKS_URL }
        : { kind: 'secret', secret: env.AUTH_JWT_SECRET ?? '' };
  const corsOrigins = env.GATEWAY_CORS_ORIGINS ?? [];
  return {
    production,
    supergraphPath: env.SUPERGRAPH_PATH,
    host: env.HOST,
    port: env.GATEWAY_PORT,
    subgraphUrls: { host: env.HOST_SUBGRAPH_URL, quickbooks: env.QUICKBOOKS_SUBGRAPH_URL },
    auth: {
      key,
      algorithms: key.kind === 'secret' ? ['HS256'] : ['RS256', 'ES256'],
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
    },
    limits: {
      maxDepth: env.GATEWAY_MAX_DEPTH,
      maxAliases: env.GATEWAY_MAX_ALIASES,
      maxDirectives: env.GATEWAY_MAX_DIRECTIVES,
      maxTokens: env.GATEWAY_MAX_TOKENS,
      maxCost: env.GATEWAY_MAX_COST,
      maxBodyBytes: env.GATEWAY_MAX_BODY_BYTES,
    },
    timeouts: { upstreamMs: env.GATEWAY_UPSTREAM_TIMEOUT_MS, requestMs: env.GATEWAY_REQUEST_TIMEOUT_MS },
    subscriptions: {
      maxPerConnection: env.GATEWAY_SUBSCRIPTION_MAX_PER_CONNECTION,
      connectionInitTimeoutMs: env.GATEWAY_SUBSCRIPTION_INIT_TIMEOUT_MS,
      maxMessageBytes: env.GATEWAY_SUBSCRIPTION_MAX_MESSAGE_BYTES,
    },
    shutdownTimeoutMs: env.GATEWAY_SHUTDOWN_TIMEOUT_MS,
    introspection: env.INTROSPECTION ?? !production,
    graphiql: env.GATEWAY_GRAPHIQL ?? (production ? 'off' : 'cdn'),
    cors: {
      origins: corsOrigins.includes('*') ? '*' : corsOrigins,
      // A web app under development (any port on this machine) may call a development gateway.
      allowLoopback: !production && env.GATEWAY_CORS_ORIGINS === undefined,
    },
    logLevel: hiveLogLevel(env.LOG_LEVEL),
    logJson: env.LOG_JSON,
  };
}
