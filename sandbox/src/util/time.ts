/**
 * QuickBooks answers with company-local wall time plus offset ("2015-07-24T10:33:39.11-07:00", §3.1).
 * Realms carry a fixed UTC offset; daylight saving is not modelled.
 */
export function formatQboTime(ms: number, offsetMinutes: number, withMillis = true): string {
  const shifted = new Date(ms + offsetMinutes * 60_000).toISOString();
  const base = withMillis ? shifted.slice(0, 23) : shifted.slice(0, 19);
  return base + formatOffset(offsetMinutes);
}

export function formatQboDate(ms: number, offsetMinutes: number): string {
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hours = String(Math.floor(abs / 60)).padStart(2, '0');
  const minutes = String(abs % 60).padStart(2, '0');
  return `${sign}${hours}:${minutes}`;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function isDateOnly(value: string): boolean {
  return DATE_ONLY.test(value) && Number.isFinite(Date.parse(value));
}

export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Parses a QBO date or date-time; date-only values are read in the realm's offset. */
export function parseQboInstant(value: string, offsetMinutes: number): number {
  if (DATE_ONLY.test(value)) return Date.parse(`${value}T00:00:00Z`) - offsetMinutes * 60_000;
  return Date.parse(value);
}
