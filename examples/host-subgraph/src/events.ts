import { EventEmitter } from 'node:events';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { InvoicePaymentRecord, InvoiceRecord, InvoiceStatus } from './model.js';

export const INVOICE_EVENT_TYPES = [
  'invoice.created',
  'invoice.updated',
  'invoice.finalized',
  'invoice.voided',
  'invoice.payment_recorded',
] as const;
export type InvoiceEventType = (typeof INVOICE_EVENT_TYPES)[number];

/**
 * What the host emits after every committed invoice change, like the real platform's notifications.
 * It names the invoice and its version; consumers read the invoice itself through the graph.
 */
export interface InvoiceEvent {
  /** Unique per event (UUID); use it to drop duplicate deliveries */
  eventId: string;
  type: InvoiceEventType;
  /** When the change was committed (ISO-8601 UTC) */
  occurredAt: string;
  /** The host Customer id the invoice belongs to */
  tenantId: string;
  invoiceId: string;
  invoiceNumber: string;
  /** The invoice's status after the change */
  status: InvoiceStatus;
  /**
   * The invoice's version after the change; grows by one per invoice change. A payment is not an invoice
   * change: `invoice.payment_recorded` carries the version unchanged (dedupe those by `payment`).
   */
  version: number;
  /** The invoice's updatedAt after the change */
  updatedAt: string;
  /** Only on `invoice.payment_recorded`: which payment, at which revision, applies how much now */
  payment?: InvoicePaymentEventDetail;
}

export interface InvoicePaymentEventDetail {
  source: string;
  externalId: string;
  revision: number;
  /** What the payment applies to the invoice now; "0.00" when it no longer applies */
  amount: string;
}

type InvoiceEventMap = { [K in InvoiceEventType]: [event: InvoiceEvent] };

/**
 * Typed notifications: `events.on('invoice.finalized', (e) => ...)`, or `events.onAny(...)` for all.
 * Listeners run synchronously right after the store commits; a listener that throws is logged and
 * does not fail the mutation.
 */
export class InvoiceEvents extends EventEmitter<InvoiceEventMap> {
  constructor(private readonly logger?: Logger) {
    super();
  }

  /** Subscribes to every event type; returns the unsubscribe function. */
  onAny(listener: (event: InvoiceEvent) => void): () => void {
    for (const type of INVOICE_EVENT_TYPES) this.on(type, listener);
    return () => {
      for (const type of INVOICE_EVENT_TYPES) this.off(type, listener);
    };
  }

  publish(type: InvoiceEventType, invoice: InvoiceRecord, payment?: InvoicePaymentRecord): InvoiceEvent {
    const event: InvoiceEvent = {
      eventId: crypto.randomUUID(),
      type,
      // A payment leaves updatedAt alone, so its event happened when the payment was recorded.
      occurredAt: payment?.recordedAt ?? invoice.updatedAt,
      tenantId: invoice.customerId,
      invoiceId: invoice.id,
      invoiceNumber: invoice.number,
      status: invoice.status,
      version: invoice.version,
      updatedAt: invoice.updatedAt,
      ...(payment
        ? {
            payment: {
              source: payment.source,
              externalId: payment.externalId,
              revision: payment.revision,
              amount: payment.amount,
            },
          }
        : {}),
    };
    // rawListeners keeps `once` semantics; each listener is isolated from the others.
    for (const listener of this.rawListeners(type)) {
      try {
        listener(event);
      } catch (error) {
        this.logger?.error(
          { err: error, eventType: type, invoiceId: invoice.id },
          'invoice event listener failed',
        );
      }
    }
    return event;
  }
}

export interface HttpDeliveryOptions {
  url: string;
  logger: Logger;
  /** Attempts per event (default 3), with 200 ms then 1 s between them */
  attempts?: number;
  /** Per-attempt timeout in ms (default 5000) */
  timeoutMs?: number;
}

/**
 * POSTs every event as JSON to one URL, one at a time in emission order. Best effort: after the last
 * failed attempt the event is logged and dropped (the real platform's webhooks retry for longer).
 * Headers: content-type application/json, x-invoice-event-type, x-invoice-event-id.
 */
export function startHttpDelivery(events: InvoiceEvents, options: HttpDeliveryOptions): () => Promise<void> {
  const attempts = options.attempts ?? 3;
  const timeoutMs = options.timeoutMs ?? 5000;
  const delays = [200, 1000];
  const stopping = new AbortController();
  let queue: Promise<void> = Promise.resolve();

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

  async function deliver(event: InvoiceEvent): Promise<void> {
    for (let attempt = 1; attempt <= attempts && !stopping.signal.aborted; attempt++) {
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-invoice-event-type': event.type,
            'x-invoice-event-id': event.eventId,
          },
          body: JSON.stringify(event),
          signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]),
        });
        await response.body?.cancel();
        if (response.ok) {
          options.logger.debug(
            { eventId: event.eventId, status: response.status },
            'invoice event delivered',
          );
          return;
        }
        options.logger.warn(
          { eventId: event.eventId, status: response.status, attempt },
          'invoice event refused',
        );
      } catch (error) {
        if (stopping.signal.aborted) break;
        options.logger.warn({ eventId: event.eventId, attempt, err: error }, 'invoice event delivery failed');
      }
      if (attempt < attempts) await sleep(delays[attempt - 1] ?? 1000);
    }
    options.logger.error({ eventId: event.eventId, type: event.type }, 'invoice event dropped');
  }

  const unsubscribe = events.onAny((event) => {
    queue = queue.then(() => deliver(event));
  });

  return async () => {
    unsubscribe();
    stopping.abort();
    await queue;
  };
}
