import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RegisteredApp } from '../apps.js';
import type { RequestContext, SandboxCore } from '../core.js';
import type { HttpResult } from '../errors.js';
import { jsonResult } from '../errors.js';
import { randomToken } from '../util/ids.js';
import { getString } from '../util/json.js';
import { consentPage, errorPage } from './authorize-page.js';
import type { IssuedTokens } from './tokens.js';
import { OAuthProtocolError, OPENID_SCOPES, isKnownScope, scopesNeedCompany } from './tokens.js';

export const OAUTH_PATHS = {
  authorize: '/connect/oauth2',
  token: '/oauth2/v1/tokens/bearer',
  revoke: '/v2/oauth2/tokens/revoke',
  userinfo: '/v1/openid_connect/userinfo',
  jwks: '/op/v1/jwks',
  discoverySandbox: '/.well-known/openid_sandbox_configuration',
  discoveryProduction: '/.well-known/openid_configuration',
};

/** The person who approves: one fixed sandbox user, as a developer account would be. */
export const SANDBOX_USER = {
  sub: '8f2b3c4d-5e6f-4a7b-9c8d-0e1f2a3b4c5d',
  email: 'developer@sandbox.example',
  givenName: 'Sandbox',
  familyName: 'Developer',
  phoneNumber: '+1 6505550100',
};

interface PendingAuthorization {
  app: RegisteredApp;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  expiresAt: number;
}

const html = (status: number, body: string): HttpResult => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body,
});

const redirect = (location: string): HttpResult => ({ status: 302, headers: { location }, body: '' });

