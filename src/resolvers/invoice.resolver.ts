import { Arg, Ctx, Directive, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import { mayActFor } from '../auth/viewer.js';
import { QuickBooksSyncState } from '../schema/enums.js';
import { Invoice, QuickBooksSyncStatusChange } from '../schema/entities.js';
import { QuickBooksSyncStatus } from '../schema/quickbooks-sync-status.js';
import type { InvoiceSyncStatus } from '../services/sync-status.js';
import { requireViewer, type GraphQLContext } from './context.js';
import { badUserInput, forbidden } from './errors.js';

export function toGraphQLStatus(status: InvoiceSyncStatus): QuickBooksSyncStatus {
  return { ...status, state: QuickBooksSyncState[status.state] };
}

interface StatusEvent {
  parentCompany: string;
  status: InvoiceSyncStatus;
}

@Resolver(() => Invoice)
export class InvoiceResolver {
  @FieldResolver(() => QuickBooksSyncStatus, {
    description: "The invoice's state in QuickBooks (NOT_SYNCED when never pushed)",
  })
  @Directive('@requires(fields: "customer { id }")')
  async quickbooksSyncStatus(
    @Root() invoice: Invoice,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksSyncStatus> {
    const viewer = requireViewer(context);
    const parentCompany = invoice.customer?.id;
    if (!parentCompany) throw badUserInput('Invoice representation lacks customer { id }');
    if (!mayActFor(viewer, parentCompany)) throw forbidden('You may not read invoices of this customer');
    return toGraphQLStatus(await context.loaders.syncStatus.load({ parentCompany, invoiceId: invoice.id }));
  }

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
