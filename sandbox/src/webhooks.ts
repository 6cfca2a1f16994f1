import { createHash, createHmac } from 'node:crypto';
import type { ChangeEvent, ChangeOperation } from './api/service.js';
import type { AppRegistry, RegisteredApp } from './apps.js';
import type { Clock } from './clock.js';
import type { EntityName, Realm } from './company/realm.js';
import type { SandboxLogger } from './logger.js';
import type { WebhookSettings } from './settings.js';
import { uuid } from './util/ids.js';

export interface WebhookEvent {
  eventId: string;
  realmId: string;
  entity: string;
  id: string;
  operation: ChangeOperation | 'Merge' | 'Emailed';
  at: number;
}

export interface DeliveryRecord {
  deliveryId: string;
  clientId: string;
  url: string;
  attempt: number;
  at: string;
  eventIds: string[];
  realmId: string;
  /** HTTP status from the endpoint, or null when it did not answer (timeout, refused). */
  status: number | null;
  error: string | null;
  delivered: boolean;
  /** Retry scheduled after this many milliseconds (already scaled), or null. */
  nextRetryMs: number | null;
}

interface AppQueue {
  events: WebhookEvent[];
  busy: boolean;
  attempt: number;
  timer: NodeJS.Timeout | null;
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
 */
export class WebhookDispatcher {
  private readonly queues = new Map<string, AppQueue>();
  private readonly deliveries: DeliveryRecord[] = [];
  private readonly inFlight = new Set<AbortController>();
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

  private enqueue(app: RegisteredApp, event: WebhookEvent): void {
    const queue = this.queueFor(app.clientId);
    queue.events.push(event);
    if (!queue.busy && queue.timer === null)
      this.schedule(app.clientId, queue, this.settings().batchWindowMs);
  }

  private queueFor(clientId: string): AppQueue {
    let queue = this.queues.get(clientId);
    if (!queue) {
      queue = { events: [], busy: false, attempt: 0, timer: null };
      this.queues.set(clientId, queue);
    }
    return queue;
  }

  private schedule(clientId: string, queue: AppQueue, delayMs: number): void {
    if (this.closed) return;
    queue.timer = setTimeout(() => {
      queue.timer = null;
      void this.pump(clientId, queue);
    }, delayMs);
  }

  private async pump(clientId: string, queue: AppQueue): Promise<void> {
    const app = this.apps.get(clientId);
    if (!app?.webhookUrl || queue.events.length === 0 || this.closed) {
      if (!app?.webhookUrl) queue.events = [];
      this.notifyIdle();
      return;
    }
    queue.busy = true;
    const settings = this.settings();
    const head = queue.events[0]!;
    const batch = [];
    for (const event of queue.events) {
      if (event.realmId !== head.realmId || batch.length >= settings.maxEventsPerDelivery) break;
      batch.push(event);
    }
    queue.attempt += 1;
    const record = await this.deliver(app, batch, queue.attempt);
    queue.busy = false;
    if (record.delivered) {
      queue.events.splice(0, batch.length);
      queue.attempt = 0;
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

  private async deliver(
    app: RegisteredApp,
    events: WebhookEvent[],
    attempt: number,
  ): Promise<DeliveryRecord> {
    const url = app.webhookUrl ?? '';
    const body = app.webhookFormat === 'legacy' ? legacyBody(events) : cloudEventsBody(app, events);
    const signature = createHmac('sha256', app.verifierToken).update(body).digest('base64');
    const record: DeliveryRecord = {
      deliveryId: uuid(),
      clientId: app.clientId,
      url,
      attempt,
      at: new Date(this.clock.now()).toISOString(),
      eventIds: events.map((e) => e.eventId),
      realmId: events[0]?.realmId ?? '',
      status: null,
      error: null,
      delivered: false,
      nextRetryMs: null,
    };
    this.deliveries.push(record);
    if (this.deliveries.length > 1000) this.deliveries.splice(0, this.deliveries.length - 1000);
    const controller = new AbortController();
    this.inFlight.add(controller);
    // Endpoints must answer 200 within 3 s or the delivery counts as failed (§7.5).
    const timer = setTimeout(() => controller.abort(new Error('timeout')), this.settings().timeoutMs);
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
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
    return record;
  }

  listDeliveries(clientId?: string): DeliveryRecord[] {
    return this.deliveries
      .filter((d) => clientId === undefined || d.clientId === clientId)
      .map((d) => ({ ...d }));
  }

  pending(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.events.length;
    return count;
  }

  /** Resolves once every queue is empty (or after timeoutMs, resolving false). */
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
    for (const queue of this.queues.values()) if (queue.events.length > 0 || queue.busy) return false;
    return true;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  reset(): void {
    for (const queue of this.queues.values()) if (queue.timer) clearTimeout(queue.timer);
    this.queues.clear();
    this.deliveries.length = 0;
    this.notifyIdle();
  }

  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) if (queue.timer) clearTimeout(queue.timer);
    for (const controller of this.inFlight) controller.abort(new Error('sandbox closed'));
    this.queues.clear();
    this.notifyIdle();
  }
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
