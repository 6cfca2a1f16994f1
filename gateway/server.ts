/**
 * The gateway process (`npm run gateway`, `npm start`, the e2e tests and benchmarks): Hive Gateway's
 * runtime in front of the demo host subgraph and this subgraph, served by node:http for HTTP and SSE and
 * by our own graphql-ws server on the same path (gateway/graphql-ws.ts), run by Node's type stripping.
 *
 * Hive Gateway's CLI would serve the same runtime, but builds its graphql-ws server with fixed options:
 * no check at connection_init, no per-socket cap, refusals as `next` + `complete` (docs/gateway.md).
 * Production runs behind the platform's own gateway; see docs/gateway.md for what it must keep.
 *
 * Settings come from the environment, parsed and checked once (gateway/settings.ts): a bad or unsafe one
 * stops the gateway with exit code 78, as the subgraph does.
 */
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// Node's type stripping runs this file and gateway/, so imports name the .ts file.
// @ts-expect-error TS5097: see above.
import { createConnectionTokenVerifier } from './auth.ts';
// @ts-expect-error TS5097: see above.
import { createErrorMasker } from './errors.ts';
// @ts-expect-error TS5097: see above.
import { attachGraphqlWs } from './graphql-ws.ts';
// @ts-expect-error TS5097: see above.
import { createGatewayLogger } from './logging.ts';
// @ts-expect-error TS5097: see above.
import { gatewayRuntimeOptions } from './options.ts';
// @ts-expect-error TS5097: see above.
import { GatewaySettingsError, loadGatewaySettings, type GatewaySettings } from './settings.ts';

function loadSettingsOrExit(): GatewaySettings {
  try {
    return loadGatewaySettings(process.env);
  } catch (error) {
    if (!(error instanceof GatewaySettingsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG, as the subgraph
  }
}

const settings = loadSettingsOrExit();
const logger = createGatewayLogger({
  level: settings.logLevel,
  redact: settings.production,
  json: settings.logJson,
});
const maskError = createErrorMasker(logger);
const runtime = createGatewayRuntime(await gatewayRuntimeOptions(settings, { logger, maskError }));
// A missing or unreadable supergraph stops the start here, not the first request.
await runtime.getSchema();

const httpServer = http.createServer(runtime);
const graphqlWs = attachGraphqlWs(httpServer, {
  runtime,
  limits: settings.subscriptions,
  verifyToken: createConnectionTokenVerifier(settings.auth),
  maskError,
  logger,
});

/**
 * Responses that stream (SSE, incremental delivery): a subscription over SSE never ends by itself, so a
 * stop ends these at once (the browser's EventSource reconnects, to another instance in a rolling deploy)
 * and lets the other requests finish. Told apart by what the client accepts: a response's headers are
 * written in one go by Yoga, out of `getHeader`'s sight.
 */
const STREAMING_ACCEPT = /text\/event-stream|multipart\/mixed/;
const streams = new Set<http.ServerResponse>();
httpServer.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
  if (!STREAMING_ACCEPT.test(request.headers.accept ?? '')) return;
  streams.add(response);
  response.once('close', () => streams.delete(response));
});

/**
 * Stops taking connections, closes every graphql-ws socket (1001 Going away), ends SSE streams and waits
 * for the other requests (each bounded by GATEWAY_REQUEST_TIMEOUT_MS).
 */
async function closeServers(): Promise<void> {
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  // A keep-alive connection whose request ends from now on would stay open for keepAliveTimeout (5 s).
  const idleSweep = setInterval(() => httpServer.closeIdleConnections(), 100);
  // graphql-ws waits for each socket's closing handshake; a client that never answers is cut after 1 s.
  const unanswered = setTimeout(() => {
    for (const socket of graphqlWs.wsServer.clients) socket.terminate();
  }, 1000);
  try {
    await graphqlWs.dispose();
  } catch (error) {
    logger.warn({ err: error }, 'could not close the graphql-ws server cleanly');
  }
  clearTimeout(unanswered);
  for (const response of streams) response.destroy();
  await closed;
  clearInterval(idleSweep);
}

/**
 * Yoga disposes of the runtime on SIGTERM and SIGINT by itself (createGatewayRuntime turns on its
 * disposeOnProcessTerminate). Deferred onto the runtime's disposal stack, which runs last-in first-out,
 * the servers close before what their requests need (subgraph connections, upstream subscriptions) is
 * disposed of, whichever listener starts the disposal. The process then exits by itself, with nothing
 * left to wait for; GATEWAY_SHUTDOWN_TIMEOUT_MS bounds it all.
 */
runtime.disposableStack.defer(closeServers);

let stopping = false;
function onSignal(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // Unreferenced: it fires only if something is still running when it is due.
  setTimeout(() => {
    logger.warn(`shutdown took longer than ${settings.shutdownTimeoutMs} ms; exiting`);
    process.exit(1);
  }, settings.shutdownTimeoutMs).unref();
  Promise.resolve(runtime.dispose()).catch((error: unknown) => {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  });
}
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

try {
  httpServer.listen(settings.port, settings.host);
  await once(httpServer, 'listening');
} catch (error) {
  logger.error({ err: error }, 'could not listen');
  process.exit(1);
}
const { port } = httpServer.address() as AddressInfo;
logger.info(`Listening on http://${settings.host}:${port}${runtime.graphqlEndpoint}`);
