/**
 * Where the browser goes after the callback. Only absolute http(s) URLs on an allowed origin are accepted,
 * so the callback cannot be turned into an open redirect (`//evil.example`, `javascript:`, `https:evil`,
 * and backslash tricks all fail the URL parse or the origin check).
 */
export type ReturnToCheck = { ok: true; url: string } | { ok: false; reason: string };

export function checkReturnTo(value: string, allowedOrigins: readonly string[]): ReturnToCheck {
  if (value.length > 2048) return { ok: false, reason: 'returnTo is longer than 2048 characters' };
  if (/[\\\s]/.test(value)) return { ok: false, reason: 'returnTo must not contain spaces or backslashes' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'returnTo must be an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: 'returnTo must be an http or https URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'returnTo must not carry credentials' };
  if (!allowedOrigins.includes(url.origin)) {
    return { ok: false, reason: `returnTo's origin ${url.origin} is not allowed` };
  }
  return { ok: true, url: url.toString() };
}

/** The result travels as query parameters the settings page reads (`quickbooks=connected|error`). */
export function withOutcome(returnTo: string, outcome: Record<string, string>): string {
  const url = new URL(returnTo);
  for (const [name, value] of Object.entries(outcome)) url.searchParams.set(name, value);
  return url.toString();
}
