import { useEffect, useState } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { callbackErrorWords } from './words';

type Outcome = { kind: 'connected' } | { kind: 'error'; code: string | null } | null;

/**
 * The end of the connect round trip: QuickBooks' consent page sent the browser to the API's callback, which
 * came back here with `?quickbooks=connected` or `?quickbooks=error&code=…`. The notice stays for this
 * visit; the parameters leave the address at once, so a reload or a bookmark does not say it again.
 */
export function ReturnNotice() {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const [outcome, setOutcome] = useState<Outcome>(() => readOutcome(params));
  const hasParams = params.has('quickbooks');

  useEffect(() => {
    if (!hasParams) return;
    const rest = new URLSearchParams(location.search);
    for (const name of ['quickbooks', 'code', 'realmId']) rest.delete(name);
    const search = rest.toString();
    void navigate({ pathname: location.pathname, search: search ? `?${search}` : '' }, { replace: true });
  }, [hasParams, location.pathname, location.search, navigate]);

  if (!outcome) return null;
  const dismiss = (
    <button type="button" className="link-button notice-dismiss" onClick={() => setOutcome(null)}>
      Dismiss
    </button>
  );
  if (outcome.kind === 'connected') {
    return (
      <div className="notice notice-ok" role="status" data-testid="connect-outcome">
        QuickBooks is connected. New and changed invoices will now be sent to QuickBooks. {dismiss}
      </div>
    );
  }
  return (
    <div
      className="notice notice-error"
      role="alert"
      data-testid="connect-outcome"
      data-error-code={outcome.code ?? 'UNKNOWN'}
    >
      <strong>QuickBooks was not connected: </strong>
      {callbackErrorWords(outcome.code)} <span className="muted">({outcome.code ?? 'no code'})</span>{' '}
      {dismiss}
    </div>
  );
}

function readOutcome(params: URLSearchParams): Outcome {
  const result = params.get('quickbooks');
  if (result === 'connected') return { kind: 'connected' };
  if (result === 'error') return { kind: 'error', code: params.get('code') };
  return null;
}
