import type { Redis } from 'ioredis';
import { STATE_LIFETIME_SECONDS } from './oauth-state.js';

/** What the server remembers about one connect attempt; never sent to the browser. */
export interface PendingConnect {
  tenantId: string;
  userId: string;
  returnTo: string;
  /** PKCE verifier, when PKCE is on: it never leaves the server. */
  codeVerifier?: string;
  startedAt: string;
}

/**
 * Single-use nonces in Redis: SET with the state's lifetime, taken with GETDEL, so two callbacks carrying
 * the same state (a double click, a replay) cannot both proceed. Redis rather than MongoDB because
 * FerretDB has no TTL indexes and these records must vanish on their own.
 */
export function createStateStore(redis: Redis, prefix: string) {
  const keyOf = (nonce: string) => `${prefix}:qbo-oauth-state:${nonce}`;
  return {
    async put(nonce: string, pending: PendingConnect): Promise<void> {
      const stored = await redis.set(
        keyOf(nonce),
        JSON.stringify(pending),
        'EX',
        STATE_LIFETIME_SECONDS,
        'NX',
      );
      if (stored !== 'OK') throw new Error('OAuth state nonce collision');
    },
    /** The record, once; undefined when it was used, expired, or never existed. */
    async take(nonce: string): Promise<PendingConnect | undefined> {
      const raw = await redis.getdel(keyOf(nonce));
      return raw === null ? undefined : (JSON.parse(raw) as PendingConnect);
    },
  };
}

export type StateStore = ReturnType<typeof createStateStore>;
