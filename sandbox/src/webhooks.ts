import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { ChangeEvent, ChangeOperation } from './api/service.js';
import type { AppRegistry, RegisteredApp } from './apps.js';
import type { Clock } from './clock.js';
import type { EntityName, Realm } from './company/realm.js';
import type { SandboxLogger } from './logger.js';
import type { WebhookSettings } from './settings.js';
import { uuid } from './util/ids.js';
import { seededRandom } from './util/random.js';

export interface WebhookEvent {
  eventId: string;
  realmId: string;
  entity: string;
  id: string;
  operation: ChangeOperation | 'Merge' | 'Emailed';
  at: number;
}

/**
 * Delivery faults a test can provoke per app. Intuit says notifications may be missed (back-fill with CDC),
 * may arrive out of sequence, and are retried until acknowledged (§7.5, developer.intuit.com
 * …/develop/webhooks/best-practices: "It's possible to receive events out of sequence", "To compensate for
 * the possibility of missed events, make a ChangeDataCapture (CDC) call"), and a retried CloudEvent keeps
 * its id (CloudEvents 1.0.2 §id: "If a duplicate event is re-sent (e.g. due to a network error) it MAY have
 * the same id"). The emulator never does any of this by itself; these rules make it happen on demand.
 */
export type WebhookFaultKind = 'drop' | 'duplicate' | 'delay' | 'reorder';

export interface DeliveredEvent {
  eventId: string;
  entity: string;
  id: string;
  operation: WebhookEvent['operation'];
  /** The fault that shaped this event's delivery, or null. */
  fault: WebhookFaultKind | null;
}

export interface DeliveryRecord {
  deliveryId: string;
  clientId: string;
  url: string;
  /** 1 for the first attempt; 0 for a `drop` record, which made no HTTP request. */
  attempt: number;
  at: string;
  eventIds: string[];
  events: DeliveredEvent[];
  /** Distinct faults among this delivery's events. */
  faults: WebhookFaultKind[];
  realmId: string;
  /** HTTP status from the endpoint, or null when it did not answer (timeout, refused) or nothing was sent. */
  status: number | null;
  error: string | null;
  delivered: boolean;
  /** Retry scheduled after this many milliseconds (already scaled), or null. */
  nextRetryMs: number | null;
}

const OPERATIONS = ['Create', 'Update', 'Delete', 'Void', 'Merge', 'Emailed'] as const;

/** Which events a fault rule takes: all given filters must match; then `next` and `rate` decide. */
const selectorShape = {
  /** Entity as Intuit spells it (`Payment`); compared case-insensitively. */
  entity: z.string().optional(),
  operation: z.enum(OPERATIONS).optional(),
  realmId: z.string().optional(),
  /** Only the next N matching events (then the rule is spent); absent = no limit. */
  next: z.number().int().min(1).optional(),
  /** Each matching event with this probability; absent = every matching event. */
  rate: z.number().min(0).max(1).optional(),
  /** Seed of the rule's own random sequence, so a rate gives the same choices on every run (default 1). */
  seed: z.number().int().optional(),
};

