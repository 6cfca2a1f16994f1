import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { Logger } from '../../logger.js';
import { KEPT_ENTITIES, parseWebhookBody, type WebhookEvent } from './events.js';
import type { RealmDirectory } from './realm-routing.js';
import { verifyWebhookSignature } from './signature.js';

/** What one job on `quickbooks-webhook-events` carries: ids only, no body, no secret. */
export interface WebhookEventJobData {
  tenantId: string;
  realmId: string;
  entity: string;
  entityId: string;
  operation: string;
  eventId: string;
  time: string;
}

export const WEBHOOK_EVENT_JOB = 'webhook-event';

/**
 * How long a finished job (and so its id) stays in Redis. BullMQ refuses a second job with the id of one it
 * still holds, so this is the window in which a redelivered event is deduplicated by the queue. Intuit
 * retries an unacknowledged delivery for hours (6 h apart after the first hour, §7.5); a week covers that,
 * and an older duplicate is harmless because the worker re-reads the entity from QuickBooks.
 */
const DEDUPE_WINDOW_SECONDS = 7 * 24 * 3600;
const EVENT_ATTEMPTS = 6;

/** The queue as the intake uses it (a BullMQ Queue fits). */
export interface WebhookEventQueue {
  addBulk(jobs: { name: string; data: WebhookEventJobData; opts?: JobsOptions }[]): Promise<unknown[]>;
}

export type IntakeOutcome =
  | { status: 200; queued: number; skipped: number; ignored: number }
  | { status: 403; reason: 'missing-signature' | 'bad-signature' }
  | { status: 400; reason: string };

/**
 * BullMQ job id of an event: deterministic from the event id alone (the realm, and so the tenant, is part
 * of the event), hashed because an event id is the sender's text and custom job ids may not contain ':'.
 */
export function webhookJobId(eventId: string): string {
  return `qbwh-${createHash('sha256').update(eventId).digest('hex').slice(0, 40)}`;
}

export interface WebhookIntakeDeps {
  verifierToken: string;
  realms: RealmDirectory;
  queue: WebhookEventQueue;
  logger: Logger;
}

/**
 * POST /integrations/quickbooks/webhooks, without HTTP: verify the signature on the raw bytes, parse,
 * route each event by realm to its tenant, enqueue one job per event. Events are hints (issue 13): the
 * worker re-reads the entity, so nothing here needs to be ordered or trusted beyond the signature.
 */
export class WebhookIntake {
  constructor(private readonly deps: WebhookIntakeDeps) {}

  async receive(rawBody: Buffer, signature: string | undefined): Promise<IntakeOutcome> {
    const { logger } = this.deps;
    if (!signature) {
      logger.warn({ bytes: rawBody.length }, 'QuickBooks webhook refused: no intuit-signature');
      return { status: 403, reason: 'missing-signature' };
    }
    if (!verifyWebhookSignature(rawBody, signature, this.deps.verifierToken)) {
      logger.warn({ bytes: rawBody.length }, 'QuickBooks webhook refused: intuit-signature does not verify');
      return { status: 403, reason: 'bad-signature' };
    }
    const parsed = parseWebhookBody(rawBody.toString('utf8'));
    if (!parsed.ok) {
      logger.warn({ reason: parsed.reason }, 'QuickBooks webhook refused: signed body is not a delivery');
      return { status: 400, reason: parsed.reason };
    }

    // The same event twice in one body is one job (the queue dedupes across deliveries).
    const unique = new Map<string, WebhookEvent>();
    for (const event of parsed.events) if (!unique.has(event.eventId)) unique.set(event.eventId, event);
    const kept: WebhookEvent[] = [];
    let ignored = 0;
    for (const event of unique.values()) {
      if (KEPT_ENTITIES.has(event.entity)) kept.push(event);
      else ignored += 1;
    }
    if (ignored > 0) {
      logger.debug({ ignored, format: parsed.format }, 'QuickBooks webhook events of other entities dropped');
    }

    const tenants = await this.deps.realms.tenantsOf([...new Set(kept.map((event) => event.realmId))]);
    const jobs: { name: string; data: WebhookEventJobData; opts: JobsOptions }[] = [];
    const unrouted = new Map<string, number>();
    for (const event of kept) {
      const tenantId = tenants.get(event.realmId);
      if (!tenantId) {
        unrouted.set(event.realmId, (unrouted.get(event.realmId) ?? 0) + 1);
        continue;
      }
      jobs.push({
        name: WEBHOOK_EVENT_JOB,
        data: {
          tenantId,
          realmId: event.realmId,
          entity: event.entity,
          entityId: event.entityId,
          operation: event.operation,
          eventId: event.eventId,
          time: event.time,
        },
        opts: {
          jobId: webhookJobId(event.eventId),
          // A platform or QuickBooks outage fails the apply; the CDC sweep is the backstop past these.
          attempts: EVENT_ATTEMPTS,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: { age: DEDUPE_WINDOW_SECONDS },
          removeOnFail: { age: DEDUPE_WINDOW_SECONDS },
        },
      });
    }
    // Events of a realm no tenant is connected to are skipped but still acknowledged: Intuit retries every
    // non-2xx answer for ever (6-hourly, §7.5) and holds the app's later events behind it (head-of-line),
    // so refusing them would block every other customer's notifications.
    for (const [realmId, events] of unrouted) {
      logger.info(
        { realmId, events },
        'QuickBooks webhook events for a realm with no connected customer skipped',
      );
    }
    if (jobs.length > 0) await this.deps.queue.addBulk(jobs);
    const skipped = [...unrouted.values()].reduce((sum, n) => sum + n, 0);
    logger.debug(
      { format: parsed.format, queued: jobs.length, skipped, ignored },
      'QuickBooks webhook delivery accepted',
    );
    return { status: 200, queued: jobs.length, skipped, ignored };
  }
}
