import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { mayActFor } from '../auth/viewer.js';
import { QuickBooksSyncStatusChange } from '../schema/entities.js';
import type { InvoiceSyncStatus } from '../services/sync-status.js';
import { requireViewer, type GraphQLContext } from './context.js';
import { forbidden } from './errors.js';
import { toGraphQLStatus } from './invoice.resolver.js';

interface StatusEvent {
  parentCompany: string;
  status: InvoiceSyncStatus;
}

/** Live sync status over graphql-ws (and SSE through the gateway). */
@Resolver()
export class SyncStatusSubscriptionResolver {
  @Subscription(() => QuickBooksSyncStatusChange, {
    description: "Pushes every change of one invoice's QuickBooks state",
    subscribe: async ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const viewer = requireViewer(ctx);
      const invoiceId = (args as { invoiceId: string }).invoiceId;
      // Known owners come from our own records; an invoice never synced has none yet, and its future
      // events are filtered by tenant as they arrive.
      const owners = await ctx.services.syncStatus.ownerOf(invoiceId);
      if (owners.length > 0 && !owners.some((owner) => mayActFor(viewer, owner))) {
        throw forbidden('You may not follow invoices of this customer');
      }
      return ctx.services.syncStatus.subscribe(invoiceId, viewer.tenants);
    },
  })
  quickbooksSyncStatusChanged(
    @Root() event: StatusEvent,
    @Arg('invoiceId', () => ID) _invoiceId: string,
  ): QuickBooksSyncStatusChange {
    return {
      invoiceId: event.status.invoiceId,
      invoice: { id: event.status.invoiceId, customer: { id: event.parentCompany } },
      status: toGraphQLStatus(event.status),
    };
  }
}
