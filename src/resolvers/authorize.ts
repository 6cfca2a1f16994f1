import type { TenantRole, Viewer } from '../auth/viewer.js';
import type { GraphQLContext } from './context.js';
import { forbidden, unauthenticated } from './errors.js';

/** What authorization reads from a request's context. */
export type AuthContext = Pick<GraphQLContext, 'viewer' | 'authFailure'>;

/** The caller, or UNAUTHENTICATED: for fields that need a caller but no particular customer. */
export function requireViewer(context: AuthContext): Viewer {
  if (!context.viewer) {
    throw unauthenticated(
      context.authFailure ? 'Authentication failed: the bearer token is invalid or expired' : undefined,
    );
  }
  return context.viewer;
}

/**
 * The one tenant + role check every resolver takes its authorization from: the caller must be a member of
 * `customerId` (the tenant id), and for `admin`, an admin of that very customer (`tenant_roles`), not of
 * some other one.
 *
 * A customer the caller does not belong to gets the same FORBIDDEN whether it exists or not, so the answer
 * reveals nothing about other tenants. A member who lacks the role learns which role is missing: they
 * already know the customer exists. `action` completes "Only an admin of this customer may …".
 */
export function authorizeTenant(
  context: AuthContext,
  customerId: string,
  role: TenantRole,
  action = 'do this',
): Viewer {
  const viewer = requireViewer(context);
  if (!viewer.tenants.has(customerId)) throw forbidden();
  if (role === 'admin' && !viewer.adminOf.has(customerId)) {
    throw forbidden(`Only an admin of this customer may ${action}`);
  }
  return viewer;
}

/**
 * For operations only a platform service may call (a token with the `service` claim), within one tenant:
 * a tenant user gets FORBIDDEN whatever their role, and the service token must name `customerId` in
 * `tenants` (authorizeTenant's membership rule), so the tenant always comes from the verified token.
 */
export function authorizeService(context: AuthContext, customerId: string, action = 'do this'): Viewer {
  const viewer = requireViewer(context);
  if (viewer.service === undefined) throw forbidden(`Only a platform service may ${action}`);
  return authorizeTenant(context, customerId, 'member', action);
}
