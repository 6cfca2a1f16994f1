import type { QuickBooksError, QuickBooksErrorKind } from './errors.js';
import { scrubUnknownSecrets } from './redact.js';

/**
 * The two shapes a QuickBooksError takes outside this module, both produced here so they cannot drift:
 *  - the stored sync error (`SyncErrorInfo` in src/services/sync-status.ts): a stable product code per
 *    kind, a message an admin can act on (Intuit's own words for validation problems), retryable, and the
 *    intuit_tid to quote to Intuit support;
 *  - the GraphQL error extensions: one of the client-facing codes, retryable, and Intuit's code, element
 *    and intuit_tid. Never a token, a body, a URL or a stack.
 */

/** Stable product codes for stored sync errors (shown to admins, filtered on; never renamed). */
export const SYNC_ERROR_CODES = {
  authentication: 'QUICKBOOKS_AUTHENTICATION_FAILED',
  reauthorization: 'QUICKBOOKS_REAUTH_REQUIRED',
  wrong_realm: 'QUICKBOOKS_WRONG_COMPANY',
  scope: 'QUICKBOOKS_NOT_AUTHORIZED',
  throttled: 'QUICKBOOKS_THROTTLED',
  validation: 'QUICKBOOKS_VALIDATION',
  stale_object: 'QUICKBOOKS_STALE_OBJECT',
  bad_reference: 'QUICKBOOKS_BAD_REFERENCE',
  not_found: 'QUICKBOOKS_OBJECT_NOT_FOUND',
  transient: 'QUICKBOOKS_UNAVAILABLE',
  ambiguous: 'QUICKBOOKS_OUTCOME_UNKNOWN',
  configuration: 'QUICKBOOKS_CONFIGURATION',
} as const satisfies Record<QuickBooksErrorKind, string>;

export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[QuickBooksErrorKind];

/**
 * GraphQL clients get few codes, each with one thing to do: reconnect (REAUTH_REQUIRED), try later
 * (UNAVAILABLE, CONFLICT), or fix the data QuickBooks refused (REJECTED). An operator problem is an
 * INTERNAL_SERVER_ERROR: nothing the client can do, details in the server log.
 */
export const GRAPHQL_ERROR_CODES = {
  authentication: 'QUICKBOOKS_UNAVAILABLE',
  reauthorization: 'QUICKBOOKS_REAUTH_REQUIRED',
  wrong_realm: 'QUICKBOOKS_REAUTH_REQUIRED',
  scope: 'QUICKBOOKS_REAUTH_REQUIRED',
  throttled: 'QUICKBOOKS_UNAVAILABLE',
  validation: 'QUICKBOOKS_REJECTED',
  stale_object: 'QUICKBOOKS_CONFLICT',
  bad_reference: 'QUICKBOOKS_REJECTED',
  not_found: 'QUICKBOOKS_REJECTED',
  transient: 'QUICKBOOKS_UNAVAILABLE',
  ambiguous: 'QUICKBOOKS_UNAVAILABLE',
  configuration: 'INTERNAL_SERVER_ERROR',
} as const satisfies Record<QuickBooksErrorKind, string>;

export type QuickBooksGraphQLCode = (typeof GRAPHQL_ERROR_CODES)[QuickBooksErrorKind];

/** Structurally `SyncErrorInfo` (src/services/sync-status.ts), without importing the service layer. */
export interface QuickBooksSyncError {
  code: SyncErrorCode;
  message: string;
  retryable: boolean;
  intuitTid?: string;
}

export interface QuickBooksGraphQLExtensions {
  code: QuickBooksGraphQLCode;
  retryable: boolean;
  intuitTid?: string;
  /** Intuit's error code ("6240") or the OAuth error ("invalid_grant"). */
  quickbooksCode?: string;
  /** The field Intuit blamed, e.g. `Line.Amount`. */
  element?: string;
}

const MAX_MESSAGE_LENGTH = 1000;

/** What to tell an admin, per kind; Intuit's words are added only where they are about the data. */
function describe(error: QuickBooksError): string {
  const intuit = intuitWords(error);
  switch (error.kind) {
    case 'authentication':
      return 'QuickBooks did not accept the access token, even after a refresh; it will be tried again';
    case 'reauthorization':
      return 'QuickBooks no longer accepts this connection (the grant was revoked, expired, or the user lost access): reconnect QuickBooks to resume syncing';
    case 'wrong_realm':
      return 'The QuickBooks token does not belong to the connected company: reconnect QuickBooks to the right company';
    case 'scope':
      return 'The app is not authorized for QuickBooks accounting in this company: reconnect QuickBooks and grant accounting access';
    case 'throttled':
      return `QuickBooks is throttling requests for this company; retrying in ${Math.ceil((error.retryAfterMs ?? 60_000) / 1000)} s`;
    case 'validation':
      return `QuickBooks rejected the data${intuit ? `: ${intuit}` : ''}`;
    case 'stale_object':
      return 'The object was changed in QuickBooks at the same time; it will be read again and the change retried';
    case 'bad_reference':
      return `QuickBooks rejected a reference to a missing or inactive object${intuit ? `: ${intuit}` : ''}`;
    case 'not_found':
      return `The object does not exist in QuickBooks${intuit ? `: ${intuit}` : ''}`;
    case 'transient':
      return 'QuickBooks is unavailable or failed; it will be tried again';
    case 'ambiguous':
      return 'QuickBooks did not answer after the request was sent; whether it was saved is being checked before any retry';
    case 'configuration':
      return 'The QuickBooks app configuration was refused (client id, secret or redirect URI): an operator must fix it';
  }
}

/** "6240 Duplicate Name Exists Error: The name supplied already exists. … (field DisplayName)". */
function intuitWords(error: QuickBooksError): string {
  const head = [error.code, error.detail].filter(Boolean).join(' ');
  return `${head}${error.element ? ` (field ${error.element})` : ''}`;
}

/** The stored sync error of a failed attempt. */
export function toSyncError(error: QuickBooksError): QuickBooksSyncError {
  const message = scrubUnknownSecrets(describe(error));
  return {
    code: SYNC_ERROR_CODES[error.kind],
    message: message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message,
    retryable: error.retryable,
    ...(error.intuitTid ? { intuitTid: error.intuitTid } : {}),
  };
}

/** `extensions` for a GraphQL error caused by QuickBooks; the message can be `toSyncError(error).message`. */
export function toGraphQLErrorExtensions(error: QuickBooksError): QuickBooksGraphQLExtensions {
  const code = GRAPHQL_ERROR_CODES[error.kind];
  // An operator problem shows nothing of Intuit's answer to the client.
  if (code === 'INTERNAL_SERVER_ERROR') return { code, retryable: false };
  return {
    code,
    retryable: error.retryable,
    ...(error.intuitTid ? { intuitTid: error.intuitTid } : {}),
    ...(error.code ? { quickbooksCode: scrubUnknownSecrets(error.code) } : {}),
    ...(error.element ? { element: scrubUnknownSecrets(error.element) } : {}),
  };
}
