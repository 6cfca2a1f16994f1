import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { SyncStatusChangedEvent } from '../events/sync-status-events.js';
import { QuickBooksSyncStatusChange } from '../schema/entities.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
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
      const { customerId } = args as { customerId: string };
      authorizeTenant(ctx, customerId, 'member');
      return ctx.services.syncStatus.subscribeToTenant(customerId);
    },
  })
  quickbooksSyncActivity(
    @Root() event: SyncStatusChangedEvent,
    @Arg('customerId', () => ID) _customerId: string,
  ): QuickBooksSyncStatusChange {
    return toStatusChange(event);
  }
}