export const webhookFaultsSchema = z
  .object({
    /** Never delivered and never retried; the change stays visible through CDC. */
    drop: z.object(selectorShape).strict().optional(),
    /** Delivered normally, then the same event (same CloudEvents `id`) once more in a later delivery. */
    duplicate: z.object(selectorShape).strict().optional(),
    /** Held back for `ms` wall-clock milliseconds (not scaled by retryTimeScale), then queued. */
    delay: z
      .object({ ...selectorShape, ms: z.number().int().min(0) })
      .strict()
      .optional(),
    /** Held back until `by` later events of the app have been queued ahead of it (or `maxHoldMs` passed). */
    reorder: z
      .object({
        ...selectorShape,
        by: z.number().int().min(1).optional(),
        maxHoldMs: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type WebhookFaultsInput = z.input<typeof webhookFaultsSchema>;
type WebhookFaults = z.output<typeof webhookFaultsSchema>;
type Selector = NonNullable<WebhookFaults['drop']>;

export interface WebhookFaultRuleState {
  /** Events this rule may still take, or null for no limit. */
  remaining: number | null;
  /** Events it has taken so far. */
  applied: number;
}

export interface WebhookFaultsState {
  clientId: string;
  rules: WebhookFaults;
  state: Partial<Record<WebhookFaultKind, WebhookFaultRuleState>>;
}

/** A reordered event waits this long at most when no later event comes to overtake it. */
const DEFAULT_REORDER_HOLD_MS = 2000;
const MAX_DELIVERY_RECORDS = 1000;

interface RuleState extends WebhookFaultRuleState {
  random: (() => number) | null;
}

class AppFaults {
  readonly state = new Map<WebhookFaultKind, RuleState>();

  constructor(readonly rules: WebhookFaults) {
    for (const kind of ['drop', 'duplicate', 'delay', 'reorder'] as const) {
      const rule = rules[kind];
      if (!rule) continue;
      this.state.set(kind, {
        remaining: rule.next ?? null,
        applied: 0,
        random: rule.rate === undefined ? null : seededRandom(rule.seed ?? 1),
      });
    }
  }

  /** Whether the rule takes this event; a taken event uses up one of `next`. */
  take(kind: WebhookFaultKind, event: WebhookEvent): boolean {
    const rule: Selector | undefined = this.rules[kind];
    const state = this.state.get(kind);
    if (!rule || !state) return false;
    if (rule.entity !== undefined && rule.entity.toLowerCase() !== event.entity.toLowerCase()) return false;
    if (rule.operation !== undefined && rule.operation !== event.operation) return false;
    if (rule.realmId !== undefined && rule.realmId !== event.realmId) return false;
    if (state.remaining !== null && state.remaining <= 0) return false;
    // The draw happens only for matching events, so the choices depend on the seed and the events alone.
    if (state.random && state.random() >= (rule.rate ?? 1)) return false;
    if (state.remaining !== null) state.remaining -= 1;
    state.applied += 1;
    return true;
  }

  describe(clientId: string): WebhookFaultsState {
    const state: WebhookFaultsState['state'] = {};
    for (const [kind, rule] of this.state) state[kind] = { remaining: rule.remaining, applied: rule.applied };
    return { clientId, rules: structuredClone(this.rules), state };
  }
}

interface Queued {
  event: WebhookEvent;
  fault: WebhookFaultKind | null;
  /** Send the event again (same id) after this delivery is acknowledged. */
  duplicate: boolean;
}

interface Held {
  item: Queued;
  /** Later events still to be queued ahead of it. */
  remaining: number;
  timer: NodeJS.Timeout;
}

interface AppQueue {
  events: Queued[];
  busy: boolean;
  attempt: number;
  timer: NodeJS.Timeout | null;
  /** Events held back by a `reorder` fault. */
  held: Held[];
  /** Events waiting out a `delay` fault. */
  delayed: number;
  /** Set by reset() and close(): a delivery that was in flight must not touch this queue again. */
  dead: boolean;
}

/** CloudEvents type suffixes: created/updated/deleted confirmed by Intuit's sample tests (§7.3). */
const PAST_TENSE: Record<WebhookEvent['operation'], string> = {
  Create: 'created',
  Update: 'updated',
  Delete: 'deleted',
  Void: 'voided',
  Merge: 'merged',
  Emailed: 'emailed',
};

/**
 * Delivers change notifications per app, in order, one realm per delivery (§7.2), at most
 * `maxEventsPerDelivery` events, signed with `intuit-signature` = base64(HMAC-SHA256(verifier token, raw
 * body)) (§7.4). A failure blocks the app's queue (head-of-line, §7.5) and is retried on Intuit's schedule.
 *
 * Every timer is unref'd and tracked here, so neither a pending retry nor a held event keeps a process
 * (or jest) alive, and reset()/close() clear them all, including those of a delivery in flight.
 */
export class WebhookDispatcher {
  private readonly queues = new Map<string, AppQueue>();
  private readonly deliveries: DeliveryRecord[] = [];
  private readonly inFlight = new Set<AbortController>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly faults = new Map<string, AppFaults>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly apps: AppRegistry,
    private readonly realm: (realmId: string) => Realm | undefined,
    private readonly clock: Clock,
    private readonly settings: () => WebhookSettings,
    private readonly logger: SandboxLogger,
  ) {}

  onChange(change: ChangeEvent): void {
    const realm = this.realm(change.realmId);
    for (const app of this.apps.list()) {
      if (!app.webhookUrl) continue;
      // Notifications go only to apps connected to the company through OAuth (§7.1).
      if (this.settings().requireConnection && !realm?.connectedApps.has(app.clientId)) continue;
      this.enqueue(app, { eventId: uuid(), ...change });
    }
  }

  /** The portal's "Send test events" (§7.1): sample events for a company, connected or not. */
  sendTestEvents(clientId: string, realm: Realm): WebhookEvent[] {
    const app = this.apps.get(clientId);
    if (!app?.webhookUrl) return [];
    const now = this.clock.now();
    const samples: [EntityName, WebhookEvent['operation']][] = [
      ['Customer', 'Create'],
      ['Invoice', 'Create'],
      ['Payment', 'Create'],
      ['Customer', 'Update'],
    ];
    const events = samples.map(([entity, operation]) => {
      const first = realm.table(entity).keys().next().value ?? '1';
      return { eventId: uuid(), realmId: realm.realmId, entity, id: first, operation, at: now };
    });
    for (const event of events) this.enqueue(app, event);
    return events;
  }

  // Faults ----------------------------------------------------------------------------------------------

  /** Replaces the app's delivery faults; rules apply to events queued from now on. */
  setFaults(clientId: string, input: WebhookFaultsInput): WebhookFaultsState {
    const faults = new AppFaults(webhookFaultsSchema.parse(input));
    this.faults.set(clientId, faults);
    return faults.describe(clientId);
  }

  listFaults(clientId?: string): WebhookFaultsState[] {
    return [...this.faults]
      .filter(([id]) => clientId === undefined || id === clientId)
      .map(([id, faults]) => faults.describe(id));
  }

  clearFaults(clientId?: string): void {
    if (clientId === undefined) this.faults.clear();
    else this.faults.delete(clientId);
  }

  // Queueing --------------------------------------------------------------------------------------------

  /**
   * Rules are consulted in the order drop, duplicate, delay, reorder: a dropped event is offered to no other
   * rule, and a delayed event is not also reordered (it is usually overtaken anyway).
   */
  private enqueue(app: RegisteredApp, event: WebhookEvent): void {
    const queue = this.queueFor(app.clientId);
    const item: Queued = { event, fault: null, duplicate: false };
    const faults = this.faults.get(app.clientId);
    if (faults) {
      if (faults.take('drop', event)) {
        this.recordDrop(app, event);
        return;
      }
      item.duplicate = faults.take('duplicate', event);
      const delay = faults.rules.delay;
      if (delay && faults.take('delay', event)) {
        item.fault = 'delay';
        queue.delayed += 1;
        this.later(delay.ms, () => {
          queue.delayed -= 1;
          if (!queue.dead) this.admit(app.clientId, queue, item);
        });
        return;
      }
      const reorder = faults.rules.reorder;
      if (reorder && faults.take('reorder', event)) {
        item.fault = 'reorder';
        const held: Held = {
          item,
          remaining: reorder.by ?? 1,
          timer: this.later(reorder.maxHoldMs ?? DEFAULT_REORDER_HOLD_MS, () =>
            this.release(app.clientId, queue, held),
          ),
        };
        queue.held.push(held);
        return;
      }
    }
    this.admit(app.clientId, queue, item);
  }

  /** Queues an event; events held for reordering let it go first and follow it once `by` have passed. */
  private admit(clientId: string, queue: AppQueue, item: Queued): void {
    queue.events.push(item);
    for (const held of [...queue.held]) {
      held.remaining -= 1;
      if (held.remaining <= 0) this.release(clientId, queue, held);
    }
    if (!queue.busy && queue.timer === null) this.schedule(clientId, queue, this.settings().batchWindowMs);
  }

  private release(clientId: string, queue: AppQueue, held: Held): void {
    const index = queue.held.indexOf(held);
    if (index === -1 || queue.dead) return;
    queue.held.splice(index, 1);
    this.cancel(held.timer);
    queue.events.push(held.item);
    if (!queue.busy && queue.timer === null) this.schedule(clientId, queue, this.settings().batchWindowMs);
  }

  private recordDrop(app: RegisteredApp, event: WebhookEvent): void {
    this.record({
      deliveryId: uuid(),
      clientId: app.clientId,
      url: app.webhookUrl ?? '',
      attempt: 0,
      at: new Date(this.clock.now()).toISOString(),
      eventIds: [event.eventId],
      events: [describeEvent({ event, fault: 'drop', duplicate: false })],
      faults: ['drop'],
      realmId: event.realmId,
      status: null,
      error: 'dropped by webhook fault: never delivered, never retried',
      delivered: false,
      nextRetryMs: null,
    });
    this.notifyIdle();
  }

  private queueFor(clientId: string): AppQueue {
    let queue = this.queues.get(clientId);
    if (!queue) {
      queue = { events: [], busy: false, attempt: 0, timer: null, held: [], delayed: 0, dead: false };
      this.queues.set(clientId, queue);
    }
    return queue;
  }

  private schedule(clientId: string, queue: AppQueue, delayMs: number): void {
    if (this.closed || queue.dead) return;
    queue.timer = this.later(delayMs, () => {
      queue.timer = null;
      void this.pump(clientId, queue);
    });
  }

  /** Timers are unref'd and tracked so that reset() and close() can clear every one of them. */
  private later(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private async pump(clientId: string, queue: AppQueue): Promise<void> {
    if (queue.dead) return;
    const app = this.apps.get(clientId);
    if (!app?.webhookUrl || queue.events.length === 0 || this.closed) {
      if (!app?.webhookUrl) queue.events = [];
      this.notifyIdle();
      return;
    }
    queue.busy = true;
    const settings = this.settings();
    const head = queue.events[0]!;
    const batch: Queued[] = [];
    for (const item of queue.events) {
      if (item.event.realmId !== head.event.realmId || batch.length >= settings.maxEventsPerDelivery) break;
      batch.push(item);
    }
    queue.attempt += 1;
    const record = await this.deliver(app, batch, queue.attempt);
    queue.busy = false;
    // reset() or close() ran while the request was out: its retry would outlive them.
    if (queue.dead) return;
    if (record.delivered) {
      queue.events.splice(0, batch.length);
      queue.attempt = 0;
      for (const item of batch) {
        if (item.duplicate) queue.events.push({ event: item.event, fault: 'duplicate', duplicate: false });
      }
      if (queue.events.length > 0) this.schedule(clientId, queue, 0);
      else this.notifyIdle();
      return;
    }
    if (settings.maxAttempts !== null && queue.attempt >= settings.maxAttempts) {
      this.logger('warn', 'webhook events dropped after the last attempt', {
        clientId,
        events: batch.length,
      });
      queue.events.splice(0, batch.length);
      queue.attempt = 0;
      if (queue.events.length > 0) this.schedule(clientId, queue, 0);
      else this.notifyIdle();
      return;
    }
    const schedule = settings.retryScheduleMs;
    const base = schedule[Math.min(queue.attempt - 1, schedule.length - 1)] ?? 0;
    const delay = Math.round(base * settings.retryTimeScale);
    record.nextRetryMs = delay;
    this.schedule(clientId, queue, delay);
  }

  private async deliver(app: RegisteredApp, batch: Queued[], attempt: number): Promise<DeliveryRecord> {
    const url = app.webhookUrl ?? '';
    const events = batch.map((item) => item.event);
    const body = app.webhookFormat === 'legacy' ? legacyBody(events) : cloudEventsBody(app, events);
    const signature = createHmac('sha256', app.verifierToken).update(body).digest('base64');
    const faults = [...new Set(batch.flatMap((item) => (item.fault ? [item.fault] : [])))];
    const record: DeliveryRecord = {
      deliveryId: uuid(),
      clientId: app.clientId,
      url,
      attempt,
      at: new Date(this.clock.now()).toISOString(),
      eventIds: events.map((e) => e.eventId),
      events: batch.map(describeEvent),
      faults,
      realmId: events[0]?.realmId ?? '',
      status: null,
      error: null,
      delivered: false,
      nextRetryMs: null,
    };
    this.record(record);
    const controller = new AbortController();
    this.inFlight.add(controller);
    // Endpoints must answer 200 within 3 s or the delivery counts as failed (§7.5).
    const timer = this.later(this.settings().timeoutMs, () => controller.abort(new Error('timeout')));
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'intuit-signature': signature,
          'user-agent': 'Intuit-Webhooks-Sandbox',
        },
        body,
        signal: controller.signal,
      });
      record.status = response.status;
      record.delivered = response.status >= 200 && response.status < 300;
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      record.error =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
    } finally {
      this.cancel(timer);
      this.inFlight.delete(controller);
    }
    return record;
  }

  private record(record: DeliveryRecord): void {
    this.deliveries.push(record);
    if (this.deliveries.length > MAX_DELIVERY_RECORDS)
      this.deliveries.splice(0, this.deliveries.length - MAX_DELIVERY_RECORDS);
  }

  listDeliveries(clientId?: string): DeliveryRecord[] {
    return this.deliveries
      .filter((d) => clientId === undefined || d.clientId === clientId)
      .map((d) => structuredClone(d));
  }

  /** Events not yet delivered: queued, held for reordering or waiting out a delay. */
  pending(): number {
    let count = 0;
    for (const queue of this.queues.values())
      count += queue.events.length + queue.held.length + queue.delayed;
    return count;
  }

  /** Resolves once every queue is empty, held and delayed events included (or after timeoutMs, false). */
  async drain(timeoutMs = 5000): Promise<boolean> {
    if (this.isIdle()) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  private isIdle(): boolean {
    for (const queue of this.queues.values()) {
      if (queue.events.length > 0 || queue.busy || queue.held.length > 0 || queue.delayed > 0) return false;
    }
    return true;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Stops every queue, timer and request; a delivery in flight finds its queue dead and stops there. */
  private stopAll(reason: string): void {
    for (const queue of this.queues.values()) queue.dead = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort(new Error(reason));
    this.queues.clear();
  }

  reset(): void {
    this.stopAll('sandbox reset');
    this.deliveries.length = 0;
    this.faults.clear();
    this.notifyIdle();
  }

  close(): void {
    this.closed = true;
    this.stopAll('sandbox closed');
    this.notifyIdle();
  }
}

function describeEvent(item: Queued): DeliveredEvent {
  const { event } = item;
  return {
    eventId: event.eventId,
    entity: event.entity,
    id: event.id,
    operation: event.operation,
    fault: item.fault,
  };
}

function cloudEventsBody(app: RegisteredApp, events: WebhookEvent[]): string {
  const source = `intuit.${createHash('sha256').update(app.appId).digest('base64')}`;
  return JSON.stringify(
    events.map((event) => ({
      specversion: '1.0',
      id: event.eventId,
      source,
      type: `qbo.${event.entity.toLowerCase()}.${PAST_TENSE[event.operation]}.v1`,
      datacontenttype: 'application/json',
      time: new Date(event.at).toISOString(),
      intuitentityid: event.id,
      intuitaccountid: event.realmId,
      data: {},
    })),
  );
}

/** The pre-2026 `eventNotifications` payload (§7.2); one realm per delivery. */
function legacyBody(events: WebhookEvent[]): string {
  return JSON.stringify({
    eventNotifications: [
      {
        realmId: events[0]?.realmId ?? '',
        dataChangeEvent: {
          entities: events.map((event) => ({
            name: event.entity,
            id: event.id,
            operation: event.operation,
            lastUpdated: new Date(event.at).toISOString(),
          })),
        },
      },
    ],
  });
}
