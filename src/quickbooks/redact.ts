/**
 * Intuit echoes credentials back in error text: a 401/3200 carries `Token expired: <first 12 characters of
 * the access token>` (research note §5.3a), and Intuit's logs quoted by maintainers show `Refresh token not
 * found: AB11…` (§1.4). Error texts travel to logs, the sync log and GraphQL, so every string that came
 * from Intuit passes through here before it is stored on a QuickBooksError, and again when it is shown.
 */

/** Shorter runs are too likely to match ordinary text, and Intuit's echo is 12 characters. */
const MIN_ECHO_LENGTH = 8;
/**
 * Access tokens (JWTs, hundreds of characters), refresh tokens (`AB11…`, ~50) and client secrets (40) are
 * long unbroken runs of base64/base64url characters; Intuit's messages are words, codes and UUIDs (36).
 */
const OPAQUE_RUN = /[A-Za-z0-9_\-.~+/=]{40,}/g;
const REDACTED = '[redacted]';

/**
 * Replaces every given secret, and every run of at least 8 characters that starts like one (Intuit echoes
 * prefixes), then whatever else looks like a credential (see scrubUnknownSecrets).
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_ECHO_LENGTH) continue;
    const head = secret.slice(0, MIN_ECHO_LENGTH);
    let from = 0;
    for (;;) {
      const start = result.indexOf(head, from);
      if (start === -1) break;
      let end = start + MIN_ECHO_LENGTH;
      while (end < result.length && end - start < secret.length && result[end] === secret[end - start]) end++;
      result = result.slice(0, start) + REDACTED + result.slice(end);
      from = start + REDACTED.length;
    }
  }
  return scrubUnknownSecrets(result);
}

/** For text whose credentials are not known here: Intuit's echo wording, and credential-shaped runs. */
export function scrubUnknownSecrets(text: string): string {
  return text
    .replace(/(Token expired:\s*)(?!\[redacted\])\S+/gi, `$1${REDACTED}`)
    .replace(OPAQUE_RUN, REDACTED);
}
