import { describe, expect, it } from '@jest/globals';
import { legacyEventId, parseWebhookBody } from '../../../src/services/webhooks/events.js';

const cloudEvent = (overrides: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: '88cd52aa-33b6-4351-9aa4-47572edbd068',
  source: 'intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=',
  type: 'qbo.payment.created.v1',
  datacontenttype: 'application/json',
  time: '2025-09-10T21:31:25.179851517Z',
  intuitentityid: '1234',
  intuitaccountid: '310687',
  data: {},
  ...overrides,
});

describe('CloudEvents deliveries', () => {
  it('reads each event: id, realm, entity, entity id, operation and time', () => {
    const parsed = parseWebhookBody(
      JSON.stringify([
        cloudEvent(),
        cloudEvent({ id: 'e2', type: 'qbo.invoice.updated.v1', intuitentityid: '55' }),
        cloudEvent({ id: 'e3', type: 'qbo.creditmemo.deleted.v1', intuitentityid: '9' }),
        cloudEvent({ id: 'e4', type: 'qbo.customer.created.v1' }),
      ]),
    );
    expect(parsed).toEqual({
      ok: true,
      format: 'cloudevents',
      events: [
        {
          eventId: '88cd52aa-33b6-4351-9aa4-47572edbd068',
          realmId: '310687',
          entity: 'Payment',
          entityId: '1234',
          operation: 'Create',
          time: '2025-09-10T21:31:25.179851517Z',
        },
        expect.objectContaining({ eventId: 'e2', entity: 'Invoice', entityId: '55', operation: 'Update' }),
        expect.objectContaining({ eventId: 'e3', entity: 'CreditMemo', entityId: '9', operation: 'Delete' }),
        expect.objectContaining({ eventId: 'e4', entity: 'customer', operation: 'Create' }),
      ],
    });
  });

  it('maps voided and merged to the legacy spelling', () => {
    const parsed = parseWebhookBody(
      JSON.stringify([
        cloudEvent({ type: 'qbo.payment.voided.v1' }),
        cloudEvent({ id: 'm', type: 'qbo.invoice.merged.v1' }),
      ]),
    );
    expect(parsed.ok && parsed.events.map((e) => e.operation)).toEqual(['Void', 'Merge']);
  });

  it.each([
    ['an empty array', []],
    ['an event without id', [cloudEvent({ id: undefined })]],
    ['an event without the realm', [cloudEvent({ intuitaccountid: undefined })]],
    ['a type not of the qbo.<entity>.<op>.v<n> form', [cloudEvent({ type: 'payment.created' })]],
    ['another specversion', [cloudEvent({ specversion: '0.3' })]],
    ['a number as entity id', [cloudEvent({ intuitentityid: 1234 })]],
  ])('refuses %s', (_label, body) => {
    expect(parseWebhookBody(JSON.stringify(body)).ok).toBe(false);
  });
});

const legacyBody = {
  eventNotifications: [
    {
      realmId: '310687',
      dataChangeEvent: {
        entities: [
          { id: '1234', operation: 'Create', name: 'Payment', lastUpdated: '2025-09-08T20:52:31.657Z' },
          { id: '77', operation: 'Update', name: 'Invoice', lastUpdated: 1757364751657 },
        ],
      },
    },
  ],
};

describe('legacy eventNotifications deliveries', () => {
  it('reads every entity of every notification, with a derived event id', () => {
    const parsed = parseWebhookBody(JSON.stringify(legacyBody));
    expect(parsed).toEqual({
      ok: true,
      format: 'legacy',
      events: [
        {
          eventId: legacyEventId('310687', 'Payment', '1234', 'Create', '2025-09-08T20:52:31.657Z'),
          realmId: '310687',
          entity: 'Payment',
          entityId: '1234',
          operation: 'Create',
          time: '2025-09-08T20:52:31.657Z',
        },
        {
          eventId: legacyEventId('310687', 'Invoice', '77', 'Update', 1757364751657),
          realmId: '310687',
          entity: 'Invoice',
          entityId: '77',
          operation: 'Update',
          // Epoch milliseconds (one of the forms Intuit used) become ISO-8601.
          time: new Date(1757364751657).toISOString(),
        },
      ],
    });
  });

  it.each([
    ['no eventNotifications', { notifications: [] }],
    ['a notification without realmId', { eventNotifications: [{ dataChangeEvent: { entities: [] } }] }],
    [
      'an entity without id',
      {
        eventNotifications: [
          {
            realmId: '1',
            dataChangeEvent: { entities: [{ name: 'Payment', operation: 'Create', lastUpdated: 'x' }] },
          },
        ],
      },
    ],
    ['a JSON string', 'hello'],
    ['null', null],
  ])('refuses %s', (_label, body) => {
    expect(parseWebhookBody(JSON.stringify(body)).ok).toBe(false);
  });
});

describe('malformed bodies', () => {
  it('refuses text that is not JSON, without quoting it', () => {
    const parsed = parseWebhookBody('{"eventNotifications": [secret-looking-text');
    expect(parsed).toEqual({ ok: false, reason: 'the body is not JSON' });
  });

  it('names where a body went wrong by path, never by value', () => {
    const parsed = parseWebhookBody(JSON.stringify([cloudEvent({ type: 'SECRET-VALUE' })]));
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed)).not.toContain('SECRET-VALUE');
  });
});

describe('legacy event ids', () => {
  it('are the same for the same change, so a redelivery is deduplicated', () => {
    const first = legacyEventId('310687', 'Payment', '1234', 'Create', '2025-09-08T20:52:31.657Z');
    expect(legacyEventId('310687', 'Payment', '1234', 'Create', '2025-09-08T20:52:31.657Z')).toBe(first);
    const parsedTwice = [1, 2].map((n) => {
      const parsed = parseWebhookBody(JSON.stringify(legacyBody, null, n));
      return parsed.ok ? parsed.events.map((e) => e.eventId) : [];
    });
    expect(parsedTwice[0]).toEqual(parsedTwice[1]);
  });

  it('differ when any part of the change differs', () => {
    const base = ['310687', 'Payment', '1234', 'Create', '2025-09-08T20:52:31.657Z'] as const;
    const ids = new Set([
      legacyEventId(...base),
      legacyEventId('310688', base[1], base[2], base[3], base[4]),
      legacyEventId(base[0], 'Invoice', base[2], base[3], base[4]),
      legacyEventId(base[0], base[1], '1235', base[3], base[4]),
      legacyEventId(base[0], base[1], base[2], 'Update', base[4]),
      legacyEventId(base[0], base[1], base[2], base[3], '2025-09-08T20:52:31.658Z'),
    ]);
    expect(ids.size).toBe(6);
  });

  it('cannot be made to collide by moving a separator between fields', () => {
    expect(legacyEventId('1', '2|3', '4', 'Create', 't')).not.toBe(
      legacyEventId('1|2', '3', '4', 'Create', 't'),
    );
  });
});
