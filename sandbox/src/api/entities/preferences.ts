import { Faults } from '../../errors.js';
import type { Doc } from '../../util/json.js';
import { isDoc } from '../../util/json.js';
import type { EntityContext, EntityDefinition } from './context.js';

/**
 * Preferences "are mostly exposed as read-only through the Preferences endpoint with only a very small subset
 * of them available as writable" (Intuit's Preferences reference, developer.intuit.com/app/developer/qbo/
 * docs/api/accounting/most-commonly-used/preferences). The read-only fields below follow the field notes of
 * that reference (closing date, fiscal months, tax and currency set-up, computed flags): a sync engine must
 * never be able to move the closing date or switch sales tax on through the API. Echoing a read-only field
 * unchanged (a full update) is fine; changing one answers 2010. Which code Intuit uses is UNCONFIRMED.
 */
const READ_ONLY_PATHS = [
  'AccountingInfoPrefs.BookCloseDate',
  'AccountingInfoPrefs.FirstMonthOfFiscalYear',
  'AccountingInfoPrefs.TaxYearMonth',
  'AccountingInfoPrefs.TaxForm',
  'AccountingInfoPrefs.UseAccountNumbers',
  'AccountingInfoPrefs.CustomerTerminology',
  'SalesFormsPrefs.CustomField',
  'SalesFormsPrefs.UsingProgressInvoicing',
  'SalesFormsPrefs.UsingPriceLevels',
  'SalesFormsPrefs.ETransactionEnabledStatus',
  'SalesFormsPrefs.IPNSupportEnabled',
  'SalesFormsPrefs.AutoApplyCredit',
  'SalesFormsPrefs.EstimateMessage',
  'ReportPrefs.CalcAgingReportFromTxnDate',
  'TaxPrefs',
  'CurrencyPrefs',
  'TimeTrackingPrefs.WorkWeekStartDate',
  'TimeTrackingPrefs.MarkTimeEntriesBillable',
  'VendorAndPurchasesPrefs.TPAREnabled',
  'VendorAndPurchasesPrefs.POCustomField',
];

function valueAt(doc: Doc, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) current = isDoc(current) ? current[part] : undefined;
  return current;
}

function buildPreferences(ctx: EntityContext, merged: Doc, existing: Doc | undefined): Doc {
  if (ctx.settings.api.preferencesUpdate === 'read-only') {
    throw Faults.unsupportedOperation(
      'Operation Update is not supported for Preferences: company settings change in QuickBooks only.',
    );
  }
  for (const path of READ_ONLY_PATHS) {
    const before = JSON.stringify(valueAt(existing ?? {}, path) ?? null);
    const after = JSON.stringify(valueAt(merged, path) ?? null);
    if (before !== after) throw Faults.readOnlyProperty(path);
  }
  return merged;
}

export const PREFERENCES_DEFINITION: EntityDefinition = {
  name: 'Preferences',
  path: 'preferences',
  kind: 'singleton',
  build: buildPreferences,
};
