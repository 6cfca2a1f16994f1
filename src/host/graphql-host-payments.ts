import { Big } from 'big.js';
import { ClientError, GraphQLClient } from 'graphql-request';
import type { GraphQLHostInvoiceOptions } from './graphql-host-invoices.js';
import {
  HostPaymentError,
  type HostPaymentOutcome,
  type HostPaymentRecord,
  type HostPaymentSink,
  type HostPaymentStatus,
} from './host-payments.js';
import { createServiceBearer } from './service-token.js';

/** The platform's payment hook (docs/platform-payment-hook.md). */
const RECORD_PAYMENT_MUTATION = /* GraphQL */ `
  mutation QuickBooksRecordInvoicePayment($input: RecordInvoicePaymentInput!) {
    recordInvoicePayment(input: $input) {
      applied
      invoice {
        id
        paymentStatus
        amountPaid
        balance
      }
    }
  }
`;

const INVOICE_OWNER_QUERY = /* GraphQL */ `
  query QuickBooksPaymentInvoiceOwner($id: ID!) {
    invoice(id: $id) {
      customer {
        id
      }
    }
  }
`;

interface RecordAnswer {
  recordInvoicePayment?: {
    applied?: unknown;
    invoice?: { paymentStatus?: unknown; amountPaid?: unknown; balance?: unknown } | null;
  } | null;
}

const PAYMENT_STATUSES: readonly HostPaymentStatus[] = ['UNPAID', 'PARTIALLY_PAID', 'PAID'];

/** Big.js throws on anything that is not a plain decimal; money never passes through a float here. */
function parseMoney(value: unknown): Big | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  try {
    return new Big(value);
  } catch {
    return undefined;
  }
}

/**
 * The amount we send, with exactly two decimals. More decimals are refused rather than rounded: a cent
 * rounded away here would be a cent the platform and QuickBooks disagree on.
 */
function amountToSend(amount: string): string {
  const value = parseMoney(amount);
  if (!value || value.lt(0) || !value.eq(value.round(2, Big.roundDown))) {
    throw new HostPaymentError(
      'the payment amount is not a non-negative decimal with at most two places',
      false,
      'HOST_INVALID',
    );
  }
  return value.toFixed(2);
}

/** A decimal the host answered, with two decimals; any further non-zero digits are kept, not rounded. */
function moneyAnswered(value: unknown): string | undefined {
  const money = parseMoney(value);
  if (!money) return undefined;
  return money.eq(money.round(2, Big.roundDown)) ? money.toFixed(2) : money.toFixed();
}

/**
 * Classifies a failed call. Refused credentials, an unknown invoice and refused input stay so on a retry;
 * a host that is down, overloaded, slow, or answers 200 with an error that is not about our call (a gateway
 * whose subgraph is down) may work later. Retrying is always safe: the hook is idempotent by revision.
 */
function hostPaymentError(error: unknown): HostPaymentError {
  if (!(error instanceof ClientError)) {
    return new HostPaymentError(
      "the platform's payment hook could not be reached",
      true,
      'HOST_UNAVAILABLE',
      {
        cause: error,
      },
    );
  }
  const status = error.response.status;
  const codes = (error.response.errors ?? []).map((e) => e.extensions?.code);
  const answered = status >= 400 ? `HTTP ${status}` : 'errors';
  if (status === 401 || status === 403 || codes.includes('UNAUTHENTICATED') || codes.includes('FORBIDDEN')) {
    return new HostPaymentError(
      `the platform's payment hook refused our service credentials (${answered})`,
      false,
      'HOST_REFUSED',
      { cause: error },
    );
  }
  if (status >= 500 || status === 429 || status === 408) {
    return new HostPaymentError(
      `the platform's payment hook is unavailable (${answered})`,
      true,
      'HOST_UNAVAILABLE',
      { cause: error },
    );
  }
  if (codes.includes('NOT_FOUND')) {
    return new HostPaymentError(
      'the platform has no such invoice for this tenant',
      false,
      'HOST_INVOICE_NOT_FOUND',
      { cause: error },
    );
  }
  // BAD_USER_INPUT, and any other 4xx (a host without the hook answers 400 GRAPHQL_VALIDATION_FAILED): the
  // same call would be refused again.
  if (codes.includes('BAD_USER_INPUT') || status >= 400) {
    return new HostPaymentError(
      `the platform's payment hook refused the payment record (${answered})`,
      false,
      'HOST_INVALID',
      { cause: error },
    );
  }
  return new HostPaymentError(
    `the platform's payment hook answered with ${answered}`,
    true,
    'HOST_UNAVAILABLE',
    { cause: error },
  );
}

