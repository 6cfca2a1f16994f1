import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ConnectionState } from '../models/customer.js';
import type { Models } from '../models/index.js';
import { QuickBooksClient } from './client.js';
import { endpointsFor, type QuickBooksEndpoints } from './endpoints.js';
import { RateGovernor, type GovernorWait } from './governor.js';
import { QuickBooksHttp, SYSTEM_EDGES, type RequestMetrics } from './http.js';
import { IntuitOAuthClient } from './oauth.js';
import { ConnectionTokens } from './vault/connection-tokens.js';
import { TokenCipher } from './vault/token-cipher.js';

export interface QuickBooksSide {
  endpoints: QuickBooksEndpoints;
  http: QuickBooksHttp;
  /** The per-realm budget every Accounting API request of this process passes through (not OAuth). */
  governor: RateGovernor;
  oauth: IntuitOAuthClient;
  cipher: TokenCipher;
  /** One per process: in-process callers share a refresh through it. */
  vault: ConnectionTokens;
  /** A client for one tenant's company, its tokens from the vault. */
  clientFor(tenantId: string, realmId: string): QuickBooksClient;
}

/**
 * The QuickBooks side of a composition root (API and worker alike): provider endpoints, the rate governor,
 * the request sender, the OAuth client, the token cipher and the vault. `redis` serves the refresh locks
 * and the governor's windows: a client with a command timeout, never a blocking BullMQ connection.
 */
export function createQuickBooksSide(deps: {
  config: Config;
  models: Pick<Models, 'customers'>;
  redis: Redis;
  logger: Logger;
  onStateChange(tenantId: string, state: ConnectionState, reason: string): Promise<void>;
  /** The process's metrics (observability/metrics.ts); absent in tests that do not look at them. */
  metrics?: { requests: RequestMetrics; governorWait: (wait: GovernorWait) => void };
  /**
   * Who waits for a busy realm's budget. `interactive` (the API: a person reading reference data or
   * connecting) waits up to QUICKBOOKS_GOVERNOR_ACQUIRE_TIMEOUT_MS. `background` (the worker process) waits
   * only QUICKBOOKS_GOVERNOR_WORKER_ACQUIRE_TIMEOUT_MS and is then turned away as GOVERNOR_BUSY with the
   * time the realm has room again: the job is delayed and its worker slot, which every tenant shares,
   * goes to another company's job instead of waiting on one company's burst.
   */
  work?: 'interactive' | 'background';
}): QuickBooksSide {
  const { config, logger } = deps;
  const endpoints = endpointsFor(config.quickbooks);
  const governorLogger = logger.child({ component: 'quickbooks-governor' });
  const governor = new RateGovernor({
    redis: deps.redis,
    // Under the deployment's prefix, so deployments (and test files) sharing a Redis keep their own
    // budgets; every process of one deployment shares it.
    // Without the prefix's hash tag: the governor tags its keys by realm, so realms spread over a cluster.
    keyPrefix: `${config.redis.prefix.replace(/[{}]/g, '')}:governor`,
    limits: config.quickbooks.governor.limits,
    acquireTimeoutMs:
      deps.work === 'background'
        ? config.quickbooks.governor.workerAcquireTimeoutMs
        : config.quickbooks.governor.acquireTimeoutMs,
    onWait: deps.metrics?.governorWait,
    onLeaseLost: (realmId) =>
      governorLogger.warn({ realmId }, 'a QuickBooks request slot outlived its lease; the process stalled'),
  });
  const http = new QuickBooksHttp({
    ...SYSTEM_EDGES,
    apiBaseUrl: endpoints.apiBaseUrl,
    timeoutMs: config.quickbooks.httpTimeoutMs,
    logger: logger.child({ component: 'quickbooks-http' }),
    governor,
    metrics: deps.metrics?.requests,
  });
  const oauth = new IntuitOAuthClient({
    ...SYSTEM_EDGES,
    settings: config.quickbooks,
    endpoints,
    logger: logger.child({ component: 'quickbooks-oauth' }),
  });
  const cipher = new TokenCipher(config.quickbooks.tokenKeys);
  const vault = new ConnectionTokens({
    customers: deps.models.customers,
    cipher,
    oauth,
    redis: deps.redis,
    lockPrefix: config.redis.prefix,
    now: () => new Date(),
    logger: logger.child({ component: 'token-vault' }),
    onStateChange: deps.onStateChange,
    options: { tokenCallTimeoutMs: config.quickbooks.httpTimeoutMs },
  });
  return {
    endpoints,
    http,
    governor,
    oauth,
    cipher,
    vault,
    clientFor: (tenantId, realmId) =>
      new QuickBooksClient({ http, realmId, tokens: vault.forTenant(tenantId) }),
  };
}
