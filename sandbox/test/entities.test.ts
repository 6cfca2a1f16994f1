import { describe, expect, it } from '@jest/globals';
import { TestClient, US_REALM, useSandbox } from './helpers.js';

const t = useSandbox();

function fault(response: { json: { Fault?: { Error: { code: string }[]; type: string } } }) {
  return { code: response.json.Fault?.Error[0]?.code, type: response.json.Fault?.type };
}

describe('seed data', () => {
  it('looks like Intuit’s sample company: a few dozen customers, items and accounts, deterministic ids', async () => {
    const counts = (await t.qbo.query('select count(*) from Customer')).json.QueryResponse.totalCount;
    expect(counts).toBeGreaterThanOrEqual(25);
    expect(
      (await t.qbo.query('select count(*) from Item')).json.QueryResponse.totalCount,
    ).toBeGreaterThanOrEqual(15);
    expect(
      (await t.qbo.query('select count(*) from Account')).json.QueryResponse.totalCount,
    ).toBeGreaterThanOrEqual(30);
    const amy = await t.qbo.get('/customer/1');
    expect(amy.json.Customer).toMatchObject({
      Id: '1',
      DisplayName: "Amy's Bird Sanctuary",
      SyncToken: '0',
      domain: 'QBO',
    });
    const prefs = await t.qbo.get('/preferences');
    expect(prefs.json.Preferences.SalesFormsPrefs.CustomTxnNumbers).toBe(false);
    const company = await t.qbo.get(`/companyinfo/${US_REALM}`);
    expect(company.json.CompanyInfo.Country).toBe('US');
    const codes = await t.qbo.query('select * from TaxCode');
    expect(codes.json.QueryResponse.TaxCode.map((c: { Name: string }) => c.Name)).toEqual(
      expect.arrayContaining(['TAX', 'NON', 'California']),
    );
  });

  it('answers with an intuit_tid header and the success envelope with a local time', async () => {
    const response = await t.qbo.get('/item/1?minorversion=75');
    expect(response.headers.get('intuit_tid')).toMatch(/^1-/);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.json.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-08:00$/);
  });

  it('accepts the discontinued minor versions 1-74 and answers as 75', async () => {
    expect((await t.qbo.get('/customer/1?minorversion=4')).status).toBe(200);
    expect((await t.qbo.get('/customer/1?minorversion=75')).status).toBe(200);
    expect((await t.qbo.get('/customer/1')).status).toBe(200);
  });
});

