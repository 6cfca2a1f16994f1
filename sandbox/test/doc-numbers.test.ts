import { beforeEach, describe, expect, it } from '@jest/globals';
import { salesLine, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const code = (response: { json: any }) => response.json.Fault?.Error?.[0]?.code;

function invoice(body: Record<string, unknown>, path = '/invoice') {
  return t.qbo.post(path, { CustomerRef: { value: '2' }, Line: [salesLine(10)], ...body });
}

async function countWithNumber(docNumber: string): Promise<number> {
  const response = await t.qbo.query(`select count(*) from Invoice where DocNumber = '${docNumber}'`);
  return response.json.QueryResponse.totalCount;
}

describe('DocNumber when QuickBooks numbers invoices (CustomTxnNumbers off, the seeded default)', () => {
  it('numbers invoices itself, last + 1', async () => {
    const first = (await invoice({})).json.Invoice;
    const second = (await invoice({})).json.Invoice;
    expect([first.DocNumber, second.DocNumber]).toEqual(['1001', '1002']);
  });

  it('stores a supplied duplicate: there is no 6140 safety net against double pushes', async () => {
    await invoice({ DocNumber: 'FS-1' });
    const again = await invoice({ DocNumber: 'FS-1' });
    expect(again.status).toBe(200);
    expect(await countWithNumber('FS-1')).toBe(2);
  });

  it('rejects the duplicate with 6140 when api.duplicateDocNumberWhenAutoNumbered is reject', async () => {
    t.sandbox.control.updateSettings({ api: { duplicateDocNumberWhenAutoNumbered: 'reject' } });
    await invoice({ DocNumber: 'FS-1' });
    const again = await invoice({ DocNumber: 'FS-1' });
    expect(code(again)).toBe('6140');
    expect(await countWithNumber('FS-1')).toBe(1);
  });
});

describe('DocNumber when the company uses custom transaction numbers', () => {
  beforeEach(() => {
    t.sandbox.control.setCompanyPreferences(US_REALM, { customTxnNumbers: true });
  });

  it('leaves DocNumber empty when none is sent and keeps the one that is', async () => {
    expect((await invoice({})).json.Invoice.DocNumber).toBeUndefined();
    expect((await invoice({ DocNumber: 'FS-1' })).json.Invoice.DocNumber).toBe('FS-1');
  });

  it('rejects a duplicate with 6140 and Intuit’s wording, writing nothing', async () => {
    await invoice({ DocNumber: 'FS-1' });
    const duplicate = await invoice({ DocNumber: 'FS-1' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json.Fault.Error[0]).toMatchObject({
      code: '6140',
      Message: 'Duplicate Document Number Error',
    });
    expect(await countWithNumber('FS-1')).toBe(1);
  });

  it('also rejects renaming another invoice to a taken number, but not re-saving an invoice with its own', async () => {
    const first = (await invoice({ DocNumber: 'FS-1' })).json.Invoice;
    const second = (await invoice({ DocNumber: 'FS-2' })).json.Invoice;
    const rename = await t.qbo.post('/invoice', {
      Id: second.Id,
      SyncToken: second.SyncToken,
      sparse: true,
      DocNumber: 'FS-1',
    });
    expect(code(rename)).toBe('6140');
    const resave = await t.qbo.post('/invoice', {
      Id: first.Id,
      SyncToken: first.SyncToken,
      sparse: true,
      PrivateNote: 'edited',
    });
    expect(resave.status).toBe(200);
  });

  it('lets include=allowduplicatedocnum store one duplicate on purpose', async () => {
    await invoice({ DocNumber: 'FS-1' });
    const allowed = await invoice({ DocNumber: 'FS-1' }, '/invoice?include=allowduplicatedocnum');
    expect(allowed.status).toBe(200);
    expect(await countWithNumber('FS-1')).toBe(2);
  });

  it('lets optionsData allowduplicatedocnum do the same inside a batch', async () => {
    await invoice({ DocNumber: 'FS-1' });
    const body = (options: string[]) => ({
      BatchItemRequest: [
        {
          bId: 'b1',
          operation: 'create',
          optionsData: options,
          Invoice: { CustomerRef: { value: '2' }, Line: [salesLine(5)], DocNumber: 'FS-1' },
        },
      ],
    });
    const refused = (await t.qbo.post('/batch', body([]))).json.BatchItemResponse[0];
    expect(refused.Fault.Error[0].code).toBe('6140');
    const allowed = (await t.qbo.post('/batch', body(['allowduplicatedocnum']))).json.BatchItemResponse[0];
    expect(allowed.Invoice.DocNumber).toBe('FS-1');
  });

  it('keeps a voided invoice’s number taken, and frees a deleted invoice’s number', async () => {
    const voided = (await invoice({ DocNumber: 'V-1' })).json.Invoice;
    expect(
      (await t.qbo.post('/invoice?operation=void', { Id: voided.Id, SyncToken: voided.SyncToken })).status,
    ).toBe(200);
    expect(code(await invoice({ DocNumber: 'V-1' }))).toBe('6140');

    const deleted = (await invoice({ DocNumber: 'D-1' })).json.Invoice;
    expect(
      (await t.qbo.post('/invoice?operation=delete', { Id: deleted.Id, SyncToken: deleted.SyncToken }))
        .status,
    ).toBe(200);
    expect((await invoice({ DocNumber: 'D-1' })).status).toBe(200);
  });

  it('stores duplicates when the company does not check them', async () => {
    t.sandbox.control.setCompanyPreferences(US_REALM, { duplicateDocNumberCheck: false });
    await invoice({ DocNumber: 'X1' });
    expect((await invoice({ DocNumber: 'X1' })).status).toBe(200);
    expect(await countWithNumber('X1')).toBe(2);
  });
});
