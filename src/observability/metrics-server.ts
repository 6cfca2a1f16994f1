import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';

/** What a /metrics handler needs: the text, and who may read it. */
export interface MetricsEndpoint {
  metrics: Pick<Metrics, 'render'>;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
}

/** Constant-time comparison of a bearer token (hashed first, so lengths leak nothing either). */
export function metricsAuthorized(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

/** Status, headers and body of a GET /metrics, for Express and the bare listener alike. */
export async function answerMetrics(
  endpoint: MetricsEndpoint,
  authorization: string | undefined,
): Promise<{ status: number; contentType: string; body: string }> {
  if (!metricsAuthorized(authorization, endpoint.token)) {
    return { status: 401, contentType: 'text/plain; charset=utf-8', body: 'unauthorized\n' };
  }
  const { contentType, body } = await endpoint.metrics.render();
  return { status: 200, contentType, body };
}

export interface RunningMetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A small HTTP listener serving GET /metrics (and /health) for a process without an HTTP server of its
 * own: the worker. Bound to `host` (127.0.0.1 unless told otherwise), token-checked when a token is set.
 */
export async function startMetricsServer(options: {
  metrics: Pick<Metrics, 'render'>;
  port: number;
  host: string;
  token?: string;
  logger: Pick<Logger, 'warn' | 'info'>;
}): Promise<RunningMetricsServer> {
  const { logger } = options;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/health')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    answerMetrics(options, req.headers.authorization).then(
      ({ status, contentType, body }) => res.writeHead(status, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        logger.warn({ err: error }, 'could not render metrics');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  });
  // A scraper that stalls must not pin sockets: the answer is small and immediate.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ host: options.host, port }, 'metrics listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * The worker's listener from its settings: undefined (nothing listens) when WORKER_METRICS_PORT is unset.
 * Unlike the API's public port, this one exists only when an operator asks for it, on
 * WORKER_METRICS_HOST (127.0.0.1 by default), so it is served in production too; METRICS_TOKEN, when set,
 * is required here as well.
 */
export async function startWorkerMetricsServer(
  settings: { token?: string; workerPort?: number; workerHost: string },
  metrics: Pick<Metrics, 'render'>,
  logger: Pick<Logger, 'warn' | 'info'>,
): Promise<RunningMetricsServer | undefined> {
  if (settings.workerPort === undefined) return undefined;
  return startMetricsServer({
    metrics,
    port: settings.workerPort,
    host: settings.workerHost,
    token: settings.token,
    logger,
  });
}
