import { createHash } from 'node:crypto';
import type { PlatformBillTo } from './platform-invoice.js';

/** "Max 500 chars" for DisplayName (Customer reference, §6.2). */
export const DISPLAY_NAME_MAX_LENGTH = 500;
/** "The RequestID can have a maximum of 50 characters" outside a batch (§3.7). */
const REQUEST_ID_MAX_LENGTH = 50;

/**
 * A name compared the way QuickBooks' 6240 check is believed to compare it: case-insensitive, trimmed,
 * inner whitespace collapsed (§6.2, the exact rule is unconfirmed; the emulator's default). NFC first, so
 * a composed and a decomposed "é" are one name.
 */
export function normaliseName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

export function normaliseEmail(email: string | null | undefined): string | undefined {
  const trimmed = email?.trim().toLowerCase();
  return trimmed ? trimmed : undefined;
}

/** The party's key in `quickbooks_customer_links`: e-mail if present, else the normalised name. */
export function platformKeyOf(billTo: PlatformBillTo): string {
  const email = normaliseEmail(billTo.email);
  return email ? `email:${email}` : `name:${normaliseName(billTo.name)}`;
}

/**
 * The DisplayName we send: ":" , tab and newline are refused by QuickBooks (§6.2), so they become spaces;
 * `ordinal` ≥ 2 appends " (n)" for a name already taken by someone else, keeping it within 500 characters.
 */
export function displayNameFor(name: string, ordinal = 1): string {
  const base = name
    .normalize('NFC')
    .replace(/[:\t\r\n]/gu, ' ')
    .trim()
    .replace(/\s+/gu, ' ');
  const suffix = ordinal > 1 ? ` (${ordinal})` : '';
  return `${[...base].slice(0, DISPLAY_NAME_MAX_LENGTH - suffix.length).join('')}${suffix}`;
}

/**
 * The create's requestid: the same party in the same company always gets the same id for the same
 * DisplayName attempt, so a resend after a crash is a replay, not a second customer. Hashed because the
 * inputs are unbounded and QuickBooks takes at most 50 characters.
 */
export function createRequestIdFor(
  tenantId: string,
  realmId: string,
  platformKey: string,
  ordinal: number,
): string {
  const digest = createHash('sha256')
    .update([tenantId, realmId, platformKey, String(ordinal)].join('\u0000'))
    .digest('base64url');
  return `cust-${digest}`.slice(0, REQUEST_ID_MAX_LENGTH);
}

/**
 * A query string literal for a value, or the longest prefix of it that can be one. QuickBooks' query
 * lexer refuses characters above U+00FF inside a literal with 4000 (observed for U+2019, U+2013, U+0142;
 * sandbox `query.stringLiteralCharacters`), and a backslash's own escaping is undocumented, so both end the
 * usable prefix.
 */
export function queryableLiteral(value: string): { literal: string; complete: boolean } {
  let prefix = '';
  for (const char of value) {
    if (char.codePointAt(0)! > 0xff || char === '\\') return { literal: escape(prefix), complete: false };
    prefix += char;
  }
  return { literal: escape(prefix), complete: true };
}

function escape(value: string): string {
  // Quotes in string literals are escaped with a backslash (§3.4).
  return value.replace(/'/gu, "\\'");
}

export interface CustomerCandidate {
  Id: string;
  DisplayName?: unknown;
  PrimaryEmailAddr?: unknown;
  Active?: unknown;
}

export function emailOf(candidate: CustomerCandidate): string | undefined {
  const address = (candidate.PrimaryEmailAddr as { Address?: unknown } | undefined)?.Address;
  return typeof address === 'string' ? normaliseEmail(address) : undefined;
}

/**
 * Whether a QuickBooks customer with the bill-to's DisplayName is that party: the names match once
 * normalised, and the e-mails do not contradict each other (equal, or missing on one side). A customer
 * with the same name and another e-mail is someone else, so the party gets "Name (2)" instead.
 */
export function isSameParty(
  candidate: CustomerCandidate,
  displayName: string,
  email: string | undefined,
): boolean {
  if (typeof candidate.DisplayName !== 'string') return false;
  if (normaliseName(candidate.DisplayName) !== normaliseName(displayName)) return false;
  const theirs = emailOf(candidate);
  return theirs === undefined || email === undefined || theirs === email;
}
