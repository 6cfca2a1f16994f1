import { Field, ID, ObjectType } from 'type-graphql';
import { QuickBooksConnectionStatus } from './enums.js';
import { QuickBooksSyncSettings } from './quickbooks-mappings.js';
import { QuickBooksSyncSummary } from './quickbooks-sync-log.js';

/**
 * Every field is listed by hand in CustomerResolver's mapping, never spread from a stored document, so a
 * credential can only reach a client by someone adding a field for it here.
 */
@ObjectType({ description: "A tenant's link to one QuickBooks Online company. Never exposes credentials." })
export class QuickBooksConnection {
  @Field(() => ID, { description: 'The host Customer (tenant) this connection belongs to' })
  customerId!: string;

  @Field(() => QuickBooksConnectionStatus)
  status!: QuickBooksConnectionStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Why the connection is not healthy and what an admin can do about it; null while CONNECTED',
  })
  reason?: string | null;

  @Field(() => String, { nullable: true, description: "Intuit's company id (realmId)" })
  realmId?: string;

  @Field(() => String, { nullable: true, description: "The QuickBooks company's name, as Intuit reports it" })
  companyName?: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Where the company lives: `production`, `sandbox` (Intuit) or `emulator` (local development)',
  })
  environment?: string;

  @Field(() => [String], { description: 'The OAuth scopes QuickBooks granted' })
  scopes!: string[];

  @Field(() => Date, { nullable: true })
  connectedAt?: Date;

  @Field(() => String, { nullable: true, description: 'The user id of the admin who connected QuickBooks' })
  connectedBy?: string;

  @Field(() => ID, { nullable: true, deprecationReason: 'Use connectedBy' })
  connectedByUserId?: string;

  @Field(() => Date, { nullable: true })
  lastSyncedAt?: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'When the current access token lapses; it is refreshed ahead of time',
  })
  accessTokenExpiresAt?: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'When the admin must reconnect if no refresh happens before then',
  })
  refreshTokenExpiresAt?: Date;

  @Field(() => Date, {
    nullable: true,
    description:
      "Intuit's five-year limit on this authorization: an admin must reconnect by then whatever happens",
  })
  refreshTokenHardExpiresAt?: Date;

  @Field(() => QuickBooksSyncSettings, {
    description:
      'How the sync behaves; kept across disconnects; changed with updateQuickBooksSettings (admins)',
  })
  settings!: QuickBooksSyncSettings;

  // Computed by QuickBooksSyncLogResolver only when a query selects it (two indexed queries).
  @Field(() => QuickBooksSyncSummary, {
    nullable: true,
    description:
      "Counts by sync state, the last success, the oldest pending push and the newest errors of this customer's invoices",
  })
  syncSummary?: QuickBooksSyncSummary | null;
}
