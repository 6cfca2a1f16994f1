import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { QuickBooksError } from '../../../src/quickbooks/errors.js';
import { GovernorTimeoutError, type GovernorWaitReason } from '../../../src/quickbooks/governor.js';
import {
  BUSY_RETRY_SPREAD_MS,
  GOVERNOR_BUSY_CODE,
  IN_FLIGHT_RETRY_MIN_MS,
  MINOR_VERSION,
  QuickBooksHttp,
  failedBeforeSending,
  networkFailure,
  type ApiRequest,
} from '../../../src/quickbooks/http.js';

/** What undici's fetch throws, as seen from Node 24. */
const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const refused = fetchFailed(withCode('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'));
const refusedBothFamilies = fetchFailed(
  Object.assign(
    new AggregateError([withCode('::1', 'ECONNREFUSED'), withCode('127.0.0.1', 'ECONNREFUSED')]),
    {
      code: 'ECONNREFUSED',
    },
  ),
);
const closedAfterSending = fetchFailed(withCode('other side closed', 'UND_ERR_SOCKET'));
const reset = fetchFailed(withCode('read ECONNRESET', 'ECONNRESET'));
const timedOut = new DOMException('The operation was aborted due to timeout', 'TimeoutError');

describe('a request that got no answer', () => {
  it('is known never to have left when connecting failed', () => {
    expect(failedBeforeSending(refused)).toBe(true);
    expect(failedBeforeSending(refusedBothFamilies)).toBe(true);
    expect(failedBeforeSending(fetchFailed(withCode('getaddrinfo ENOTFOUND x', 'ENOTFOUND')))).toBe(true);
    expect(failedBeforeSending(closedAfterSending)).toBe(false);
    expect(failedBeforeSending(reset)).toBe(false);
    expect(failedBeforeSending(timedOut)).toBe(false);
    expect(failedBeforeSending(new Error('no code'))).toBe(false);
  });

  it('is transient when never sent, even for a write', () => {
    expect(networkFailure(refused, { intent: 'write', timeoutMs: 1000 }).kind).toBe('transient');
  });

  it('is ambiguous for a write that may have reached QuickBooks, transient for a read', () => {
    for (const failure of [closedAfterSending, reset, timedOut]) {
      expect(networkFailure(failure, { intent: 'write', timeoutMs: 1000 }).kind).toBe('ambiguous');
      expect(networkFailure(failure, { intent: 'read', timeoutMs: 1000 }).kind).toBe('transient');
    }
    expect(networkFailure(timedOut, { intent: 'write', timeoutMs: 1500 }).message).toContain(
      'no answer within 1500 ms',
    );
  });
});

interface Sent {
  url: string;
  init: RequestInit;
}

/** The sender over a scripted fetch (the edge), with sleeps and log lines recorded instead of waited. */
function harness(answers: (Response | Error)[]) {
  const sent: Sent[] = [];
  const sleeps: number[] = [];
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const http = new QuickBooksHttp({
    apiBaseUrl: 'https://qbo.example/',
    timeoutMs: 1000,
    fetch: async (input, init) => {
      sent.push({ url: String(input), init: init ?? {} });
      const next = answers.shift();
      if (!next) throw new Error('no scripted answer left');
      if (next instanceof Error) throw next;
      return next;
    },
    now: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    logger: pino({ level: 'debug' }, stream),
  });
  return { http, sent, sleeps, lines };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', intuit_tid: `tid-${status}`, ...headers },
  });
const systemFault = () =>
  json(500, { Fault: { Error: [{ Message: 'An application error', code: '10000' }], type: 'SystemFault' } });

const token = 'eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..secret-access-token';
const create: ApiRequest = {
  method: 'POST',
  realmId: '9341455130166501',
  path: '/customer',
  body: { DisplayName: 'Nordlys Rørlegger AS' },
  accessToken: token,
  intent: 'write',
  requestId: 'req-1',
  operation: 'create',
};

