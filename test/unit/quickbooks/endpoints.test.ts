import { describe, expect, it } from '@jest/globals';
import { INTUIT_ENDPOINTS, emulatorEndpoints, endpointsFor } from '../../../src/quickbooks/endpoints.js';

describe('provider endpoints as data', () => {
  it("are Intuit's documented URLs for production and sandbox (research note §1.1)", () => {
    expect(INTUIT_ENDPOINTS.production).toEqual({
      environment: 'production',
      authorize: 'https://appcenter.intuit.com/connect/oauth2',
      token: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
      revoke: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
      userinfo: 'https://accounts.platform.intuit.com/v1/openid_connect/userinfo',
      jwks: 'https://oauth.platform.intuit.com/op/v1/jwks',
      discovery: 'https://developer.api.intuit.com/.well-known/openid_configuration',
      issuer: 'https://oauth.platform.intuit.com/op/v1',
      apiBaseUrl: 'https://quickbooks.api.intuit.com',
    });
    // Sandbox differs only in userinfo, discovery and the API host.
    const { userinfo, discovery, apiBaseUrl, environment, ...shared } = INTUIT_ENDPOINTS.sandbox;
    expect({ userinfo, discovery, apiBaseUrl, environment }).toEqual({
      userinfo: 'https://sandbox-accounts.platform.intuit.com/v1/openid_connect/userinfo',
      discovery: 'https://developer.api.intuit.com/.well-known/openid_sandbox_configuration',
      apiBaseUrl: 'https://sandbox-quickbooks.api.intuit.com',
      environment: 'sandbox',
    });
    const {
      userinfo: _u,
      discovery: _d,
      apiBaseUrl: _a,
      environment: _e,
      ...productionShared
    } = INTUIT_ENDPOINTS.production;
    expect(shared).toEqual(productionShared);
  });

  it("put Intuit's paths on the emulator's base URL, trailing slash or not", () => {
    for (const base of ['http://127.0.0.1:4010', 'http://127.0.0.1:4010/']) {
      expect(emulatorEndpoints(base)).toEqual({
        environment: 'emulator',
        authorize: 'http://127.0.0.1:4010/connect/oauth2',
        token: 'http://127.0.0.1:4010/oauth2/v1/tokens/bearer',
        revoke: 'http://127.0.0.1:4010/v2/oauth2/tokens/revoke',
        userinfo: 'http://127.0.0.1:4010/v1/openid_connect/userinfo',
        jwks: 'http://127.0.0.1:4010/op/v1/jwks',
        discovery: 'http://127.0.0.1:4010/.well-known/openid_sandbox_configuration',
        issuer: 'https://oauth.platform.intuit.com/op/v1',
        apiBaseUrl: 'http://127.0.0.1:4010',
      });
    }
  });

  it('are chosen by the configured environment', () => {
    const emulatorUrl = 'http://localhost:4999';
    expect(endpointsFor({ environment: 'emulator', emulatorUrl }).token).toBe(
      'http://localhost:4999/oauth2/v1/tokens/bearer',
    );
    expect(endpointsFor({ environment: 'sandbox', emulatorUrl })).toBe(INTUIT_ENDPOINTS.sandbox);
    expect(endpointsFor({ environment: 'production', emulatorUrl })).toBe(INTUIT_ENDPOINTS.production);
  });
});
