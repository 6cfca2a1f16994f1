import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { QuickBooksError } from '../../../src/quickbooks/errors.js';
import { GovernorTimeoutError, type AcquireOptions } from '../../../src/quickbooks/governor.js';
import {
  GOVERNOR_BUSY_CODE,
  QuickBooksHttp,
  type ApiRequest,
  type RequestGovernor,
} from '../../../src/quickbooks/http.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import {
  startMetricsServer,
  startWorkerMetricsServer,
  type RunningMetricsServer,
} from '../../../src/observability/metrics-server.js';

/** An in-memory stand-in for the Redis governor: records grants, releases and pauses. */
class RecordingGovernor implements RequestGovernor {
  readonly acquired: Array<{ realmId: string } & AcquireOptions> = [];
  readonly pauses: Array<[string, number | undefined]> = [];
  released = 0;
  refuse?: Error;

  async acquire(realmId: string, options: AcquireOptions = {}) {
    if (this.refuse) throw this.refuse;
    this.acquired.push({ realmId, ...options });
    return {
      realmId,
      cost: options.cost ?? 1,
      release: async () => {
        this.released += 1;
      },
    };
  }

  async pauseRealm(realmId: string, ms?: number) {
    this.pauses.push([realmId, ms]);
  }

  costOfBatch(items: number) {
    return items;
  }
}

const REALM = '9341455130166501';
const read: ApiRequest = {
  method: 'GET',
  realmId: REALM,
  path: '/customer/1',
  accessToken: 'access-token',
  intent: 'read',
  operation: 'read',
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const throttle = (headers: Record<string, string> = {}) =>
  new Response(
    '<IntuitResponse><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message></Error></Fault></IntuitResponse>',
    { status: 429, headers: { 'content-type': 'application/xml', ...headers } },
  );
const refused = new TypeError('fetch failed', {
  cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
});

function sender(answers: (Response | Error)[], metrics: Metrics, governor?: RequestGovernor) {
  return new QuickBooksHttp({
    apiBaseUrl: 'https://qbo.example',
    timeoutMs: 1000,
    fetch: async () => {
      const next = answers.shift();
      if (!next) throw new Error('no scripted answer left');
      if (next instanceof Error) throw next;
      return next;
    },
    now: () => 0,
    sleep: async () => undefined,
    random: () => 0.5,
    logger: pino({ level: 'silent' }),
    retry: { maxAttempts: 2 },
    governor,
    metrics: metrics.requests,
  });
}

async function valueOf(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return match?.value ?? 0;
}

describe('QuickBooks request metrics', () => {
  it('counts an answered request by operation and HTTP status, and no 429', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    await sender([json(200, { Customer: { Id: '1', SyncToken: '0' } })], metrics).send(read);

    expect(await valueOf(metrics, 'qbo_requests_total', { operation: 'read', status: '200' })).toBe(1);
    expect(await valueOf(metrics, 'qbo_throttled_total')).toBe(0);
    const { body } = await metrics.render();
    expect(body).toContain('qbo_requests_total{operation="read",status="200",process="worker"} 1');
    expect(body).not.toContain(REALM);
  });

  it('counts a 429 as a request with status 429 and as a throttle', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    const failure = await sender([throttle({ 'retry-after': '30' })], metrics)
      .send(read)
      .catch((e: unknown) => e);

    expect(failure).toMatchObject({ kind: 'throttled', status: 429 });
    expect(await valueOf(metrics, 'qbo_requests_total', { operation: 'read', status: '429' })).toBe(1);
    expect(await valueOf(metrics, 'qbo_throttled_total')).toBe(1);
  });

  it('counts a request that got no answer as status network, once per attempt', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    const failure = await sender([refused, refused], metrics)
      .send(read)
      .catch((e: unknown) => e);

    expect(failure).toMatchObject({ kind: 'transient' });
    expect(await valueOf(metrics, 'qbo_requests_total', { operation: 'read', status: 'network' })).toBe(2);
    expect(await valueOf(metrics, 'qbo_throttled_total')).toBe(0);
  });
});

