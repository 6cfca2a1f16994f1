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
});
