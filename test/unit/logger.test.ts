import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'info', name: 'test' }, stream) };
}

describe('structured logs', () => {
  it('redact credentials wherever they appear in a logged object', () => {
    const { lines, logger } = capture();
    const secrets = [
      'Bearer eyJhbGciOi.secret.sig',
      'at-123-secret',
      'rt-456-secret',
      'cs-789-secret',
      'v1:k1:cipher',
    ];
    logger.info(
      {
        req: { headers: { authorization: secrets[0] } },
        tokens: { access_token: secrets[1], refresh_token: secrets[2] },
        app: { clientSecret: secrets[3] },
        integration: { refreshTokenCipher: secrets[4] },
        connectionParams: { authorization: secrets[0] },
        realmId: '9341453050',
      },
      'token exchange',
    );
    const [line] = lines;
    for (const secret of secrets) expect(line).not.toContain(secret);
    expect(JSON.parse(line!)).toMatchObject({
      msg: 'token exchange',
      realmId: '9341453050',
      tokens: { access_token: '[REDACTED]', refresh_token: '[REDACTED]' },
    });
  });

  it('redact the request and response inside a logged HTTP-client error (axios, fetch causes)', () => {
    const { lines, logger } = capture();
    const secrets = [
      'Bearer at-in-header',
      'Basic Y2xpZW50OnNlY3JldA==',
      'rt-in-form-body',
      'at-in-response',
    ];
    const axiosLike = Object.assign(new Error('Request failed with status code 400'), {
      config: {
        url: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
        headers: { Authorization: secrets[1] },
        data: `grant_type=refresh_token&refresh_token=${secrets[2]}`,
      },
      request: { _header: `POST /oauth2/v1/tokens/bearer\r\nAuthorization: ${secrets[1]}` },
      response: {
        status: 400,
        data: { access_token: secrets[3] },
        config: { headers: { Authorization: secrets[1] } },
      },
      authResponse: { body: `{"access_token":"${secrets[3]}"}` },
    });
    const fetchLike = Object.assign(new Error('fetch failed'), {
      cause: { headers: { authorization: secrets[0] }, body: secrets[2] },
    });
    logger.error({ err: axiosLike }, 'token call failed');
    logger.error({ err: fetchLike }, 'api call failed');
    logger.warn({ error: axiosLike, outbound: { headers: { authorization: secrets[0] } } }, 'other shape');
    expect(lines).toHaveLength(3);
    for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
    // What is useful to an operator stays: the message and the status-free summary.
    expect(JSON.parse(lines[0]!)).toMatchObject({ err: { message: 'Request failed with status code 400' } });
  });
});
