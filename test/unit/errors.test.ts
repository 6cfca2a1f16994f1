import { describe, expect, it } from '@jest/globals';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import {
  ERROR_CODES,
  badUserInput,
  forbidden,
  invalidToken,
  isDependencyTimeout,
  queryTooComplex,
  quickbooksNotConnected,
  quickbooksRealmInUse,
  quickbooksReauthRequired,
  quickbooksUnavailable,
  timeout,
  unauthenticated,
} from '../../src/resolvers/errors.js';
import { createErrorFormatter } from '../../src/server/format-error.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** What Apollo does for a resolver error: format it and wrap the thrown value with its path. */
function asResolverError(thrown: Error, path = ['quickbooksConnection']): [GraphQLFormattedError, unknown] {
  const located = new GraphQLError(thrown.message, {
    path,
    originalError: thrown,
    extensions: thrown instanceof GraphQLError ? thrown.extensions : { code: 'INTERNAL_SERVER_ERROR' },
  });
  return [located.toJSON(), located];
}

describe('the error convention', () => {
  it('gives every code a meaning, an HTTP status and a retryable flag', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(info.meaning.length).toBeGreaterThan(10);
      expect(info.httpStatus).toBeGreaterThanOrEqual(200);
      expect(typeof info.retryable).toBe('boolean');
      expect(code).toMatch(/^[A-Z_]+$/);
    }
    expect(ERROR_CODES.TIMEOUT.retryable).toBe(true);
    expect(ERROR_CODES.FORBIDDEN.retryable).toBe(false);
    // Only an outage of Intuit clears by itself; the others need an admin (connect, reconnect, disconnect).
    expect(ERROR_CODES.QUICKBOOKS_UNAVAILABLE.retryable).toBe(true);
    expect(ERROR_CODES.QUICKBOOKS_NOT_CONNECTED.retryable).toBe(false);
    expect(ERROR_CODES.QUICKBOOKS_REAUTH_REQUIRED.retryable).toBe(false);
    expect(ERROR_CODES.QUICKBOOKS_REALM_IN_USE.retryable).toBe(false);
  });

  it('typed errors carry their code and retryable flag', () => {
    for (const [error, code] of [
      [unauthenticated(), 'UNAUTHENTICATED'],
      [invalidToken(), 'UNAUTHENTICATED'],
      [forbidden(), 'FORBIDDEN'],
      [badUserInput('no', 'first'), 'BAD_USER_INPUT'],
      [queryTooComplex('too deep'), 'QUERY_TOO_COMPLEX'],
      [timeout(), 'TIMEOUT'],
      [quickbooksNotConnected(), 'QUICKBOOKS_NOT_CONNECTED'],
      [quickbooksReauthRequired(), 'QUICKBOOKS_REAUTH_REQUIRED'],
      [quickbooksRealmInUse(), 'QUICKBOOKS_REALM_IN_USE'],
      [quickbooksUnavailable(), 'QUICKBOOKS_UNAVAILABLE'],
    ] as const) {
      expect(error.extensions).toMatchObject({ code, retryable: ERROR_CODES[code].retryable });
    }
    expect(invalidToken().extensions.http).toEqual({ status: 401 });
    // A field that needs a caller fails alone: no HTTP status that would discard sibling data.
    expect(unauthenticated().extensions.http).toBeUndefined();
  });

  it('recognises database and Redis deadlines by their error classes', () => {
    const named = (name: string, message = 'x', extra: object = {}) =>
      Object.assign(new Error(message), { name }, extra);
    expect(isDependencyTimeout(named('MongoServerSelectionError'))).toBe(true);
    expect(isDependencyTimeout(named('MongoNetworkTimeoutError'))).toBe(true);
    expect(
      isDependencyTimeout(named('MongoServerError', 'operation exceeded time limit', { code: 50 })),
    ).toBe(true);
    expect(
      isDependencyTimeout(named('MongooseError', 'Operation `x.find()` buffering timed out after 10ms')),
    ).toBe(true);
    expect(isDependencyTimeout(new Error('Command timed out'))).toBe(true);
    expect(isDependencyTimeout(named('MongoServerError', 'duplicate key', { code: 11000 }))).toBe(false);
    expect(isDependencyTimeout(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('formatError', () => {
  it('passes client errors on with code and retryable, and drops other extensions', () => {
    const { logger, lines } = capturingLogger();
    const format = createErrorFormatter(logger);
    const [formatted, error] = asResolverError(forbidden());
    expect(
      format({ ...formatted, extensions: { ...formatted.extensions, stacktrace: ['at x'] } }, error),
    ).toEqual({
      message: 'You may not act for this customer',
      path: ['quickbooksConnection'],
      extensions: { code: 'FORBIDDEN', retryable: false },
    });
    expect(lines).toEqual([]);
  });

  it('passes every code of ERROR_CODES on as it is: one list decides what reaches clients', () => {
    const { logger, lines } = capturingLogger();
    const format = createErrorFormatter(logger);
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      if (code === 'INTERNAL_SERVER_ERROR') continue; // always answered with the generic message
      const thrown = new GraphQLError('a client error', { extensions: { code } });
      expect(format(...asResolverError(thrown))).toEqual({
        message: 'a client error',
        path: ['quickbooksConnection'],
        extensions: { code, retryable: info.retryable },
      });
    }
    expect(lines).toEqual([]);
  });

  it('answers an unexpected failure with a generic message and logs it in full, once', () => {
    const { logger, lines } = capturingLogger();
    const format = createErrorFormatter(logger);
    const bug = new Error('connect ECONNREFUSED 10.1.2.3:27017 at /srv/app/src/services/connections.ts:42');
    const [formatted, error] = asResolverError(bug);
    const answer = format(formatted, error);
    expect(answer).toEqual({
      message: 'Internal server error',
      path: ['quickbooksConnection'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: false },
    });
    expect(JSON.stringify(answer)).not.toMatch(/ECONNREFUSED|\/srv|10\.1\.2\.3/);
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'unexpected GraphQL error', err: expect.anything() }),
    ]);
  });

  it('turns a database deadline into TIMEOUT, retryable, logged at warn without the driver message', () => {
    const { logger, lines } = capturingLogger();
    const format = createErrorFormatter(logger);
    const driverError = Object.assign(new Error('connection 4 to 127.0.0.1:27017 timed out'), {
      name: 'MongoNetworkTimeoutError',
    });
    const answer = format(...asResolverError(driverError));
    expect(answer.extensions).toEqual({ code: 'TIMEOUT', retryable: true });
    expect(answer.message).not.toContain('127.0.0.1');
    expect(lines).toEqual([expect.objectContaining({ level: 40, cause: 'MongoNetworkTimeoutError' })]);
    expect(JSON.stringify(lines)).not.toContain('127.0.0.1');
  });

  it('keeps QUERY_TOO_COMPLEX when Apollo wraps it as a validation error', () => {
    const { logger } = capturingLogger();
    const format = createErrorFormatter(logger);
    const reported = queryTooComplex('Query depth limit of 10 exceeded, found 11.');
    const wrapped = new GraphQLError(reported.message, {
      originalError: reported,
      extensions: { ...reported.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(format(wrapped.toJSON(), wrapped).extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      retryable: false,
    });
  });

  it("answers graphql-js's token limit as QUERY_TOO_COMPLEX", () => {
    const { logger } = capturingLogger();
    const format = createErrorFormatter(logger);
    const parseError = new GraphQLError(
      'Syntax Error: Document contains more that 1000 tokens. Parsing aborted.',
      { extensions: { code: 'GRAPHQL_PARSE_FAILED' } },
    );
    expect(format(parseError.toJSON(), parseError)).toEqual({
      message: 'Token limit of 1000 exceeded.',
      extensions: { code: 'QUERY_TOO_COMPLEX', retryable: false },
    });
  });
});

describe("the README's error table", () => {
  it('lists every code with its HTTP status and retryable flag', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = new Map(
      [...readme.matchAll(/^\|\s*`([A-Z_]+)`\s*\|[^|]*\|\s*(\d{3})\s*\|\s*(yes|no)\s*\|$/gm)].map((m) => [
        m[1],
        { httpStatus: Number(m[2]), retryable: m[3] === 'yes' },
      ]),
    );
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect([code, rows.get(code)]).toEqual([
        code,
        { httpStatus: info.httpStatus, retryable: info.retryable },
      ]);
    }
  });
});
