import { CustomerResolver } from './customer.resolver.js';
import { InvoiceResolver } from './invoice.resolver.js';

export { referenceResolvers } from './references.js';
export const resolverClasses = [CustomerResolver, InvoiceResolver] as const;