describe('the request sender', () => {
  it('pins minorversion, puts the requestid on a write and sends JSON with the bearer token', async () => {
    const { http, sent } = harness([json(200, { Customer: { Id: '58', SyncToken: '0' } })]);
    const response = await http.send(create);
    expect(response).toEqual({
      status: 200,
      body: { Customer: { Id: '58', SyncToken: '0' } },
      intuitTid: 'tid-200',
      attempts: 1,
    });
    expect(sent[0]?.url).toBe(
      `https://qbo.example/v3/company/9341455130166501/customer?minorversion=${MINOR_VERSION}&requestid=req-1`,
    );
    expect(sent[0]?.init.headers).toEqual({
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'content-type': 'application/json',
    });
    expect(sent[0]?.init.body).toBe('{"DisplayName":"Nordlys Rørlegger AS"}');
  });

  it('encodes a query statement with %20 and sends no requestid on a read', async () => {
    const { http, sent } = harness([json(200, { QueryResponse: {} })]);
    await http.send({
      method: 'GET',
      realmId: '1',
      path: '/query',
      query: { query: "select * from Customer where DisplayName = 'Amy\\'s'" },
      accessToken: token,
      intent: 'read',
      operation: 'query',
    });
    const [, search] = (sent[0]?.url ?? '').split('?');
    expect(`?${search}`).toBe(
      "?query=select%20*%20from%20Customer%20where%20DisplayName%20%3D%20'Amy%5C's'" +
        `&minorversion=${MINOR_VERSION}`,
    );
    expect(new URL(sent[0]?.url ?? '').searchParams.get('query')).toBe(
      "select * from Customer where DisplayName = 'Amy\\'s'",
    );
  });

  it('retries a 500 with backoff, sending the same requestid and the same bytes each time', async () => {
    const { http, sent, sleeps } = harness([
      systemFault(),
      systemFault(),
      json(200, { Customer: { Id: '58', SyncToken: '0' } }),
    ]);
    const response = await http.send(create);
    expect(response.attempts).toBe(3);
    expect(sleeps).toEqual([250, 500]);
    expect(new Set(sent.map((s) => s.url)).size).toBe(1);
    expect(new Set(sent.map((s) => s.init.body)).size).toBe(1);
  });

  it('gives up after three attempts with the last failure and its intuit_tid', async () => {
    const { http, sleeps } = harness([systemFault(), systemFault(), systemFault()]);
    await expect(http.send(create)).rejects.toMatchObject({
      kind: 'transient',
      status: 500,
      code: '10000',
      intuitTid: 'tid-500',
      realmId: '9341455130166501',
    });
    expect(sleeps).toHaveLength(2);
  });

  it('returns a write that lost its answer to the caller at once, and retries such a read', async () => {
    const write = harness([closedAfterSending]);
    await expect(write.http.send(create)).rejects.toMatchObject({ kind: 'ambiguous' });
    expect(write.sent).toHaveLength(1);

    const read = harness([closedAfterSending, json(200, { Customer: { Id: '1', SyncToken: '0' } })]);
    const response = await read.http.send({ ...create, method: 'GET', intent: 'read', body: undefined });
    expect(response.attempts).toBe(2);
  });

  it('retries a write that never left (connection refused)', async () => {
    const { http, sent } = harness([refused, json(200, { Customer: { Id: '1', SyncToken: '0' } })]);
    await expect(http.send(create)).resolves.toMatchObject({ attempts: 2 });
    expect(sent).toHaveLength(2);
  });

  it('treats a Fault inside a 200 as a failure', async () => {
    const { http } = harness([
      json(200, { Fault: { Error: [{ Message: 'x', Detail: 'y', code: '6000' }], type: 'ValidationFault' } }),
    ]);
    await expect(http.send(create)).rejects.toMatchObject({ kind: 'validation', status: 200, code: '6000' });
  });

  it('treats a 200 it cannot read as ambiguous for a write', async () => {
    const { http } = harness([new Response('<html>', { status: 200 })]);
    await expect(http.send(create)).rejects.toMatchObject({ kind: 'ambiguous', status: 200 });
  });

  it('refuses a write without a usable requestid before sending anything', async () => {
    const { http, sent } = harness([]);
    await expect(http.send({ ...create, requestId: '' })).rejects.toThrow(RangeError);
    await expect(http.send({ ...create, requestId: 'x'.repeat(51) })).rejects.toThrow(RangeError);
    await expect(http.send({ ...create, path: '/batch', requestId: 'x'.repeat(37) })).rejects.toThrow(
      RangeError,
    );
    expect(sent).toHaveLength(0);
  });

  it('never logs the token, the body or the query string', async () => {
    const { http, lines } = harness([
      json(401, {
        fault: {
          error: [
            { message: 'AuthenticationFailed', detail: `Token expired: ${token.slice(0, 12)}`, code: '3200' },
          ],
          type: 'AUTHENTICATION',
        },
      }),
    ]);
    const failure = await http.send(create).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(QuickBooksError);
    expect(lines.length).toBeGreaterThan(0);
    const logged = lines.join('\n');
    expect(logged).toContain('tid-401');
    for (const leak of [token.slice(0, 8), 'Nordlys', 'requestid=', 'Bearer'])
      expect(logged).not.toContain(leak);
    expect(JSON.stringify({ ...(failure as QuickBooksError) })).not.toContain(token.slice(0, 8));
  });
});

