import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { ReconciliationChangedEvent } from '../events/reconciliation-events.js';
import { ForwardPageArgs, readPageArgs, toConnection } from '../schema/connection.js';
import {
  QuickBooksDifferenceClass,
  QuickBooksReconciliation,
  QuickBooksReconciliationAction,
  QuickBooksReconciliationDecision,
  QuickBooksReconciliationRow,
  QuickBooksReconciliationRowConnection,
  QuickBooksReconciliationState,
} from '../schema/quickbooks-reconciliation.js';
import {
  ReconciliationInputError,
  ReconciliationNotConnectedError,
  ReconciliationRowNotFoundError,
  ReconciliationRunningError,
  type ReconciliationRowView,
  type ReconciliationRunView,
} from '../services/reconciliation/reconciliation-runs.js';
import { ReconciliationWindowError } from '../services/reconciliation/reconciliation-service.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { badUserInput, notFound, quickbooksNotConnected, reconciliationRunning } from './errors.js';

function toGraphQLRun(view: ReconciliationRunView): QuickBooksReconciliation {
  return {
    ...view,
    state: QuickBooksReconciliationState[view.state],
    summary: view.summary && {
      ...view.summary,
      counts: view.summary.counts.map((count) => ({
        ...count,
        class: QuickBooksDifferenceClass[count.class],
      })),
    },
  };
}

function toGraphQLRow(view: ReconciliationRowView, tenantId: string): QuickBooksReconciliationRow {
  return {
    ...view,
    class: QuickBooksDifferenceClass[view.class],
    invoice: view.invoiceId ? { id: view.invoiceId, customer: { id: tenantId } } : null,
    platformTaxLines: view.taxLines?.platform ?? null,
    quickbooksTaxLines: view.taxLines?.quickbooks ?? null,
    actions: view.actions.map((action) => QuickBooksReconciliationAction[action]),
    dismissed: view.dismissed && {
      ...view.dismissed,
      decision: QuickBooksReconciliationDecision[view.dismissed.decision],
    },
    findings: view.findings.map((finding) => ({
      ...finding,
      class: QuickBooksDifferenceClass[finding.class],
      rule: finding.rule ?? null,
    })),
  };
}

@Resolver(() => QuickBooksReconciliation)
export class QuickBooksReconciliationResolver {
  @Mutation(() => QuickBooksReconciliation, {
    description:
      "Starts a reconciliation of the customer's invoices dated from `from` to `to` (YYYY-MM-DD, inclusive) with QuickBooks: one report per six months, targeted re-reads of what differs. Admins only; BAD_USER_INPUT for a bad window, QUICKBOOKS_NOT_CONNECTED, QUICKBOOKS_RECONCILIATION_RUNNING while one runs",
  })
  async runQuickBooksReconciliation(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('from', () => String) from: string,
    @Arg('to', () => String) to: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksReconciliation> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'reconcile with QuickBooks');
    try {
      return toGraphQLRun(
        await context.services.reconciliations.start(customerId, viewer.userId, { from, to }),
      );
    } catch (error) {
      if (error instanceof ReconciliationWindowError) throw badUserInput(error.message, 'from');
      if (error instanceof ReconciliationNotConnectedError) throw quickbooksNotConnected();
      if (error instanceof ReconciliationRunningError) throw reconciliationRunning(error.message);
      throw error;
    }
  }

  @Mutation(() => QuickBooksReconciliationRow, {
    description:
      "Marks a reconciliation row as looked at (DISMISS) or QuickBooks' figure as accepted (ACCEPT_QUICKBOOKS), with a reason of 3 to 500 characters, kept on the row and in the audit log. Admins only; NOT_FOUND for a row of another customer",
  })
  async dismissQuickBooksReconciliationRow(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('rowId', () => ID) rowId: string,
    @Arg('reason', () => String) reason: string,
    @Arg('decision', () => QuickBooksReconciliationDecision, {
      defaultValue: QuickBooksReconciliationDecision.DISMISS,
      description:
        'ACCEPT_QUICKBOOKS only where the row offers it (tax differences); BAD_USER_INPUT otherwise',
    })
    decision: QuickBooksReconciliationDecision,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksReconciliationRow> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'dismiss reconciliation rows');
    try {
      return toGraphQLRow(
        await context.services.reconciliations.dismiss(customerId, rowId, viewer.userId, reason, decision),
        customerId,
      );
    } catch (error) {
      if (error instanceof ReconciliationInputError) throw badUserInput(error.message, error.field);
      if (error instanceof ReconciliationRowNotFoundError) throw notFound(error.message);
      throw error;
    }
  }

  @Mutation(() => Boolean, {
    description:
      "Brings QuickBooks' payments back now (a change-data-capture sweep of the customer's company), instead of at the next scheduled sweep. Admins only; QUICKBOOKS_NOT_CONNECTED",
  })
  async syncQuickBooksPayments(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<boolean> {
    authorizeTenant(context, customerId, 'admin', 'sync QuickBooks payments');
    const [connection] = await context.services.connections.getMany([customerId]);
    if (connection?.status !== 'CONNECTED') throw quickbooksNotConnected();
    await context.services.paymentSweeps.request(customerId);
    return true;
  }

  @Query(() => QuickBooksReconciliation, {
    nullable: true,
    description:
      'A reconciliation of the customer (the latest when `id` is not given), or null when there is none. Members of the customer',
  })
  async quickbooksReconciliation(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('id', () => ID, { nullable: true }) id: string | null,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksReconciliation | null> {
    authorizeTenant(context, customerId, 'member');
    const view = await context.services.reconciliations.get(customerId, id ?? undefined);
    return view ? toGraphQLRun(view) : null;
  }

  @Subscription(() => QuickBooksReconciliation, {
    description:
      "Pushes the customer's reconciliation runs as they move on: progress while RUNNING, then the end (SUCCEEDED with its summary, or FAILED). Members of the customer; FORBIDDEN otherwise",
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const { customerId } = args as { customerId: string };
      authorizeTenant(ctx, customerId, 'member');
      return ctx.services.reconciliations.subscribe(customerId);
    },
  })
  async quickbooksReconciliationChanged(
    @Root() event: ReconciliationChangedEvent,
    @Arg('customerId', () => ID) _customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksReconciliation> {
    // The event names the run: it is read now, within the event's tenant (the channel's), so a subscriber
    // never sees a stale figure or another tenant's run.
    const view = await context.services.reconciliations.get(event.tenantId, event.runId);
    if (!view) throw notFound('The reconciliation run no longer exists');
    return toGraphQLRun(view);
  }

  @FieldResolver(() => QuickBooksReconciliationRowConnection, {
    description: 'The invoices that differ, most money at stake first',
  })
  async rows(
    @Root() run: QuickBooksReconciliation,
    @Args(() => ForwardPageArgs) page: ForwardPageArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksReconciliationRowConnection> {
    const { limit, after } = readPageArgs(page);
    const cursor =
      after && typeof after.atStakeCents === 'number' && typeof after.id === 'string'
        ? { atStakeCents: after.atStakeCents, id: after.id }
        : undefined;
    if (after && !cursor) throw badUserInput('after is not a cursor from this list', 'after');
    const rows = await context.services.reconciliations.rows(run.tenantId, run.id, limit, cursor);
    return toConnection(
      rows.map((row) => toGraphQLRow(row, run.tenantId)),
      limit,
      (row) => ({ atStakeCents: row.atStakeCents, id: row.id }),
    );
  }
}
