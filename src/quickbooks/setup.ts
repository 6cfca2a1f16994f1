import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ConnectionState } from '../models/customer.js';
import type { Models } from '../models/index.js';
import { QuickBooksClient } from './client.js';
import { endpointsFor, type QuickBooksEndpoints } from './endpoints.js';
import { QuickBooksHttp, SYSTEM_EDGES } from './http.js';
import { IntuitOAuthClient } from './oauth.js';
import { ConnectionTokens } from './vault/connection-tokens.js';
import { TokenCipher } from './vault/token-cipher.js';

export interface QuickBooksSide {
  endpoints: QuickBooksEndpoints;
  http: QuickBooksHttp;
  oauth: IntuitOAuthClient;
  cipher: TokenCipher;
  /** One per process: in-process callers share a refresh through it. */
  vault: ConnectionTokens;
  /** A client for one tenant's company, its tokens from the vault. */
  clientFor(tenantId: string, realmId: string): QuickBooksClient;
}

/**
 * The QuickBooks side of a composition root (API and worker alike): provider endpoints, the request
 * sender, the OAuth client, the token cipher and the vault. `redis` serves the refresh locks.
 */
export function createQuickBooksSide(deps: {
  config: Config;
  models: Pick<Models, 'customers'>;
  redis: Redis;
  logger: Logger;
  onStateChange(tenantId: string, state: ConnectionState, reason: string): Promise<void>;
}): QuickBooksSide {
  const { config, logger } = deps;
  const endpoints = endpointsFor(config.quickbooks);
  const http = new QuickBooksHttp({
    ...SYSTEM_EDGES,
    apiBaseUrl: endpoints.apiBaseUrl,
    timeoutMs: config.quickbooks.httpTimeoutMs,
    logger: logger.child({ component: 'quickbooks-http' }),
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
    oauth,
    cipher,
    vault,
    clientFor: (tenantId, realmId) =>
      new QuickBooksClient({ http, realmId, tokens: vault.forTenant(tenantId) }),
  };
}
