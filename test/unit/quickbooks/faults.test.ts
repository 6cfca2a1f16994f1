import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_THROTTLE_WAIT_MS,
  faultInBody,
  parseBatchItemFault,
  parseFailure,
  retryAfterMs,
  type FailureContext,
} from '../../../src/quickbooks/faults.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const api: FailureContext = { source: 'api', intent: 'write', realmId: '9341455130166501', now: NOW };
const oauth: FailureContext = { source: 'oauth', now: NOW };

// Exact captures quoted in shared/notes/quickbooks-api.md §4.3, §5.1, §5.3 and §5.4.
const CAPTURES = {
  expiredToken: (detail: string | null) =>
    JSON.stringify({
      warnings: null,
      intuitObject: null,
      fault: {
        error: [
          {
            message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
            detail,
            code: '3200',
            element: null,
          },
        ],
        type: 'AUTHENTICATION',
      },
      report: null,
      queryResponse: null,
      batchItemResponse: [],
      attachableResponse: [],
      syncErrorResponse: null,
      requestId: null,
      time: 1633520295688,
      status: null,
      cdcresponse: [],
    }),
  wrongRealm:
    '<Fault type="AuthenticationFault"><Error code="100"><Message>General Authentication Error</Message><Detail>AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401</Detail></Error></Fault>',
  lostAccess:
    '<Fault type="AuthorizatonFault"><Error code="120"><Message>Authorization Failure</Message><Detail>AuthorizationFailure: --11014-You do not have access to use QuickBooks Online Plus., statusCode: 401</Detail></Error></Fault>',
  notAuthorized:
    '{"fault":{"error":[{"message":"message=AuthorizationFailed; errorCode=003100; statusCode=403","detail":null,"code":"3100","element":null}],"type":"SERVICE"},"report":null,"time":1633520295688}',
  throttled: `<IntuitResponse time="2017-07-30T22:45:22.933-07:00" xmlns="http://schema.intuit.com/finance/v3">
  <Fault type="SERVICE"><Error code="3001">
    <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
    <Detail>The request limit was reached.  Try again later</Detail>
  </Error></Fault></IntuitResponse>`,
  gstMissing:
    '{"Fault":{"Error":[{"Message":"A business validation error has occurred while processing your request","Detail":"Business Validation Error: Make sure all your transactions have a GST/HST rate before you save.","code":"6000","element":""}],"type":"ValidationFault"},"time":"2025-07-26T21:32:59.136-07:00"}',
  jsonFault: (code: string, message: string, detail: string, element = '', type = 'ValidationFault') =>
    JSON.stringify({
      Fault: { Error: [{ Message: message, Detail: detail, code, element }], type },
      time: '2017-09-29T09:17:31.892-07:00',
    }),
  invalidReferenceXml:
    '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2015-01-01T00:00:00.000-08:00"><Fault type="ValidationFault"><Error code="2500" element=""><Message>Invalid Reference Id</Message><Detail>Invalid Reference Id : Something you\'re trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.</Detail></Error></Fault></IntuitResponse>',
} as const;

