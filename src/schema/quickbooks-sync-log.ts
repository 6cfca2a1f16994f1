import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from './connection.js';
import { Invoice } from './entities.js';
import { QuickBooksSyncState } from './enums.js';
import { QuickBooksSyncError } from './quickbooks-sync-status.js';

export enum QuickBooksSyncEntityType {
  INVOICE = 'INVOICE',
  QUICKBOOKS_CUSTOMER = 'QUICKBOOKS_CUSTOMER',
  PAYMENT = 'PAYMENT',
}
registerEnumType(QuickBooksSyncEntityType, {
  name: 'QuickBooksSyncEntityType',
  description: 'What a sync attempt worked on',
  valuesConfig: {
    INVOICE: { description: 'A host invoice pushed to QuickBooks' },
    QUICKBOOKS_CUSTOMER: { description: "An invoice's bill-to, as a QuickBooks Customer (never the tenant)" },
    PAYMENT: { description: 'A payment matched to a QuickBooks invoice' },
  },
});

export enum QuickBooksSyncOperation {
  INVOICE_PUSH = 'INVOICE_PUSH',
  QUICKBOOKS_CUSTOMER_UPSERT = 'QUICKBOOKS_CUSTOMER_UPSERT',
  PAYMENT_MATCH = 'PAYMENT_MATCH',
}
registerEnumType(QuickBooksSyncOperation, { name: 'QuickBooksSyncOperation' });

export enum QuickBooksSyncAttemptOutcome {
  STARTED = 'STARTED',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(QuickBooksSyncAttemptOutcome, {
  name: 'QuickBooksSyncAttemptOutcome',
  valuesConfig: {
    STARTED: { description: 'The attempt began and has not reported an outcome (yet)' },
  },
});

@ObjectType({
  description:
    'One attempt at one entity (an invoice push, a QuickBooks customer upsert). Never holds a token.',
})
export class QuickBooksSyncLogEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => QuickBooksSyncEntityType)
  entityType!: QuickBooksSyncEntityType;

  @Field(() => String, { description: 'The host id of the entity (an invoice id, a party id)' })
  entityId!: string;

  @Field(() => Invoice, {
    nullable: true,
    description:
      'The invoice of an INVOICE entry, with fields from every subgraph (its number, status…), so a log page needs no second query; null for other entities, and when the platform no longer has the invoice',
  })
  invoice?: Invoice | null;

  @Field(() => QuickBooksSyncOperation)
  operation!: QuickBooksSyncOperation;

  @Field(() => QuickBooksSyncAttemptOutcome)
  outcome!: QuickBooksSyncAttemptOutcome;

  @Field(() => Int, { description: 'Which attempt this was, from 1' })
  attempt!: number;

  @Field(() => String, { nullable: true, description: 'What started the attempt (intake, retry, backfill)' })
  trigger?: string;

  @Field(() => String, { nullable: true })
  realmId?: string;

  @Field(() => String, { nullable: true, description: 'The `requestid` sent to QuickBooks' })
  requestId?: string;

  @Field(() => String, { nullable: true, description: "The entity's QuickBooks Id, once known" })
  quickbooksId?: string;

  @Field(() => String, {
    nullable: true,
    description: "Intuit's transaction id (intuit_tid), for Intuit support",
  })
  intuitTid?: string;

  @Field(() => Int, { nullable: true })
  durationMs?: number;

  @Field(() => QuickBooksSyncError, { nullable: true })
  error?: QuickBooksSyncError;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class QuickBooksSyncLogEntryConnection extends Connection(
  QuickBooksSyncLogEntry,
  'QuickBooksSyncLogEntry',
) {}

@InputType({ description: 'Narrows the sync log; every field is optional and they combine with AND' })
export class QuickBooksSyncLogFilter {
  @Field(() => QuickBooksSyncAttemptOutcome, { nullable: true })
  outcome?: QuickBooksSyncAttemptOutcome | null;

  @Field(() => QuickBooksSyncEntityType, { nullable: true })
  entityType?: QuickBooksSyncEntityType | null;

  @Field(() => String, { nullable: true, description: "One entity's attempts (its host id)" })
  entityId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Entries at or after this instant' })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Entries before this instant' })
  until?: Date | null;
}

@ObjectType()
export class QuickBooksSyncStateCount {
  @Field(() => QuickBooksSyncState)
  state!: QuickBooksSyncState;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'An invoice whose last push needs attention' })
export class QuickBooksSyncSummaryError {
  @Field(() => ID, { description: 'The host invoice id' })
  invoiceId!: string;

  @Field(() => Invoice, {
    description: 'The invoice, with fields from every subgraph (its number, bill-to…)',
  })
  invoice!: Invoice;

  @Field(() => QuickBooksSyncState)
  state!: QuickBooksSyncState;

  @Field(() => QuickBooksSyncError)
  error!: QuickBooksSyncError;

  @Field(() => Date, { description: 'When the invoice entered this state' })
  at!: Date;
}

@ObjectType({ description: "A customer's invoice sync at a glance, for the settings page" })
export class QuickBooksSyncSummary {
  @Field(() => [QuickBooksSyncStateCount], {
    description:
      'Invoices per state, every state listed (zero included). Counts invoices the sync has seen; NOT_SYNCED counts only those that left the pipeline (dismissed, voided), not invoices never queued',
  })
  counts!: QuickBooksSyncStateCount[];

  @Field(() => Date, { nullable: true, description: 'When an invoice last reached SYNCED' })
  lastSucceededAt?: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'Since when the oldest QUEUED or SYNCING invoice has been waiting; null when none waits',
  })
  oldestPendingSince?: Date;

  @Field(() => [QuickBooksSyncSummaryError], {
    description: 'The newest invoices in FAILED, ACTION_REQUIRED or DEAD with their error, at most five',
  })
  recentErrors!: QuickBooksSyncSummaryError[];
}
