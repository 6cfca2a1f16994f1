/**
 * The CSV export for tenants without a connection (issue 15), through the API: an admin exports the demo
 * host's finalized invoices, downloads the zip with their own token, and the emulator's import wizard takes
 * the files: every invoice arrives with the platform's amounts. The link is refused to anyone else, when
 * tampered with, and once expired.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Big } from 'big.js';
import { parse } from 'csv-parse/sync';
import { strFromU8, unzipSync } from 'fflate';
import {
  invoiceTotals,
  startHostSubgraph,
  type HostSubgraph,
} from '../../examples/host-subgraph/src/index.js';
import { freePort } from '../../scripts/services/index.js';
import { models } from '../../src/models/index.js';
import { ExportLinkSigner } from '../../src/services/csv-export/export-links.js';
import { adminOf, memberOf, useConnectRig } from '../support/connect-rig.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/harness.js';

const THAMES = 'cust-thames-gb';
const ACME = 'cust-acme-us';

const hostPort = await freePort();
const rigOf = useConnectRig({ env: { HOST_GRAPHQL_URL: `http://127.0.0.1:${hostPort}/graphql` } });
let host: HostSubgraph;

beforeAll(async () => {
  host = await startHostSubgraph({ port: hostPort, auth: { secret: TEST_JWT_SECRET } });
});
afterAll(async () => {
  await host.close();
});

const EXPORT = `mutation Export($customerId: ID!, $input: QuickBooksCsvExportInput!) {
  exportQuickBooksCsv(customerId: $customerId, input: $input) {
    downloadUrl expiresAt files { name rows } counts { invoices lines customers invoiceFiles }
    warnings { invoiceNumber field message } manualEntry { invoiceNumber reason }
  }
}`;

interface ExportAnswer {
  exportQuickBooksCsv: {
    downloadUrl: string;
    expiresAt: string;
    files: { name: string; rows: number }[];
    counts: { invoices: number; lines: number; customers: number; invoiceFiles: number };
    warnings: { invoiceNumber: string | null; field: string; message: string }[];
    manualEntry: { invoiceNumber: string; reason: string }[];
  };
}

const WINDOW = { from: '2026-01-01', to: '2026-12-31' };

async function bearerOf(claims: Parameters<typeof adminOf>[0]) {
  return tokenFor(adminOf(claims));
}

describe('exportQuickBooksCsv', () => {
  it('exports a UK tenant, and the import wizard takes every invoice with the platform amounts', async () => {
    const rig = rigOf();
    const answer = await rig.graphql<ExportAnswer>(adminOf(THAMES), EXPORT, {
      customerId: THAMES,
      input: { ...WINDOW, dateFormat: 'DD_MM_YYYY', taxMode: 'EXCLUSIVE', usCompany: false },
    });
    expect(answer.errors).toBeUndefined();
    const result = answer.data!.exportQuickBooksCsv;
    const finalized = host.store.listInvoices(THAMES).filter((invoice) => invoice.status === 'FINALIZED');
    expect(result.counts.invoices).toBe(finalized.length);
    expect(result.files.map((file) => file.name)).toEqual(
      expect.arrayContaining(['invoices-01.csv', 'customers-01.csv']),
    );

    const download = await fetch(result.downloadUrl, {
      headers: { authorization: `Bearer ${await bearerOf(THAMES)}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/zip');
    expect(download.headers.get('cache-control')).toBe('no-store');
    const files = unzipSync(new Uint8Array(await download.arrayBuffer()));
    const text = (name: string) => strFromU8(files[name]!);

    // A UK company of its own, with the products the warnings name and custom numbers on.
    const target = `93415${String(Date.now()).slice(-13)}`;
    rig.sandbox.control.createRealm({ realmId: target, country: 'GB', companyName: 'Import GB' });
    rig.sandbox.control.setCompanyPreferences(target, { customTxnNumbers: true });
    const { access_token } = rig.sandbox.control.issueTokens({ realmId: target });
    const wanted = new Set(
      (parse(text('invoices-01.csv'), { columns: true }) as Record<string, string>[]).map(
        (row) => row['Item (Product/Service)']!,
      ),
    );
    for (const name of wanted) {
      const created = await fetch(`${rig.sandbox.apiBaseUrl}/v3/company/${target}/item`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${access_token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ Name: name, Type: 'Service', IncomeAccountRef: { value: '14' } }),
      });
      expect(created.status).toBe(200);
    }
    const customers = rig.sandbox.control.importCsv(target, {
      kind: 'customers',
      csv: text('customers-01.csv'),
    });
    expect(customers.errors).toEqual([]);
    const imported = rig.sandbox.control.importCsv(target, {
      kind: 'invoices',
      csv: text('invoices-01.csv'),
      dateFormat: 'DD_MM_YYYY',
      taxMode: 'EXCLUSIVE',
      // The wizard's tax step, as the admin answers it: the export wrote the platform's rates (unmapped).
      taxCodes: { '20%': '20.0% S', '5%': '5.0% R', '0%': '0.0% Z' },
    });
    expect(imported.errors).toEqual([]);
    expect(imported.created.map((entry) => entry.name).sort()).toEqual(
      finalized.map((invoice) => invoice.number).sort(),
    );
    // Each invoice in QuickBooks holds the platform's total, tax included, to the cent.
    for (const entry of imported.created) {
      const doc = rig.sandbox.control.getEntity(target, 'Invoice', entry.id) as { TotalAmt: number };
      const own = finalized.find((invoice) => invoice.number === entry.name)!;
      expect(new Big(doc.TotalAmt).toFixed(2)).toBe(invoiceTotals(own.lines, own.pricesIncludeTax).total);
    }
    const audited = await models.auditLogs
      .find({ tenantId: THAMES, action: 'QUICKBOOKS_CSV_EXPORTED' })
      .lean();
    expect(audited).toHaveLength(1);
  });

  it('refuses the download to another tenant, without a token, with a tampered or an expired link', async () => {
    const rig = rigOf();
    const answer = await rig.graphql<ExportAnswer>(adminOf(ACME), EXPORT, {
      customerId: ACME,
      input: { ...WINDOW, dateFormat: 'MM_DD_YYYY', taxMode: 'EXCLUSIVE', usCompany: true },
    });
    expect(answer.errors).toBeUndefined();
    const url = answer.data!.exportQuickBooksCsv.downloadUrl;
    const get = async (link: string, token?: string) => {
      const response = await fetch(link, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      const body = (await response.json()) as { error: { code: string } };
      return { status: response.status, code: body.error.code };
    };
    expect(await get(url)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await get(url, await bearerOf(THAMES))).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await get(url, await tokenFor(memberOf(ACME)))).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await get(`${url}x`, await bearerOf(ACME))).toEqual({ status: 404, code: 'NOT_FOUND' });
    // A link signed as ours with an expiry in the past.
    const base = url.slice(0, url.lastIndexOf('/'));
    const expired = await new ExportLinkSigner(rig.config.quickbooks.stateSecret, () => new Date()).sign({
      exportId: 'gone',
      tenantId: ACME,
      expiresAt: new Date(Date.now() - 5000),
    });
    expect(await get(`${base}/${expired}`, await bearerOf(ACME))).toEqual({
      status: 410,
      code: 'EXPORT_EXPIRED',
    });
    // A valid link whose zip is gone (dropped from Redis) is expired too.
    const orphan = await new ExportLinkSigner(rig.config.quickbooks.stateSecret, () => new Date()).sign({
      exportId: 'never-stored',
      tenantId: ACME,
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect(await get(`${base}/${orphan}`, await bearerOf(ACME))).toEqual({
      status: 410,
      code: 'EXPORT_EXPIRED',
    });
  });

  it('is for admins, with typed errors for a bad window and tax-inclusive US files', async () => {
    const rig = rigOf();
    const input = { ...WINDOW, dateFormat: 'MM_DD_YYYY', taxMode: 'EXCLUSIVE', usCompany: true };
    const member = await rig.graphql(memberOf(ACME), EXPORT, { customerId: ACME, input });
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const outsider = await rig.graphql(adminOf(THAMES), EXPORT, { customerId: ACME, input });
    expect(outsider.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const backwards = await rig.graphql(adminOf(ACME), EXPORT, {
      customerId: ACME,
      input: { ...input, from: '2026-12-31', to: '2026-01-01' },
    });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    const inclusive = await rig.graphql(adminOf(ACME), EXPORT, {
      customerId: ACME,
      input: { ...input, taxMode: 'INCLUSIVE' },
    });
    expect(inclusive.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'taxMode' });
  });
});

describe('exportQuickBooksCsv without the platform', () => {
  // Last in the file: it stops the demo host.
  it('answers HOST_UNAVAILABLE, retryable, when the platform cannot be read', async () => {
    await host.close();
    const answer = await rigOf().graphql(adminOf(ACME), EXPORT, {
      customerId: ACME,
      input: { ...WINDOW, dateFormat: 'MM_DD_YYYY', taxMode: 'EXCLUSIVE', usCompany: true },
    });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'HOST_UNAVAILABLE', retryable: true });
  });
});
