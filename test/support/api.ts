import { GraphQLClient } from 'graphql-request';
import { startApi, type RunningApi } from '../../src/api.js';
import type { TokenClaims } from '../../src/auth/dev-tokens.js';
import type { Config } from '../../src/config.js';
import { silentLogger, testConfig, tokenFor } from './harness.js';

export interface TestApi extends RunningApi {
  config: Config;
  /** A graphql-request client; with claims, it sends a bearer token signed for them. */
  client(claims?: TokenClaims): Promise<GraphQLClient>;
}

export async function startTestApi(overrides: Record<string, string> = {}): Promise<TestApi> {
  const config = testConfig(overrides);
  const api = await startApi(config, silentLogger());
  return {
    ...api,
    config,
    async client(claims) {
      const headers: Record<string, string> = claims
        ? { authorization: `Bearer ${await tokenFor(claims)}` }
        : {};
      return new GraphQLClient(api.url, { headers });
    },
  };
}
