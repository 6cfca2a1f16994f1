import { useId, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../../components/ErrorNotice';
import type { QuickBooksMappingKind } from '../../../generated/graphql';
import { useMappingPage } from './context';
import { targetOptions } from './targets';
import { useSetMapping } from './useSetMapping';
import { sourceKeyLabel, TARGET_NOUN } from './words';

/**
 * An admin's choice among the company's active entries of the right kind for one platform key, saved with
 * setQuickBooksMapping. The server checks the choice again; a refusal is shown here in its words.
 */
export function TargetPicker({
  kind,
  sourceKey,
  currentTargetId,
  preferredTargetId,
  onSaved,
}: {
  kind: QuickBooksMappingKind;
  sourceKey: string;
  /** The target mapped now, if any (a change must differ from it). */
  currentTargetId?: string;
  /** What to preselect when nothing is mapped (the top suggestion). */
  preferredTargetId?: string;
  /** After a save that worked (the page has re-read what changed). */
  onSaved?(): void;
}) {
  const { reference } = useMappingPage();
  const options = targetOptions(kind, sourceKey, reference);
  const offered = (id: string | undefined) => (id && options.some((o) => o.id === id) ? id : undefined);
  const [value, setValue] = useState(offered(currentTargetId) ?? offered(preferredTargetId) ?? '');
  const { save, fetching, error } = useSetMapping(onSaved);
  const id = useId();
  const keyLabel = sourceKeyLabel(sourceKey);
  // The account-wide keys (INCOME_ACCOUNT, DEPOSIT_ACCOUNT) need no "for …": the list names them already.
  const pickerLabel = sourceKey === kind ? TARGET_NOUN[kind] : `${TARGET_NOUN[kind]} for ${keyLabel}`;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (value) void save(kind, sourceKey, value);
  };

  return (
    <form className="target-picker" onSubmit={onSubmit}>
      <label htmlFor={id}>{pickerLabel}</label>
      <div className="target-picker-row">
        <select id={id} value={value} onChange={(event) => setValue(event.target.value)}>
          <option value="">{options.length === 0 ? 'Nothing in QuickBooks fits' : 'Choose…'}</option>
          {options.map((option) => (
            <option key={option.id} value={option.id}>
              {option.label}
            </option>
          ))}
        </select>
        <button
          type="submit"
          aria-label={`Save ${pickerLabel}`}
          disabled={fetching || !value || value === currentTargetId}
        >
          {fetching ? 'Saving…' : 'Save'}
        </button>
      </div>
      {error ? <ErrorNotice error={error} context={`${keyLabel} was not saved`} /> : null}
    </form>
  );
}
