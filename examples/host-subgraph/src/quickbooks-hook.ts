import { SignJWT } from 'jose';
import type { Logger } from 'pino';
import type { InvoiceEvent, InvoiceEvents } from './events.js';

/**
 * The integration hook point for the QuickBooks subgraph: it subscribes to the host's invoice events and
 * announces each change that matters to QuickBooks with the product's service-only mutation
 * `notifyQuickBooksInvoiceChanged(customerId, invoiceId, change)`, POSTed straight to the product
 * subgraph (not through the gateway), the way the real platform would call an integration it hosts.
 *
 * Which events are announced: `invoice.finalized` → FINALIZED, `invoice.updated` of a FINALIZED invoice →
 * UPDATED, `invoice.voided` → VOIDED. Drafts are never in QuickBooks, so creating or editing one is not
 * announced; nor is `invoice.payment_recorded` (a payment QuickBooks itself reported, through the product).
 * The product debounces per invoice, so a burst of edits gives one push of the latest version.
 *
 * Each announcement carries a fresh service token (the `service` claim, `tenants` naming only the
 * invoice's tenant, five minutes to live) signed with the host's own HS256 secret, which the product
 * shares. The token is never logged, nor anything that could carry it (request headers).
 */

/** The mutation's `change` values, as the product's `QuickBooksInvoiceChange` enum spells them. */
export type QuickBooksInvoiceChange = 'FINALIZED' | 'UPDATED' | 'VOIDED';

export const NOTIFY_INVOICE_CHANGED_MUTATION = /* GraphQL */ `
  mutation NotifyQuickBooksInvoiceChanged(
    $customerId: ID!
    $invoiceId: ID!
    $change: QuickBooksInvoiceChange!
  ) {
    notifyQuickBooksInvoiceChanged(customerId: $customerId, invoiceId: $invoiceId, change: $change) {
      state
    }
  }
`;

/** The `service` claim (and `sub`) of the host's service tokens unless configured otherwise. */
export const DEFAULT_NOTIFY_SERVICE_NAME = 'platform-host';
const DEFAULT_ATTEMPTS = 4;
const DEFAULT_TIMEOUT_MS = 5000;
/** Waits before the 2nd, 3rd, 4th ... attempt; the last value repeats. */
const DEFAULT_RETRY_DELAYS_MS = [250, 1000, 3000];
const TOKEN_LIFETIME = '5m';

export interface QuickBooksNotifyOptions {
  /** The product subgraph's GraphQL endpoint (QUICKBOOKS_NOTIFY_URL), e.g. http://127.0.0.1:4001/graphql */
  url: string;
  /** HS256 secret the product subgraph verifies tokens with (the host's AUTH_JWT_SECRET) */
  secret: string;
  /** `sub` and `service` claim of the tokens (default DEFAULT_NOTIFY_SERVICE_NAME) */
  serviceName?: string;
  /** Set on the tokens when the product checks them (AUTH_ISSUER / AUTH_AUDIENCE) */
  issuer?: string;
  audience?: string;
  logger: Logger;
  /** Attempts per announcement (default 4) */
  attempts?: number;
  /** Per-attempt timeout in ms (default 5000) */
  timeoutMs?: number;
  /** Waits between attempts in ms (default 250, 1000, 3000) */
  retryDelaysMs?: readonly number[];
}

/** The change an event announces to QuickBooks, or undefined when QuickBooks has nothing to do with it. */
export function quickbooksChangeOf(event: InvoiceEvent): QuickBooksInvoiceChange | undefined {
  switch (event.type) {
    case 'invoice.finalized':
      return 'FINALIZED';
    case 'invoice.updated':
      return event.status === 'FINALIZED' ? 'UPDATED' : undefined;
    case 'invoice.voided':
      return 'VOIDED';
    case 'invoice.created':
      return undefined;
    // The product records QuickBooks' payments here: announcing one back would have it push the invoice
    // again for a change QuickBooks already holds.
    case 'invoice.payment_recorded':
      return undefined;
  }
}

/** A short-lived token the product accepts for service-only mutations, scoped to one tenant. */
export async function mintServiceToken(
  secret: string,
  claims: { service: string; tenantId: string; issuer?: string; audience?: string; expiresIn?: string },
): Promise<string> {
  let jwt = new SignJWT({ tenants: [claims.tenantId], service: claims.service })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.service)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? TOKEN_LIFETIME);
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

