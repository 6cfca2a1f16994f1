import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BACKFILL_STATES, type BackfillStateName } from '../models/backfill.js';

export const QuickBooksBackfillState = Object.fromEntries(BACKFILL_STATES.map((s) => [s, s])) as {
  [K in BackfillStateName]: K;
};
registerEnumType(QuickBooksBackfillState, {
  name: 'QuickBooksBackfillState',
  description: 'Where a backfill of existing invoices stands',
  valuesConfig: {
    PLANNING: { description: 'Listing the invoices to send; `total` is not known yet' },
    RUNNING: { description: 'Sending the planned invoices in batches; `done` and `failed` grow' },
    COMPLETED: {
      description:
        'Every planned invoice is SYNCED (`done`), has a recorded reason (`failed`), or was taken over by a push of its own (`handedOff`)',
    },
    CANCELLED: {
      description:
        'Ended before its invoices were sent: QuickBooks was disconnected while it ran, or its planning job was lost before any invoice was queued; a new backfill may be started',
    },
  },
});

@ObjectType({
  description:
    "A backfill of a customer's finalized invoices QuickBooks does not hold yet (syncExistingQuickBooksInvoices), sent through QuickBooks' batch endpoint. Each invoice's own state is its `quickbooksSyncStatus`",
})
export class QuickBooksBackfill {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'The customer (tenant) whose invoices are sent' })
  customerId!: string;

  @Field(() => QuickBooksBackfillState)
  state!: BackfillStateName;

  @Field(() => String, { description: 'Invoices issued on or after this date (YYYY-MM-DD, UTC) were picked' })
  since!: string;

  @Field(() => Int, {
    nullable: true,
    description:
      'Invoices queued: finalized since the date, not yet in QuickBooks and not already queued; null while PLANNING',
  })
  total?: number;

  @Field(() => Int, { description: 'Queued invoices now SYNCED' })
  done!: number;

  @Field(() => Int, {
    description:
      'Queued invoices that ended otherwise: ACTION_REQUIRED (fix and retry each) or DEAD; see each invoice’s lastError',
  })
  failed!: number;

  @Field(() => Int, {
    description:
      'Finalized invoices since the date left alone: already in QuickBooks, or a push was already queued',
  })
  skipped!: number;

  @Field(() => Int, {
    description:
      'Queued invoices a push of the same invoice (a platform edit, a retry) took over while the backfill ran; their own status tells how it ended',
  })
  handedOff!: number;

  @Field(() => ID, { description: 'The admin who started it' })
  startedBy!: string;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt?: Date;
}
