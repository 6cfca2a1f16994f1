import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from './connection.js';
import type { ReconciliationPhase } from '../models/reconciliation.js';
import { Invoice } from './entities.js';
import { QuickBooksTaxLineFigure } from './quickbooks-sync-status.js';

export enum QuickBooksDifferenceClass {
  MISSING_IN_QUICKBOOKS = 'MISSING_IN_QUICKBOOKS',
  EXTRA_IN_QUICKBOOKS = 'EXTRA_IN_QUICKBOOKS',
  STATUS = 'STATUS',
  AMOUNT = 'AMOUNT',
  TAX_RECOMPUTED = 'TAX_RECOMPUTED',
  ROUNDING = 'ROUNDING',
  BALANCE = 'BALANCE',
}
registerEnumType(QuickBooksDifferenceClass, {
  name: 'QuickBooksDifferenceClass',
  description: 'How an invoice differs between the platform and QuickBooks',
  valuesConfig: {
    MISSING_IN_QUICKBOOKS: { description: 'Pushed (or due), but QuickBooks has no such invoice' },
    EXTRA_IN_QUICKBOOKS: {
      description: 'Linked to the platform in QuickBooks, but the platform has no such invoice',
    },
    STATUS: { description: 'Void or deleted on one side only' },
    AMOUNT: { description: 'The amount before tax differs (an edit in QuickBooks, or a line changed)' },
    TAX_RECOMPUTED: {
      description:
        'QuickBooks charged another tax and no rounding rule explains it (automated sales tax, a rate change, an edit)',
    },
    ROUNDING: {
      description: "The tax differs by rounding: `rule` names the rule that gives QuickBooks' figure",
    },
    BALANCE: { description: 'What was paid differs (a payment not pulled back, or applied differently)' },
  },
});

export enum QuickBooksReconciliationAction {
  REPUSH = 'REPUSH',
  ACCEPT_QUICKBOOKS = 'ACCEPT_QUICKBOOKS',
  SYNC_PAYMENTS = 'SYNC_PAYMENTS',
  DISMISS = 'DISMISS',
}
registerEnumType(QuickBooksReconciliationAction, {
  name: 'QuickBooksReconciliationAction',
  description: 'What an admin can do about a reconciliation row',
  valuesConfig: {
    REPUSH: {
      description: "Push the platform's invoice again: `retryQuickBooksSync(customerId, invoiceId)`",
    },
    ACCEPT_QUICKBOOKS: {
      description:
        "Keep QuickBooks' figure: `dismissQuickBooksReconciliationRow` with decision ACCEPT_QUICKBOOKS and the reason (audited)",
    },
    SYNC_PAYMENTS: {
      description: "Bring QuickBooks' payments back now: `syncQuickBooksPayments(customerId)`",
    },
    DISMISS: {
      description: 'Mark it looked at: `dismissQuickBooksReconciliationRow` with a reason (audited)',
    },
  },
});

export enum QuickBooksReconciliationDecision {
  DISMISS = 'DISMISS',
  ACCEPT_QUICKBOOKS = 'ACCEPT_QUICKBOOKS',
}
registerEnumType(QuickBooksReconciliationDecision, {
  name: 'QuickBooksReconciliationDecision',
  description: 'How an admin closed a reconciliation row',
  valuesConfig: {
    DISMISS: { description: 'Looked at: the difference is fine as it is' },
    ACCEPT_QUICKBOOKS: { description: "QuickBooks' figure stands (tax differences only)" },
  },
});

@ObjectType({ description: 'An admin decided a row' })
export class QuickBooksReconciliationDismissal {
  @Field(() => QuickBooksReconciliationDecision)
  decision!: QuickBooksReconciliationDecision;

  @Field(() => String, { description: 'The user id (JWT `sub`)' })
  by!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => String)
  reason!: string;
}