function malformedAnswer(): HostPaymentError {
  // Retryable: the record may have been taken, and sending it again is a replay the host ignores.
  return new HostPaymentError(
    "the platform's payment hook answered outside its contract",
    true,
    'HOST_UNAVAILABLE',
  );
}

function outcomeOf(answer: RecordAnswer): HostPaymentOutcome {
  const result = answer.recordInvoicePayment;
  const invoice = result?.invoice;
  const paymentStatus = invoice?.paymentStatus;
  const amountPaid = moneyAnswered(invoice?.amountPaid);
  const balance = moneyAnswered(invoice?.balance);
  if (
    typeof result?.applied !== 'boolean' ||
    !PAYMENT_STATUSES.includes(paymentStatus as HostPaymentStatus) ||
    amountPaid === undefined ||
    balance === undefined
  ) {
    throw malformedAnswer();
  }
  return { applied: result.applied, paymentStatus: paymentStatus as HostPaymentStatus, amountPaid, balance };
}

/**
 * Tells the platform about payments through its GraphQL hook `recordInvoicePayment`, as a service scoped
 * to the one tenant the payment belongs to: a minted token lists only that tenant, so the host answers
 * NOT_FOUND for another tenant's invoice and records nothing. A static token (JWKS mode) may cover more
 * tenants, so with one the invoice's owner is read first and a payment is never sent for an invoice of
 * another tenant.
 */
export function createGraphQLHostPaymentSink(options: GraphQLHostInvoiceOptions): HostPaymentSink {
  const { credentials } = options;
  if (credentials.kind === 'none') throw new HostPaymentError(credentials.reason, false, 'HOST_REFUSED');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const bearerFor = createServiceBearer(credentials);

  async function request<T>(tenantId: string, query: string, variables: Record<string, unknown>): Promise<T> {
    const client = new GraphQLClient(options.url, {
      headers: { authorization: `Bearer ${await bearerFor(tenantId)}` },
      signal: AbortSignal.timeout(timeoutMs),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    try {
      return await client.request<T>(query, variables);
    } catch (error) {
      throw hostPaymentError(error);
    }
  }

  async function checkOwner(tenantId: string, invoiceId: string): Promise<void> {
    const answer = await request<{ invoice?: { customer?: { id?: unknown } } | null }>(
      tenantId,
      INVOICE_OWNER_QUERY,
      { id: invoiceId },
    );
    if (answer.invoice?.customer?.id !== tenantId) {
      throw new HostPaymentError(
        'the platform has no such invoice for this tenant',
        false,
        'HOST_INVOICE_NOT_FOUND',
      );
    }
  }

  return {
    async record(payment: HostPaymentRecord): Promise<HostPaymentOutcome> {
      const amount = amountToSend(payment.amount);
      if (credentials.kind === 'static') await checkOwner(payment.tenantId, payment.invoiceId);
      const answer = await request<RecordAnswer>(payment.tenantId, RECORD_PAYMENT_MUTATION, {
        input: {
          invoiceId: payment.invoiceId,
          source: payment.source,
          externalId: payment.externalId,
          revision: payment.revision,
          amount,
          receivedOn: payment.receivedOn,
          method: payment.method,
          reference: payment.reference,
        },
      });
      return outcomeOf(answer);
    },
  };
}
