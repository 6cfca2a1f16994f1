import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from '../models/audit-log.js';
import { Connection } from './connection.js';
import { QuickBooksConnection } from './quickbooks-connection.js';

export const QuickBooksAuditAction = Object.fromEntries(AUDIT_ACTIONS.map((a) => [a, a])) as {
  [K in (typeof AUDIT_ACTIONS)[number]]: K;
};
registerEnumType(QuickBooksAuditAction, {
  name: 'QuickBooksAuditAction',
  description: 'What happened to the QuickBooks connection',
});

export const QuickBooksAuditOutcome = Object.fromEntries(AUDIT_OUTCOMES.map((a) => [a, a])) as {
  [K in (typeof AUDIT_OUTCOMES)[number]]: K;
};
registerEnumType(QuickBooksAuditOutcome, { name: 'QuickBooksAuditOutcome' });

@ObjectType({ description: 'Where to send the admin to approve the connection at Intuit' })
export class ConnectQuickBooksPayload {
  @Field(() => String, {
    description:
      "Intuit's authorization page for this connect attempt; valid for 10 minutes and usable once. Open it in the browser (top-level navigation, not a frame)",
  })
  authorizeUrl!: string;
}

@ObjectType()
export class DisconnectQuickBooksPayload {
  @Field(() => QuickBooksConnection, { description: 'The connection after the disconnect (DISCONNECTED)' })
  connection!: QuickBooksConnection;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Whether QuickBooks confirmed the revocation; null when nothing was connected. When false the connection is still removed here, and the audit log says why; the admin can also remove the app in QuickBooks (Settings > Apps)',
  })
  revokedAtQuickBooks!: boolean | null;
}

@ObjectType({ description: 'One entry of the QuickBooks audit log. Never holds a token.' })
export class QuickBooksAuditEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => QuickBooksAuditAction)
  action!: (typeof AUDIT_ACTIONS)[number];

  @Field(() => QuickBooksAuditOutcome)
  outcome!: (typeof AUDIT_OUTCOMES)[number];

  @Field(() => String, { description: 'The user id who acted, or `system` for background jobs' })
  actorUserId!: string;

  @Field(() => String, { nullable: true })
  realmId?: string;

  @Field(() => String, { nullable: true, description: 'Why, in words an admin can act on' })
  reason?: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class QuickBooksAuditEntryConnection extends Connection(
  QuickBooksAuditEntry,
  'QuickBooksAuditEntry',
) {}
