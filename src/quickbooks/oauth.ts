import OAuthClient from 'intuit-oauth';
import { z } from 'zod';
import type { QuickBooksSettings } from '../config.js';
import type { QuickBooksEndpoints } from './endpoints.js';
import { QuickBooksError } from './errors.js';
import { parseFailure } from './faults.js';
import { exchange, type HttpEdges, type QuickBooksLogger, type RawAnswer } from './http.js';
import type { OAuthTokenClient, TokenSet } from './tokens.js';

/**
 * Intuit's OAuth 2.0 server (or the emulator's): the authorize URL, and the token endpoint's three calls.
 *
 * The authorize URL is built by Intuit's own `intuit-oauth` package, so its parameters are exactly what
 * Intuit's SDK sends. The token exchange, refresh and revoke are plain HTTP on the injected fetch instead,
 * because intuit-oauth 4.2.5 (research note §2):
 *  (a) cannot send a PKCE `code_verifier` (§2.2), which the emulator verifies when a challenge was sent;
 *  (b) retries token calls on resets, 5xx and 429 (`loadResponse`, §2.3 b): a refresh whose answer was lost
 *      after Intuit rotated the refresh token is replayed with the old token, turning a recoverable
 *      situation into `invalid_grant`. Here nothing is retried: the caller owns single-flight refresh and
 *      decides what to do with `ambiguous`;
 *  (c) uses its own axios instance, so fetch, timeouts and the test edges cannot be injected;
 *  (d) keeps token state on the instance (§2.3), which a multi-tenant process must never share.
 */

export interface IntuitOAuthOptions extends Pick<HttpEdges, 'fetch' | 'now'> {
  settings: Pick<
    QuickBooksSettings,
    'environment' | 'clientId' | 'clientSecret' | 'redirectUri' | 'scopes' | 'pkce' | 'httpTimeoutMs'
  >;
  endpoints: QuickBooksEndpoints;
  logger: QuickBooksLogger;
}

/** RFC 6749 §5.1 plus Intuit's lifetimes (§1.4); lenient on numbers sent as strings. */
const TokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  x_refresh_token_expires_in: z.coerce.number().positive(),
  x_refresh_token_hard_expires_in: z.coerce.number().positive().optional(),
});

export class IntuitOAuthClient implements OAuthTokenClient {
  constructor(private readonly options: IntuitOAuthOptions) {}

  /** Whether authorize URLs carry a PKCE challenge (and the code exchange must send the verifier). */
  get usesPkce(): boolean {
    return this.options.settings.pkce;
  }

  /**
   * The URL to send the admin's browser to. `state` is the caller's signed, single-use value; with PKCE on,
   * `codeChallenge` is the S256 challenge of a verifier the caller keeps for the exchange.
   */
  authorizeUrl(input: { state: string; codeChallenge?: string }): string {
    const { settings, endpoints } = this.options;
    if (settings.pkce && !input.codeChallenge) {
      throw new TypeError('PKCE is on (QUICKBOOKS_PKCE): pass the S256 code challenge');
    }
    const client = new OAuthClient({
      environment: settings.environment === 'production' ? 'production' : 'sandbox',
      clientId: settings.clientId,
      // The authorize URL needs no secret; the library instance is not given one.
      clientSecret: '',
      redirectUri: settings.redirectUri,
    });
    // setAuthorizeURLs writes static, process-wide fields. That would be acceptable (one process talks to
    // one provider), but setting and restoring them around this synchronous call leaves nothing behind,
    // so tests with several providers in one process cannot leak into each other either.
    const saved = {
      authorize: OAuthClient.authorizeEndpoint,
      token: OAuthClient.tokenEndpoint,
      revoke: OAuthClient.revokeEndpoint,
      userinfoSandbox: OAuthClient.userinfo_endpoint_sandbox,
      userinfoProduction: OAuthClient.userinfo_endpoint_production,
    };
    let url: string;
    try {
      client.setAuthorizeURLs({
        authorizeEndpoint: endpoints.authorize,
        tokenEndpoint: endpoints.token,
        revokeEndpoint: endpoints.revoke,
        userInfoEndpoint: endpoints.userinfo,
      });
      url = client.authorizeUri({ scope: settings.scopes, state: input.state });
    } finally {
      OAuthClient.authorizeEndpoint = saved.authorize;
      OAuthClient.tokenEndpoint = saved.token;
      OAuthClient.revokeEndpoint = saved.revoke;
      OAuthClient.userinfo_endpoint_sandbox = saved.userinfoSandbox;
      OAuthClient.userinfo_endpoint_production = saved.userinfoProduction;
    }
    if (!settings.pkce || !input.codeChallenge) return url;
    return `${url}&code_challenge=${encodeURIComponent(input.codeChallenge)}&code_challenge_method=S256`;
  }

