/** What the OAuth token endpoint hands back, with lifetimes turned into instants on our clock. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  /** The rolling refresh-token expiry (`x_refresh_token_expires_in`, ~100 days). */
  refreshTokenExpiresAt: Date;
  /** Intuit's five-year cap (`x_refresh_token_hard_expires_in`), when the endpoint reported it. */
  refreshTokenHardExpiresAt?: Date;
  intuitTid?: string;
}

/**
 * The three token-endpoint calls. Implementations throw QuickBooksError: `reauthorization` for
 * `invalid_grant`, `ambiguous` when the request was sent and no answer came back (the exchange may have
 * committed at Intuit and rotated the refresh token), `transient` when it was never sent or got a 5xx,
 * `configuration` for a bad client id, secret or redirect URI.
 */
export interface OAuthTokenClient {
  exchangeCode(input: { code: string; redirectUri: string; codeVerifier?: string }): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
  /** Revokes the grant (either token may be given; the refresh token disconnects the app). */
  revoke(token: string): Promise<void>;
}
