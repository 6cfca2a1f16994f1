/** The QuickBooks Online side of the product: what other modules import. */
export {
  QUICKBOOKS_ERROR_KINDS,
  QuickBooksError,
  isQuickBooksError,
  type QuickBooksErrorInit,
  type QuickBooksErrorKind,
} from './errors.js';
export {
  GRAPHQL_ERROR_CODES,
  SYNC_ERROR_CODES,
  toGraphQLErrorExtensions,
  toSyncError,
  type QuickBooksGraphQLCode,
  type QuickBooksGraphQLExtensions,
  type QuickBooksSyncError,
  type SyncErrorCode,
} from './error-shapes.js';
export { INTUIT_ENDPOINTS, emulatorEndpoints, endpointsFor, type QuickBooksEndpoints } from './endpoints.js';
export { DEFAULT_THROTTLE_WAIT_MS, parseFailure } from './faults.js';
export { DEFAULT_RETRY_POLICY, backoffDelayMs, decideRetry, type RetryPolicy } from './retry.js';
export {
  MINOR_VERSION,
  QuickBooksHttp,
  SYSTEM_EDGES,
  newRequestId,
  type HttpEdges,
  type QuickBooksHttpOptions,
  type QuickBooksLogger,
} from './http.js';
export {
  BATCH_MAX_ITEMS,
  QUICKBOOKS_ENTITIES,
  QuickBooksClient,
  type AccessTokenSource,
  type BatchItem,
  type BatchItemResult,
  type ChangeSet,
  type ChangedRecord,
  type QueryPage,
  type QuickBooksEntity,
  type QuickBooksEntityName,
  type QuickBooksResult,
  type WriteOptions,
} from './client.js';
export { IntuitOAuthClient, type IntuitOAuthOptions } from './oauth.js';
export { createPkcePair, codeChallengeS256, type PkcePair } from './pkce.js';
export type { OAuthTokenClient, TokenSet } from './tokens.js';
