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

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Strict ISO-8601 for request parameters such as CDC's `changedSince`: `yyyy-MM-dd` (company midnight),
 * or a date-time with optional seconds and fraction (beyond milliseconds ignored, as webhook `time` values
 * carry nanoseconds) and `Z`, `±hh:mm` or no offset (company wall time). NaN for anything else, including
 * a `+` offset that arrived as a space because the client did not URL-encode it.
 */
export function parseIsoInstant(value: string, offsetMinutes: number): number {
  const match = ISO_INSTANT.exec(value);
  if (!match) return Number.NaN;
  const [, date = '', hoursMinutes, seconds = '00', fraction = '', zone] = match;
  if (hoursMinutes === undefined) return isDateOnly(date) ? parseQboInstant(date, offsetMinutes) : Number.NaN;
  const wall = `${date}T${hoursMinutes}:${seconds}`;
  const local = Date.parse(`${wall}.${fraction.padEnd(3, '0').slice(0, 3)}Z`);
  // Date.parse rolls 2026-02-30 over to March: only a value that survives the round trip is a real instant.
  if (!Number.isFinite(local) || new Date(local).toISOString().slice(0, 19) !== wall) return Number.NaN;
  if (zone === undefined) return local - offsetMinutes * 60_000;
  if (zone === 'Z') return local;
  const digits = zone.slice(1).replace(':', '');
  const zoneMinutes =
    (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  return local - zoneMinutes * 60_000;
}