describe('create, read, update', () => {
  it('creates a customer with Id and SyncToken 0 and reads it back', async () => {
    const created = await t.qbo.post('/customer', {
      DisplayName: 'Lakeside Plumbing',
      PrimaryEmailAddr: { Address: 'a@b.co' },
    });
    expect(created.status).toBe(200);
    expect(created.json.Customer).toMatchObject({
      SyncToken: '0',
      DisplayName: 'Lakeside Plumbing',
      Active: true,
      Balance: 0,
    });
    expect(created.json.Customer.MetaData.CreateTime).toBeTruthy();
    const read = await t.qbo.get(`/customer/${created.json.Customer.Id}`);
    expect(read.json.Customer.DisplayName).toBe('Lakeside Plumbing');
  });

  it('generates DisplayName from the name parts when absent', async () => {
    const created = await t.qbo.post('/customer', { GivenName: 'Ada', FamilyName: 'Lovelace' });
    expect(created.json.Customer.DisplayName).toBe('Ada Lovelace');
    const missing = await t.qbo.post('/customer', { Notes: 'no name' });
    expect(fault(missing).code).toBe('2020');
  });

  it('sparse update changes only the given fields and bumps SyncToken', async () => {
    const created = (
      await t.qbo.post('/customer', { DisplayName: 'Sparse Co', Notes: 'keep me', CompanyName: 'Sparse' })
    ).json.Customer;
    const updated = await t.qbo.post('/customer', {
      Id: created.Id,
      SyncToken: created.SyncToken,
      sparse: true,
      Notes: 'changed',
    });
    expect(updated.json.Customer).toMatchObject({ Notes: 'changed', CompanyName: 'Sparse', SyncToken: '1' });
  });

  it('full update clears writable fields left out', async () => {
    const created = (await t.qbo.post('/customer', { DisplayName: 'Full Co', Notes: 'gone soon' })).json
      .Customer;
    const updated = await t.qbo.post('/customer?operation=update', {
      Id: created.Id,
      SyncToken: '0',
      DisplayName: 'Full Co',
    });
    expect(updated.json.Customer.Notes).toBeUndefined();
    expect(updated.json.Customer.SyncToken).toBe('1');
  });

  it('rejects a stale SyncToken with 5010', async () => {
    const created = (await t.qbo.post('/customer', { DisplayName: 'Stale Co' })).json.Customer;
    await t.qbo.post('/customer', { Id: created.Id, SyncToken: '0', sparse: true, Notes: 'first' });
    const stale = await t.qbo.post('/customer', {
      Id: created.Id,
      SyncToken: '0',
      sparse: true,
      Notes: 'second',
    });
    expect(stale.status).toBe(400);
    expect(fault(stale)).toEqual({ code: '5010', type: 'ValidationFault' });
    expect(stale.json.Fault.Error[0].Detail).toContain('Stale Object Error');
  });

  it('reports 5010 after someone edits the record in QuickBooks (control edit)', async () => {
    t.sandbox.control.editEntity(US_REALM, 'Customer', '2', { Notes: 'edited in the UI' });
    const stale = await t.qbo.post('/customer', {
      Id: '2',
      SyncToken: '0',
      sparse: true,
      Notes: 'from the app',
    });
    expect(fault(stale).code).toBe('5010');
  });

  it('requires Id and SyncToken on update (2020)', async () => {
    expect(fault(await t.qbo.post('/customer?operation=update', { Id: '1', DisplayName: 'x' })).code).toBe(
      '2020',
    );
  });
});

