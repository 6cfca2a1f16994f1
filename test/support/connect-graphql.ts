/**
 * The connect flow's GraphQL operations, as the settings page would send them, with their result types.
 * Sent with plain fetch so a test sees the whole response (status, raw text, every error), which is what
 * "no token anywhere in the response" must be checked against.
 */

export const CONNECTION_FIELDS = `customerId status reason realmId companyName environment scopes connectedAt
  connectedBy connectedByUserId lastSyncedAt accessTokenExpiresAt refreshTokenExpiresAt refreshTokenHardExpiresAt`;

export interface ConnectionResult {
  customerId: string;
  status: 'CONNECTED' | 'DISCONNECTED' | 'NEEDS_REAUTH' | 'ERROR';
  reason: string | null;
  realmId: string | null;
  companyName: string | null;
  environment: string | null;
  scopes: string[];
  connectedAt: string | null;
  connectedBy: string | null;
  connectedByUserId: string | null;
  lastSyncedAt: string | null;
  accessTokenExpiresAt: string | null;
  refreshTokenExpiresAt: string | null;
  refreshTokenHardExpiresAt: string | null;
}

export const CONNECT = `mutation ConnectQuickBooks($customerId: ID!, $returnTo: String) {
  connectQuickBooks(customerId: $customerId, returnTo: $returnTo) { authorizeUrl }
}`;
export interface ConnectResult {
  connectQuickBooks: { authorizeUrl: string };
}

export const DISCONNECT = `mutation DisconnectQuickBooks($customerId: ID!) {
  disconnectQuickBooks(customerId: $customerId) { revokedAtQuickBooks connection { ${CONNECTION_FIELDS} } }
}`;
export interface DisconnectResult {
  disconnectQuickBooks: { revokedAtQuickBooks: boolean | null; connection: ConnectionResult };
}

export const CONNECTION = `query QuickBooksConnection($customerId: ID!) {
  quickbooksConnection(customerId: $customerId) { ${CONNECTION_FIELDS} }
}`;
export interface ConnectionQueryResult {
  quickbooksConnection: ConnectionResult | null;
}

export const AUDIT_LOG = `query QuickBooksAuditLog($customerId: ID!, $first: Int, $after: String) {
  quickbooksAuditLog(customerId: $customerId, first: $first, after: $after) {
    edges { cursor node { id action outcome actorUserId realmId reason createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
export interface AuditEntryResult {
  id: string;
  action: string;
  outcome: 'SUCCEEDED' | 'FAILED';
  actorUserId: string;
  realmId: string | null;
  reason: string | null;
  createdAt: string;
}
export interface AuditLogResult {
  quickbooksAuditLog: {
    edges: { cursor: string; node: AuditEntryResult }[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  } | null;
}

export const CONNECTION_CHANGED = `subscription QuickBooksConnectionChanged($customerId: ID!) {
  quickbooksConnectionChanged(customerId: $customerId) { customerId status reason realmId companyName }
}`;
export interface ConnectionChangedResult {
  quickbooksConnectionChanged: Pick<
    ConnectionResult,
    'customerId' | 'status' | 'reason' | 'realmId' | 'companyName'
  >;
}

export interface GraphQLErrorResult {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; retryable?: boolean };
}

export interface GraphQLResponse<TData> {
  status: number;
  /** The raw body, to search for anything that must never appear in a response. */
  text: string;
  data?: TData | null;
  errors?: GraphQLErrorResult[];
}

export async function postGraphQL<TData>(
  url: string,
  bearer: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: TData | null; errors?: GraphQLErrorResult[] };
  return { status: response.status, text, ...body };
}

/** The codes of a response's errors, in order: what a client branches on. */
export const codesOf = (response: { errors?: GraphQLErrorResult[] }) =>
  (response.errors ?? []).map((error) => error.extensions?.code);
