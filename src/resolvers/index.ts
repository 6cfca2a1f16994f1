import { CustomerResolver } from './customer.resolver.js';
import { InvoiceResolver, QuickBooksSyncStatusResolver } from './invoice.resolver.js';
import { QuickBooksBackfillResolver } from './quickbooks-backfill.resolver.js';
import { QuickBooksConnectResolver } from './quickbooks-connect.resolver.js';
import { QuickBooksCsvExportResolver } from './quickbooks-csv-export.resolver.js';
import { QuickBooksMappingsResolver } from './quickbooks-mappings.resolver.js';
import { InvoicePaymentsResolver, QuickBooksPaymentsResolver } from './quickbooks-payments.resolver.js';
import { QuickBooksReconciliationResolver } from './quickbooks-reconciliation.resolver.js';
import { QuickBooksPreviewResolver } from './quickbooks-preview.resolver.js';
import { QuickBooksReferenceResolver } from './quickbooks-reference.resolver.js';
import { QuickBooksSuggestionsResolver } from './quickbooks-suggestions.resolver.js';
import { QuickBooksSyncLogResolver } from './quickbooks-sync-log.resolver.js';
import { QuickBooksSyncResolver } from './quickbooks-sync.resolver.js';
import { SyncActivityResolver } from './sync-activity.resolver.js';
import { SyncStatusSubscriptionResolver } from './sync-status-subscription.resolver.js';

export { referenceResolvers } from './references.js';
export const resolverClasses = [
  CustomerResolver,
  InvoiceResolver,
  QuickBooksSyncStatusResolver,
  SyncStatusSubscriptionResolver,
  SyncActivityResolver,
  QuickBooksConnectResolver,
  QuickBooksReferenceResolver,
  QuickBooksMappingsResolver,
  QuickBooksSuggestionsResolver,
  QuickBooksSyncResolver,
  QuickBooksSyncLogResolver,
  QuickBooksPreviewResolver,
  QuickBooksBackfillResolver,
  InvoicePaymentsResolver,
  QuickBooksPaymentsResolver,
  QuickBooksReconciliationResolver,
  QuickBooksCsvExportResolver,
] as const;
