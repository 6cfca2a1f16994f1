import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import { CONNECTION_CHANGED, type ConnectionChangedResult } from './connect-graphql.js';
import type { ConnectRig } from './connect-rig.js';
import { eventually, tokenFor } from './harness.js';

export interface ConnectionFeed {
  /** What arrived, in order: the connection as each event left it. */
  events: ConnectionChangedResult['quickbooksConnectionChanged'][];
  /** GraphQL errors of `next` messages. */
  errors: unknown[];
  /** Set when the operation was refused or the socket closed: graphql-ws's error value. */
  failure(): unknown;
  stop(): void;
}

/** A settings page following one customer's connection over graphql-ws, as `claims`' user. */
export class ConnectionFeeds {
  private readonly clients: Client[] = [];

  constructor(private readonly rig: () => ConnectRig) {}

  async follow(claims: TokenClaims, customerId: string): Promise<ConnectionFeed> {
    const token = await tokenFor(claims);
    const client = createClient({
      url: this.rig().api.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    this.clients.push(client);
    const feed = { events: [], errors: [] } as Pick<ConnectionFeed, 'events' | 'errors'>;
    let failure: unknown;
    const stop = client.subscribe<ConnectionChangedResult>(
      { query: CONNECTION_CHANGED, variables: { customerId } },
      {
        next: (result) => {
          if (result.data) feed.events.push(result.data.quickbooksConnectionChanged);
          if (result.errors) feed.errors.push(...result.errors);
        },
        error: (error) => void (failure = error),
        complete: () => undefined,
      },
    );
    return { ...feed, failure: () => failure, stop };
  }

  /**
   * Waits until an API process listens on the customer's Redis channel, so an event published after this
   * reaches the feed (pub/sub delivers only to those already subscribed).
   */
  async listening(customerId: string): Promise<void> {
    const rig = this.rig();
    const channel = `${rig.config.redis.prefix}:quickbooks-connection-changed:${customerId}`;
    await eventually(async () => {
      const [, count] = (await rig.redis.pubsub('NUMSUB', channel)) as [string, number];
      return count > 0 ? true : undefined;
    });
  }

  async waitFor(feed: ConnectionFeed, count: number): Promise<void> {
    await eventually(async () => (feed.events.length >= count ? true : undefined));
  }

  async disposeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.dispose()));
  }
}
