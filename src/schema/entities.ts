import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { QuickBooksConnection } from './quickbooks-connection.js';
import { QuickBooksSyncStatus } from './quickbooks-sync-status.js';

/** The host's tenant account. The host owns it; this subgraph adds `quickbooksConnection`. */
@Directive('@key(fields: "id")')
@ObjectType()
export class Customer {
  @Field(() => ID)
  id!: string;

  // Declared for the schema; resolved by CustomerResolver.
  quickbooksConnection?: QuickBooksConnection | null;
}

/**
 * The host's invoice. `customer { id }` is fetched from the host by the gateway (@requires), so the
 * sync status is always read within the invoice's own tenant, never by invoice id alone.
 */
@Directive('@key(fields: "id")')
@ObjectType()
export class Invoice {
  @Field(() => ID)
  id!: string;

  /** Supplied by the gateway in entity representations; absent only when a caller bypasses it. */
  @Directive('@external')
  @Field(() => Customer)
  customer?: Customer;

  quickbooksSyncStatus?: QuickBooksSyncStatus | null;
}

@ObjectType({ description: "A change of one invoice's QuickBooks state, pushed to subscribers" })
export class QuickBooksSyncStatusChange {
  @Field(() => ID)
  invoiceId!: string;

  @Field(() => Invoice, { description: 'The invoice, with fields from every subgraph' })
  invoice!: Invoice;

  @Field(() => QuickBooksSyncStatus)
  status!: QuickBooksSyncStatus;
}
