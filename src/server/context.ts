import type { Logger } from '../logger.js';
import { bearerToken, InvalidTokenError, type TokenVerifier } from '../auth/token-verifier.js';
import { createLoaders, type GraphQLContext, type Services } from '../resolvers/context.js';

export interface ContextFactory {
  (authorization: string | undefined): Promise<GraphQLContext>;
}

/**
 * Both transports (HTTP and graphql-ws) build their context here, so a subscription is authorized exactly
 * like a query. A bad token leaves the caller anonymous; resolvers that need a caller then answer
 * UNAUTHENTICATED, while `_service` stays readable for composition tooling.
 */
export function createContextFactory(
  verifier: TokenVerifier,
  services: Services,
  logger: Logger,
): ContextFactory {
  return async (authorization) => {
    const base = { services, loaders: createLoaders(services), logger };
    const token = bearerToken(authorization);
    if (!token) return { ...base, viewer: null };
    try {
      return { ...base, viewer: await verifier.verify(token) };
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      logger.info({ reason: error.reason }, 'rejected bearer token');
      return { ...base, viewer: null, authFailure: error.reason };
    }
  };
}
