import { useId, useRef } from 'react';
import type { CombinedError } from 'urql';
import { ErrorNotice } from '../../../components/ErrorNotice';
import type { MappingReadinessQuery, QuickBooksMappingKind } from '../../../generated/graphql';
import { useMappingPage } from './context';
import { TargetPicker } from './TargetPicker';
import { useSetMapping } from './useSetMapping';
import {
  readinessHeadline,
  scorePercent,
  sourceKeyLabel,
  SUGGESTION_REASON_LABEL,
  TARGET_NOUN,
} from './words';

type Candidate = NonNullable<
  MappingReadinessQuery['quickbooksMappingSuggestions']
>[number]['candidates'][number];

interface BlockingKey {
  kind: QuickBooksMappingKind;
  sourceKey: string;
  invoiceCount: number;
  /** Set when a mapping exists but its target no longer works. */
  broken?: { targetId: string; reason: string | null };
}

/** What stops the first sync: each key the invoices use without a working mapping, with what might fill it. */
export function BlockingKeys({
  data,
  error,
  fetching,
}: {
  data: MappingReadinessQuery | undefined;
  error: CombinedError | undefined;
  fetching: boolean;
}) {
  const status = data?.quickbooksMappingStatus;
  const keys: BlockingKey[] = status
    ? [
        ...status.broken.map((b) => ({
          kind: b.kind,
          sourceKey: b.sourceKey,
          invoiceCount: b.invoiceCount,
          broken: { targetId: b.targetId, reason: b.reason },
        })),
        ...status.unmapped,
      ]
    : [];
  // A row leaves the list once mapped, taking the focused button with it: keyboard focus moves to the count.
  const headlineRef = useRef<HTMLParagraphElement>(null);
  const suggestions = new Map(
    (data?.quickbooksMappingSuggestions ?? []).map((s) => [s.sourceKey, s.candidates] as const),
  );

  return (
    <section className="card" aria-labelledby="blocking-heading">
      <h2 id="blocking-heading">What blocks sync</h2>
      {error ? <ErrorNotice error={error} context="What needs mapping could not be read" /> : null}
      {!status && fetching ? <p className="muted">Reading your invoices…</p> : null}
      {status ? (
        <>
          <p
            ref={headlineRef}
            tabIndex={-1}
            className={`readiness ${keys.length === 0 ? 'notice notice-ok' : 'notice notice-warn'}`}
          >
            <strong data-testid="readiness-headline">{readinessHeadline(keys.length)}</strong>
            {keys.length === 0
              ? '.'
              : ': your invoices use these and QuickBooks does not know what they are.'}
          </p>
          {keys.map((key) => (
            <BlockingKeyRow
              key={`${key.kind}|${key.sourceKey}`}
              entry={key}
              candidates={suggestions.get(key.sourceKey)}
              onMapped={() => headlineRef.current?.focus()}
            />
          ))}
        </>
      ) : null}
    </section>
  );
}

function BlockingKeyRow({
  entry,
  candidates,
  onMapped,
}: {
  entry: BlockingKey;
  candidates: Candidate[] | undefined;
  onMapped(): void;
}) {
  const { isAdmin } = useMappingPage();
  const { save, fetching, error } = useSetMapping(onMapped);
  const headingId = useId();
  const label = sourceKeyLabel(entry.sourceKey);
  const top = candidates?.[0];

  return (
    <section className="blocking-key" aria-labelledby={headingId} data-source-key={entry.sourceKey}>
      <h3 id={headingId}>{label}</h3>
      <p>
        Used by {entry.invoiceCount} {entry.invoiceCount === 1 ? 'invoice' : 'invoices'}.{' '}
        {entry.broken ? (
          <>
            <span className="pill pill-bad" data-status="BROKEN">
              Broken mapping
            </span>{' '}
            {entry.broken.reason ?? 'its QuickBooks target no longer works'}. Map it again.
          </>
        ) : (
          <span>Not mapped yet.</span>
        )}
      </p>
      {candidates && candidates.length > 0 ? (
        <>
          <h4 className="suggestions-heading">Suggestions, best first</h4>
          <ol className="suggestions">
            {candidates.map((candidate) => (
              <li key={candidate.targetId}>
                <span className="candidate-name">{candidate.targetName}</span>{' '}
                <span className="muted">
                  {scorePercent(candidate.score)} match:{' '}
                  {candidate.reasons.map((r) => SUGGESTION_REASON_LABEL[r]).join(', ')}
                </span>{' '}
                {isAdmin ? (
                  <button
                    type="button"
                    className="secondary"
                    disabled={fetching}
                    onClick={() => void save(entry.kind, entry.sourceKey, candidate.targetId)}
                  >
                    Use {candidate.targetName}
                  </button>
                ) : null}
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p className="muted">No suggestion: nothing in your QuickBooks company resembles it.</p>
      )}
      {error ? <ErrorNotice error={error} context={`${label} was not saved`} /> : null}
      {isAdmin ? (
        <TargetPicker
          kind={entry.kind}
          sourceKey={entry.sourceKey}
          preferredTargetId={top?.targetId}
          onSaved={onMapped}
        />
      ) : (
        <p className="muted">An admin can map it to a {TARGET_NOUN[entry.kind]}.</p>
      )}
    </section>
  );
}
