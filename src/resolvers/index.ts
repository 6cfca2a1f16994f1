import { CustomerResolver } from './customer.resolver.js';
import { InvoiceResolver } from './invoice.resolver.js';
import { QuickBooksConnectResolver } from './quickbooks-connect.resolver.js';
import { SyncActivityResolver } from './sync-activity.resolver.js';
import { SyncStatusSubscriptionResolver } from './sync-status-subscription.resolver.js';

export { referenceResolvers } from './references.js';
export const resolverClasses = [
  CustomerResolver,
  InvoiceResolver,
  SyncStatusSubscriptionResolver,
  SyncActivityResolver,
  QuickBooksConnectResolver,
] as const;
