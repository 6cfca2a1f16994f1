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
  ): Promise<QuickBooksConnection> {
    return loadConnection(context, customer.id);
  }

  @Query(() => QuickBooksConnection, {
    name: 'quickbooksConnection',
    description: "A tenant's QuickBooks connection, for the settings panel",
  })
  quickbooksConnectionByCustomerId(
    @Arg('customerId', () => ID) customerId: string,
    @Ctx() context: GraphQLContext,
  ): Promise<QuickBooksConnection> {
    return loadConnection(context, customerId);
  }
}
