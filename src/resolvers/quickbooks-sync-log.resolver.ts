import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { QuickBooksSyncState } from '../schema/enums.js';
import { ForwardPageArgs, readPageArgs, toConnection } from '../schema/connection.js';
import { QuickBooksConnection } from '../schema/quickbooks-connection.js';
import {
  QuickBooksSyncAttemptOutcome,
  QuickBooksSyncEntityType,
  QuickBooksSyncLogEntry,
  QuickBooksSyncLogEntryConnection,
  QuickBooksSyncLogFilter,
  QuickBooksSyncOperation,
  QuickBooksSyncSummary,
} from '../schema/quickbooks-sync-log.js';
import type { SyncLogEntry, SyncLogFilter, SyncLogPosition } from '../services/sync-log.js';
import type { SyncSummary } from '../services/sync-summary.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { badUserInput } from './errors.js';

const OBJECT_ID = /^[a-f0-9]{24}$/;

/** Only a cursor this list issued positions it; anything else is BAD_USER_INPUT, not a server error. */
export function toSyncLogPosition(after: Record<string, string | number>): SyncLogPosition {
  const { at, id } = after;
  if (
    typeof at !== 'string' ||
    typeof id !== 'string' ||
    !OBJECT_ID.test(id) ||
    Number.isNaN(Date.parse(at))
  ) {
    throw badUserInput('after is not a cursor from this list', 'after');
  }
  return { createdAt: new Date(at), id };
}

export function toSyncLogFilter(filter: QuickBooksSyncLogFilter | null | undefined): SyncLogFilter {
  if (!filter) return {};
  if (filter.since && filter.until && filter.since >= filter.until) {
    throw badUserInput('since must be before until', 'filter');
  }
  const result: SyncLogFilter = {};
  if (filter.outcome) result.outcome = filter.outcome;
  if (filter.entityType) result.entityType = filter.entityType;
  if (filter.entityId) result.entityId = filter.entityId;
  if (filter.since) result.since = filter.since;
  if (filter.until) result.until = filter.until;
  return result;
}

/**
 * Field by field, like the connection: nothing the service adds later reaches clients unmapped. The
 * invoice reference carries its tenant, as a subscription event's does, so `quickbooksSyncStatus` on it
 * reads within this customer.
 */
function toGraphQLEntry(entry: SyncLogEntry, customerId: string): QuickBooksSyncLogEntry {
  return {
    id: entry.id,
    entityType: QuickBooksSyncEntityType[entry.entityType],
    entityId: entry.entityId,
    invoice: entry.entityType === 'INVOICE' ? { id: entry.entityId, customer: { id: customerId } } : null,
    operation: QuickBooksSyncOperation[entry.operation],
    outcome: QuickBooksSyncAttemptOutcome[entry.outcome],
    attempt: entry.attempt,
    trigger: entry.trigger,
    realmId: entry.realmId,
    requestId: entry.requestId,
    quickbooksId: entry.quickbooksId,
    intuitTid: entry.intuitTid,
    durationMs: entry.durationMs,
    error: entry.error
      ? {
          code: entry.error.code,
          message: entry.error.message,
          retryable: entry.error.retryable,
          detail: entry.error.detail,
          // Stored once on the entry; the error a client reads carries it too, as lastError's does.
          intuitTid: entry.intuitTid,
        }
      : undefined,
    createdAt: entry.createdAt,
  };
}

function toGraphQLSummary(summary: SyncSummary, customerId: string): QuickBooksSyncSummary {
  return {
    counts: summary.counts.map(({ state, count }) => ({ state: QuickBooksSyncState[state], count })),
    lastSucceededAt: summary.lastSucceededAt,
    oldestPendingSince: summary.oldestPendingSince,
    recentErrors: summary.recentErrors.map((item) => ({
      invoiceId: item.invoiceId,
      invoice: { id: item.invoiceId, customer: { id: customerId } },
      state: QuickBooksSyncState[item.state],
      at: item.at,
      error: {
        code: item.error.code,
        message: item.error.message,
        retryable: item.error.retryable,
        intuitTid: item.error.intuitTid,
      },
    })),
  };
}

/** The sync log and the sync summary: read-only, for any member of the customer. */
@Resolver(() => QuickBooksConnection)
export class QuickBooksSyncLogResolver {
  @Query(() => QuickBooksSyncLogEntryConnection, {
    nullable: true,
    description:
      "This customer's QuickBooks sync attempts, newest first, one entry per attempt and entity. Any member of the customer (null with FORBIDDEN otherwise)",
  })
  async quickbooksSyncLog(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('filter', () => QuickBooksSyncLogFilter, { nullable: true })
    filter: QuickBooksSyncLogFilter | null | undefined,
    @Args(() => ForwardPageArgs) page: ForwardPageArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksSyncLogEntryConnection> {
    authorizeTenant(context, customerId, 'member');
    const { limit, after } = readPageArgs(page);
    const rows = await context.services.syncLog.page(
      customerId,
      toSyncLogFilter(filter),
      limit,
      after ? toSyncLogPosition(after) : undefined,
    );
    return toConnection(
      rows.map((row) => toGraphQLEntry(row, customerId)),
      limit,
      (entry) => ({
        at: entry.createdAt.toISOString(),
        id: entry.id,
      }),
    );
  }

  // A field resolver so the two queries run only when a client selects the field.
  @FieldResolver(() => QuickBooksSyncSummary, { nullable: true })
  async syncSummary(
    @Root() connection: QuickBooksConnection,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksSyncSummary> {
    // The parent already checked membership; checked again so the field stays safe wherever the type is returned.
    authorizeTenant(context, connection.customerId, 'member');
    return toGraphQLSummary(
      await context.services.syncSummary.summarize(connection.customerId),
      connection.customerId,
    );
  }
}