describe('duplicates and references', () => {
  it('rejects a duplicate DisplayName with 6240, across customers, vendors and employees', async () => {
    const dupCustomer = await t.qbo.post('/customer', { DisplayName: "Amy's Bird Sanctuary" });
    expect(fault(dupCustomer)).toEqual({ code: '6240', type: 'ValidationFault' });
    expect(dupCustomer.json.Fault.Error[0].Detail).toContain(
      'Another customer, vendor or employee is already using this name',
    );
    expect(fault(await t.qbo.post('/customer', { DisplayName: 'Hicks Hardware' })).code).toBe('6240');
    expect(fault(await t.qbo.post('/customer', { DisplayName: 'Emily Platt' })).code).toBe('6240');
    expect(fault(await t.qbo.post('/vendor', { DisplayName: 'Cool Cars' })).code).toBe('6240');
    expect(fault(await t.qbo.post('/customer', { DisplayName: '  amy’s bird sanctuary' })).code).toBe(
      undefined,
    );
    expect(fault(await t.qbo.post('/customer', { DisplayName: "  amy's  bird sanctuary " })).code).toBe(
      '6240',
    );
  });

  it('also counts inactive customers for 6240', async () => {
    await t.qbo.post('/customer', { Id: '3', SyncToken: '0', sparse: true, Active: false });
    expect(fault(await t.qbo.post('/customer', { DisplayName: 'Cool Cars' })).code).toBe('6240');
  });

  it('rejects duplicate item names with 6240', async () => {
    const response = await t.qbo.post('/item', {
      Name: 'Design',
      Type: 'Service',
      IncomeAccountRef: { value: '14' },
    });
    expect(fault(response).code).toBe('6240');
  });

  it('answers a read of a missing entity with 610 Object Not Found', async () => {
    const response = await t.qbo.get('/invoice/99999');
    expect(response.status).toBe(400);
    expect(fault(response).code).toBe('610');
  });

  it('answers a reference to a missing record with 2500 and to an inactive one with 610', async () => {
    const missing = await t.qbo.post('/item', {
      Name: 'Widget',
      Type: 'Service',
      IncomeAccountRef: { value: '999' },
    });
    expect(fault(missing).code).toBe('2500');
    await t.qbo.post('/customer', { Id: '5', SyncToken: '0', sparse: true, Active: false });
    const inactive = await t.qbo.post('/invoice', {
      CustomerRef: { value: '5' },
      Line: [
        { DetailType: 'SalesItemLineDetail', Amount: 10, SalesItemLineDetail: { ItemRef: { value: '1' } } },
      ],
    });
    expect(fault(inactive).code).toBe('610');
  });

  it('requires Type and IncomeAccountRef on a Service item (2020)', async () => {
    expect(fault(await t.qbo.post('/item', { Name: 'No type' })).code).toBe('2020');
    expect(fault(await t.qbo.post('/item', { Name: 'No account', Type: 'Service' })).code).toBe('2020');
    const ok = await t.qbo.post('/item', {
      Name: 'Snow removal',
      Type: 'Service',
      IncomeAccountRef: { value: '17' },
      UnitPrice: 40,
    });
    expect(ok.json.Item).toMatchObject({
      Name: 'Snow removal',
      FullyQualifiedName: 'Snow removal',
      Active: true,
    });
  });

  it('creates accounts and classes with computed Classification and FullyQualifiedName', async () => {
    const account = await t.qbo.post('/account', { Name: 'Field Service Income', AccountType: 'Income' });
    expect(account.json.Account).toMatchObject({
      Classification: 'Revenue',
      AccountSubType: 'OtherPrimaryIncome',
    });
    expect(fault(await t.qbo.post('/account', { Name: 'Bad', AccountType: 'Nonsense' })).code).toBe('2170');
    const parent = (await t.qbo.post('/class', { Name: 'North' })).json.Class;
    const child = await t.qbo.post('/class', { Name: 'Crew A', ParentRef: { value: parent.Id } });
    expect(child.json.Class).toMatchObject({ FullyQualifiedName: 'North:Crew A', SubClass: true });
  });

  it('refuses to delete name-list entities (set Active:false instead)', async () => {
    const response = await t.qbo.post('/customer?operation=delete', { Id: '1', SyncToken: '0' });
    expect(response.status).toBe(400);
    expect(response.json.Fault.Error[0].Detail).toContain('Active');
  });

  it('refuses to create tax codes through /taxcode', async () => {
    expect((await t.qbo.post('/taxcode', { Name: 'New' })).status).toBe(400);
    expect((await t.qbo.get('/taxrate/1')).json.TaxRate.RateValue).toBe(7.25);
  });

  it('answers malformed JSON and unknown resources with Intuit faults', async () => {
    const malformed = await t.qbo.request('POST', '/customer', '{"DisplayName":', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(fault(malformed).code).toBe('2010');
    const unknown = await t.qbo.get('/widget/1');
    expect(unknown.status).toBe(500);
    expect(fault(unknown)).toEqual({ code: '10000', type: 'SystemFault' });
  });
});

describe('authorization failures', () => {
  it('answers a token for another company with 401 / 100 in XML even when JSON was asked', async () => {
    const other = new TestClient(t.sandbox, t.qbo.accessToken, '9341455130166502');
    const response = await other.get('/customer/1');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('xml');
    expect(response.text).toContain('<Error code="100">');
    expect(response.text).toContain('General Authentication Error');
  });

  it('answers 401 / 120 in XML when the connecting user lost access', async () => {
    t.sandbox.control.setUserAccess(US_REALM, t.sandbox.app.clientId, false);
    const response = await t.qbo.get('/customer/1');
    expect(response.status).toBe(401);
    expect(response.text).toContain('<Error code="120">');
    expect(response.text).toContain('AuthorizatonFault');
  });

  it('answers 403 / 3100 when the token lacks the accounting scope', async () => {
    const tokens = t.sandbox.control.issueTokens({
      realmId: US_REALM,
      scopes: ['com.intuit.quickbooks.payment'],
    });
    const response = await new TestClient(t.sandbox, tokens.access_token, US_REALM).get('/customer/1');
    expect(response.status).toBe(403);
    expect(response.json.fault.error[0].code).toBe('3100');
  });

  it('answers a malformed bearer token with 401 / 3200', async () => {
    const response = await new TestClient(t.sandbox, 'short', US_REALM).get('/customer/1');
    expect(response.status).toBe(401);
    expect(response.json.fault.error[0].detail).toBe('Malformed bearer token: too short or too long');
  });
});
