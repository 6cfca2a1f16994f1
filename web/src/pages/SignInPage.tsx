import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import type { RuntimeConfig } from '../runtime-config';
import { readTokenClaims, useSessionControls, type Session } from '../session';

/** Where to go once signed in: the `next` path the person was sent here from, only ever a path on this site. */
export function afterSignIn(params: URLSearchParams): string {
  const next = params.get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/**
 * Development sign-in: pick a demo tenant and a role, and web/server mints a dev token for them (the graph
 * must run in dev token mode). Without it, paste a token from your identity provider.
 */
export function SignInPage({ config }: { config: RuntimeConfig }) {
  const { signIn, ended } = useSessionControls();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const destination = afterSignIn(params);

  const finish = (session: Session) => {
    signIn(session);
    navigate(destination, { replace: true });
  };

  const submitDev = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const tenantId = String(form.get('tenant'));
    const role = form.get('role') === 'admin' ? 'admin' : 'member';
    setBusy(true);
    setError(null);
    try {
      const response = await fetch('/dev/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId, role }),
      });
      const body = (await response.json()) as { token?: string; userId?: string; error?: string };
      if (!response.ok || !body.token || !body.userId)
        throw new Error(body.error ?? `HTTP ${response.status}`);
      finish({ token: body.token, userId: body.userId, tenantId, role });
    } catch (caught) {
      setError(`Could not sign in: ${(caught as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const submitToken = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const token = String(form.get('token')).trim();
    const claims = readTokenClaims(token);
    const tenantId = String(form.get('tenantId')).trim() || claims?.tenants[0];
    if (!claims || !tenantId) {
      setError('That does not look like a token naming a customer.');
      return;
    }
    finish({
      token,
      userId: claims.userId,
      tenantId,
      role: claims.adminOf.includes(tenantId) ? 'admin' : 'member',
    });
  };

  return (
    <main id="main" className="page sign-in">
      <h1>Sign in</h1>
      {ended === 'expired' ? (
        <p className="notice notice-warn" role="status">
          Your sign-in has expired. Sign in again to go on where you were.
        </p>
      ) : null}
      {config.devSignIn ? (
        <form onSubmit={submitDev} aria-describedby="dev-sign-in-help">
          <p id="dev-sign-in-help" className="muted">
            Development sign-in: the token is signed with the graph&apos;s public development secret.
          </p>
          <label htmlFor="tenant">Tenant</label>
          <select id="tenant" name="tenant" defaultValue={config.devSignIn.tenants[0]?.id}>
            {config.devSignIn.tenants.map((tenant) => (
              <option key={tenant.id} value={tenant.id}>
                {tenant.name} ({tenant.id})
              </option>
            ))}
          </select>
          <fieldset>
            <legend>Role</legend>
            <label>
              <input type="radio" name="role" value="admin" defaultChecked /> Admin (can connect, map and
              retry)
            </label>
            <label>
              <input type="radio" name="role" value="member" /> Member (read-only)
            </label>
          </fieldset>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      ) : (
        <form onSubmit={submitToken}>
          <label htmlFor="token">Bearer token</label>
          <textarea id="token" name="token" rows={4} required />
          <label htmlFor="tenantId">Customer id (optional: the token&apos;s first tenant otherwise)</label>
          <input id="tenantId" name="tenantId" />
          <button type="submit">Sign in</button>
        </form>
      )}
      {error ? (
        <p role="alert" className="notice notice-error">
          {error}
        </p>
      ) : null}
    </main>
  );
}
