import { Arg, Args, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { ForwardPageArgs, readPageArgs, toConnection } from '../schema/connection.js';
import { QuickBooksConnection } from '../schema/quickbooks-connection.js';
import {
  ConnectQuickBooksPayload,
  DisconnectQuickBooksPayload,
  QuickBooksAuditEntry,
  QuickBooksAuditEntryConnection,
} from '../schema/quickbooks-connect.js';
import { ReturnToError } from '../services/connect/connect-service.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { toGraphQLConnection } from './customer.resolver.js';
import { badUserInput } from './errors.js';

/** Connecting, disconnecting and auditing a customer's QuickBooks company: its admins only. */
@Resolver()
export class QuickBooksConnectResolver {
  @Mutation(() => ConnectQuickBooksPayload, {
    description:
      "Starts connecting this customer's QuickBooks company: returns Intuit's authorization page. After the admin approves, Intuit sends the browser to this service's callback, which stores the connection and redirects to `returnTo` with `quickbooks=connected` or `quickbooks=error&code=…`. Admins of the customer only (FORBIDDEN otherwise); BAD_USER_INPUT for a returnTo outside the allowed origins",
  })
  async connectQuickBooks(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('returnTo', () => String, {
      nullable: true,
      description: 'An absolute URL on an allowed origin (the settings page) to return to afterwards',
    })
    returnTo: string | null | undefined,
    @Ctx() context: GraphQLContext,
  ): Promise<ConnectQuickBooksPayload> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'connect QuickBooks');
    try {
      const authorizeUrl = await context.services.connect.start({
        tenantId: customerId,
        userId: viewer.userId,
        returnTo,
      });
      return { authorizeUrl };
    } catch (error) {
      if (error instanceof ReturnToError) throw badUserInput(error.message, 'returnTo');
      throw error;
    }
  }

  @Mutation(() => DisconnectQuickBooksPayload, {
    description:
      "Disconnects this customer's QuickBooks company: revokes the authorization at Intuit (retried), removes the tokens here whatever Intuit answers, and cancels this customer's queued QuickBooks jobs. Idempotent. Admins of the customer only",
  })
  async disconnectQuickBooks(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<DisconnectQuickBooksPayload> {
    const viewer = authorizeTenant(context, customerId, 'admin', 'disconnect QuickBooks');
    const { revoked } = await context.services.connect.disconnect({
      tenantId: customerId,
      userId: viewer.userId,
    });
    context.loaders.connection.clear(customerId);
    const [view] = await context.services.connections.getMany([customerId]);
    return { connection: toGraphQLConnection(view!), revokedAtQuickBooks: revoked };
  }

  @Query(() => QuickBooksAuditEntryConnection, {
    nullable: true,
    description:
      'Who connected, reconnected or disconnected QuickBooks for this customer, and what failed on its behalf; newest first. Admins of the customer only (null with FORBIDDEN otherwise)',
  })
  async quickbooksAuditLog(
    @Arg('customerId', () => ID) customerId: string,
    @Args(() => ForwardPageArgs) page: ForwardPageArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksAuditEntryConnection> {
    authorizeTenant(context, customerId, 'admin', 'read the QuickBooks audit log');
    const { limit, after } = readPageArgs(page);
    let position: { createdAt: string; id: string } | undefined;
    if (after) {
      if (
        typeof after.at !== 'string' ||
        typeof after.id !== 'string' ||
        !/^[a-f0-9]{24}$/.test(after.id) ||
        Number.isNaN(Date.parse(after.at))
      ) {
        throw badUserInput('after is not a cursor from this list', 'after');
      }
      position = { createdAt: after.at, id: after.id };
    }
    const rows = await context.services.auditLog.page(customerId, limit, position);
    const entries: QuickBooksAuditEntry[] = rows.map((row) => ({
      id: row.id,
      action: row.action,
      outcome: row.outcome,
      actorUserId: row.actorUserId,
      realmId: row.realmId,
      reason: row.reason,
      createdAt: row.createdAt,
    }));
    return toConnection(entries, limit, (entry) => ({ at: entry.createdAt.toISOString(), id: entry.id }));
  }

  @Subscription(() => QuickBooksConnection, {
    description:
      "Pushes this customer's QuickBooks connection each time it changes (connected, refreshed into NEEDS_REAUTH, disconnected). Any member of the customer; FORBIDDEN otherwise",
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const { customerId } = args as { customerId: string };
      authorizeTenant(ctx, customerId, 'member');
      // A list, not the id: a string is itself an Iterable<string>, and would subscribe one channel per
      // character of the id (and hear nothing of this customer).
      return ctx.services.connectionEvents.subscribe([customerId]);
    },
  })
  async quickbooksConnectionChanged(
    @Root() event: { tenantId: string },
    @Arg('customerId', () => ID) _customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksConnection> {
    // Events carry only the tenant id: the state is read fresh, so nothing secret travels over Redis and a
    // late event never shows an older state.
    const [view] = await context.services.connections.getMany([event.tenantId]);
    return toGraphQLConnection(view!);
  }
}