export enum QuickBooksReconciliationState {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(QuickBooksReconciliationState, { name: 'QuickBooksReconciliationState' });

@ObjectType({ description: 'One thing that differs, with both figures in integer cents' })
export class QuickBooksReconciliationFinding {
  @Field(() => QuickBooksDifferenceClass)
  class!: QuickBooksDifferenceClass;

  @Field(() => Int, { nullable: true, description: 'Cents as the platform has them; null when it has none' })
  ours!: number | null;

  @Field(() => Int, { nullable: true, description: 'Cents as QuickBooks has them; null when it has none' })
  theirs!: number | null;

  @Field(() => String)
  explanation!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'For ROUNDING: PER_LINE_HALF_UP, PER_LINE_HALF_EVEN, PER_RATE_SUBTOTAL_HALF_UP, PER_RATE_SUBTOTAL_HALF_EVEN, PER_COMPONENT_HALF_UP (each component rate of a compound rate once on its subtotal), PER_LINE_PER_COMPONENT_HALF_UP or PER_LINE_PER_COMPONENT_HALF_EVEN',
  })
  rule?: string | null;
}

@ObjectType({ description: 'An invoice that differs between the platform and QuickBooks' })
export class QuickBooksReconciliationRow {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true })
  invoiceId!: string | null;

  @Field(() => Invoice, {
    nullable: true,
    description: 'The platform invoice, with fields from every subgraph',
  })
  invoice?: Invoice | null;

  @Field(() => String, { nullable: true })
  quickbooksInvoiceId!: string | null;

  @Field(() => String, { nullable: true, description: "The platform's invoice number" })
  number!: string | null;

  @Field(() => QuickBooksDifferenceClass, { description: 'The most significant finding' })
  class!: QuickBooksDifferenceClass;

  @Field(() => Int, { description: 'Money at stake in cents' })
  atStakeCents!: number;

  @Field(() => [QuickBooksReconciliationFinding])
  findings!: QuickBooksReconciliationFinding[];

  @Field(() => [QuickBooksTaxLineFigure], {
    nullable: true,
    description: "For a tax difference: the platform's tax per rate (null for other rows)",
  })
  platformTaxLines!: QuickBooksTaxLineFigure[] | null;

  @Field(() => [QuickBooksTaxLineFigure], {
    nullable: true,
    description: "For a tax difference: QuickBooks' TxnTaxDetail.TaxLine breakdown (null for other rows)",
  })
  quickbooksTaxLines!: QuickBooksTaxLineFigure[] | null;

  @Field(() => QuickBooksReconciliationDismissal, { nullable: true })
  dismissed!: QuickBooksReconciliationDismissal | null;

  @Field(() => [QuickBooksReconciliationAction], { description: 'Empty once dismissed' })
  actions!: QuickBooksReconciliationAction[];
}

@ObjectType({ description: 'Rows of a reconciliation, most money at stake first' })
export class QuickBooksReconciliationRowConnection extends Connection(
  QuickBooksReconciliationRow,
  'QuickBooksReconciliationRow',
) {}

@ObjectType()
export class QuickBooksDifferenceCount {
  @Field(() => QuickBooksDifferenceClass)
  class!: QuickBooksDifferenceClass;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'QuickBooks requests a run made' })
export class QuickBooksReadCalls {
  @Field(() => Int, { description: 'Report requests (one per window of six months or less)' })
  reports!: number;

  @Field(() => Int, { description: 'Targeted re-reads (one per 30 invoices that differ)' })
  rereads!: number;

  @Field(() => Int, {
    description:
      "Change data capture requests: one when a previous run of this company started within QuickBooks' 30 days of change history (invoices changed since, dated outside the window)",
  })
  changeDataCapture!: number;
}

@ObjectType({
  description:
    'A credit a customer holds in QuickBooks receivables (an unapplied payment, a credit memo with credit left): the A/R-level view an invoice-by-invoice comparison cannot see',
})
export class QuickBooksReceivableCredit {
  @Field(() => String, {
    description: "QuickBooks' transaction type as the report labels it (Payment, Credit Memo)",
  })
  txnType!: string;

