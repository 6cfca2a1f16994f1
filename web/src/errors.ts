import type { CombinedError } from 'urql';

/** A GraphQL failure as the panel shows it: the server's code (for tests and support) and words for people. */
export interface PanelError {
  code: string;
  message: string;
}

/** What each product error code means to the person in front of the panel. */
const WORDS: Record<string, string> = {
  UNAUTHENTICATED: 'Your sign-in has expired. Sign in again.',
  FORBIDDEN: 'Only an admin of this account can do that.',
  NOT_FOUND: 'That no longer exists.',
  QUICKBOOKS_NOT_CONNECTED: 'QuickBooks is not connected. Connect it first.',
  QUICKBOOKS_REAUTH_REQUIRED: 'QuickBooks needs you to reconnect before anything else can sync.',
  QUICKBOOKS_UNAVAILABLE: 'QuickBooks could not be reached just now. Try again in a minute.',
  HOST_UNAVAILABLE: 'Your invoices could not be read just now. Try again in a minute.',
  QUICKBOOKS_BACKFILL_RUNNING: 'A sync of existing invoices is already running.',
  RATE_LIMITED: 'Too many requests at once. Wait a moment and try again.',
};

export function panelError(error: CombinedError): PanelError {
  if (error.networkError && error.graphQLErrors.length === 0) {
    return {
      code: 'NETWORK',
      message: 'The server could not be reached. Check your connection and try again.',
    };
  }
  const first = error.graphQLErrors[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
  // BAD_USER_INPUT carries the server's own sentence naming the field and why; it is written for people.
  if (code === 'BAD_USER_INPUT' && first) return { code, message: first.message };
  return { code, message: WORDS[code] ?? first?.message ?? 'Something went wrong.' };
}
