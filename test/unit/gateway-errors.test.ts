import { describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import { createErrorMasker, INVALID_TOKEN_MESSAGE } from '../../gateway/errors.js';

function masker() {
  const warnings: { attributes: Record<string, unknown>; message: string }[] = [];
  const mask = createErrorMasker({
    warn: (attributes, message) => void warnings.push({ attributes, message }),
  });
  return { mask, warnings };
}

const json = (error: Error) => JSON.parse(JSON.stringify(error)) as Record<string, unknown>;

describe('the gateway’s error masker', () => {
  it('passes a subgraph’s typed error on with its code, retryable and field, and nothing else', () => {
    const { mask } = masker();
    const error = new GraphQLError('Invalid customer id', {
      path: ['quickbooksConnection'],
      extensions: {
        code: 'BAD_USER_INPUT',
        retryable: false,
        field: 'customerId',
        serviceName: 'quickbooks',
      },
    });
    const masked = mask(error);
    expect(masked).toBe(error);
    expect(json(masked)).toEqual({
      message: 'Invalid customer id',
      path: ['quickbooksConnection'],
      extensions: { code: 'BAD_USER_INPUT', retryable: false, field: 'customerId' },
    });
  });

  it('answers INTERNAL_SERVER_ERROR with a fixed message for anything unexpected', () => {
    const { mask } = masker();
    expect(json(mask(new Error('ECONNRESET at /srv/app/node_modules/x.js:12')))).toEqual({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: false },
    });
    const wrapped = new GraphQLError('Cannot read properties of undefined', {
      path: ['invoices', 0, 'quickbooksSyncStatus'],
      originalError: new TypeError('Cannot read properties of undefined'),
    });
    expect(json(mask(wrapped))).toEqual({
      message: 'Internal server error',
      path: ['invoices', 0, 'quickbooksSyncStatus'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: false },
    });
  });

  it('maps an unreachable subgraph to SERVICE_UNAVAILABLE, without the request, logged once per request', () => {
    const { mask, warnings } = masker();
    // Hive Gateway repeats one failed entity fetch for every entity, sharing one extensions object.
    const shared = {
      code: 'SUBREQUEST_HTTP_ERROR',
      request: { method: 'POST', body: '{"query":"{_entities}"}' },
    };
    const cause = new TypeError('connect ECONNREFUSED 10.0.0.7:4001');
    const errors = [0, 1].map(
      (index) =>
        new GraphQLError(cause.message, {
          path: ['invoices', index, 'quickbooksSyncStatus'],
          originalError: cause,
          extensions: shared,
        }),
    );
    for (const error of errors) {
      expect(json(mask(error))).toEqual({
        message: 'A service this request needs is unavailable; retry later',
        path: ['invoices', errors.indexOf(error), 'quickbooksSyncStatus'],
        extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
      });
    }
    expect(warnings).toEqual([
      {
        message: 'a subgraph request failed',
        attributes: {
          code: 'SERVICE_UNAVAILABLE',
          path: 'invoices.0.quickbooksSyncStatus',
          cause: cause.message,
        },
      },
    ]);
  });

  it('maps Hive Gateway’s upstream timeout to TIMEOUT, retryable, with HTTP 200 for a field', () => {
    const { mask } = masker();
    const masked = mask(
      new GraphQLError('The operation was aborted due to timeout', {
        path: ['quickbooksConnection'],
        extensions: { code: 'GATEWAY_TIMEOUT', http: { status: 504 }, request: { body: '{}' } },
      }),
    );
    expect(json(masked)).toEqual({
      message: 'A service this request needs did not answer in time; retry later',
      path: ['quickbooksConnection'],
      extensions: { code: 'TIMEOUT', retryable: true },
    });
    expect((masked as GraphQLError).extensions.http).toBeUndefined();
  });

  it.each([
    ['Unauthenticated', 401],
    ['Invalid authentication token provided', 400],
    ['Invalid JWT authentication token prefix.', 400],
    ['Authentication header was set, but token is missing.', 400],
  ])('maps the JWT plugin’s “%s” to UNAUTHENTICATED with HTTP 401', (message, status) => {
    const { mask } = masker();
    const masked = mask(new GraphQLError(message, { extensions: { http: { status } } })) as GraphQLError;
    expect(json(masked)).toEqual({
      message: INVALID_TOKEN_MESSAGE,
      extensions: { code: 'UNAUTHENTICATED', retryable: false },
    });
    expect(masked.extensions.http).toEqual({ status: 401, spec: false });
  });

  it('gives code-less request refusals a code from their HTTP status', () => {
    const { mask } = masker();
    const invalidJson = mask(
      new GraphQLError('POST body sent invalid JSON.', { extensions: { http: { status: 400 } } }),
    );
    expect(json(invalidJson)).toEqual({
      message: 'POST body sent invalid JSON.',
      extensions: { code: 'BAD_REQUEST', retryable: false },
    });
    const tooLarge = mask(
      new GraphQLError('Request body too large', {
        extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } },
      }),
    ) as GraphQLError;
    expect(json(tooLarge).extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', retryable: false });
    expect(tooLarge.extensions.http).toEqual({ status: 413, spec: false });
  });
});
