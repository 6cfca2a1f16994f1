import { useId, useState, type FormEvent } from 'react';
import { useMutation, type CombinedError } from 'urql';
import {
  RunQuickBooksReconciliationDocument,
  type ReconciliationRunFragment,
} from '../../../generated/graphql';
import { useSession } from '../../../session';
import { defaultWindow, runErrorWords, todayUtc } from './words';

/**
 * An admin's "Run reconciliation" for a period of issue dates (the last 31 days by default). A refusal is
 * shown in words with the server's code; the server decides what a valid period is and whether a run is
 * already going (a stalled one stops counting after a while, which only the server knows), so the button
 * stays available while a run is shown in progress.
 */
export function RunForm({
  runsSettled,
  onStarted,
  onRefused,
}: {
  /** Counts the runs this page saw finish: a refusal because one was running is then out of date. */
  runsSettled: number;
  onStarted: (run: ReconciliationRunFragment) => void;
  /** The server refused; e.g. a run started elsewhere meanwhile, which the page should read. */
  onRefused: (code: string) => void;
}) {
  const { tenantId } = useSession();
  const [initial] = useState(() => defaultWindow());
  const [max] = useState(todayUtc);
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [state, run] = useMutation(RunQuickBooksReconciliationDocument);
  const [error, setError] = useState<CombinedError | null>(null);
  const fromId = useId();
  const toId = useId();
  const helpId = useId();
  const [seenSettled, setSeenSettled] = useState(runsSettled);
  if (seenSettled !== runsSettled) {
    setSeenSettled(runsSettled);
    if (error && runErrorWords(error).code === 'QUICKBOOKS_RECONCILIATION_RUNNING') setError(null);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await run({ customerId: tenantId, from, to });
    if (result.data) {
      onStarted(result.data.runQuickBooksReconciliation);
    } else if (result.error) {
      setError(result.error);
      onRefused(runErrorWords(result.error).code);
    }
  }

  const refusal = error ? runErrorWords(error) : null;
  return (
    <form
      className="reconciliation-form"
      onSubmit={(event) => void submit(event)}
      aria-label="Run a reconciliation"
    >
      <div className="reconciliation-window">
        <div>
          <label htmlFor={fromId}>From</label>
          <input
            id={fromId}
            type="date"
            required
            max={max}
            value={from}
            aria-describedby={helpId}
            onChange={(event) => setFrom(event.target.value)}
          />
        </div>
        <div>
          <label htmlFor={toId}>To</label>
          <input
            id={toId}
            type="date"
            required
            max={max}
            value={to}
            aria-describedby={helpId}
            onChange={(event) => setTo(event.target.value)}
          />
        </div>
        <button type="submit" disabled={state.fetching}>
          {state.fetching ? 'Starting…' : 'Run reconciliation'}
        </button>
      </div>
      <p id={helpId} className="muted">
        Invoices issued in this period (dates in UTC, both included) are compared with QuickBooks.
      </p>
      {refusal ? (
        <div className="notice notice-error" role="alert" data-error-code={refusal.code}>
          <strong>The reconciliation did not start: </strong>
          {refusal.message} <span className="muted">({refusal.code})</span>
        </div>
      ) : null}
    </form>
  );
}
