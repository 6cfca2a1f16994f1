import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { SyncStatusChangedEvent } from '../events/sync-status-events.js';
import { QuickBooksSyncStatusChange } from '../schema/entities.js';
import { requireViewer } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { toGraphQLStatus } from './invoice.resolver.js';

/** The payload both live feeds push: the invoice as an entity, so the gateway can join host fields. */
export function toStatusChange(event: SyncStatusChangedEvent): QuickBooksSyncStatusChange {
  return {
    invoiceId: event.status.invoiceId,
    invoice: { id: event.status.invoiceId, customer: { id: event.tenantId } },
    status: toGraphQLStatus(event.status, event.tenantId),
  };
}

/** Live sync status of one invoice over graphql-ws (and SSE through the gateway). */
@Resolver()
export class SyncStatusSubscriptionResolver {
  @Subscription(() => QuickBooksSyncStatusChange, {
    description:
      "Pushes every change of one invoice's QuickBooks state. Any id is accepted; only changes within the " +
      "caller's customers are delivered. For a list of invoices, use quickbooksSyncActivity",
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const viewer = requireViewer(ctx);
      const { invoiceId } = args as { invoiceId: string };
      // No customer to authorize against: the invoice id alone names no tenant. Delivery is limited to the
      // caller's tenants instead (member level), and there is no FORBIDDEN for ids known to belong to
      // another tenant: refusing those while accepting unknown ids would let anyone probe which ids other
      // tenants have synced.
      return ctx.services.syncStatus.subscribeToInvoice(invoiceId, viewer.tenants);
    },
  })
  quickbooksSyncStatusChanged(
    @Root() event: SyncStatusChangedEvent,
    @Arg('invoiceId', () => ID) _invoiceId: string,
  ): QuickBooksSyncStatusChange {
    return toStatusChange(event);
  }
}
