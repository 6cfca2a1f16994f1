import { ClientError, GraphQLClient } from 'graphql-request';
import type { HostCredentials } from '../config.js';
import type { PlatformInvoice, PlatformInvoiceLine } from '../sync/platform-invoice.js';
import type { HostInvoiceLister, HostInvoiceSource, HostInvoiceSummary } from './host-invoices.js';
import { createServiceBearer } from './service-token.js';

/**
 * The host could not answer an invoice read. `retryable` when the same read may work later (host down,
 * 5xx, 429, timeout); not retryable when the host refused our credentials or the query (a configuration
 * problem a retry cannot fix). Neither the token nor the host's raw answer is in the message.
 */
export class HostInvoiceError extends Error {
  override readonly name = 'HostInvoiceError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const INVOICE_QUERY = /* GraphQL */ `
  query QuickBooksPushInvoice($id: ID!) {
    invoice(id: $id) {
      id
      number
      status
      customer {
        id
      }
      currency
      issueDate
      dueDate
      billTo {
        name
        email
        phone
        address {
          line1
          line2
          city
          region
          postalCode
          country
        }
      }
      lines {
        id
        description
        itemKind
        serviceCode
        quantity
        unitPrice
        taxRate
        amount
        taxAmount
      }
      pricesIncludeTax
      totals {
        subtotal
        tax
        total
      }
      memo
      version
    }
  }
`;

const INVOICE_LIST_QUERY = /* GraphQL */ `
  query QuickBooksBackfillInvoices($customerId: ID!, $status: InvoiceStatus) {
    invoices(customerId: $customerId, status: $status) {
      id
      number
      status
      issueDate
      customer {
        id
      }
    }
  }
`;

interface HostInvoice extends Omit<PlatformInvoice, 'tenantId' | 'lines'> {
  customer: { id: string };
  lines: PlatformInvoiceLine[];
}

/** Decimals may arrive as JSON numbers from a host that serialises them so; the push wants strings. */
const decimal = (value: unknown): string => (typeof value === 'number' ? String(value) : (value as string));

function toPlatformInvoice(invoice: HostInvoice): PlatformInvoice {
  return {
    id: invoice.id,
    tenantId: invoice.customer.id,
    number: invoice.number,
    status: invoice.status,
    currency: invoice.currency,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate ?? null,
    billTo: invoice.billTo ?? null,
    lines: invoice.lines.map((line) => ({
      ...line,
      quantity: decimal(line.quantity),
      unitPrice: decimal(line.unitPrice),
      taxRate: decimal(line.taxRate),
      amount: decimal(line.amount),
      taxAmount: decimal(line.taxAmount),
    })),
    pricesIncludeTax: invoice.pricesIncludeTax === true,
    totals: {
      subtotal: decimal(invoice.totals.subtotal),
      tax: decimal(invoice.totals.tax),
      total: decimal(invoice.totals.total),
    },
    memo: invoice.memo ?? null,
    version: invoice.version,
  };
}

export interface GraphQLHostInvoiceOptions {
  url: string;
  credentials: HostCredentials;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Reads one invoice from the host's GraphQL API (the gateway by default) as a service scoped to the one
 * tenant the job belongs to: the minted token lists only that tenant, so even a wrong invoice id from a
 * job cannot read another tenant's invoice; the tenant check below is a second line.
 */
export function createGraphQLHostInvoiceSource(
  options: GraphQLHostInvoiceOptions,
): HostInvoiceSource & HostInvoiceLister {
  const { credentials } = options;
  if (credentials.kind === 'none') throw new HostInvoiceError(credentials.reason, false);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const bearerFor = createServiceBearer(credentials);

  async function request<T>(tenantId: string, query: string, variables: Record<string, unknown>) {
    const client = new GraphQLClient(options.url, {
      headers: { authorization: `Bearer ${await bearerFor(tenantId)}` },
      signal: AbortSignal.timeout(timeoutMs),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return client.request<T>(query, variables);
  }

  return {
    async load(tenantId, invoiceId) {
      const client = new GraphQLClient(options.url, {
        headers: { authorization: `Bearer ${await bearerFor(tenantId)}` },
        signal: AbortSignal.timeout(timeoutMs),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      let result: { invoice: HostInvoice | null };
      try {
        result = await client.request<{ invoice: HostInvoice | null }>(INVOICE_QUERY, { id: invoiceId });
      } catch (error) {
        if (error instanceof ClientError) {
          const status = error.response.status;
          const codes = (error.response.errors ?? []).map((e) => e.extensions?.code);
          if (codes.includes('NOT_FOUND') && status < 500) return null;
          // Refused credentials stay refused on a retry: an operator must fix the configuration. Other
          // GraphQL errors (a gateway whose subgraph is down answers 200 with errors) may pass.
          const refused =
            status === 401 ||
            status === 403 ||
            codes.includes('UNAUTHENTICATED') ||
            codes.includes('FORBIDDEN');
          throw new HostInvoiceError(
            `the platform's invoice API ${refused ? 'refused our service credentials' : 'answered the invoice read'} with ${status >= 400 ? `HTTP ${status}` : 'errors'}`,
            !refused && (status >= 500 || status === 429 || status === 408 || status === 200),
            status,
            { cause: error },
          );
        }
        throw new HostInvoiceError("the platform's invoice API could not be reached", true, undefined, {
          cause: error,
        });
      }
      const invoice = result.invoice;
      // The host answers null for an invoice of a tenant the caller may not act for: to us, not found.
      if (!invoice || invoice.customer.id !== tenantId) return null;
      return toPlatformInvoice(invoice);
    },

    async list(tenantId, status) {
      let result: { invoices: (HostInvoiceSummary & { customer: { id: string } })[] };
      try {
        result = await request(tenantId, INVOICE_LIST_QUERY, { customerId: tenantId, status });
      } catch (error) {
        throw hostListError(error);
      }
      // The minted token names only this tenant; the filter is a second line, as for `load`.
      return result.invoices
        .filter((invoice) => invoice.customer.id === tenantId)
        .map(({ id, number, status: invoiceStatus, issueDate }) => ({
          id,
          number,
          status: invoiceStatus,
          issueDate,
        }));
    },
  };
}

/** A failed list read, classified by the rules of `load` (a list has no NOT_FOUND case). */
function hostListError(error: unknown): HostInvoiceError {
  if (error instanceof ClientError) {
    const status = error.response.status;
    const codes = (error.response.errors ?? []).map((e) => e.extensions?.code);
    const refused =
      status === 401 || status === 403 || codes.includes('UNAUTHENTICATED') || codes.includes('FORBIDDEN');
    return new HostInvoiceError(
      `the platform's invoice API ${refused ? 'refused our service credentials' : 'answered the invoice list'} with ${status >= 400 ? `HTTP ${status}` : 'errors'}`,
      !refused && (status >= 500 || status === 429 || status === 408 || status === 200),
      status,
      { cause: error },
    );
  }
  return new HostInvoiceError("the platform's invoice API could not be reached", true, undefined, {
    cause: error,
  });
}
