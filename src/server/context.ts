import type { Logger } from '../logger.js';
import { bearerToken, InvalidTokenError, type TokenVerifier } from '../auth/token-verifier.js';
import { createLoaders, type GraphQLContext, type Services } from '../resolvers/context.js';

export interface ContextFactory {
  /**
   * `longLived`: the context of a subscription, which graphql-js reuses for every event it delivers. Its
   * loaders still batch within an event but cache nothing, or an event would read what an earlier event
   * loaded (a payment list of minutes ago merged with today's).
   */
  (authorization: string | undefined, options?: { longLived?: boolean }): Promise<GraphQLContext>;
}

/**
 * Both transports (HTTP and graphql-ws) build their context here, so a subscription is authorized exactly
 * like a query. No credentials leaves the caller anonymous: resolvers that need a caller answer
 * UNAUTHENTICATED, while `_service` stays readable for composition tooling. Credentials that were sent
 * but do not verify (another scheme, a malformed, forged or expired token) set `authFailure`; each
 * transport then refuses the whole request (HTTP 401), as the gateway does.
 */
export function createContextFactory(
  verifier: TokenVerifier,
  services: Services,
  logger: Logger,
): ContextFactory {
  return async (authorization, options = {}) => {
    const base = { services, loaders: createLoaders(services, { cache: !options.longLived }), logger };
    if (authorization === undefined || authorization.trim() === '') return { ...base, viewer: null };
    const token = bearerToken(authorization);
    if (!token) {
      logger.info({ reason: 'not a bearer credential' }, 'rejected authorization header');
      return { ...base, viewer: null, authFailure: 'malformed authorization header' };
    }
    try {
      return { ...base, viewer: await verifier.verify(token), bearerToken: token };
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      logger.info({ reason: error.reason }, 'rejected bearer token');
      return { ...base, viewer: null, authFailure: error.reason };
    }
  };
}
