import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Every path that can carry a credential, configured once. Tokens reach logs through request headers,
 * graphql-ws connection params, Intuit token responses and our own connection documents.
 */
export const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'connectionParams',
  '*.connectionParams',
  'access_token',
  'refresh_token',
  'id_token',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  '*.accessTokenCipher',
  '*.refreshTokenCipher',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'token',
  '*.token',
  'password',
  '*.password',
  // HTTP-client errors (axios in intuit-oauth, undici's fetch causes) carry the request that failed: its
  // headers hold the bearer token or Basic client credentials, its body the refresh token or code, and the
  // response body the new tokens. Whole objects are censored: a form body cannot be redacted in part.
  '*.headers.authorization',
  '*.headers.Authorization',
  'err.config',
  'err.request',
  'err.response',
  'err.headers',
  'err.body',
  'err.data',
  'err.cause.config',
  'err.cause.request',
  'err.cause.response',
  'err.cause.headers',
  'err.cause.body',
  'err.authResponse',
  'err.cause.authResponse',
  'error.config',
  'error.request',
  'error.response',
  'error.authResponse',
];

export function createLogger(
  options: { level: string; name: string },
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { service: 'quickbooks-subgraph', process: options.name },
    },
    destination,
  );
}
