import { normaliseName, platformKeyOf } from '../../sync/customer-identity.js';
import type { PlatformBillTo } from '../../sync/platform-invoice.js';

/**
 * Customer names as QuickBooks Online's import takes them (Intuit's help, "Which contact fields are
 * imported": a name "cannot exceed 100 characters", "cannot include a tab, newline, colon (:) or quotation
 * mark (\")", and "must be unique between your contact lists"). Every change is reported, so an admin can
 * find the customer under its new name.
 */
export const IMPORT_NAME_MAX = 100;

export interface NameChange {
  original: string;
  written: string;
  reasons: string[];
}

/** The name with QuickBooks' refused characters replaced, cut to fit with the " (n)" a duplicate needs. */
export function importNameFor(name: string, ordinal = 1): { name: string; reasons: string[] } {
  const reasons: string[] = [];
  const replaced = name.normalize('NFC').replace(/[\t\r\n:"]/gu, ' ');
  if (replaced !== name.normalize('NFC'))
    reasons.push('a tab, newline, colon or quotation mark became a space');
  let collapsed = replaced.trim().replace(/\s+/gu, ' ');
  if (collapsed === '') {
    collapsed = 'Unnamed customer';
    reasons.push('nothing was left of the name');
  }
  const suffix = ordinal > 1 ? ` (${ordinal})` : '';
  const room = IMPORT_NAME_MAX - suffix.length;
  const characters = [...collapsed];
  if (characters.length > room) reasons.push(`cut to ${IMPORT_NAME_MAX} characters`);
  if (ordinal > 1) reasons.push('another customer already has this name');
  return { name: `${characters.slice(0, room).join('').trimEnd()}${suffix}`, reasons };
}

/**
 * Gives each platform party (the push's key: e-mail, else the normalised name) one import name, unique
 * across the export the way QuickBooks compares names (case and spacing ignored).
 */
export class ImportNames {
  private readonly byParty = new Map<string, string>();
  private readonly taken = new Set<string>();
  readonly changes: NameChange[] = [];

  nameOf(billTo: PlatformBillTo): string {
    const party = platformKeyOf(billTo);
    const known = this.byParty.get(party);
    if (known) return known;
    for (let ordinal = 1; ; ordinal += 1) {
      const { name, reasons } = importNameFor(billTo.name, ordinal);
      if (this.taken.has(normaliseName(name))) continue;
      this.taken.add(normaliseName(name));
      this.byParty.set(party, name);
      if (reasons.length > 0) this.changes.push({ original: billTo.name, written: name, reasons });
      return name;
    }
  }
}
