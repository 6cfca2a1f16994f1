/**
 * Connecting QuickBooks as the platform's frontend and an admin's browser do it: GraphQL through the
 * federated gateway, the emulator's consent page walked by hand, the callback on this subgraph's HTTP
 * server (routed there by the platform's ingress in production), then status read and pushed live
 * through the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Sandbox } from '../../sandbox/src/index.js';
import { QUICKBOOKS_CALLBACK_PATH } from '../../src/config.js';
import { Browser, choose, readForm } from '../support/connect-browser.js';
import { startGraphWithEmulator, type Graph } from './support/graph.js';

const TENANT = 'cust-acme-us';
const REALM = '9341455130166501';
const SETTINGS_PAGE = 'https://app.example.test/settings/quickbooks';
const admin = { userId: 'admin-1', tenants: [TENANT], adminOf: [TENANT] };
const member = { userId: 'member-1', tenants: [TENANT] };

let sandbox: Sandbox;
let graph: Graph;

beforeAll(async () => {
  ({ sandbox, graph } = await startGraphWithEmulator({
    api: { QUICKBOOKS_RETURN_TO_ORIGINS: 'https://app.example.test' },
  }));
}, 60_000);

afterAll(async () => {
  await graph?.close();
  await sandbox?.close();
});

const CONNECTION = gql`
  query Connection($customerId: ID!) {
    customer(id: $customerId) {
      name
      quickbooksConnection {
        status
        realmId
        companyName
        environment
        connectedBy
        reason
      }
    }
  }
`;

interface ConnectionData {
  customer: {
    name: string;
    quickbooksConnection: {
      status: string;
      realmId: string | null;
      companyName: string | null;
      environment: string | null;
      connectedBy: string | null;
      reason: string | null;
    } | null;
  };
}

async function connectionThroughGateway() {
  const client = await graph.client(member);
  return (await client.request<ConnectionData>(CONNECTION, { customerId: TENANT })).customer;
}

function nextConnectionChange(claims: typeof admin | typeof member) {
  return graph.wsClient(claims).then(
    (ws) =>
      new Promise<{ status: string; companyName: string | null }>((resolve, reject) => {
        const dispose = ws.subscribe<{
          quickbooksConnectionChanged: { status: string; companyName: string | null };
        }>(
          {
            query: `subscription ($customerId: ID!) { quickbooksConnectionChanged(customerId: $customerId) { status companyName } }`,
            variables: { customerId: TENANT },
          },
          {
            next: (message) => {
              if (message.data) {
                dispose();
                resolve(message.data.quickbooksConnectionChanged);
              } else reject(new Error(JSON.stringify(message.errors)));
            },
            error: reject,
            complete: () => undefined,
          },
        );
      }),
  );
}

describe('connecting QuickBooks through the gateway', () => {
  it('an admin connects: consent page, callback, then status through the gateway and live', async () => {
    expect((await connectionThroughGateway()).quickbooksConnection?.status).toBe('DISCONNECTED');
    const live = nextConnectionChange(member);
    // Give the subscription a moment to reach Redis before the change happens.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const client = await graph.client(admin);
    const { connectQuickBooks } = await client.request<{ connectQuickBooks: { authorizeUrl: string } }>(
      gql`
        mutation Connect($customerId: ID!, $returnTo: String) {
          connectQuickBooks(customerId: $customerId, returnTo: $returnTo) {
            authorizeUrl
          }
        }
      `,
      { customerId: TENANT, returnTo: SETTINGS_PAGE },
    );
    expect(connectQuickBooks.authorizeUrl.startsWith(`${sandbox.url}/connect/oauth2?`)).toBe(true);

    const browser = new Browser();
    const consent = await browser.get(connectQuickBooks.authorizeUrl);
    expect(consent.status).toBe(200);
    const form = readForm(consent.text, consent.url);
    const toCallback = await browser.submit(form, choose(form, REALM, 'Connect'));
    expect(toCallback.status).toBe(302);
    expect(toCallback.location).toContain(QUICKBOOKS_CALLBACK_PATH);
    const back = await browser.get(toCallback.location!);
    expect(back.status).toBe(303);
    const landing = new URL(back.location!);
    expect(`${landing.origin}${landing.pathname}`).toBe(SETTINGS_PAGE);
    expect(landing.searchParams.get('quickbooks')).toBe('connected');

    const customer = await connectionThroughGateway();
    expect(customer.name).toBeTruthy(); // joined from the host subgraph
    expect(customer.quickbooksConnection).toMatchObject({
      status: 'CONNECTED',
      realmId: REALM,
      environment: 'emulator',
      connectedBy: 'admin-1',
      reason: null,
    });
    expect(customer.quickbooksConnection?.companyName).toBeTruthy();
    await expect(live).resolves.toMatchObject({ status: 'CONNECTED' });
  });

  it('a member is refused connect, disconnect and the audit log through the gateway', async () => {
    const client = await graph.client(member);
    for (const operation of [
      `mutation { connectQuickBooks(customerId: "${TENANT}") { authorizeUrl } }`,
      `mutation { disconnectQuickBooks(customerId: "${TENANT}") { revokedAtQuickBooks } }`,
      `query { quickbooksAuditLog(customerId: "${TENANT}") { nodes { action } } }`,
    ]) {
      const response = await client
        .rawRequest(operation)
        .catch((error: { response: unknown }) => error.response);
      expect(
        (response as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code,
      ).toBe('FORBIDDEN');
    }
    expect((await connectionThroughGateway()).quickbooksConnection?.status).toBe('CONNECTED');
  });

  it('an admin reads the audit log and disconnects; Intuit sees the revoke', async () => {
    const client = await graph.client(admin);
    const audit = await client.request<{
      quickbooksAuditLog: { nodes: { action: string; actorUserId: string }[] };
    }>(
      gql`
        query Audit($customerId: ID!) {
          quickbooksAuditLog(customerId: $customerId, first: 10) {
            nodes {
              action
              actorUserId
            }
          }
        }
      `,
      { customerId: TENANT },
    );
    expect(audit.quickbooksAuditLog.nodes[0]).toEqual({
      action: 'QUICKBOOKS_CONNECTED',
      actorUserId: 'admin-1',
    });

    const revokesBefore = sandbox.control.requests({ path: '/v2/oauth2/tokens/revoke' }).length;
    const { disconnectQuickBooks } = await client.request<{
      disconnectQuickBooks: { revokedAtQuickBooks: boolean | null; connection: { status: string } };
    }>(
      gql`
        mutation Disconnect($customerId: ID!) {
          disconnectQuickBooks(customerId: $customerId) {
            revokedAtQuickBooks
            connection {
              status
            }
          }
        }
      `,
      { customerId: TENANT },
    );
    expect(disconnectQuickBooks).toEqual({
      revokedAtQuickBooks: true,
      connection: { status: 'DISCONNECTED' },
    });
    expect(sandbox.control.requests({ path: '/v2/oauth2/tokens/revoke' }).length).toBe(revokesBefore + 1);
    expect((await connectionThroughGateway()).quickbooksConnection?.status).toBe('DISCONNECTED');
  });
});
