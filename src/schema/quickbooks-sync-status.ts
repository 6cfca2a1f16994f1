import { Field, Int, ObjectType } from 'type-graphql';
import { QuickBooksSyncState } from './enums.js';

@ObjectType({ description: 'Why a push or an attempt failed, in terms an admin can act on' })
export class QuickBooksSyncError {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => Boolean, { description: 'Whether a retry can succeed without changing anything' })
  retryable!: boolean;

  @Field(() => String, { nullable: true, description: "Intuit's transaction id, for Intuit support" })
  intuitTid?: string;

  @Field(() => String, { nullable: true, description: "Intuit's detail, when it gave one" })
  detail?: string;
}

@ObjectType({ description: "An invoice's state in QuickBooks" })
export class QuickBooksSyncStatus {
  @Field(() => QuickBooksSyncState)
  state!: QuickBooksSyncState;

  @Field(() => String, { nullable: true, description: 'The QuickBooks Invoice Id once pushed' })
  quickbooksInvoiceId?: string;

  @Field(() => String, { nullable: true, description: 'The DocNumber QuickBooks holds for this invoice' })
  quickbooksDocNumber?: string;

  // Resolved by QuickBooksSyncStatusResolver: the realm comes from the tenant's connection.
  @Field(() => String, {
    nullable: true,
    description:
      "A link that opens the invoice in QuickBooks Online (null until QuickBooks holds it). Intuit's link names no company: it opens in the company the person is signed in to",
  })
  quickbooksUrl?: string | null;

  /** Not in the schema: the tenant whose connection names the realm for quickbooksUrl. */
  tenantId?: string;

  @Field(() => Int)
  attempts!: number;

  @Field(() => QuickBooksSyncError, { nullable: true })
  lastError?: QuickBooksSyncError;

  @Field(() => Date, { nullable: true })
  lastAttemptAt?: Date;

  @Field(() => Date, { nullable: true })
  lastSyncedAt?: Date;

  @Field(() => Date, { nullable: true })
  updatedAt?: Date;
}
