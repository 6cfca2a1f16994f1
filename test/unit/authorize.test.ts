import { describe, expect, it } from '@jest/globals';
import type { GraphQLError } from 'graphql';
import type { Viewer } from '../../src/auth/viewer.js';
import { authorizeTenant, requireViewer, type AuthContext } from '../../src/resolvers/authorize.js';

const ACME = 'cust-acme';
const GLOBEX = 'cust-globex';

function contextOf(viewer: Partial<Viewer> | null, authFailure?: string): AuthContext {
  if (viewer === null) return { viewer: null, ...(authFailure ? { authFailure } : {}) };
  return { viewer: { userId: 'u-1', tenants: new Set(), adminOf: new Set(), ...viewer } };
}

/** The GraphQL error a check throws: its code, retryable flag and message. */
function refusal(check: () => unknown): { code: unknown; retryable: unknown; message: string } {
  try {
    check();
  } catch (error) {
    const { extensions, message } = error as GraphQLError;
    return { code: extensions.code, retryable: extensions.retryable, message };
  }
  throw new Error('expected a refusal');
}

const member = contextOf({ tenants: new Set([ACME]) });
const admin = contextOf({ tenants: new Set([ACME]), adminOf: new Set([ACME]) });

describe('authorizeTenant', () => {
  it('lets any member read, and returns the viewer', () => {
    expect(authorizeTenant(member, ACME, 'member')).toBe(member.viewer);
    expect(authorizeTenant(admin, ACME, 'member')).toBe(admin.viewer);
  });

  it('lets only an admin of that customer do what needs an admin', () => {
    expect(authorizeTenant(admin, ACME, 'admin', 'connect QuickBooks')).toBe(admin.viewer);
    expect(refusal(() => authorizeTenant(member, ACME, 'admin', 'connect QuickBooks'))).toEqual({
      code: 'FORBIDDEN',
      retryable: false,
      message: 'Only an admin of this customer may connect QuickBooks',
    });
  });

  it('does not let an admin of one customer act as admin of another they are a member of', () => {
    const adminOfGlobexOnly = contextOf({ tenants: new Set([ACME, GLOBEX]), adminOf: new Set([GLOBEX]) });
    expect(refusal(() => authorizeTenant(adminOfGlobexOnly, ACME, 'admin')).message).toBe(
      'Only an admin of this customer may do this',
    );
    expect(authorizeTenant(adminOfGlobexOnly, GLOBEX, 'admin')).toBe(adminOfGlobexOnly.viewer);
  });

  it('refuses foreign and unknown customers alike, whatever the role asked', () => {
    const foreign = refusal(() => authorizeTenant(admin, GLOBEX, 'member'));
    const unknown = refusal(() => authorizeTenant(admin, 'cust-never-heard-of', 'admin'));
    expect(foreign).toEqual({
      code: 'FORBIDDEN',
      retryable: false,
      message: 'You may not act for this customer',
    });
    expect(unknown).toEqual(foreign);
  });

  it('refuses a caller without a viewer with UNAUTHENTICATED before anything else', () => {
    expect(refusal(() => authorizeTenant(contextOf(null), ACME, 'member'))).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'Authentication required: send a valid bearer token',
    });
    expect(refusal(() => requireViewer(contextOf(null, 'ERR_JWT_EXPIRED')))).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'Authentication failed: the bearer token is invalid or expired',
    });
  });
});
