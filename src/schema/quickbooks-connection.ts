import { Field, ID, ObjectType } from 'type-graphql';
import { QuickBooksConnectionStatus } from './enums.js';

@ObjectType({ description: "A tenant's link to one QuickBooks Online company. Never exposes credentials." })
export class QuickBooksConnection {
  @Field(() => ID, { description: 'The host Customer (tenant) this connection belongs to' })
  customerId!: string;

  @Field(() => QuickBooksConnectionStatus)
  status!: QuickBooksConnectionStatus;

  @Field(() => String, { nullable: true, description: "Intuit's company id (realmId)" })
  realmId?: string;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => Date, { nullable: true })
  connectedAt?: Date;

  @Field(() => ID, { nullable: true })
  connectedByUserId?: string;

  @Field(() => Date, { nullable: true })
  lastSyncedAt?: Date;

  @Field(() => Date, { nullable: true, description: 'When the admin must reconnect at the latest' })
  refreshTokenExpiresAt?: Date;
}
