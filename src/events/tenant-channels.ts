import { Repeater, SlidingBuffer } from '@graphql-yoga/subscription';
import type { Redis } from 'ioredis';

/**
 * Events a subscriber may fall behind by before the oldest are dropped. A socket that stops reading holds
 * back graphql-ws's sends, and without a bound each of its subscriptions would buffer a busy tenant's
 * events forever. Redis delivers a burst (a bulk sync queues hundreds of invoices at once) in one tick,
 * before any subscriber can pull, so the bound must hold a whole burst. It is cheap: every subscriber
 * buffers references to the same parsed events, so the cost is a pointer per event per subscriber.
 */
const EVENTS_BUFFERED_PER_SUBSCRIBER = 1000;

type Listener = (message: string) => void;

/**
 * Redis channels counted by listener: SUBSCRIBE when a channel's first listener arrives, UNSUBSCRIBE when
 * its last one leaves, so N subscriptions of one tenant cost one channel and closing them leaves none.
 *
 * @graphql-yoga/redis-event-target counts the same way but drops ioredis' promises: a SUBSCRIBE that fails
 * (Redis away past the retry limit, or a command timeout) becomes an unhandled rejection, which ends a
 * Node process. Here it fails only the subscription that asked, and a listener that throws cannot stop
 * delivery to the others.
 */
export class ChannelListeners {
  private readonly channels = new Map<string, { listeners: Set<Listener>; subscribed: Promise<unknown> }>();

  constructor(private readonly client: Redis) {
    client.on('message', (channel: string, message: string) => this.dispatch(channel, message));
  }

  /** Resolves once Redis confirms the channel, so events published after it are delivered. */
  async add(channel: string, listener: Listener): Promise<void> {
    let entry = this.channels.get(channel);
    if (!entry) {
      const subscribed = this.client.subscribe(channel);
      subscribed.catch(() => undefined); // awaited below by every listener of this attempt
      entry = { listeners: new Set(), subscribed };
      this.channels.set(channel, entry);
    }
    entry.listeners.add(listener);
    try {
      await entry.subscribed;
    } catch (error) {
      this.remove(channel, listener);
      throw error;
    }
  }

  remove(channel: string, listener: Listener): void {
    const entry = this.channels.get(channel);
    if (!entry || !entry.listeners.delete(listener) || entry.listeners.size > 0) return;
    this.channels.delete(channel);
    // Commands on one connection run in order, so a SUBSCRIBE for a newcomer sent after this still wins.
    // If Redis is away, ioredis re-subscribes nothing it was told to drop; the failure needs no handling.
    this.client.unsubscribe(channel).catch(() => undefined);
  }

  private dispatch(channel: string, message: string): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    for (const listener of entry.listeners) {
      try {
        listener(message);
      } catch {
        // One subscriber's failure must not cost the others their event.
      }
    }
  }
}

/** Typed events of one topic on per-tenant Redis channels (`<prefix>:<topic>:<tenantId>`). */
export interface TenantEvents<TEvent extends { tenantId: string }> {
  /** Resolves once Redis has taken the message. */
  publish(event: TEvent): Promise<void>;
  /**
   * Every event of `tenants` that `accept` lets through, until the iterator is returned. Events of other
   * tenants never reach this process's subscriber: they travel on other channels.
   */
  subscribe(tenants: readonly string[], accept?: (event: TEvent) => boolean): AsyncIterableIterator<TEvent>;
}

/**
 * Redis pub/sub, so an event raised in a worker process reaches subscribers connected to any API process.
 * The prefix namespaces deployments: pub/sub channels ignore key prefixes. `parse` turns a message back
 * into an event (and throws for anything that is not one: such messages are dropped).
 */
export function createTenantEvents<TEvent extends { tenantId: string }>(options: {
  publishClient: Redis;
  subscribeClient: Redis;
  prefix: string;
  topic: string;
  parse: (message: string) => TEvent;
}): TenantEvents<TEvent> {
  const channelOf = (tenant: string) => `${options.prefix}:${options.topic}:${tenant}`;
  let listeners: ChannelListeners | undefined;
  return {
    async publish(event) {
      await options.publishClient.publish(channelOf(event.tenantId), JSON.stringify(event));
    },
    subscribe(tenants, accept = () => true) {
      // Created on first use, one per connection whatever the topic: publishing processes (workers) never
      // put their client in subscriber mode.
      listeners ??= channelListeners(options.subscribeClient);
      const registry = listeners;
      const channels = [...new Set(tenants)].map(channelOf);
      return new Repeater<TEvent>(async (push, stop) => {
        const listener: Listener = (message) => {
          let event: TEvent;
          try {
            event = options.parse(message);
          } catch {
            return; // not ours: nothing else publishes on these channels in a healthy deployment
          }
          if (accept(event)) void push(event);
        };
        try {
          await Promise.all(channels.map((channel) => registry.add(channel, listener)));
          await stop;
        } finally {
          for (const channel of channels) registry.remove(channel, listener);
        }
      }, new SlidingBuffer(EVENTS_BUFFERED_PER_SUBSCRIBER));
    },
  };
}

const registries = new WeakMap<Redis, ChannelListeners>();

/** One listener registry per subscriber connection: ioredis emits every channel's messages on it. */
export function channelListeners(client: Redis): ChannelListeners {
  let registry = registries.get(client);
  if (!registry) {
    registry = new ChannelListeners(client);
    registries.set(client, registry);
  }
  return registry;
}
