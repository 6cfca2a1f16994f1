/**
 * GraphiQL at the gateway, for development. Hive Gateway's default playground (Hive Laboratory) inlines
 * its whole 21.6 MB bundle into every page load and ignores `defaultQuery`; Yoga's GraphiQL takes a
 * default query, variables and headers, and comes either from a CDN (a 2 KB page: `cdn`) or bundled into
 * the page (9 MB, 2.4 MB gzipped, no network needed: `offline`).
 */
import type { GatewayConfigBase } from '@graphql-hive/gateway';

/** Yoga's GraphiQL options, as Hive Gateway's `graphiql` setting takes them. */
type GraphiQLOptions = Exclude<
  NonNullable<GatewayConfigBase<Record<string, unknown>>['graphiql']>,
  boolean | ((...args: never[]) => unknown)
>;

const DEFAULT_QUERY = /* GraphQL */ `
  # The QuickBooks sync status of a tenant's invoices, through the federated gateway.
  #
  # Every request needs a token: open "Headers" below and send
  #   { "Authorization": "Bearer <token>" }
  # \`npm start\` prints a development token for the demo tenants (cust-acme-us, cust-nordlys-no).
  # Without one, protected fields answer UNAUTHENTICATED.
  query InvoiceList($customerId: ID!) {
    invoices(customerId: $customerId) {
      id
      number
      status
      quickbooksSyncStatus {
        state
        attempts
        quickbooksInvoiceId
      }
    }
    customer(id: $customerId) {
      name
      quickbooksConnection {
        status
      }
    }
  }
`;

export const GRAPHIQL_DEFAULT_QUERY = DEFAULT_QUERY;

export const graphiqlOptions: GraphiQLOptions = {
  title: 'QuickBooks subgraph: federated gateway',
  defaultTabs: [
    {
      query: DEFAULT_QUERY,
      variables: JSON.stringify({ customerId: 'cust-acme-us' }, null, 2),
      // Where the token goes; a placeholder would be sent as a malformed token, so the pane starts empty.
      headers: '{}',
    },
  ],
  defaultEditorToolsVisibility: 'headers',
  // Tokens typed into the headers pane stay in this browser tab, not in localStorage.
  shouldPersistHeaders: false,
};
