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

@ObjectType({ description: 'One tax rate on one side of an invoice' })
export class QuickBooksTaxLineFigure {
  @Field(() => String, { nullable: true, description: 'Percent, e.g. `8.25`' })
  ratePercent?: string | null;

  @Field(() => String, { nullable: true, description: "QuickBooks' tax rate name (or id), on its side" })
  name?: string | null;

  @Field(() => Int, { nullable: true, description: 'The amount taxed, in cents' })
  netCents?: number | null;

  @Field(() => Int, { description: 'The tax, in cents' })
  taxCents!: number;
}

@ObjectType({ description: "QuickBooks' tax on an invoice beside the tax the platform billed" })
export class QuickBooksTaxDifference {
  @Field(() => String, {
    description:
      "ROUNDING (a rounding rule gives QuickBooks' figure, see `rule`) or TAX_RECOMPUTED (QuickBooks applied another rate or base)",
  })
  class!: string;

  @Field(() => Int, { description: "The platform's tax, in cents" })
  oursCents!: number;

  @Field(() => Int, { description: "QuickBooks' tax, in cents" })
  theirsCents!: number;

  @Field(() => String, { nullable: true, description: 'For ROUNDING: the rule, e.g. PER_LINE_HALF_UP' })
  rule?: string | null;

  @Field(() => String, { description: 'What QuickBooks did and why, in words an admin can act on' })
  explanation!: string;

  @Field(() => String, { description: 'The tax setting the push ran under: OVERRIDE, ACCEPT or STOP' })
  policy!: string;

  @Field(() => [QuickBooksTaxLineFigure], { description: "The platform's tax per rate" })
  platformTaxLines!: QuickBooksTaxLineFigure[];

  @Field(() => [QuickBooksTaxLineFigure], { description: "QuickBooks' TaxLine breakdown" })
  quickbooksTaxLines!: QuickBooksTaxLineFigure[];
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

  @Field(() => QuickBooksTaxDifference, {
    nullable: true,
    description:
      "Set when QuickBooks' tax differs from the platform's (SYNCED_WITH_DIFFERENCES, or ACTION_REQUIRED under the STOP tax setting)",
  })
  taxDifference?: QuickBooksTaxDifference;

  @Field(() => Date, { nullable: true })
  lastAttemptAt?: Date;

  @Field(() => Date, { nullable: true })
  lastSyncedAt?: Date;

  @Field(() => Date, { nullable: true })
  updatedAt?: Date;
}
