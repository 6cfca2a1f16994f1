import { describe, expect, it } from '@jest/globals';
import { useSandbox } from './helpers.js';

const t = useSandbox();

describe('minorversion', () => {
  it('answers absent and 1-74 as 75 and records what it answered as', async () => {
    t.sandbox.control.clearRequests();
    expect((await t.qbo.get('/item/1')).status).toBe(200);
    expect((await t.qbo.get('/item/1?minorversion=40')).status).toBe(200);
    expect((await t.qbo.get('/item/1?minorversion=75')).status).toBe(200);
    const logged = t.sandbox.control.requests({ path: '/item/1' }).map((entry) => entry.minorVersion);
    expect(logged).toEqual([75, 75, 75]);
  });

  it('refuses a malformed minorversion with 2010 by default, and ignores it when told to', async () => {
    for (const bad of ['abc', '75.5', '0', '-1']) {
      const response = await t.qbo.get(`/item/1?minorversion=${bad}`);
      expect(response.status).toBe(400);
      expect(response.json.Fault.Error[0]).toMatchObject({ code: '2010', element: 'minorversion' });
    }
    t.sandbox.control.updateSettings({ api: { malformedMinorVersion: 'ignore' } });
    expect((await t.qbo.get('/item/1?minorversion=abc')).status).toBe(200);
  });
});

describe('Preferences through the API', () => {
  async function preferences() {
    return (await t.qbo.get('/preferences')).json.Preferences;
  }

  it('refuses to move the closing date or switch on sales tax, and changes nothing', async () => {
    const before = await preferences();
    for (const change of [
      { AccountingInfoPrefs: { BookCloseDate: '2026-01-31' } },
      { TaxPrefs: { UsingSalesTax: false } },
      { CurrencyPrefs: { HomeCurrency: { value: 'EUR' } } },
    ]) {
      const response = await t.qbo.post('/preferences', {
        Id: before.Id,
        SyncToken: before.SyncToken,
        sparse: true,
        ...change,
      });
      expect(response.status).toBe(400);
      expect(response.json.Fault.Error[0].code).toBe('2010');
    }
    expect(await preferences()).toEqual(before);
  });

  it('lets the documented writable subset change (custom transaction numbers), echoing read-only fields', async () => {
    const before = await preferences();
    const full = {
      ...before,
      SalesFormsPrefs: { ...before.SalesFormsPrefs, CustomTxnNumbers: true },
    };
    const response = await t.qbo.post('/preferences', full);
    expect(response.status).toBe(200);
    expect(response.json.Preferences.SalesFormsPrefs.CustomTxnNumbers).toBe(true);
    expect(response.json.Preferences.SyncToken).toBe(String(Number(before.SyncToken) + 1));
  });

  it('refuses every update when api.preferencesUpdate is read-only', async () => {
    t.sandbox.control.updateSettings({ api: { preferencesUpdate: 'read-only' } });
    const before = await preferences();
    const response = await t.qbo.post('/preferences', {
      Id: before.Id,
      SyncToken: before.SyncToken,
      sparse: true,
      SalesFormsPrefs: { CustomTxnNumbers: true },
    });
    expect(response.status).toBe(400);
    expect(response.json.Fault.Error[0].code).toBe('500');
    expect((await preferences()).SalesFormsPrefs.CustomTxnNumbers).toBe(false);
  });
});

describe('Customer DisplayName on update', () => {
  it('refuses a sparse update that blanks DisplayName instead of renaming the customer', async () => {
    const customer = (await t.qbo.get('/customer/2')).json.Customer;
    for (const blank of ['', '   ']) {
      const response = await t.qbo.post('/customer', {
        Id: customer.Id,
        SyncToken: customer.SyncToken,
        sparse: true,
        DisplayName: blank,
      });
      expect(response.status).toBe(400);
      expect(response.json.Fault.Error[0]).toMatchObject({ code: '2020', element: 'DisplayName' });
    }
    expect((await t.qbo.get('/customer/2')).json.Customer.DisplayName).toBe(customer.DisplayName);
  });
});
