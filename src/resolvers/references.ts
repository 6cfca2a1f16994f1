import type { GraphQLError } from 'graphql';
import type { Customer, Invoice } from '../schema/entities.js';
import { badUserInput } from './errors.js';

/**
 * Entity references from the gateway. Nothing is read here: the field resolvers batch their reads
 * per request through DataLoader, so N representations cost one database query per field.
 */
export const referenceResolvers = {
  Customer: {
    __resolveReference(reference: { id: string }): Customer {
      return { id: reference.id };
    },
  },
  Invoice: {
    __resolveReference(reference: { id: string; customer?: { id: string } }): Invoice {
      return { id: reference.id, customer: reference.customer };
    },
  },
};

/**
 * Checks one `_entities` representation before @apollo/subgraph sees it: that library throws a plain
 * Error for an unknown `__typename`, which would be answered as an internal error and logged as a bug,
 * and passes a representation without a key on to the field resolvers. A bad representation is the
 * caller's mistake: BAD_USER_INPUT for that item, the others still resolve. Every entity of this
 * subgraph is keyed by `id` (@key(fields: "id")); a new key shape must be checked here too.
 */
export function representationError(
  representation: unknown,
  entityTypes: ReadonlySet<string>,
): GraphQLError | undefined {
  const candidate = representation as { __typename?: unknown; id?: unknown } | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    Array.isArray(candidate) ||
    typeof candidate.__typename !== 'string' ||
    !entityTypes.has(candidate.__typename) ||
    typeof candidate.id !== 'string' ||
    candidate.id === ''
  ) {
    return badUserInput(
      `Each representation needs a __typename among ${[...entityTypes].join(', ')} and a non-empty string id`,
      'representations',
    );
  }
  return undefined;
}
