import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Invoice } from './entities.js';

export enum QuickBooksPaymentStanding {
  APPLIED = 'APPLIED',
  UNAPPLIED = 'UNAPPLIED',
  VOIDED = 'VOIDED',
  DELETED = 'DELETED',
}
registerEnumType(QuickBooksPaymentStanding, {
  name: 'QuickBooksPaymentStanding',
  description: 'How a QuickBooks payment stands now, as QuickBooks says',
  valuesConfig: {
    APPLIED: { description: 'It pays one or more invoices' },
    UNAPPLIED: { description: 'It pays no invoice: a credit on the QuickBooks customer' },
    VOIDED: { description: 'Voided in QuickBooks: it pays nothing' },
    DELETED: { description: 'Deleted in QuickBooks: it pays nothing' },
  },
});

export enum QuickBooksInvoicePaymentStatus {
  UNPAID = 'UNPAID',
  PARTIALLY_PAID = 'PARTIALLY_PAID',
  PAID = 'PAID',
}
registerEnumType(QuickBooksInvoicePaymentStatus, {
  name: 'QuickBooksInvoicePaymentStatus',
  description: "An invoice's payment status from its QuickBooks balance",
  valuesConfig: {
    UNPAID: { description: 'Nothing paid' },
    PARTIALLY_PAID: { description: 'Something paid, a balance remains' },
    PAID: { description: 'Balance 0 in QuickBooks' },
  },
});

export enum QuickBooksUnmatchedReason {
  NOT_PUSHED_INVOICE = 'NOT_PUSHED_INVOICE',
  UNAPPLIED = 'UNAPPLIED',
}
registerEnumType(QuickBooksUnmatchedReason, {
  name: 'QuickBooksUnmatchedReason',
  description: 'Why a QuickBooks payment pays none of the invoices this product pushed',
  valuesConfig: {
    NOT_PUSHED_INVOICE: { description: 'It pays QuickBooks invoices that were not pushed from the platform' },
    UNAPPLIED: { description: 'It pays no invoice at all (a credit on the QuickBooks customer)' },
  },
});

@ObjectType({ description: 'A payment recorded in QuickBooks, as it applies to one of our invoices now' })
export class QuickBooksInvoicePayment {
  @Field(() => ID, { description: "QuickBooks' Payment Id" })
  quickbooksPaymentId!: string;

  @Field(() => String, { description: 'What it pays on this invoice (decimal, two places)' })
  amount!: string;

  @Field(() => String, { description: 'The whole payment in QuickBooks; it may pay other invoices too' })
  totalAmount!: string;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD (QuickBooks TxnDate)' })
  receivedOn!: string | null;

  @Field(() => String, { nullable: true, description: 'Payment method as QuickBooks names it' })
  method!: string | null;

  @Field(() => String, { nullable: true, description: 'Check number or processor reference (PaymentRefNum)' })
  reference!: string | null;

  @Field(() => QuickBooksPaymentStanding)
  standing!: QuickBooksPaymentStanding;

  @Field(() => Boolean, { description: 'Credit from a QuickBooks credit memo, applied through this payment' })
  creditMemoApplied!: boolean;

  @Field(() => Date, { description: 'When this product last saw it change' })
  updatedAt!: Date;
}

@ObjectType({ description: 'What QuickBooks says an invoice still owes, from the last read of it' })
export class QuickBooksInvoiceBalance {
  @Field(() => String, { description: 'QuickBooks TotalAmt (decimal, two places)' })
  total!: string;

  @Field(() => String, { description: 'QuickBooks Balance: what is still owed' })
  balance!: string;

  @Field(() => String, { description: 'total - balance' })
  amountPaid!: string;

  @Field(() => QuickBooksInvoicePaymentStatus)
  paymentStatus!: QuickBooksInvoicePaymentStatus;

  @Field(() => Date, { description: 'When QuickBooks was last read for this invoice' })
  readAt!: Date;
}

@ObjectType({ description: 'A QuickBooks payment that pays none of the invoices this product pushed' })
export class QuickBooksUnmatchedPayment {
  @Field(() => ID)
  quickbooksPaymentId!: string;

  @Field(() => QuickBooksUnmatchedReason)
  reason!: QuickBooksUnmatchedReason;

  @Field(() => String)
  totalAmount!: string;

  @Field(() => String, { description: 'What QuickBooks holds as credit (UnappliedAmt)' })
  unappliedAmount!: string;

  @Field(() => String, { nullable: true })
  receivedOn!: string | null;

  @Field(() => String, { nullable: true })
  method!: string | null;

  @Field(() => String, { nullable: true })
  reference!: string | null;

  @Field(() => String, { nullable: true, description: 'The QuickBooks Customer Id it was received from' })
  quickbooksCustomerId!: string | null;

  @Field(() => [String], {
    description: 'QuickBooks invoice Ids it pays that were not pushed from the platform',
  })
  quickbooksInvoiceIds!: string[];

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({
  description: 'A change of what QuickBooks says was paid on one invoice, pushed to subscribers',
})
export class QuickBooksInvoicePaymentsChange {
  @Field(() => ID)
  invoiceId!: string;

  @Field(() => Invoice, {
    description: 'The invoice, with fields from every subgraph (the platform payment status…)',
  })
  invoice!: Invoice;

  @Field(() => [QuickBooksInvoicePayment])
  payments!: QuickBooksInvoicePayment[];

  @Field(() => QuickBooksInvoiceBalance, { nullable: true })
  balance!: QuickBooksInvoiceBalance | null;
}
