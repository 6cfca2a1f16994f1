import type { Customer, Invoice } from '../schema/entities.js';

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
