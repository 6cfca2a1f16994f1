import { useId, useState, type FormEvent } from 'react';

/** The server's limit on every reason it audits (dismissals, acceptances). */
const REASON_MAX = 500;

/**
 * The reason an admin gives for a decision the audit log keeps (dismiss an error or a reconciliation row,
 * accept QuickBooks' figure): a labelled, required text area whose length is checked here before anything
 * is sent, with the problem announced next to it, a submit button and Cancel. The caller sends the trimmed
 * reason and closes the form when the server took it.
 */
export function ReasonForm({
  question,
  submitLabel,
  submittingLabel,
  submitting,
  disabled = false,
  danger = false,
  minLength = 1,
  tooShort,
  onSubmit,
  onCancel,
}: {
  /** The label: "Why dismiss the error of invoice INV-1001?" ("(required)" is added). */
  question: string;
  submitLabel: string;
  submittingLabel: string;
  /** The decision is being sent. */
  submitting: boolean;
  /** Another request of the same row is under way. */
  disabled?: boolean;
  /** A decision that takes something away (a dismissal) is styled as such. */
  danger?: boolean;
  minLength?: number;
  /** What to say when the reason is shorter than `minLength` once trimmed. */
  tooShort: string;
  onSubmit: (reason: string) => void | Promise<void>;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const reasonId = useId();
  const problemId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const written = reason.trim();
    if (written.length < minLength) {
      setProblem(tooShort);
      return;
    }
    setProblem(null);
    await onSubmit(written);
  }

  return (
    <form className="dismiss-form" onSubmit={(event) => void submit(event)} noValidate>
      <label htmlFor={reasonId}>{question} (required)</label>
      <textarea
        id={reasonId}
        rows={2}
        maxLength={REASON_MAX}
        value={reason}
        aria-required="true"
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? problemId : undefined}
        onChange={(event) => setReason(event.target.value)}
      />
      {problem ? (
        <p id={problemId} className="field-problem" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="sync-actions-buttons">
        <button type="submit" className={danger ? 'danger' : undefined} disabled={submitting || disabled}>
          {submitting ? submittingLabel : submitLabel}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