/** Token and revoke endpoints take form bodies; revoke also takes JSON (§1.7). */
export function parseBody(request: FastifyRequest): Record<string, string> {
  const raw = typeof request.body === 'string' ? request.body : '';
  const contentType = String(request.headers['content-type'] ?? '');
  if (contentType.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(raw || '{}');
      const out: Record<string, string> = {};
      if (parsed && typeof parsed === 'object') {
        for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') out[key] = value;
      }
      return out;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

/** RFC 6749 §2.3.1 form-encodes Basic credentials; most clients send them raw. Accept both. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function query(request: FastifyRequest): Record<string, string | undefined> {
  return (request.query ?? {}) as Record<string, string | undefined>;
}

export function registerOAuthRoutes(app: FastifyInstance, core: SandboxCore): void {
  const pending = new Map<string, PendingAuthorization>();

  const target = (request: FastifyRequest, operation: string) => ({
    method: request.method,
    path: request.url.split('?')[0] ?? request.url,
    realmId: undefined,
    entity: undefined,
    operation,
  });

  const callback = (p: PendingAuthorization, params: Record<string, string | undefined>): HttpResult => {
    const url = new URL(p.redirectUri);
    for (const [key, value] of Object.entries(params))
      if (value !== undefined) url.searchParams.set(key, value);
    return redirect(url.toString());
  };

  const approve = (p: PendingAuthorization, realmId: string | null): HttpResult => {
    const code = core.tokens.createCode({
      clientId: p.app.clientId,
      redirectUri: p.redirectUri,
      realmId,
      scopes: p.scopes,
      userSub: SANDBOX_USER.sub,
      codeChallenge: p.codeChallenge,
      codeChallengeMethod: p.codeChallengeMethod,
    });
    // realmId is in the callback only when accounting or payments was requested (§1.3).
    return callback(p, { code: code.code, state: p.state, realmId: realmId ?? undefined });
  };

  // RFC 6749 §4.1.2.1 defaults; Intuit's exact denial parameters are UNCONFIRMED (§1.3).
  const deny = (p: PendingAuthorization): HttpResult =>
    callback(p, { error: 'access_denied', state: p.state });

  app.get(OAUTH_PATHS.authorize, (request, reply) =>
    core.handle(request, reply, target(request, 'authorize'), async (ctx: RequestContext) => {
      await ctx.delay();
      const q = query(request);
      const client = q.client_id === undefined ? undefined : core.apps.get(q.client_id);
      if (!client)
        return html(400, errorPage('Invalid client', 'The client_id query parameter value is invalid.'));
      ctx.log.clientId = client.clientId;
      // An unregistered redirect_uri gets Intuit's error page, never a redirect (§1.2).
      if (q.redirect_uri === undefined || !client.redirectUris.includes(q.redirect_uri)) {
        return html(
          400,
          errorPage('Invalid redirect_uri', 'The redirect_uri query parameter value is invalid.'),
        );
      }
      const scopes = (q.scope ?? '').split(/[\s+]+/).filter(Boolean);
      const p: PendingAuthorization = {
        app: client,
        redirectUri: q.redirect_uri,
        scopes,
        state: q.state,
        codeChallenge: q.code_challenge ?? null,
        codeChallengeMethod: q.code_challenge ? (q.code_challenge_method ?? 'plain') : null,
        expiresAt: core.clock.now() + 30 * 60_000,
      };
      if (q.response_type !== 'code')
        return callback(p, { error: 'unsupported_response_type', state: p.state });
      if (scopes.length === 0 || !scopes.every(isKnownScope))
        return callback(p, { error: 'invalid_scope', state: p.state });
      const needsCompany = scopesNeedCompany(scopes);
      const settings = core.settings.oauth;
      if (settings.authorizeMode === 'deny') return deny(p);
      if (settings.authorizeMode === 'approve') {
        const realm = settings.autoApproveRealmId ?? core.realms.list()[0]?.realmId ?? null;
        return approve(p, needsCompany ? realm : null);
      }
      const pendingId = randomToken('', 18);
      pending.set(pendingId, p);
      const companyNames = new Map(
        core.realms
          .list()
          .map((realm) => [
            realm.realmId,
            getString(realm.get('CompanyInfo', '1') ?? {}, 'CompanyName') ?? realm.realmId,
          ]),
      );
      return html(
        200,
        consentPage({
          app: client,
          scopes,
          realms: core.realms.list(),
          companyNames,
          pendingId,
          needsCompany,
        }),
      );
    }),
  );

  app.post(`${OAUTH_PATHS.authorize}/decision`, (request, reply) =>
    core.handle(request, reply, target(request, 'authorize'), () => {
      const body = parseBody(request);
      const p = body.pending === undefined ? undefined : pending.get(body.pending);
      if (!p || p.expiresAt < core.clock.now()) {
        return html(
          400,
          errorPage('Request expired', 'This authorization request has expired. Start again from the app.'),
        );
      }
      pending.delete(body.pending ?? '');
      if (body.decision !== 'approve') return deny(p);
      if (!scopesNeedCompany(p.scopes)) return approve(p, null);
      const realm = body.realmId === undefined ? undefined : core.realms.get(body.realmId);
      if (!realm) return html(400, errorPage('Choose a company', 'Pick a company to connect.'));
      return approve(p, realm.realmId);
    }),
  );

  const authenticateClient = (request: FastifyRequest, body: Record<string, string>): RegisteredApp => {
    const header = request.headers.authorization;
    let clientId = body.client_id;
    let clientSecret = body.client_secret;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) throw new OAuthProtocolError(401, 'invalid_client');
      clientId = safeDecode(decoded.slice(0, colon));
      clientSecret = safeDecode(decoded.slice(colon + 1));
    }
    const client = clientId && clientSecret ? core.apps.authenticate(clientId, clientSecret) : undefined;
    if (!client) throw new OAuthProtocolError(401, 'invalid_client');
    return client;
  };

  const tokenHeaders = { 'cache-control': 'no-cache, no-store', pragma: 'no-cache' };

  const tokenResponse = async (request: FastifyRequest, issued: IssuedTokens): Promise<HttpResult> => {
    const payload: Record<string, unknown> = {
      token_type: 'bearer',
      access_token: issued.accessToken.token,
      refresh_token: issued.grant.refreshToken,
      expires_in: core.settings.oauth.accessTokenLifetimeSeconds,
      x_refresh_token_expires_in: issued.refreshExpiresIn,
    };
    // Opt-in field from the 2025 five-year policy (§1.6).
    if (String(request.headers['x-include-refresh-token-hard-expires-in'] ?? '').toLowerCase() === 'true') {
      payload.x_refresh_token_hard_expires_in = issued.hardExpiresIn;
    }
    if (issued.grant.scopes.includes('openid')) {
      payload.id_token = await core.signer.sign({
        issuer: core.settings.oauth.issuer,
        clientId: issued.grant.clientId,
        subject: issued.grant.userSub,
        realmId: issued.grant.realmId,
        nowMs: core.clock.now(),
        lifetimeSeconds: 3600,
      });
    }
    return jsonResult(200, payload, tokenHeaders);
  };

  const protocolError = (error: unknown): HttpResult => {
    if (!(error instanceof OAuthProtocolError)) throw error;
    const body: Record<string, string> = { error: error.error };
    if (error.description) body.error_description = error.description;
    return jsonResult(error.status, body, tokenHeaders);
  };

  app.post(OAUTH_PATHS.token, (request, reply) =>
    core.handle(request, reply, target(request, 'token'), async (ctx) => {
      await ctx.delay();
      try {
        const body = parseBody(request);
        const client = authenticateClient(request, body);
        ctx.log.clientId = client.clientId;
        if (body.grant_type === 'authorization_code') {
          const issued = core.tokens.exchangeCode({
            clientId: client.clientId,
            code: body.code,
            redirectUri: body.redirect_uri,
            codeVerifier: body.code_verifier,
          });
          return await tokenResponse(request, issued);
        }
        if (body.grant_type === 'refresh_token') {
          return await tokenResponse(request, core.tokens.refresh(client.clientId, body.refresh_token));
        }
        throw new OAuthProtocolError(400, body.grant_type ? 'unsupported_grant_type' : 'invalid_request');
      } catch (error) {
        return protocolError(error);
      }
    }),
  );

  app.post(OAUTH_PATHS.revoke, (request, reply) =>
    core.handle(request, reply, target(request, 'revoke'), async (ctx) => {
      await ctx.delay();
      try {
        const body = parseBody(request);
        const client = authenticateClient(request, body);
        ctx.log.clientId = client.clientId;
        if (!body.token) throw new OAuthProtocolError(400, 'invalid_request', 'token is missing');
        core.tokens.revoke(client.clientId, body.token);
        // Intuit's success body is UNCONFIRMED (§1.7): 200 with an empty body.
        return { status: 200, headers: { 'cache-control': 'no-cache, no-store' }, body: '' };
      } catch (error) {
        return protocolError(error);
      }
    }),
  );

  app.get(OAUTH_PATHS.userinfo, (request, reply) =>
    core.handle(request, reply, target(request, 'userinfo'), async (ctx) => {
      await ctx.delay();
      const header = request.headers.authorization ?? '';
      const check = core.tokens.checkBearer(header.startsWith('Bearer ') ? header.slice(7) : '');
      if (!check.ok)
        return jsonResult(
          401,
          { error: 'invalid_token' },
          { 'www-authenticate': 'Bearer error="invalid_token"' },
        );
      if (!check.record.scopes.includes('openid')) return jsonResult(403, { error: 'insufficient_scope' });
      const scopes = check.record.scopes;
      const info: Record<string, unknown> = { sub: SANDBOX_USER.sub };
      if (scopes.includes('email')) Object.assign(info, { email: SANDBOX_USER.email, emailVerified: true });
      if (scopes.includes('profile'))
        Object.assign(info, { givenName: SANDBOX_USER.givenName, familyName: SANDBOX_USER.familyName });
      if (scopes.includes('phone'))
        Object.assign(info, { phoneNumber: SANDBOX_USER.phoneNumber, phoneNumberVerified: true });
      if (scopes.includes('address')) {
        info.address = {
          streetAddress: '2700 Coast Ave',
          locality: 'Mountain View',
          region: 'CA',
          postalCode: '94043',
          country: 'US',
        };
      }
      return jsonResult(200, info);
    }),
  );

  app.get(OAUTH_PATHS.jwks, (request, reply) =>
    core.handle(request, reply, target(request, 'jwks'), () => jsonResult(200, core.signer.jwks())),
  );

  // Served with and without the trailing slash some clients use (§1.1).
  for (const [path, environment] of [
    [OAUTH_PATHS.discoverySandbox, 'sandbox'],
    [OAUTH_PATHS.discoveryProduction, 'production'],
  ] as const) {
    for (const variant of [path, `${path}/`]) {
      app.get(variant, (request, reply) =>
        core.handle(request, reply, target(request, 'discovery'), () =>
          jsonResult(200, discoveryDocument(core, environment)),
        ),
      );
    }
  }
}

/**
 * Mirrors Intuit's sandbox discovery document (§1.1) with this emulator's URLs. Like Intuit's it has no
 * `code_challenge_methods_supported`. The issuer stays Intuit's because clients compare it literally.
 */
export function discoveryDocument(
  core: SandboxCore,
  _environment: 'sandbox' | 'production',
): Record<string, unknown> {
  const base = core.baseUrl;
  return {
    issuer: core.settings.oauth.issuer,
    authorization_endpoint: `${base}${OAUTH_PATHS.authorize}`,
    token_endpoint: `${base}${OAUTH_PATHS.token}`,
    userinfo_endpoint: `${base}${OAUTH_PATHS.userinfo}`,
    revocation_endpoint: `${base}${OAUTH_PATHS.revoke}`,
    jwks_uri: `${base}${OAUTH_PATHS.jwks}`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: OPENID_SCOPES,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    claims_supported: ['aud', 'exp', 'iat', 'iss', 'realmid', 'sub'],
  };
}
