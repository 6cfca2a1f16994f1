import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { GraphQLClient } from 'graphql-request';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startHostSubgraph, type HostSubgraph } from '../../../examples/host-subgraph/src/index.js';
import { freePort, stopChild, waitForPort } from '../../../scripts/services/index.js';
import { startTestApi, type TestApi } from '../../support/api.js';
import { TEST_JWT_SECRET, tokenFor } from '../../support/harness.js';
import { gatewayEnv } from './gateway.js';

const root = path.resolve(import.meta.dirname, '../../..');
const gatewayBin = path.join(root, 'node_modules/@graphql-hive/gateway/dist/bin.js');

export interface Graph {
  gatewayUrl: string;
  api: TestApi;
  host: HostSubgraph;
  /** graphql-request client for the gateway; with claims, it carries a token signed for them. */
  client(claims?: { userId: string; tenants: string[] }): Promise<GraphQLClient>;
  /** graphql-ws client for the gateway, disposed on close(). */
  wsClient(claims?: { userId: string; tenants: string[] }): Promise<Client>;
  close(): Promise<void>;
}

/**
 * The federated path as users reach it: the real Hive Gateway (its CLI, as a child process, serving the
 * committed supergraph.graphql) in front of the demo host subgraph and this subgraph, both in-process so
 * tests can inspect them. Only the subgraph URLs differ from `npm start`.
 */
export async function startGraph(): Promise<Graph> {
  const api = await startTestApi();
  const host = await startHostSubgraph({ port: 0, auth: { secret: TEST_JWT_SECRET } });
  const port = await freePort();
  const output: string[] = [];
  const gateway: ChildProcess = spawn(process.execPath, [gatewayBin, 'supergraph', 'supergraph.graphql'], {
    cwd: root,
    env: gatewayEnv(port, { HOST_SUBGRAPH_URL: host.url, QUICKBOOKS_SUBGRAPH_URL: api.url }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  gateway.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
  const wsClients: Client[] = [];

  const stopGateway = () => stopChild(gateway, 10_000);
  try {
    await waitForPort('127.0.0.1', port, 30_000, 'Hive Gateway');
  } catch (error) {
    await stopGateway();
    await Promise.all([api.close(), host.close()]);
    throw new Error(`${(error as Error).message}\n${output.join('')}`, { cause: error });
  }

  const authorization = async (claims?: { userId: string; tenants: string[] }) =>
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
    async close() {
      await Promise.all(wsClients.map((c) => c.dispose()));
      await stopGateway();
      await Promise.all([api.close(), host.close()]);
    },
  };
}
