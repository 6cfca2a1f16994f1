/**
 * Caller authentication at the gateway with Hive Gateway's JWT plugin: where the token is found, which
 * keys and algorithms verify it, and the one rule the plugin has no option for (`exp` is required).
 * Each subgraph verifies the forwarded token again; the gateway only refuses bad tokens early.
 */
import {
  createInlineSigningKeyProvider,
  createRemoteJwksSigningKeyProvider,
  type ExtractTokenFunction,
  type GatewayPlugin,
  type JWTAuthPluginOptions,
} from '@graphql-hive/gateway';
import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyResult } from 'jose';
// @ts-expect-error TS5097: Node's type stripping runs this folder and needs the real extension.
import { invalidToken } from './errors.ts';
import type { GatewaySettings } from './settings.ts';

/** Three base64url segments: anything else is refused before a JWT library parses it. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * `Authorization: Bearer <jwt>`, the scheme matched case-insensitively (RFC 6750 section 2.1 via RFC 7235:
 * auth schemes are case-insensitive; the subgraph accepts `bearer` too). A header with another scheme or
 * a value that is not a JWT is refused as UNAUTHENTICATED; no header at all lets the request through so
 * public fields (and `{ __typename }`) stay reachable and protected fields answer UNAUTHENTICATED.
 */
export function bearerToken(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value.trim());
  if (!match?.[1] || !JWT_SHAPE.test(match[1])) throw invalidToken();
  return match[1];
}

const fromAuthorizationHeader: ExtractTokenFunction = ({ request }) => {
  const token = bearerToken(request?.headers.get('authorization'));
  return token ? { prefix: 'Bearer', token } : undefined;
};

/** graphql-ws clients send the same value as connection params: `{ authorization: 'Bearer <jwt>' }`. */
function connectionParamsAuthorization(context: unknown): string | undefined {
  const params = (context as { connectionParams?: Record<string, unknown> } | undefined)?.connectionParams;
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' ? value : undefined;
}

/**
 * A graphql-ws connection's credentials, where the JWT plugin looks for them on each of its operations:
 * the WebSocket upgrade request's Authorization header first, then the connection params.
 */
export function connectionAuthorization(
  upgradeHeader: string | undefined,
  connectionParams: Record<string, unknown> | undefined,
): string | undefined {
  return upgradeHeader ?? connectionParamsAuthorization({ connectionParams });
}

const fromConnectionParams: ExtractTokenFunction = ({ serverContext }) => {
  const token = bearerToken(connectionParamsAuthorization(serverContext));
  return token ? { prefix: 'Bearer', token } : undefined;
};

export function jwtOptions(auth: GatewaySettings['auth']): JWTAuthPluginOptions {
  return {
    signingKeyProviders: [
      auth.key.kind === 'jwks'
        ? createRemoteJwksSigningKeyProvider({ jwksUri: auth.key.jwksUrl })
        : createInlineSigningKeyProvider(auth.key.secret),
    ],
    tokenLookupLocations: [fromAuthorizationHeader, fromConnectionParams],
    tokenVerification: { algorithms: auth.algorithms, issuer: auth.issuer, audience: auth.audience },
    reject: { missingToken: false, invalidToken: true },
    // The plugin would copy the decoded claims into every subgraph request's `extensions.jwt`, where Hive
    // Gateway's error reports quote them back (issue 8). The subgraphs verify the token themselves.
    forward: { payload: false, token: false },
  };
}

/**
 * Refuses a verified token without `exp`: it would be a credential that never lapses. jsonwebtoken (the
 * JWT plugin's verifier) checks `exp` only when present, and has no option to require it; the subgraph
 * requires it too (jose `requiredClaims`). Runs after the JWT plugin has put the claims on the context.
 */
export const requireTokenExpiry: GatewayPlugin = {
  onContextBuilding({ context }) {
    const payload = (context as { jwt?: { payload?: { exp?: unknown } } }).jwt?.payload;
    if (payload && typeof payload.exp !== 'number') throw invalidToken();
  },
};

/** The token could not be checked (a JWKS that cannot be fetched): not the caller's fault. */
export class TokenVerificationUnavailableError extends Error {
  readonly retryable = true;

  constructor(options: { cause: unknown }) {
    super('The signing keys needed to verify the token are unavailable', options);
    this.name = 'TokenVerificationUnavailableError';
  }
}

/** jose's codes for a key set that could not be fetched or read, as opposed to a token that fails. */
const KEY_SET_FAILURES = new Set([joseErrors.JWKSTimeout.code, joseErrors.JWKSInvalid.code]);

/**
 * Verifies a graphql-ws connection's token once, at connection_init, by the JWT plugin's rules (the same
 * key, algorithms, issuer and audience) and `exp` required, as requireTokenExpiry does for each request.
 * The JWT plugin verifies per operation and has no hook at connection_init, where a socket without a valid
 * token must be refused before it is acknowledged; jose is the subgraph's verifier too.
 *
 * Resolves with when the token expires (ms since the epoch), or undefined for any token that fails;
 * rejects with TokenVerificationUnavailableError when the keys cannot be had.
 */
export function createConnectionTokenVerifier(
  auth: GatewaySettings['auth'],
): (token: string) => Promise<number | undefined> {
  const options = {
    algorithms: auth.algorithms,
    issuer: auth.issuer,
    audience: auth.audience,
    requiredClaims: ['exp'],
  };
  let verify: (token: string) => Promise<JWTVerifyResult>;
  if (auth.key.kind === 'jwks') {
    const keySet = createRemoteJWKSet(new URL(auth.key.jwksUrl));
    verify = (token) => jwtVerify(token, keySet, options);
  } else {
    const secret = new TextEncoder().encode(auth.key.secret);
    verify = (token) => jwtVerify(token, secret, options);
  }
  return async (token) => {
    try {
      const { payload } = await verify(token);
      return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError && !KEY_SET_FAILURES.has(error.code)) return undefined;
      // A fetch of the key set that failed (network) is a plain TypeError, not a JOSEError.
      throw new TokenVerificationUnavailableError({ cause: error });
    }
  };
}

/**
 * A subscription needs a caller: the subgraph refuses a graphql-ws connection without a valid token (close
 * 4403), which Hive Gateway's upstream client retries for about 40 s before failing with an internal
 * error. Refused here at once instead, with the same UNAUTHENTICATED a query's protected field gets.
 */
export const subscriptionsNeedAToken: GatewayPlugin = {
  onSubscribe({ args }) {
    if (!(args.contextValue as { jwt?: unknown }).jwt) {
      throw new GraphQLError('Authentication required: send a valid bearer token', {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      });
    }
  },
};

/**
 * The caller's token for the subgraphs, from the header or, for the entity fetches a graphql-ws client's
 * event triggers, from its connection params; always spelt `Bearer <jwt>`.
 */
export function authorizationForSubgraphs(request: Request, context: unknown): Record<string, string> {
  const value = request.headers.get('authorization') ?? connectionParamsAuthorization(context);
  const token = value === undefined || value === null ? undefined : bearerToken(value);
  return token ? { authorization: `Bearer ${token}` } : {};
}
