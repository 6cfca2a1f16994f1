/**
 * Every QuickBooks failure, from the OAuth server or the Accounting API, is one QuickBooksError with a
 * kind. Callers branch on `kind` (and `retryable`), never on status codes or Intuit codes; the stored sync
 * error and the GraphQL error are both produced from this type.
 *
 * | kind              | when                                                        | what the caller does                 |
 * | ----------------- | ----------------------------------------------------------- | ------------------------------------ |
 * | authentication    | 401 / 3200: access token expired or malformed               | refresh once, retry the request once |
 * | reauthorization   | `invalid_grant`, 401 / 120: the grant is gone or the user   | NEEDS_REAUTH; pause, do not retry    |
 * |                   | lost access                                                 |                                      |
 * | wrong_realm       | 401 / 100: token valid but not for this realm               | not retryable; connection ERROR      |
 * | scope             | 403 / 3100: app not authorized for the scope or realm       | not retryable; reconnect with scope  |
 * | throttled         | 429 / 3001                                                  | wait `retryAfterMs`, then retry      |
 * | validation        | 2020, 2050, 2210, 6000, 6140, 6210, 6240, 4000 ...          | not retryable; show Intuit's detail  |
 * | stale_object      | 5010: old SyncToken                                         | re-read, then retry                  |
 * | bad_reference     | 2500, 610: a referenced object is missing or inactive       | not retryable; fix the mapping       |
 * | not_found         | a read of an id that does not exist                         | not retryable                        |
 * | transient         | 5xx, 10000, network failure before the request was sent     | retry with backoff                   |
 * | ambiguous         | timeout or dropped connection after a write was sent        | look the object up before retrying   |
 * | configuration     | `invalid_client`, `invalid_request`, `unauthorized_client`  | not retryable; operator must fix     |
 */
export const QUICKBOOKS_ERROR_KINDS = [
  'authentication',
  'reauthorization',
  'wrong_realm',
  'scope',
  'throttled',
  'validation',
  'stale_object',
  'bad_reference',
  'not_found',
  'transient',
  'ambiguous',
  'configuration',
] as const;

export type QuickBooksErrorKind = (typeof QUICKBOOKS_ERROR_KINDS)[number];

/** Whether the same request, sent again after a wait, may succeed (ambiguous: only after a look-up). */
const RETRYABLE: Record<QuickBooksErrorKind, boolean> = {
  authentication: true,
  reauthorization: false,
  wrong_realm: false,
  scope: false,
  throttled: true,
  validation: false,
  stale_object: true,
  bad_reference: false,
  not_found: false,
  transient: true,
  ambiguous: true,
  configuration: false,
};

export interface QuickBooksErrorInit {
  kind: QuickBooksErrorKind;
  message: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Intuit's error code as a string ("6240", "3200"), or the OAuth `error` ("invalid_grant"). */
  code?: string;
  element?: string;
  detail?: string;
  intuitTid?: string;
  realmId?: string;
  /** For `throttled`: how long to wait before the next request to this realm. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class QuickBooksError extends Error {
  override readonly name = 'QuickBooksError';
  readonly kind: QuickBooksErrorKind;
  readonly status?: number;
  readonly code?: string;
  readonly element?: string;
  readonly detail?: string;
  readonly intuitTid?: string;
  readonly realmId?: string;
  readonly retryAfterMs?: number;
  readonly retryable: boolean;

  constructor(init: QuickBooksErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.element = init.element;
    this.detail = init.detail;
    this.intuitTid = init.intuitTid;
    this.realmId = init.realmId;
    this.retryAfterMs = init.retryAfterMs;
    this.retryable = RETRYABLE[init.kind];
  }
}

export function isQuickBooksError(error: unknown, kind?: QuickBooksErrorKind): error is QuickBooksError {
  return error instanceof QuickBooksError && (kind === undefined || error.kind === kind);
}
