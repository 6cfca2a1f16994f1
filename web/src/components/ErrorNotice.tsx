import type { CombinedError } from 'urql';
import { panelError } from '../errors';

/** A failed query or mutation, in words, with the server's code for support. */
export function ErrorNotice({ error, context }: { error: CombinedError; context?: string }) {
  const { code, message } = panelError(error);
  return (
    <div className="notice notice-error" role="alert" data-error-code={code}>
      {context ? <strong>{context}: </strong> : null}
      {message} <span className="muted">({code})</span>
    </div>
  );
}
