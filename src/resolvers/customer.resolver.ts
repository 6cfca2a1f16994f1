import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { QuickBooksConnectionStatus } from '../schema/enums.js';
import { Customer } from '../schema/entities.js';
import { QuickBooksConnection } from '../schema/quickbooks-connection.js';
import type { QuickBooksConnectionView } from '../services/connections.js';
import { settingsOf } from '../services/quickbooks-settings.js';
import { authorizeTenant } from './authorize.js';
import type { GraphQLContext } from './context.js';
import { toGraphQLSettings } from './quickbooks-mappings.resolver.js';

/** Field by field: nothing the service adds later reaches clients unless it is mapped here. */
export function toGraphQLConnection(view: QuickBooksConnectionView): QuickBooksConnection {
  return {
    customerId: view.tenantId,
    status: QuickBooksConnectionStatus[view.status],
    reason: view.reason ?? null,
    realmId: view.realmId,
    companyName: view.companyName,
    environment: view.environment,
    scopes: view.scopes,
    connectedAt: view.connectedAt,
    connectedBy: view.connectedBy,
    connectedByUserId: view.connectedBy,
    lastSyncedAt: view.lastSyncedAt,
    accessTokenExpiresAt: view.accessTokenExpiresAt,
    refreshTokenExpiresAt: view.refreshTokenExpiresAt,
    refreshTokenHardExpiresAt: view.refreshTokenHardExpiresAt,
    settings: toGraphQLSettings(settingsOf(view.settings)),
  };
}

/** Any member of the customer may read its connection status; changing it is for its admins. */
async function loadConnection(context: GraphQLContext, customerId: string): Promise<QuickBooksConnection> {
  authorizeTenant(context, customerId, 'member');
  return toGraphQLConnection(await context.loaders.connection.load(customerId));
}

@Resolver(() => Customer)
export class CustomerResolver {
  @FieldResolver(() => QuickBooksConnection, {
    nullable: true,
    description:
      "This tenant's QuickBooks connection (status DISCONNECTED when none); null with FORBIDDEN for other tenants",
  })
  quickbooksConnection(
    @Root() customer: Customer,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksConnection | null> {
    return loadConnection(context, customer.id);
  }

  // Nullable, like every field that can be FORBIDDEN: an error here must not wipe sibling fields.
  @Query(() => QuickBooksConnection, {
    name: 'quickbooksConnection',
    nullable: true,
    description:
      "A tenant's QuickBooks connection, for the settings panel; null with FORBIDDEN for a customer the caller may not act for (unknown or another tenant's)",
  })
  quickbooksConnectionByCustomerId(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksConnection | null> {
    return loadConnection(context, customerId);
  }
}
