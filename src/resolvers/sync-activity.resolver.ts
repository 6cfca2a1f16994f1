import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { mayActFor } from '../auth/viewer.js';
import type { SyncStatusChangedEvent } from '../events/sync-status-events.js';
import { QuickBooksSyncStatusChange } from '../schema/entities.js';
import { requireViewer, type GraphQLContext } from './context.js';
import { forbidden } from './errors.js';
import { toStatusChange } from './sync-status-subscription.resolver.js';

/** The per-customer live feed: one subscription keeps a whole invoice list page current. */
@Resolver()
export class SyncActivityResolver {
  @Subscription(() => QuickBooksSyncStatusChange, {
    description:
      "Pushes every change of the QuickBooks state of one customer's invoices: one subscription for an " +
      'invoice list page. FORBIDDEN for customers the caller may not act for',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const viewer = requireViewer(ctx);
      const { customerId } = args as { customerId: string };
      if (!mayActFor(viewer, customerId)) throw forbidden('You may not follow invoices of this customer');
      return ctx.services.syncStatus.subscribeToCustomer(customerId);
    },
  })
  quickbooksSyncActivity(
    @Root() event: SyncStatusChangedEvent,
    @Arg('customerId', () => ID) _customerId: string,
  ): QuickBooksSyncStatusChange {
    return toStatusChange(event);
  }
}
