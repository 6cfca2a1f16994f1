import { Arg, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { QuickBooksBackfill } from '../schema/quickbooks-backfill.js';
import {
  BackfillNotConnectedError,
  BackfillRunningError,
  type BackfillProgressEvent,
  type BackfillView,
} from '../services/backfill/index.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { backfillRunning, badUserInput, quickbooksNotConnected } from './errors.js';

export function toGraphQLBackfill(view: BackfillView): QuickBooksBackfill {
  return {
    id: view.id,
    customerId: view.tenantId,
    state: view.state,
    since: view.since,
    ...(view.total !== undefined ? { total: view.total } : {}),
    done: view.done,
    failed: view.failed,
    skipped: view.skipped,
    handedOff: view.handedOff,
    startedBy: view.startedBy,
    startedAt: view.startedAt,
    ...(view.finishedAt ? { finishedAt: view.finishedAt } : {}),
  };
}

/** The backfill of existing invoices: start (admins), read and follow (members). */
@Resolver()
export class QuickBooksBackfillResolver {
  @Mutation(() => QuickBooksBackfill, {
    description:
      "Queues the customer's FINALIZED invoices issued on or after `since` that QuickBooks does not hold yet (not SYNCED, QUEUED, SYNCING or FAILED with a retry scheduled; ACTION_REQUIRED and DEAD ones are attempted again) and sends them in batches of up to 30. One backfill per customer at a time: QUICKBOOKS_BACKFILL_RUNNING while one runs. QUICKBOOKS_NOT_CONNECTED without a connection. Admins of the customer only",
  })
  async syncExistingQuickBooksInvoices(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('since', () => Date) since: Date,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksBackfill> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'backfill invoices to QuickBooks');
    if (since.getTime() > Date.now()) throw badUserInput('since is in the future', 'since');
    try {
      return toGraphQLBackfill(await context.services.backfills.start(customerId, viewer.userId, since));
    } catch (error) {
      if (error instanceof BackfillRunningError) throw backfillRunning(error.message);
      if (error instanceof BackfillNotConnectedError) throw quickbooksNotConnected();
      throw error;
    }
  }

  @Query(() => QuickBooksBackfill, {
    nullable: true,
    description:
      "The customer's latest backfill with its progress, or null when none was started. Members of the customer",
  })
  async quickbooksBackfill(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksBackfill | null> {
    authorizeTenant(context, customerId, 'member');
    const view = await context.services.backfills.current(customerId);
    return view ? toGraphQLBackfill(view) : null;
  }

  @Subscription(() => QuickBooksBackfill, {
    description:
      "Every progress change of the customer's backfill (planned, each batch counted, finished). FORBIDDEN for customers the caller may not act for",
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const { customerId } = args as { customerId: string };
      authorizeTenant(ctx, customerId, 'member');
      return ctx.services.backfills.subscribe(customerId);
    },
  })
  quickbooksBackfillProgress(
    @Root() event: BackfillProgressEvent,
    @Arg('customerId', () => ID) _customerId: string,
  ): QuickBooksBackfill {
    return toGraphQLBackfill(event.backfill);
  }
}
