import { describe, expect, it } from '@jest/globals';
import {
  appLinksFor,
  emulatorEndpoints,
  INTUIT_ENDPOINTS,
  invoiceAppUrl,
} from '../../../src/quickbooks/endpoints.js';

describe('links into the QuickBooks web app', () => {
  it("use Intuit's app hosts and invoice path, naming no company (none is documented)", () => {
    expect(invoiceAppUrl(INTUIT_ENDPOINTS.production, '9130', '145')).toBe(
      'https://app.qbo.intuit.com/app/invoice?txnId=145',
    );
    expect(invoiceAppUrl(INTUIT_ENDPOINTS.sandbox, '9130', '145')).toBe(
      'https://app.sandbox.qbo.intuit.com/app/invoice?txnId=145',
    );
    const production = appLinksFor(INTUIT_ENDPOINTS.production);
    expect(production.needsRealm).toBe(false);
    expect(production.invoiceUrl('145', undefined)).toBe('https://app.qbo.intuit.com/app/invoice?txnId=145');
  });

  it("put the same path on the emulator's base URL, with the realm it needs", () => {
    const links = appLinksFor(emulatorEndpoints('http://127.0.0.1:4010/'));
    expect(links.needsRealm).toBe(true);
    expect(links.invoiceUrl('145', '9341455130166501')).toBe(
      'http://127.0.0.1:4010/app/invoice?txnId=145&realmId=9341455130166501',
    );
    expect(links.invoiceUrl('145', undefined)).toBeUndefined();
  });

  it('encode the ids they carry', () => {
    expect(invoiceAppUrl(emulatorEndpoints('http://127.0.0.1:4010'), 'a&b', '1 2')).toBe(
      'http://127.0.0.1:4010/app/invoice?txnId=1%202&realmId=a%26b',
    );
  });
});
