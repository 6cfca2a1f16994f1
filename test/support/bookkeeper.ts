import { randomUUID } from 'node:crypto';
import type { Sandbox } from '../../sandbox/src/index.js';

/**
 * A person working in QuickBooks itself (recording a payment, editing a payment) while the product runs:
 * over the emulator's HTTP API in a session of their own app. Intuit's limits are per realm and app, so
 * their requests are never counted against the product's app, as with a real bookkeeper.
 */
export class Bookkeeper {
  private clientId: string | undefined;

  constructor(private readonly sandbox: Sandbox) {}

  /** POST `/<entity>` of the realm with a fresh requestid; the entity QuickBooks answers, or an Error. */
  async write<T extends { Id: string; SyncToken: string }>(
    realmId: string,
    entity: 'Payment',
    body: Record<string, unknown>,
  ): Promise<T> {
    this.clientId ??= this.sandbox.control.registerApp({ name: 'QuickBooks web (the bookkeeper)' }).clientId;
    const { access_token: token } = this.sandbox.control.issueTokens({ realmId, clientId: this.clientId });
    const response = await fetch(
      `${this.sandbox.url}/v3/company/${realmId}/${entity.toLowerCase()}?requestid=${randomUUID()}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
      },
    );
    const json = (await response.json()) as Record<string, T | undefined>;
    const written = json[entity];
    if (!response.ok || !written)
      throw new Error(`QuickBooks answered ${response.status}: ${JSON.stringify(json)}`);
    return written;
  }
}