  @Field(() => String, { nullable: true })
  quickbooksId!: string | null;

  @Field(() => String, { nullable: true })
  docNumber!: string | null;

  @Field(() => String)
  customerName!: string;

  @Field(() => String, { nullable: true })
  quickbooksCustomerId!: string | null;

  @Field(() => Int, { description: 'Negative: what QuickBooks owes the customer, in cents' })
  openBalanceCents!: number;
}

@ObjectType()
export class QuickBooksReconciliationSummary {
  @Field(() => Int)
  invoicesCompared!: number;

  @Field(() => Int, { description: 'Money at stake over all rows, in cents' })
  atStakeCents!: number;

  @Field(() => [QuickBooksDifferenceCount], {
    description: 'Rows per class (classes with none are left out)',
  })
  counts!: QuickBooksDifferenceCount[];

  @Field(() => QuickBooksReadCalls)
  readCalls!: QuickBooksReadCalls;

  @Field(() => [QuickBooksReceivableCredit], {
    description: "Credits the customer's QuickBooks customers hold at the window's end, largest first",
  })
  receivableCredits!: QuickBooksReceivableCredit[];
}

@ObjectType()
export class QuickBooksReconciliationError {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  message!: string;
}

export const QuickBooksReconciliationPhase: { [K in ReconciliationPhase]: K } = {
  READING_REPORTS: 'READING_REPORTS',
  READING_PLATFORM: 'READING_PLATFORM',
  REREADING: 'REREADING',
  READING_RECEIVABLES: 'READING_RECEIVABLES',
  SAVING: 'SAVING',
};
registerEnumType(QuickBooksReconciliationPhase, {
  name: 'QuickBooksReconciliationPhase',
  description: 'The steps of a reconciliation run, in order',
  valuesConfig: {
    READING_REPORTS: { description: "QuickBooks' TransactionList report, one per six months of the window" },
    READING_PLATFORM: { description: "The platform's invoices pushed to this company" },
    REREADING: { description: 'QuickBooks invoices the report shows differ, 30 per query' },
    READING_RECEIVABLES: { description: "QuickBooks' AgedReceivableDetail report (credits on account)" },
    SAVING: { description: 'The rows that differ are being stored' },
  },
});

@ObjectType({ description: 'Where a running reconciliation is' })
export class QuickBooksReconciliationProgress {
  @Field(() => QuickBooksReconciliationPhase)
  phase!: ReconciliationPhase;

  @Field(() => Int, { description: 'Steps of this phase done (reports, invoices read, invoices re-read)' })
  done!: number;

  @Field(() => Int, { description: 'Steps of this phase in all' })
  total!: number;
}

@ObjectType({ description: "A reconciliation of a customer's invoices with QuickBooks over a date window" })
export class QuickBooksReconciliation {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'YYYY-MM-DD, inclusive' })
  from!: string;

  @Field(() => String, { description: 'YYYY-MM-DD, inclusive' })
  to!: string;

  @Field(() => QuickBooksReconciliationState)
  state!: QuickBooksReconciliationState;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => QuickBooksReconciliationSummary, { nullable: true, description: 'Once SUCCEEDED' })
  summary!: QuickBooksReconciliationSummary | null;

  @Field(() => QuickBooksReconciliationError, { nullable: true, description: 'Once FAILED' })
  error!: QuickBooksReconciliationError | null;

  @Field(() => QuickBooksReconciliationProgress, {
    nullable: true,
    description: 'Where the run is while RUNNING (null before the worker picks it up, and once it ended)',
  })
  progress!: QuickBooksReconciliationProgress | null;

  /** Kept out of the schema: the rows resolver reads within it. */
  tenantId!: string;

  // Declared for the schema; resolved by QuickBooksReconciliationResolver.rows.
  rows?: QuickBooksReconciliationRowConnection;
}
