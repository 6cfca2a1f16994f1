import { createHash } from 'node:crypto';
import { z } from 'zod';

/** One change notification, whichever format it came in. Ids only: the worker re-reads the entity. */
export interface WebhookEvent {
  /** CloudEvents `id`; for the legacy format, derived (legacyEventId). */
  eventId: string;
  realmId: string;
  /** As Intuit spells it in the legacy format and the API (`Payment`, `CreditMemo`), when known. */
  entity: string;
  entityId: string;
  /** `Create`, `Update`, `Delete`, `Void`, `Merge`, `Emailed` (as the legacy format spells them). */
  operation: string;
  /** When the change happened, as Intuit sent it (ISO-8601; legacy may send epoch milliseconds). */
  time: string;
}

export type WebhookFormat = 'cloudevents' | 'legacy';

const id = z.string().trim().min(1).max(200);

/** Intuit's fields; other CloudEvents attributes (source, datacontenttype, data) are allowed and unused. */
const CloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id,
  // qbo.<entity lowercase>.<past-tense operation>.v<n> (§7.3).
  type: z.string().regex(/^qbo\.[a-z]+\.[a-z]+\.v\d+$/),
  time: z.string().min(1).max(100),
  intuitentityid: id,
  intuitaccountid: id,
});

// Intuit sends at most 100 events per delivery (§7.3); the bound is generous and only stops abuse.
const CloudEventsBodySchema = z.array(CloudEventSchema).min(1).max(1000);

const LegacyBodySchema = z.object({
  eventNotifications: z
    .array(
      z.object({
        realmId: id,
        dataChangeEvent: z.object({
          entities: z
            .array(
              z.object({
                name: z.string().min(1).max(100),
                id,
                operation: z.string().min(1).max(50),
                // ISO-8601 or epoch milliseconds (§7.2: "epoch milliseconds or varied timestamp format").
                lastUpdated: z.union([z.string().min(1).max(100), z.number()]),
              }),
            )
            .max(1000),
        }),
      }),
    )
    .max(1000),
});

/** The entities this product acts on, by their CloudEvents spelling. */
const ENTITY_NAMES: Record<string, string> = {
  payment: 'Payment',
  invoice: 'Invoice',
  creditmemo: 'CreditMemo',
};

const OPERATIONS: Record<string, string> = {
  created: 'Create',
  updated: 'Update',
  deleted: 'Delete',
  voided: 'Void',
  merged: 'Merge',
  emailed: 'Emailed',
};

/**
 * The legacy format has no event id; this one is derived from everything that identifies the change, so
 * Intuit's retry of the same notification gives the same id and is deduplicated like a CloudEvent.
 * Fields are JSON-encoded as a list so no separator inside a value can make two changes collide.
 */
export function legacyEventId(
  realmId: string,
  entity: string,
  entityId: string,
  operation: string,
  lastUpdated: string | number,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([realmId, entity, entityId, operation, String(lastUpdated)]))
    .digest('hex');
  return `legacy-${digest}`;
}

function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

export type ParsedDelivery =
  { ok: true; format: WebhookFormat; events: WebhookEvent[] } | { ok: false; reason: string };

/**
 * Parses a verified body. The format is detected by shape (§7.3: `specversion` array vs
 * `eventNotifications`); Intuit sends one or the other on the same URL, never both in one body.
 */
export function parseWebhookBody(text: string): ParsedDelivery {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  if (Array.isArray(json)) {
    const parsed = CloudEventsBodySchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
    return {
      ok: true,
      format: 'cloudevents',
      events: parsed.data.map((event) => {
        const [, entity = '', verb = ''] = event.type.split('.');
        return {
          eventId: event.id,
          realmId: event.intuitaccountid,
          entity: ENTITY_NAMES[entity] ?? entity,
          entityId: event.intuitentityid,
          operation: OPERATIONS[verb] ?? capitalized(verb),
          time: event.time,
        };
      }),
    };
  }
  const parsed = LegacyBodySchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
  return {
    ok: true,
    format: 'legacy',
    events: parsed.data.eventNotifications.flatMap((notification) =>
      notification.dataChangeEvent.entities.map((entity) => ({
        eventId: legacyEventId(
          notification.realmId,
          entity.name,
          entity.id,
          entity.operation,
          entity.lastUpdated,
        ),
        realmId: notification.realmId,
        entity: entity.name,
        entityId: entity.id,
        operation: entity.operation,
        time: legacyTime(entity.lastUpdated),
      })),
    ),
  };
}

/** Epoch milliseconds (number or digits) as ISO-8601; anything else as sent. */
function legacyTime(value: string | number): string {
  const millis = typeof value === 'number' ? value : /^\d{10,}$/.test(value) ? Number(value) : NaN;
  if (Number.isFinite(millis)) {
    const date = new Date(millis);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  return String(value);
}

/** Where the body went wrong, by path only: never a value from the body. */
function describe(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || '(body)'}: ${first.code}` : 'invalid body';
}

/** The entities whose events are kept (the payment apply slice reads these); others are acknowledged. */
export const KEPT_ENTITIES: ReadonlySet<string> = new Set(Object.values(ENTITY_NAMES));
