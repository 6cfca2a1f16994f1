import { expect } from '@jest/globals';
import { gql } from 'graphql-request';
import type { Sandbox } from '../../../sandbox/src/index.js';
import type { TokenClaims } from '../../../src/auth/dev-tokens.js';
import { Browser, choose, readForm } from '../../support/connect-browser.js';
import type { Graph } from './graph.js';

/**
 * Steps a scenario takes before the part it tests, through the gateway as the frontend would: connect the
 * emulator's company (the consent form walked by a scripted browser), map the demo invoices' item kinds and
 * tax rate, create a draft invoice.
 */
export async function connectThroughGateway(
  graph: Graph,
  admin: TokenClaims,
  customerId: string,
  realmId: string,
): Promise<void> {
  const client = await graph.client(admin);
  const { connectQuickBooks } = await client.request<{ connectQuickBooks: { authorizeUrl: string } }>(
    gql`
      mutation Connect($customerId: ID!) {
        connectQuickBooks(customerId: $customerId) {
          authorizeUrl
        }
      }
    `,
    { customerId },
  );
  const browser = new Browser();
  const consent = await browser.get(connectQuickBooks.authorizeUrl);
  const form = readForm(consent.text, consent.url);
  const toCallback = await browser.submit(form, choose(form, realmId, 'Connect'));
  const back = await browser.get(toCallback.location!);
  expect(back.status).toBe(303);
}

/** Maps LABOR, MATERIAL and the 8.25 % rate to the emulator's US company's Hours, Soil and San Pablo. */
export async function mapDemoCompany(
  graph: Graph,
  sandbox: Sandbox,
  admin: TokenClaims,
  customerId: string,
  realmId: string,
): Promise<void> {
  const items = sandbox.control.listEntities(realmId, 'Item') as { Id: string; Name: string }[];
  const taxCodes = sandbox.control.listEntities(realmId, 'TaxCode') as { Id: string; Name: string }[];
  const id = (rows: { Id: string; Name: string }[], name: string) => rows.find((r) => r.Name === name)!.Id;
  const client = await graph.client(admin);
  await client.request(
    gql`
      mutation Map($customerId: ID!, $entries: [QuickBooksMappingInput!]!) {
        setQuickBooksMappings(customerId: $customerId, entries: $entries) {
          sourceKey
        }
      }
    `,
    {
      customerId,
      entries: [
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:LABOR', targetId: id(items, 'Hours') },
        { kind: 'ITEM', sourceKey: 'ITEM_KIND:MATERIAL', targetId: id(items, 'Soil') },
        { kind: 'TAX_CODE', sourceKey: 'TAX_RATE:0.0825', targetId: id(taxCodes, 'San Pablo') },
      ],
    },
  );
}

/** A draft with a labour line and a material line at 8.25 %: 276.01 in total once finalized. */
export async function createDraftInvoice(
  graph: Graph,
  admin: TokenClaims,
  customerId: string,
  billTo: { name: string; email?: string } = { name: 'Dana Whitfield', email: 'dana.whitfield@example.com' },
): Promise<{ id: string; number: string }> {
  const client = await graph.client(admin);
  const { createInvoice } = await client.request<{ createInvoice: { id: string; number: string } }>(
    gql`
      mutation Create($input: CreateInvoiceInput!) {
        createInvoice(input: $input) {
          id
          number
        }
      }
    `,
    {
      input: {
        customerId,
        billTo,
        lines: [
          {
            description: 'Repair labor',
            itemKind: 'LABOR',
            quantity: '2.5',
            unitPrice: '96',
            taxRate: '8.25',
          },
          {
            description: 'Copper fittings',
            itemKind: 'MATERIAL',
            quantity: '3',
            unitPrice: '4.99',
            taxRate: '8.25',
          },
        ],
      },
    },
  );
  return createInvoice;
}
