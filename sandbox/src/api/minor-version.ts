import { Faults } from '../errors.js';
import type { ApiSettings } from '../settings.js';

/** The newest minor version the emulator answers as; nothing above 75 was required as of the note (§3.2). */
export const LATEST_MINOR_VERSION = 75;

/**
 * "Beginning August 1, 2025 … all API requests … will use the minor version 75 by default and previous minor
 * versions will be ignored" (Intuit blog 2025-01-21, §3.2): absent, and 1-74, answer as 75. A value that is
 * not a positive integer ("abc", "75.1", "0") is refused by default: what Intuit does with it is
 * UNCONFIRMED, and a client that sends garbage there should learn it here rather than in production.
 */
export function effectiveMinorVersion(raw: string | undefined, settings: ApiSettings): number {
  if (raw === undefined || raw === '') return settings.defaultMinorVersion;
  if (!/^[1-9][0-9]{0,3}$/.test(raw)) {
    if (settings.malformedMinorVersion === 'ignore') return settings.defaultMinorVersion;
    throw Faults.invalidMinorVersion(raw);
  }
  return Math.min(Math.max(Number(raw), settings.defaultMinorVersion), LATEST_MINOR_VERSION);
}