describe('the sender and the governor', () => {
  it('takes a grant per attempt and gives it back when the attempt failed', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    const governor = new RecordingGovernor();
    await sender([refused, json(200, { Customer: { Id: '1', SyncToken: '0' } })], metrics, governor).send(
      read,
    );

    expect(governor.acquired).toEqual([{ realmId: REALM }, { realmId: REALM }]);
    expect(governor.released).toBe(2);
  });

  it('charges a batch its items and marks it as a batch', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    const governor = new RecordingGovernor();
    await sender([json(200, { BatchItemResponse: [] })], metrics, governor).send({
      method: 'POST',
      realmId: REALM,
      path: '/batch',
      body: { BatchItemRequest: [{ bId: '1' }, { bId: '2' }, { bId: '3' }] },
      accessToken: 'access-token',
      intent: 'write',
      requestId: 'batch-1',
      operation: 'batch',
    });
    expect(governor.acquired).toEqual([{ realmId: REALM, cost: 3, batch: true }]);
  });

  it("pauses the realm for Retry-After after a 429, else Intuit's 60 s", async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    const governor = new RecordingGovernor();
    await sender([throttle({ 'retry-after': '30' })], metrics, governor)
      .send(read)
      .catch(() => undefined);
    await sender([throttle()], metrics, governor)
      .send(read)
      .catch(() => undefined);
    expect(governor.pauses).toEqual([
      [REALM, 30_000],
      [REALM, 60_000],
    ]);
    expect(governor.released).toBe(2);
  });

  it('does not send without the governor: a Redis failure is transient and retried, nothing reaches Intuit', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    const governor = new RecordingGovernor();
    governor.refuse = new Error('Command timed out');
    const failure = await sender([json(200, {})], metrics, governor)
      .send(read)
      .catch((e: unknown) => e);

    expect(failure).toMatchObject({ kind: 'transient', retryable: true, realmId: REALM });
    expect((failure as Error).message).toContain('rate governor');
    expect(await valueOf(metrics, 'qbo_requests_total', { operation: 'read' })).toBe(0);
  });

  it('reports a realm that did not admit the request as a retryable throttle, sent nowhere and not retried', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    const governor = new RecordingGovernor();
    governor.refuse = new GovernorTimeoutError(REALM, 'paused', 0, 12_000);
    const failure = await sender([], metrics, governor)
      .send(read)
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(QuickBooksError);
    expect(failure).toMatchObject({
      kind: 'throttled',
      code: GOVERNOR_BUSY_CODE,
      retryable: true,
      retryAfterMs: 12_000,
      realmId: REALM,
    });
    expect((failure as QuickBooksError).status).toBeUndefined();
    expect(governor.pauses).toEqual([]);
    expect(await valueOf(metrics, 'qbo_requests_total', { operation: 'read' })).toBe(0);
  });
});

