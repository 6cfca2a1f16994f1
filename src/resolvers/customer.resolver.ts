import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { mayActFor } from '../auth/viewer.js';
import { QuickBooksConnectionStatus } from '../schema/enums.js';
import { Customer } from '../schema/entities.js';
import { QuickBooksConnection } from '../schema/quickbooks-connection.js';
import type { QuickBooksConnectionView } from '../services/connections.js';
import { requireViewer, type GraphQLContext } from './context.js';
import { forbidden } from './errors.js';

function toGraphQL(view: QuickBooksConnectionView): QuickBooksConnection {
  return { ...view, status: QuickBooksConnectionStatus[view.status] };
}

async function loadConnection(context: GraphQLContext, customerId: string): Promise<QuickBooksConnection> {
  const viewer = requireViewer(context);
  if (!mayActFor(viewer, customerId)) throw forbidden();
  return toGraphQL(await context.loaders.connection.load(customerId));
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
