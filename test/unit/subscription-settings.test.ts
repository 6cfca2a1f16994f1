import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = {
  MONGODB_URI: 'mongodb://127.0.0.1/x',
  REDIS_URL: 'redis://127.0.0.1',
  AUTH_JWT_SECRET: 'a-secret-that-is-at-least-thirty-two-chars',
};

describe('graphql-ws settings (SUBSCRIPTION_*)', () => {
  it('default to 100 operations per connection, 3 s to connection_init and 64 KiB messages', () => {
    expect(loadConfig(base).subscriptions).toEqual({
      maxPerConnection: 100,
      connectionInitTimeoutMs: 3000,
      maxMessageBytes: 65_536,
    });
  });

  it.each([
    ['SUBSCRIPTION_MAX_PER_CONNECTION', '0'],
    ['SUBSCRIPTION_INIT_TIMEOUT_MS', 'soon'],
    ['SUBSCRIPTION_MAX_MESSAGE_BYTES', '100'],
  ])('refuse %s=%s, naming the setting', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ ...base, [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
  });
});
