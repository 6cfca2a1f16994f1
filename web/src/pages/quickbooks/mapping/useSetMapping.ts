import { useCallback } from 'react';
import { useMutation, type CombinedError } from 'urql';
import { MappingSetDocument, type QuickBooksMappingKind } from '../../../generated/graphql';
import { useMappingPage } from './context';
import { sourceKeyLabel } from './words';

/** Saves one mapping; on success the page re-reads what changed and says so. Errors stay with the caller. */
export function useSetMapping(onSaved?: () => void): {
  save(kind: QuickBooksMappingKind, sourceKey: string, targetId: string): Promise<boolean>;
  fetching: boolean;
  error: CombinedError | undefined;
} {
  const { customerId, refetchAll, reportSuccess } = useMappingPage();
  const [{ fetching, error }, setMapping] = useMutation(MappingSetDocument);
  const save = useCallback(
    async (kind: QuickBooksMappingKind, sourceKey: string, targetId: string) => {
      const result = await setMapping({ customerId, input: { kind, sourceKey, targetId } });
      const saved = result.data?.setQuickBooksMapping;
      if (!saved) return false;
      reportSuccess(`${sourceKeyLabel(saved.sourceKey)} is now mapped to ${saved.targetName}.`);
      refetchAll();
      onSaved?.();
      return true;
    },
    [customerId, onSaved, refetchAll, reportSuccess, setMapping],
  );
  return { save, fetching, error };
}
