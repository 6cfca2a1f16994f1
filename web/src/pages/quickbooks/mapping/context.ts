import { createContext, useContext } from 'react';
import type { MappingReferenceDataQuery } from '../../../generated/graphql';

/** What every part of the mapping page shares: who acts, the company's lists, and how to refresh. */
export interface MappingPageContextValue {
  customerId: string;
  isAdmin: boolean;
  reference: MappingReferenceDataQuery | undefined;
  /** Re-reads the readiness, the mappings and the company's lists from the network. */
  refetchAll(): void;
  /** Shows and announces a change that worked. */
  reportSuccess(message: string): void;
}

export const MappingPageContext = createContext<MappingPageContextValue | null>(null);

export function useMappingPage(): MappingPageContextValue {
  const value = useContext(MappingPageContext);
  if (!value) throw new Error('useMappingPage outside the mapping page');
  return value;
}