describe('the fault parser reads every envelope QuickBooks sends', () => {
  it('reads the lowercase 401/3200 envelope as authentication, without the token prefix Intuit echoes', () => {
    const accessToken = 'eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..aRealLookingAccessTokenBody';
    const error = parseFailure(401, CAPTURES.expiredToken(`Token expired: ${accessToken.slice(0, 12)}`), {
      ...api,
      secrets: [accessToken],
    });
    expect(error).toMatchObject({ kind: 'authentication', status: 401, code: '3200', retryable: true });
    expect(error.detail).toBe('Token expired: [redacted]');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(accessToken.slice(0, 8));
  });

  it('removes the echo even when the token that was sent is unknown to the parser', () => {
    const error = parseFailure(401, CAPTURES.expiredToken('Token expired: AB11700000000'), api);
    expect(error.detail).toBe('Token expired: [redacted]');
  });

  it('reads the other 3200 details: null and a malformed token', () => {
    expect(parseFailure(401, CAPTURES.expiredToken(null), api)).toMatchObject({
      kind: 'authentication',
      detail: undefined,
    });
    expect(
      parseFailure(401, CAPTURES.expiredToken('Malformed bearer token: too short or too long'), api),
    ).toMatchObject({ kind: 'authentication', detail: 'Malformed bearer token: too short or too long' });
  });

  it('reads the XML 401/100 as wrong_realm (token valid, company not)', () => {
    const error = parseFailure(401, CAPTURES.wrongRealm, api);
    expect(error).toMatchObject({
      kind: 'wrong_realm',
      code: '100',
      status: 401,
      retryable: false,
      detail: 'AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401',
    });
    expect(error.message).toContain('AuthenticationFault');
    expect(error.message).toContain('General Authentication Error');
  });

  it("reads the XML 401/120 (Intuit's 'AuthorizatonFault') as reauthorization", () => {
    const error = parseFailure(401, CAPTURES.lostAccess, api);
    expect(error).toMatchObject({ kind: 'reauthorization', code: '120', retryable: false });
    expect(error.detail).toContain('You do not have access to use QuickBooks Online Plus.');
  });

  it('reads the lowercase 403/3100 as scope', () => {
    expect(parseFailure(403, CAPTURES.notAuthorized, api)).toMatchObject({
      kind: 'scope',
      code: '3100',
      status: 403,
      retryable: false,
      detail: undefined,
    });
  });

  it('reads the XML 429/3001 as throttled, waiting 60 s when no Retry-After came', () => {
    const error = parseFailure(429, CAPTURES.throttled, api);
    expect(error).toMatchObject({
      kind: 'throttled',
      code: '3001',
      retryable: true,
      retryAfterMs: DEFAULT_THROTTLE_WAIT_MS,
      detail: 'The request limit was reached.  Try again later',
    });
    expect(error.message).toContain('message=ThrottleExceeded; errorCode=003001; statusCode=429');
  });

  it('takes the wait from Retry-After when it is there', () => {
    expect(parseFailure(429, CAPTURES.throttled, { ...api, retryAfter: '7' }).retryAfterMs).toBe(7000);
  });

  it('reads the 2016 throttle (HTTP 403 with code 3001) as throttled, not scope', () => {
    expect(parseFailure(403, CAPTURES.throttled, api).kind).toBe('throttled');
  });

  it('reads the documented JSON Fault: code, Detail and element', () => {
    const error = parseFailure(400, CAPTURES.gstMissing, api);
    expect(error).toMatchObject({
      kind: 'validation',
      code: '6000',
      status: 400,
      retryable: false,
      element: undefined,
      detail:
        'Business Validation Error: Make sure all your transactions have a GST/HST rate before you save.',
    });
    const withElement = parseFailure(
      400,
      CAPTURES.jsonFault(
        '2020',
        'Required param missing, need to supply the required value for the API',
        'Required parameter CustomerRef is missing in the request',
        'CustomerRef',
      ),
      api,
    );
    expect(withElement).toMatchObject({ kind: 'validation', code: '2020', element: 'CustomerRef' });
  });

  it.each([
    ['6240', 'Duplicate Name Exists Error', 'validation'],
    ['6140', 'Duplicate Document Number Error', 'validation'],
    ['6210', 'Account Period Closed', 'validation'],
    ['2050', 'String length specified does not match the supported length', 'validation'],
    ['4000', 'Error parsing query', 'validation'],
    ['620', 'TxnID Cannot Be Linked', 'validation'],
    ['5010', 'Stale Object Error', 'stale_object'],
    ['2500', 'Invalid Reference Id', 'bad_reference'],
  ] as const)('classifies code %s (%s) as %s', (code, message, kind) => {
    expect(parseFailure(400, CAPTURES.jsonFault(code, message, `${message} : detail`), api).kind).toBe(kind);
  });

  it('reads a 610 as not_found on a read and bad_reference on a write', () => {
    const body = CAPTURES.jsonFault(
      '610',
      'Object Not Found',
      'Object Not Found : Something you\u2019re trying to use has been made inactive.',
    );
    expect(parseFailure(400, body, { ...api, intent: 'read' }).kind).toBe('not_found');
    expect(parseFailure(400, body, { ...api, intent: 'write' }).kind).toBe('bad_reference');
  });

  it('reads the XML ValidationFault with an element attribute', () => {
    const error = parseFailure(400, CAPTURES.invalidReferenceXml, api);
    expect(error).toMatchObject({ kind: 'bad_reference', code: '2500', element: undefined });
    expect(error.detail).toMatch(/^Invalid Reference Id : Something you're trying to use/);
  });

  it('reads 500/10000 SystemFault and 5xx without a body as transient', () => {
    const systemFault = CAPTURES.jsonFault(
      '10000',
      'An application error has occurred while processing your request',
      'System Failure Error: Could not find resource for relative : /v3/company/1/nope',
      '',
      'SystemFault',
    );
    expect(parseFailure(500, systemFault, api)).toMatchObject({ kind: 'transient', retryable: true });
    expect(parseFailure(503, '<html>Service Unavailable</html>', api)).toMatchObject({
      kind: 'transient',
      status: 503,
    });
    expect(parseFailure(502, '', api).kind).toBe('transient');
  });

  it('classifies bodies without an envelope by status', () => {
    expect(parseFailure(400, 'Bad Request', api).kind).toBe('validation');
    expect(parseFailure(404, '', { ...api, intent: 'read' }).kind).toBe('not_found');
    expect(parseFailure(401, '', api).kind).toBe('authentication');
    expect(parseFailure(429, '', api)).toMatchObject({ kind: 'throttled', retryAfterMs: 60_000 });
  });

  it('reads a Fault inside a 200 answer (Intuit: "the response body may contain a <Fault>")', () => {
    const body = CAPTURES.jsonFault('6000', 'A business validation error', 'Business Validation Error: x');
    expect(faultInBody(JSON.parse(body))).toBe(true);
    expect(faultInBody({ Invoice: { Id: '1' }, time: 'x' })).toBe(false);
    expect(parseFailure(200, body, api)).toMatchObject({ kind: 'validation', status: 200, code: '6000' });
  });

  it('reads the Fault of one batch item', () => {
    const error = parseBatchItemFault(
      {
        Error: [
          {
            Message: 'Stale Object Error',
            Detail:
              'Stale Object Error : You and root were working on this at the same time. root finished before you did, so your work was not saved.',
            code: '5010',
            element: '',
          },
        ],
        type: 'ValidationFault',
      },
      api,
    );
    expect(error).toMatchObject({ kind: 'stale_object', code: '5010', status: undefined, retryable: true });
  });

  it('decodes the predefined XML entities and never expands declared ones', () => {
    const hostile =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY boom "aaaaaaaaaa">]><Fault type="ValidationFault"><Error code="6000"><Message>Tom &amp; Jerry&#39;s &lt;b&gt; &#x41;</Message><Detail>&boom;&boom;</Detail></Error></Fault>';
    const error = parseFailure(400, hostile, api);
    expect(error.message).toContain("Tom & Jerry's <b> A");
    expect(error.detail).toBe('&boom;&boom;');
  });

  it('strips leading zeros Intuit puts in codes (003001)', () => {
    const body = '<Fault type="SERVICE"><Error code="003001"><Message>x</Message></Error></Fault>';
    expect(parseFailure(503, body, api)).toMatchObject({ kind: 'throttled', code: '3001' });
  });
});

