import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

/**
 * Who is signed in: the bearer token the gateway verifies, and, for the interface only, the tenant acted
 * for and whether the token makes the person its admin. The server checks the token on every operation;
 * hiding a control here is a courtesy, never the protection.
 */
export interface Session {
  token: string;
  userId: string;
  tenantId: string;
  role: 'admin' | 'member';
}

const STORAGE_KEY = 'quickbooks-panel.session';

function readStored(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (!parsed.token || !parsed.tenantId || !parsed.userId) return null;
    return {
      token: parsed.token,
      userId: parsed.userId,
      tenantId: parsed.tenantId,
      role: parsed.role === 'admin' ? 'admin' : 'member',
    };
  } catch {
    return null;
  }
}

/**
 * A pasted token's claims, read without verifying (the gateway verifies): the tenants it names and those it
 * administers, so the panel can offer the right tenant and controls.
 */
export function readTokenClaims(
  token: string,
): { userId: string; tenants: string[]; adminOf: string[] } | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as {
      sub?: unknown;
      tenants?: unknown;
      tenant_roles?: unknown;
    };
    const tenants = Array.isArray(json.tenants)
      ? json.tenants.filter((t): t is string => typeof t === 'string')
      : [];
    const roles =
      json.tenant_roles && typeof json.tenant_roles === 'object'
        ? (json.tenant_roles as Record<string, unknown>)
        : {};
    const adminOf = tenants.filter(
      (t) => Array.isArray(roles[t]) && (roles[t] as unknown[]).includes('admin'),
    );
    return { userId: typeof json.sub === 'string' ? json.sub : 'unknown', tenants, adminOf };
  } catch {
    return null;
  }
}

interface SessionContextValue {
  session: Session | null;
  /** Why the last session ended when the person did not sign out themselves. */
  ended: 'expired' | null;
  signIn(session: Session): void;
  signOut(reason?: 'expired'): void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(readStored);
  const [ended, setEnded] = useState<'expired' | null>(null);
  const signIn = useCallback((next: Session) => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setEnded(null);
    setSession(next);
  }, []);
  const signOut = useCallback((reason?: 'expired') => {
    localStorage.removeItem(STORAGE_KEY);
    setEnded(reason ?? null);
    setSession(null);
  }, []);
  const value = useMemo(() => ({ session, ended, signIn, signOut }), [session, ended, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionControls(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSessionControls outside SessionProvider');
  return value;
}

/** The signed-in session; only for components rendered behind the sign-in. */
export function useSession(): Session & { isAdmin: boolean } {
  const { session } = useSessionControls();
  if (!session) throw new Error('useSession without a signed-in session');
  return { ...session, isAdmin: session.role === 'admin' };
}
