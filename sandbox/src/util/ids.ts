import { randomBytes, randomUUID } from 'node:crypto';

/** intuit_tid values look like `1-66a1f2c3-5f0e3b0a6b7c8d9e0f1a2b3c` in captured headers. */
export function newIntuitTid(nowMs: number): string {
  return `1-${Math.floor(nowMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

export function randomToken(prefix: string, bytes: number): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

export function uuid(): string {
  return randomUUID();
}