type AttemptOutcome = { kind: 'done'; state?: string } | { kind: 'retry' | 'refused'; detail: string };

interface GraphQLAnswer {
  data?: { notifyQuickBooksInvoiceChanged?: { state?: string } | null } | null;
  errors?: { message?: string; extensions?: { code?: unknown; retryable?: unknown } }[];
}

/** 5xx, 429 and a GraphQL error the product marks retryable are worth another attempt; the rest is not. */
async function judge(response: Response): Promise<AttemptOutcome> {
  if (response.status >= 500 || response.status === 429) {
    await response.body?.cancel();
    return { kind: 'retry', detail: `HTTP ${response.status}` };
  }
  let answer: GraphQLAnswer;
  try {
    answer = (await response.json()) as GraphQLAnswer;
  } catch {
    return { kind: 'refused', detail: `HTTP ${response.status} without a GraphQL answer` };
  }
  const error = answer.errors?.[0];
  if (error) {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'UNKNOWN';
    return { kind: error.extensions?.retryable === true ? 'retry' : 'refused', detail: code };
  }
  if (!response.ok) return { kind: 'refused', detail: `HTTP ${response.status}` };
  return { kind: 'done', state: answer.data?.notifyQuickBooksInvoiceChanged?.state };
}

/**
 * Subscribes the hook to `events`; returns the stop function (pending announcements are abandoned and
 * logged). Announcements of one invoice go one at a time in event order, so FINALIZED always reaches the
 * product before the VOIDED that follows it; different invoices do not wait for each other.
 */
export function startQuickBooksNotify(
  events: InvoiceEvents,
  options: QuickBooksNotifyOptions,
): () => Promise<void> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const delays = options.retryDelaysMs?.length ? options.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS;
  const service = options.serviceName ?? DEFAULT_NOTIFY_SERVICE_NAME;
  const logger = options.logger.child({ component: 'quickbooks-hook' });
  const stopping = new AbortController();
  const chains = new Map<string, Promise<void>>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.signal.addEventListener('abort', done, { once: true });
    });

  async function announce(event: InvoiceEvent, change: QuickBooksInvoiceChange): Promise<void> {
    const about = {
      eventId: event.eventId,
      tenantId: event.tenantId,
      invoiceId: event.invoiceId,
      version: event.version,
      change,
    };
    const token = await mintServiceToken(options.secret, {
      service,
      tenantId: event.tenantId,
      issuer: options.issuer,
      audience: options.audience,
    });
    const body = JSON.stringify({
      query: NOTIFY_INVOICE_CHANGED_MUTATION,
      variables: { customerId: event.tenantId, invoiceId: event.invoiceId, change },
    });
    for (let attempt = 1; attempt <= attempts && !stopping.signal.aborted; attempt++) {
      let outcome: AttemptOutcome;
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
          signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]),
        });
        outcome = await judge(response);
      } catch (error) {
        if (stopping.signal.aborted) break;
        // Only the error's name and message: a fetch failure carries no request headers, but a cause
        // object might be printed in full by a future runtime, so it is not logged.
        const { name, message } = error as Error;
        outcome = { kind: 'retry', detail: `${name}: ${message}` };
      }
      if (outcome.kind === 'done') {
        logger.info({ ...about, attempt, state: outcome.state }, 'QuickBooks notified of invoice change');
        return;
      }
      if (outcome.kind === 'refused') {
        logger.error({ ...about, attempt, reason: outcome.detail }, 'QuickBooks notification refused');
        return;
      }
      logger.warn({ ...about, attempt, reason: outcome.detail }, 'QuickBooks notification failed');
      if (attempt < attempts) await sleep(delays[Math.min(attempt - 1, delays.length - 1)]!);
    }
    logger.error({ ...about }, 'QuickBooks notification dropped');
  }

  const unsubscribe = events.onAny((event) => {
    const change = quickbooksChangeOf(event);
    if (!change || stopping.signal.aborted) return;
    const previous = chains.get(event.invoiceId) ?? Promise.resolve();
    const next = previous
      .then(() => announce(event, change))
      .catch((error: unknown) => {
        logger.error({ eventId: event.eventId, err: error }, 'QuickBooks notification crashed');
      })
      .finally(() => {
        if (chains.get(event.invoiceId) === next) chains.delete(event.invoiceId);
      });
    chains.set(event.invoiceId, next);
  });

  return async () => {
    unsubscribe();
    stopping.abort();
    await Promise.all(chains.values());
  };
}