describe('push, governor and queue metrics', () => {
  it('counts push outcomes, folds unknown ones into OTHER, and observes enqueue-to-synced', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    metrics.push.pushFinished('SYNCED', 4.2);
    metrics.push.pushFinished('SYNCED', 1.1);
    metrics.push.pushFinished('DEAD');
    metrics.push.pushFinished('tenant-42');

    expect(await valueOf(metrics, 'qbo_pushes_total', { outcome: 'SYNCED' })).toBe(2);
    expect(await valueOf(metrics, 'qbo_pushes_total', { outcome: 'DEAD' })).toBe(1);
    expect(await valueOf(metrics, 'qbo_pushes_total', { outcome: 'FAILED' })).toBe(0);
    expect(await valueOf(metrics, 'qbo_pushes_total', { outcome: 'OTHER' })).toBe(1);
    const { body } = await metrics.render();
    expect(body).toContain('qbo_push_enqueue_to_synced_seconds_count{process="worker"} 2');
    expect(body).toContain('qbo_push_enqueue_to_synced_seconds_bucket{le="5",process="worker"} 2');
    expect(body).not.toContain('tenant-42');
  });

  it('observes governor waits by reason and counts the ones that gave up', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    metrics.governorWait({ realmId: REALM, reason: 'rate', waitedMs: 1500, gaveUp: false });
    metrics.governorWait({ realmId: REALM, reason: 'paused', waitedMs: 0, gaveUp: true });
    const { body } = await metrics.render();
    expect(body).toContain('qbo_governor_wait_seconds_bucket{le="2",process="worker",reason="rate"} 1');
    expect(body).toContain('qbo_governor_wait_seconds_sum{process="worker",reason="rate"} 1.5');
    expect(body).toContain('qbo_governor_timeouts_total{reason="paused",process="worker"} 1');
    expect(body).toContain('qbo_governor_timeouts_total{reason="rate",process="worker"} 0');
    expect(body).not.toContain(REALM);
  });

  it('reads queue depths at scrape time and leaves out a queue it cannot read', async () => {
    const metrics = createMetrics({ process: 'api', defaultMetrics: false });
    let waiting = 3;
    metrics.watchQueues([
      {
        name: 'qbo-invoice-push',
        getJobCounts: async () => ({ waiting, delayed: 1, active: 2, failed: 0, completed: 99 }),
      },
      { name: 'broken', getJobCounts: async () => Promise.reject(new Error('Redis down')) },
    ]);
    expect(await valueOf(metrics, 'qbo_queue_jobs', { queue: 'qbo-invoice-push', state: 'waiting' })).toBe(3);
    waiting = 7;
    const { body } = await metrics.render();
    expect(body).toContain('qbo_queue_jobs{queue="qbo-invoice-push",state="waiting",process="api"} 7');
    expect(body).toContain('qbo_queue_jobs{queue="qbo-invoice-push",state="delayed",process="api"} 1');
    expect(body).not.toContain('state="completed"');
    expect(body).not.toContain('queue="broken"');
  });

  it('includes the default process metrics', async () => {
    const metrics = createMetrics({ process: 'api' });
    expect((await metrics.render()).body).toContain('process_cpu_user_seconds_total');
  });
});

describe('the /metrics listener', () => {
  let server: RunningMetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const logger = pino({ level: 'silent' });

  it('answers GET /metrics in the Prometheus text format', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    metrics.push.pushFinished('SYNCED', 2);
    server = await startMetricsServer({ metrics, port: 0, host: '127.0.0.1', logger });
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE qbo_pushes_total counter');
    expect(text).toContain('qbo_pushes_total{outcome="SYNCED",process="worker"} 1');
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });

  it('requires the bearer token when one is set', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    const token = 'metrics-token-that-is-long-enough-0123';
    server = await startMetricsServer({ metrics, port: 0, host: '127.0.0.1', token, logger });
    const url = `http://127.0.0.1:${server.port}/metrics`;

    const without = await fetch(url);
    expect(without.status).toBe(401);
    expect(await without.text()).not.toContain('qbo_');
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const withToken = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(withToken.status).toBe(200);
    expect(await withToken.text()).toContain('qbo_pushes_total');
  });
});

describe("the worker's metrics listener", () => {
  const logger = pino({ level: 'silent' });

  it('is off without WORKER_METRICS_PORT and listens with it', async () => {
    const metrics = createMetrics({ process: 'worker', defaultMetrics: false });
    expect(await startWorkerMetricsServer({ workerHost: '127.0.0.1' }, metrics, logger)).toBeUndefined();
    const server = await startWorkerMetricsServer(
      { workerHost: '127.0.0.1', workerPort: 0 },
      metrics,
      logger,
    );
    try {
      const response = await fetch(`http://127.0.0.1:${server!.port}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('qbo_queue_jobs');
    } finally {
      await server?.close();
    }
  });
});
