import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { GraphQLClient } from 'graphql-request';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startHostSubgraph, type HostSubgraph } from '../../../examples/host-subgraph/src/index.js';
import { startSandbox, type Sandbox } from '../../../sandbox/src/index.js';
import { QUICKBOOKS_CALLBACK_PATH } from '../../../src/config.js';
import { freePort, stopChild, waitForPort } from '../../../scripts/services/index.js';
import { startTestApi, type TestApi } from '../../support/api.js';
import type { TokenClaims } from '../../../src/auth/dev-tokens.js';
import { TEST_JWT_SECRET, tokenFor } from '../../support/harness.js';
import { gatewayEnv, spawnGateway } from './gateway.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');

export interface Graph {
  gatewayUrl: string;
  api: TestApi;
  host: HostSubgraph;
  /** graphql-request client for the gateway; with claims, it carries a token signed for them. */
  client(claims?: TokenClaims): Promise<GraphQLClient>;
  /** graphql-ws client for the gateway, disposed on close(). */
  wsClient(claims?: TokenClaims): Promise<Client>;
  /**
   * Records an invoice's status change the way a worker process does (test/support/record-status.ts, its
   * own process), so subscribers hear of it through Redis as in production.
   */
  recordStatus(tenant: string, invoiceId: string, state: string): Promise<void>;
  /** What the gateway process has written to stdout and stderr so far (its log). */
  gatewayOutput(): string;
  close(): Promise<void>;
}

/**
 * The federated path as users reach it: the real gateway (gateway/server.ts, Hive Gateway's runtime, as a
 * child process serving the committed supergraph.graphql) in front of the demo host subgraph and this
 * subgraph, both in-process so tests can inspect them. Only the subgraph URLs differ from `npm start`.
 */
export async function startGraph(
  options: {
    api?: Record<string, string>;
    /** The host announces finalize / edit / void to this subgraph through its QuickBooks hook. */
    notifyQuickBooks?: boolean;
  } = {},
): Promise<Graph> {
  const port = await freePort();
  // The API reads invoices (mapping status, suggestions) through the gateway, as in production.
  const api = await startTestApi({ HOST_GRAPHQL_URL: `http://127.0.0.1:${port}/graphql`, ...options.api });
  const host = await startHostSubgraph({
    port: 0,
    auth: { secret: TEST_JWT_SECRET },
    ...(options.notifyQuickBooks ? { quickbooksNotify: { url: api.url } } : {}),
  });
  const { child: gateway, output } = spawnGateway(
    gatewayEnv(port, { HOST_SUBGRAPH_URL: host.url, QUICKBOOKS_SUBGRAPH_URL: api.url }),
  );
  const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
  const wsClients: Client[] = [];

  const stopGateway = () => stopChild(gateway, 10_000);
  try {
    await waitForPort('127.0.0.1', port, 30_000, 'gateway');
  } catch (error) {
    await stopGateway();
    await Promise.all([api.close(), host.close()]);
    throw new Error(`${(error as Error).message}\n${output()}`, { cause: error });
  }

  const authorization = async (claims?: TokenClaims) =>
    claims ? `Bearer ${await tokenFor(claims)}` : undefined;

  return {
    gatewayUrl,
    api,
    host,
    async client(claims) {
      const value = await authorization(claims);
      return new GraphQLClient(gatewayUrl, { headers: value ? { authorization: value } : {} });
    },
    async wsClient(claims) {
      const value = await authorization(claims);
      const client = createClient({
        url: gatewayUrl.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: value ? { authorization: value } : {},
        retryAttempts: 0,
      });
      wsClients.push(client);
      return client;
    },
    async recordStatus(tenant, invoiceId, state) {
      await run(
        path.join(root, 'node_modules/.bin/tsx'),
        ['test/support/record-status.ts', tenant, invoiceId, state],
        {
          cwd: root,
          env: {
            ...process.env,
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            MONGODB_URI: api.config.mongo.uri,
            MONGODB_DB_NAME: api.config.mongo.dbName,
            REDIS_URL: api.config.redis.url,
            REDIS_PREFIX: api.config.redis.prefix,
            AUTH_MODE: 'dev-insecure',
          },
        },
      );
    },
    gatewayOutput: output,
    async close() {
      await Promise.all(wsClients.map((c) => c.dispose()));
      await stopGateway();
      await Promise.all([api.close(), host.close()]);
    },
  };
}

/**
 * The graph with a QuickBooks emulator of its own whose consent page waits for a person (manual mode), and
 * this subgraph's OAuth callback registered with the emulator's default app, so a test can walk the
 * connect flow as a browser does.
 */
export async function startGraphWithEmulator(
  options: { api?: Record<string, string>; notifyQuickBooks?: boolean } = {},
): Promise<{ sandbox: Sandbox; graph: Graph }> {
  const sandbox = await startSandbox({ port: 0, settings: { oauth: { authorizeMode: 'manual' } } });
  try {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    sandbox.control.updateApp(sandbox.app.clientId, {
      redirectUris: [...sandbox.app.redirectUris, `${publicUrl}${QUICKBOOKS_CALLBACK_PATH}`],
    });
    const graph = await startGraph({
      ...options,
      api: {
        PORT: String(port),
        PUBLIC_URL: publicUrl,
        QUICKBOOKS_EMULATOR_URL: sandbox.url,
        ...options.api,
      },
    });
    return { sandbox, graph };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}
