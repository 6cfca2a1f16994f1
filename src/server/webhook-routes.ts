import express, { Router, type ErrorRequestHandler } from 'express';
import type { Logger } from '../logger.js';
import type { IntakeOutcome } from '../services/webhooks/intake.js';

/** Where Intuit delivers change notifications (registered on the Intuit app's Webhooks page). */
export const QUICKBOOKS_WEBHOOK_PATH = '/integrations/quickbooks/webhooks';

/**
 * Largest delivery read. Intuit sends up to 100 events, "about 1 MB maximum" (research note §7.3); a
 * smaller limit would refuse real deliveries, which Intuit then retries for ever ahead of every later one.
 */
export const WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;

/**
 * POST /integrations/quickbooks/webhooks: reads the body as raw bytes (the signature covers exactly these
 * bytes, so no JSON parser may touch them first) and hands them to the intake service. Answers as soon as
 * the jobs are queued; nothing waits for processing (Intuit wants 200 within 3 s, §7.5).
 *
 * A missing or bad signature answers 403, as Intuit's own sample listener does: 401 would promise an
 * authentication scheme (WWW-Authenticate) the sender could switch to, and there is none.
 */
export function createWebhookRoutes(
  intake: { receive(rawBody: Buffer, signature: string | undefined): Promise<IntakeOutcome> },
  logger: Logger,
): Router {
  const router = Router();
  router.post(
    QUICKBOOKS_WEBHOOK_PATH,
    // Any content type: a delivery with an unexpected one is still checked (and refused) on its signature.
    express.raw({ type: () => true, limit: WEBHOOK_MAX_BODY_BYTES }),
    async (req, res) => {
      res.set('cache-control', 'no-store');
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        const outcome = await intake.receive(raw, req.get('intuit-signature'));
        switch (outcome.status) {
          case 200:
            res.status(200).json({ status: 'accepted' });
            return;
          case 403:
            res.status(403).json({ error: 'signature', message: 'intuit-signature does not verify' });
            return;
          case 400:
            res.status(400).json({ error: 'bad-request', message: 'The body is not a webhook delivery' });
            return;
        }
      } catch (error) {
        // Redis or the store unavailable: a 5xx makes Intuit retry the delivery later, which is wanted.
        logger.error({ err: error }, 'QuickBooks webhook delivery could not be queued');
        res.status(503).json({ error: 'unavailable', message: 'Try again later' });
      }
    },
  );
  const bodyErrors: ErrorRequestHandler = (error: { type?: string; status?: number }, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error.type === 'entity.too.large') {
      logger.warn({ limit: WEBHOOK_MAX_BODY_BYTES }, 'QuickBooks webhook refused: body too large');
      res
        .status(413)
        .json({ error: 'too-large', message: `The body exceeds ${WEBHOOK_MAX_BODY_BYTES} bytes` });
      return;
    }
    const status =
      typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 400;
    logger.warn({ type: error.type }, 'QuickBooks webhook refused: body could not be read');
    res.status(status).json({ error: 'bad-request', message: 'The body could not be read' });
  };
  router.use(QUICKBOOKS_WEBHOOK_PATH, bodyErrors);
  return router;
}
