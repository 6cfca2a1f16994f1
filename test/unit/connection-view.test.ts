import { describe, expect, it } from '@jest/globals';
import { connectionView, REAUTH_REASON, type StoredIntegration } from '../../src/services/connections.js';

const now = new Date('2026-12-01T12:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const DAY = 86_400_000;

const healthy: StoredIntegration = {
  state: 'CONNECTED',
  realmId: '9341453050',
  companyName: 'Acme Plumbing (US)',
  environment: 'sandbox',
  scopes: ['com.intuit.quickbooks.accounting'],
  connectedByUserId: 'user-7',
  connectedAt: later(-30 * DAY),
  accessTokenExpiresAt: later(3_600_000),
  refreshTokenExpiresAt: later(100 * DAY),
  refreshTokenHardExpiresAt: later(1000 * DAY),
};

describe('the connection status a tenant sees', () => {
  it('is DISCONNECTED with nothing stored, or once disconnected, keeping the stated reason', () => {
    expect(connectionView('t', undefined, now)).toEqual({
      tenantId: 't',
      status: 'DISCONNECTED',
      scopes: [],
    });
    expect(
      connectionView('t', { ...healthy, state: 'DISCONNECTED', stateReason: 'Disconnected by user-7' }, now),
    ).toEqual({ tenantId: 't', status: 'DISCONNECTED', scopes: [], reason: 'Disconnected by user-7' });
    // A state that names no company has nothing to sync with.
    expect(connectionView('t', { ...healthy, realmId: null }, now).status).toBe('DISCONNECTED');
  });

  it('is CONNECTED with every field and no reason while healthy', () => {
    expect(connectionView('t', { ...healthy, stateReason: 'stale text from an old failure' }, now)).toEqual({
      tenantId: 't',
      status: 'CONNECTED',
      realmId: '9341453050',
      companyName: 'Acme Plumbing (US)',
      environment: 'sandbox',
      scopes: ['com.intuit.quickbooks.accounting'],
      connectedAt: healthy.connectedAt,
      connectedBy: 'user-7',
      accessTokenExpiresAt: healthy.accessTokenExpiresAt,
      refreshTokenExpiresAt: healthy.refreshTokenExpiresAt,
      refreshTokenHardExpiresAt: healthy.refreshTokenHardExpiresAt,
    });
  });

  it('reads NEEDS_REAUTH at once when the refresh token or its five-year cap has lapsed', () => {
    for (const lapsed of [
      { refreshTokenExpiresAt: now },
      { refreshTokenExpiresAt: later(-1) },
      { refreshTokenHardExpiresAt: later(-DAY) },
    ]) {
      expect(connectionView('t', { ...healthy, ...lapsed }, now)).toMatchObject({
        status: 'NEEDS_REAUTH',
        reason: REAUTH_REASON,
        realmId: '9341453050',
      });
    }
    // An access token that lapsed is routine: the next refresh replaces it.
    expect(connectionView('t', { ...healthy, accessTokenExpiresAt: later(-1) }, now).status).toBe(
      'CONNECTED',
    );
  });

  it('keeps the stored NEEDS_REAUTH and ERROR states with their reason, or a default one', () => {
    expect(
      connectionView(
        't',
        { ...healthy, state: 'ERROR', stateReason: 'The company subscription lapsed' },
        now,
      ),
    ).toMatchObject({ status: 'ERROR', reason: 'The company subscription lapsed' });
    expect(connectionView('t', { ...healthy, state: 'ERROR' }, now).reason).toMatch(/admin/);
    expect(connectionView('t', { ...healthy, state: 'NEEDS_REAUTH' }, now)).toMatchObject({
      status: 'NEEDS_REAUTH',
      reason: REAUTH_REASON,
    });
  });
});