  exchangeCode(input: { code: string; redirectUri: string; codeVerifier?: string }): Promise<TokenSet> {
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
    };
    if (input.codeVerifier !== undefined) form.code_verifier = input.codeVerifier;
    return this.tokenRequest('authorization_code', form, [input.code, input.codeVerifier]);
  }

  /** One request, never retried here: a lost answer is `ambiguous` and the caller decides (§2.3 b). */
  refresh(refreshToken: string): Promise<TokenSet> {
    return this.tokenRequest('refresh_token', { grant_type: 'refresh_token', refresh_token: refreshToken }, [
      refreshToken,
    ]);
  }

  /**
   * Revokes the grant (§1.7: JSON body, either token). Revoking is idempotent (an unknown token answers
   * 200, RFC 7009 §2.2), so a lost answer is `transient`: sending it again is safe.
   */
  async revoke(token: string): Promise<void> {
    await this.post({
      url: this.options.endpoints.revoke,
      body: JSON.stringify({ token }),
      contentType: 'application/json',
      operation: 'revoke',
      secrets: [token],
      idempotent: true,
    });
  }

  private async tokenRequest(
    grant: 'authorization_code' | 'refresh_token',
    form: Record<string, string>,
    secrets: (string | undefined)[],
  ): Promise<TokenSet> {
    // Lifetimes count from before the request left: the token cannot outlive what we record.
    const issuedAt = this.options.now();
    const { text, intuitTid } = await this.post({
      url: this.options.endpoints.token,
      body: new URLSearchParams(form).toString(),
      contentType: 'application/x-www-form-urlencoded',
      operation: grant,
      secrets,
      idempotent: false,
      // Opt-in to the five-year cap in the answer (§1.6).
      extraHeaders: { 'x-include-refresh-token-hard-expires-in': 'true' },
    });
    const parsed = TokenResponse.safeParse(safeJson(text));
    if (!parsed.success) {
      // Intuit may have issued (and rotated) tokens we cannot read: as good as a lost answer.
      throw new QuickBooksError({
        kind: 'ambiguous',
        status: 200,
        message: `QuickBooks token endpoint answered ${grant} without a usable token set`,
        intuitTid,
      });
    }
    const body = parsed.data;
    const at = (seconds: number) => new Date(issuedAt + seconds * 1000);
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      accessTokenExpiresAt: at(body.expires_in),
      refreshTokenExpiresAt: at(body.x_refresh_token_expires_in),
      refreshTokenHardExpiresAt:
        body.x_refresh_token_hard_expires_in === undefined
          ? undefined
          : at(body.x_refresh_token_hard_expires_in),
      intuitTid,
    };
  }

  /** Basic client authentication (§1.4); the body and headers are never logged. */
  private async post(request: {
    url: string;
    body: string;
    contentType: string;
    operation: string;
    secrets: (string | undefined)[];
    idempotent: boolean;
    extraHeaders?: Record<string, string>;
  }): Promise<{ text: string; intuitTid?: string }> {
    const { fetch, now, logger, settings } = this.options;
    const started = now();
    const credentials = Buffer.from(`${settings.clientId}:${settings.clientSecret}`).toString('base64');
    let answer: RawAnswer;
    try {
      answer = await exchange(
        fetch,
        request.url,
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${credentials}`,
            'content-type': request.contentType,
            accept: 'application/json',
            ...request.extraHeaders,
          },
          body: request.body,
        },
        {
          intent: request.idempotent ? 'read' : 'write',
          timeoutMs: settings.httpTimeoutMs,
          label: `QuickBooks ${request.operation} request`,
        },
      );
    } catch (failure) {
      const { kind, intuitTid } = failure as QuickBooksError;
      logger.debug(
        { operation: request.operation, kind, intuitTid, durationMs: now() - started },
        'QuickBooks token request got no answer',
      );
      throw failure;
    }
    const { status, text, intuitTid, retryAfter } = answer;
    logger.debug(
      { operation: request.operation, status, intuitTid, durationMs: now() - started },
      'QuickBooks token request',
    );
    if (status < 200 || status > 299) {
      throw parseFailure(status, text, {
        source: 'oauth',
        intuitTid,
        retryAfter,
        now: now(),
        secrets: [...request.secrets, settings.clientSecret],
      });
    }
    return { text, intuitTid };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