describe('a request the rate governor turned away', () => {
  /** The sender over a governor that refuses every request for `reason`, with a scripted jitter. */
  function turnedAway(reason: GovernorWaitReason, retryAfterMs: number | undefined, random: number) {
    const fetched: string[] = [];
    const http = new QuickBooksHttp({
      apiBaseUrl: 'https://qbo.example',
      timeoutMs: 1000,
      fetch: async (input) => {
        fetched.push(String(input));
        return json(200, {});
      },
      now: () => 0,
      sleep: async () => undefined,
      random: () => random,
      logger: pino({ level: 'silent' }),
      governor: {
        acquire: async (realmId) => {
          throw new GovernorTimeoutError(realmId, reason, 1500, retryAfterMs);
        },
        pauseRealm: async () => undefined,
        costOfBatch: (items) => items,
      },
    });
    return { failure: http.send(create).catch((e: unknown) => e), fetched };
  }

  it("comes back when the company's window has room, spread so a burst does not return at once", async () => {
    const early = turnedAway('rate', 700, 0);
    const late = turnedAway('rate', 700, 0.999);
    expect(await early.failure).toMatchObject({
      kind: 'throttled',
      code: GOVERNOR_BUSY_CODE,
      retryAfterMs: 700,
    });
    expect(await late.failure).toMatchObject({
      retryAfterMs: 700 + Math.round(0.999 * BUSY_RETRY_SPREAD_MS),
    });
    expect([...early.fetched, ...late.fetched]).toEqual([]);
  });

  it('comes back after a short random wait when all in-flight slots were taken (no Intuit default of 60 s)', async () => {
    const { failure } = turnedAway('in_flight', undefined, 0.5);
    expect(await failure).toMatchObject({
      kind: 'throttled',
      code: GOVERNOR_BUSY_CODE,
      retryAfterMs: IN_FLIGHT_RETRY_MIN_MS + BUSY_RETRY_SPREAD_MS / 2,
    });
  });

  it("honours a pause after Intuit's 429 as it is", async () => {
    const { failure } = turnedAway('paused', 42_000, 0.9);
    expect(await failure).toMatchObject({
      kind: 'throttled',
      code: GOVERNOR_BUSY_CODE,
      retryAfterMs: 42_000,
    });
  });
});