describe('the fault parser reads OAuth token-endpoint errors', () => {
  it.each([
    ['{"error":"invalid_grant"}', 400, 'reauthorization', undefined],
    [
      '{"error_description":"Token invalid","error":"invalid_grant"}',
      400,
      'reauthorization',
      'Token invalid',
    ],
    [
      '{"error":"invalid_grant","error_description":"Incorrect or invalid refresh token"}',
      400,
      'reauthorization',
      'Incorrect or invalid refresh token',
    ],
    ['{"error":"invalid_client"}', 401, 'configuration', undefined],
    [
      '{"error":"invalid_request","error_description":"token is missing"}',
      400,
      'configuration',
      'token is missing',
    ],
    ['{"error":"unauthorized_client"}', 400, 'configuration', undefined],
    ['{"error":"unsupported_grant_type"}', 400, 'configuration', undefined],
    ['{"error":"temporarily_unavailable"}', 503, 'transient', undefined],
  ] as const)('%s (HTTP %i) is %s', (body, status, kind, detail) => {
    const error = parseFailure(status, body, oauth);
    expect(error).toMatchObject({ kind, status, detail, code: JSON.parse(body).error });
  });

  it('classifies token-endpoint answers without JSON by status', () => {
    expect(parseFailure(503, '<html>down</html>', oauth).kind).toBe('transient');
    expect(parseFailure(429, '', oauth).kind).toBe('throttled');
    expect(parseFailure(401, '', oauth).kind).toBe('configuration');
    expect(parseFailure(404, 'Not Found', oauth).kind).toBe('configuration');
  });

  it('never keeps the refresh token Intuit quotes back', () => {
    const refreshToken = 'AB11700000000000000000000000000000000000000000000x';
    const error = parseFailure(
      400,
      JSON.stringify({
        error: 'invalid_grant',
        error_description: `Refresh token not found: ${refreshToken.slice(0, 14)}…`,
      }),
      { ...oauth, secrets: [refreshToken] },
    );
    expect(error.detail).toBe('Refresh token not found: [redacted]…');
    expect(error.message).not.toContain(refreshToken.slice(0, 8));
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, and falls back to 60 s', () => {
    expect(retryAfterMs('120', NOW)).toBe(120_000);
    expect(retryAfterMs(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(retryAfterMs(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
    expect(retryAfterMs(undefined, NOW)).toBe(60_000);
    expect(retryAfterMs('soon', NOW)).toBe(60_000);
  });
});
