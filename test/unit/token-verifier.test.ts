import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, createTokenVerifier, InvalidTokenError } from '../../src/auth/token-verifier.js';
import { mintToken } from '../../src/auth/dev-tokens.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123';

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidTokenError);
  return (error as InvalidTokenError).reason;
}

describe('HS256 verification', () => {
  const verifier = createTokenVerifier({
    mode: 'jwt',
    secret: SECRET,
    issuer: 'platform',
    audience: 'graph',
  });
  const claims = {
    userId: 'u-7',
    tenants: ['cust-a', 'cust-b'],
    issuer: 'platform',
    audience: 'graph',
  };
  const sign = (payload: Record<string, unknown>) =>
    new SignJWT({ tenants: ['cust-a', 'cust-b'], ...payload })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-7')
      .setIssuer('platform')
      .setAudience('graph')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));

  it('turns a valid token into the viewer: user, tenants, and no admin role unless one is given', async () => {
    const viewer = await verifier.verify(await mintToken(SECRET, claims));
    expect(viewer).toEqual({ userId: 'u-7', tenants: new Set(['cust-a', 'cust-b']), adminOf: new Set() });
  });

  it('reads admin roles per customer from tenant_roles', async () => {
    const token = await mintToken(SECRET, { ...claims, adminOf: ['cust-b'] });
    const viewer = await verifier.verify(token);
    expect(viewer.adminOf).toEqual(new Set(['cust-b']));
    expect(
      await verifier.verify(await sign({ tenant_roles: { 'cust-a': ['dispatcher', 'admin'] } })),
    ).toEqual({
      userId: 'u-7',
      tenants: new Set(['cust-a', 'cust-b']),
      adminOf: new Set(['cust-a']),
    });
  });

  it('grants nothing for a role on a customer outside tenants, for other role names, or for global roles', async () => {
    const viewer = await verifier.verify(
      await sign({
        roles: ['admin'],
        tenant_roles: { 'cust-z': ['admin'], 'cust-a': ['dispatcher'], 'cust-b': ['Admin'] },
      }),
    );
    expect(viewer.tenants).toEqual(new Set(['cust-a', 'cust-b']));
    expect(viewer.adminOf).toEqual(new Set());
    expect((await verifier.verify(await sign({ tenant_roles: null }))).adminOf).toEqual(new Set());
  });

  it.each([
    ['an array', ['admin']],
    ['a string', 'admin'],
    ['roles that are not an array', { 'cust-a': 'admin' }],
    ['roles that are not strings', { 'cust-a': [1] }],
  ])('rejects a tenant_roles claim that is %s', async (_shape, tenantRoles) => {
    expect(await reasonOf(verifier.verify(await sign({ tenant_roles: tenantRoles })))).toBe(
      'tenant_roles claim must map customer ids to arrays of roles',
    );
  });

  it('rejects a wrong issuer or audience', async () => {
    expect(await reasonOf(verifier.verify(await mintToken(SECRET, { ...claims, issuer: 'elsewhere' })))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED: iss',
    );
    expect(await reasonOf(verifier.verify(await mintToken(SECRET, { ...claims, audience: 'other' })))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED: aud',
    );
  });

  it('rejects a correctly signed token without exp, which would never lapse', async () => {
    const token = await new SignJWT({ tenants: ['cust-a'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-7')
      .setIssuer('platform')
      .setAudience('graph')
      .setIssuedAt()
      .sign(new TextEncoder().encode(SECRET));
    expect(await reasonOf(verifier.verify(token))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED: exp');
  });

  it('rejects an expired token', async () => {
    expect(await reasonOf(verifier.verify(await mintToken(SECRET, { ...claims, expiresIn: '-1s' })))).toBe(
      'ERR_JWT_EXPIRED',
    );
  });

  it('bounds the age of a token by its iat when AUTH_MAX_TOKEN_AGE_SECONDS is set', async () => {
    const strict = createTokenVerifier({ mode: 'jwt', secret: SECRET, maxTokenAgeSeconds: 3600 });
    const sign = (issuedAt: number) =>
      new SignJWT({ tenants: ['cust-a'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u-7')
        .setIssuedAt(issuedAt)
        .setExpirationTime('30d')
        .sign(new TextEncoder().encode(SECRET));
    const now = Math.floor(Date.now() / 1000);
    expect((await strict.verify(await sign(now - 60))).userId).toBe('u-7');
    expect(await reasonOf(strict.verify(await sign(now - 7200)))).toBe('ERR_JWT_EXPIRED');
  });

  it('rejects a token without a tenants claim rather than treating it as no tenants', async () => {
    const token = await new SignJWT({ roles: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-7')
      .setIssuer('platform')
      .setAudience('graph')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    expect(await reasonOf(verifier.verify(token))).toBe('tenants claim must be an array of customer ids');
  });

  it('marks a service token by its service claim, and refuses a malformed one rather than ignoring it', async () => {
    const viewer = await verifier.verify(await sign({ service: 'platform-host' }));
    expect(viewer.service).toBe('platform-host');
    expect((await verifier.verify(await sign({}))).service).toBeUndefined();
    for (const malformed of ['', 42, ['platform-host'], true]) {
      expect(await reasonOf(verifier.verify(await sign({ service: malformed })))).toMatch(/service/);
    }
  });

  it('refuses the unsigned "none" algorithm', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'u-7', tenants: ['cust-a'], iss: 'platform', aud: 'graph' }),
    ).toString('base64url');
    expect(await reasonOf(verifier.verify(`${header}.${payload}.`))).toMatch(/^ERR_/);
  });
});

describe('JWKS verification (RS256)', () => {
  let server: http.Server;
  let jwksUrl: string;
  let sign: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    sign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
        .setExpirationTime('1h')
        .sign(privateKey);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('verifies a token signed by a key the JWKS publishes', async () => {
    const verifier = createTokenVerifier({ mode: 'jwt', jwksUrl });
    const viewer = await verifier.verify(await sign({ sub: 'u-9', tenants: ['cust-z'] }));
    expect(viewer.userId).toBe('u-9');
    expect([...viewer.tenants]).toEqual(['cust-z']);
  });

  it('rejects a token signed by an unknown key', async () => {
    const verifier = createTokenVerifier({ mode: 'jwt', jwksUrl });
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'u-9', tenants: ['cust-z'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await reasonOf(verifier.verify(forged))).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });
});

describe('bearerToken', () => {
  it('reads only the Bearer scheme, in any letter case (RFC 6750, as the gateway does)', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('BEARER abc')).toBe('abc');
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
