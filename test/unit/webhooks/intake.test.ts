import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import {
  WebhookIntake,
  webhookJobId,
  type WebhookEventJobData,
  type WebhookEventQueue,
} from '../../../src/services/webhooks/intake.js';
import { signWebhookBody } from '../../../src/services/webhooks/signature.js';

const TOKEN = 'unit-test-verifier-token-0002';

function rig(owners: Record<string, string> = { '111': 'cust-a' }) {
  const lines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const added: { name: string; data: WebhookEventJobData; jobId?: string }[] = [];
  const queue: WebhookEventQueue = {
    async addBulk(jobs) {
      for (const job of jobs) added.push({ name: job.name, data: job.data, jobId: job.opts?.jobId });
      return [];
    },
  };
  const intake = new WebhookIntake({
    verifierToken: TOKEN,
    realms: {
      async tenantsOf(realmIds) {
        return new Map(realmIds.flatMap((r) => (owners[r] ? [[r, owners[r]] as const] : [])));
      },
    },
    queue,
    logger,
  });
  return { intake, added, lines };
}

const events = (realmId: string) => [
  {
    specversion: '1.0',
    id: `${realmId}-p`,
    type: 'qbo.payment.created.v1',
    time: 't1',
    intuitentityid: '1',
    intuitaccountid: realmId,
  },
  {
    specversion: '1.0',
    id: `${realmId}-c`,
    type: 'qbo.customer.created.v1',
    time: 't1',
    intuitentityid: '2',
    intuitaccountid: realmId,
  },
];

describe('the webhook intake', () => {
  it("queues one job per kept event, for the realm's tenant, with ids only", async () => {
    const { intake, added } = rig();
    const body = Buffer.from(JSON.stringify(events('111')));
    const outcome = await intake.receive(body, signWebhookBody(body, TOKEN));
    expect(outcome).toEqual({ status: 200, queued: 1, skipped: 0, ignored: 1 });
    expect(added).toEqual([
      {
        name: 'webhook-event',
        jobId: webhookJobId('111-p'),
        data: {
          tenantId: 'cust-a',
          realmId: '111',
          entity: 'Payment',
          entityId: '1',
          operation: 'Create',
          eventId: '111-p',
          time: 't1',
        },
      },
    ]);
  });

  it('refuses a bad signature before reading the body, and logs neither body nor token', async () => {
    const { intake, added, lines } = rig();
    const body = Buffer.from(JSON.stringify(events('111')));
    const outcome = await intake.receive(body, signWebhookBody(body, 'some-other-token-000'));
    expect(outcome.status).toBe(403);
    expect(await intake.receive(body, undefined)).toEqual({ status: 403, reason: 'missing-signature' });
    expect(added).toEqual([]);
    const log = lines.join('');
    expect(log).toContain('intuit-signature');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('qbo.payment');
  });

  it('answers 400 for a signed body that is not a delivery, and queues nothing', async () => {
    const { intake, added } = rig();
    const body = Buffer.from('{"hello":');
    expect((await intake.receive(body, signWebhookBody(body, TOKEN))).status).toBe(400);
    expect(added).toEqual([]);
  });

  it('skips (and acknowledges) events of a realm no tenant is connected to', async () => {
    const { intake, added, lines } = rig();
    const body = Buffer.from(JSON.stringify([...events('999'), ...events('111')]));
    const outcome = await intake.receive(body, signWebhookBody(body, TOKEN));
    expect(outcome).toEqual({ status: 200, queued: 1, skipped: 1, ignored: 2 });
    expect(added.map((job) => job.data.realmId)).toEqual(['111']);
    expect(lines.join('')).toContain('no connected customer');
  });

  it('queues an event repeated in one body once', async () => {
    const { intake, added } = rig();
    const [payment] = events('111');
    const body = Buffer.from(JSON.stringify([payment, payment]));
    await intake.receive(body, signWebhookBody(body, TOKEN));
    expect(added).toHaveLength(1);
  });

  it('derives job ids from the event id alone, safe for BullMQ (no colon)', () => {
    expect(webhookJobId('a:b')).toBe(webhookJobId('a:b'));
    expect(webhookJobId('a:b')).not.toContain(':');
    expect(webhookJobId('a')).not.toBe(webhookJobId('b'));
  });
});
