import { Router } from 'express';
import { QUICKBOOKS_CALLBACK_PATH, QUICKBOOKS_RESULT_PATH } from '../config.js';
import type { Logger } from '../logger.js';
import { CALLBACK_ERRORS, type CallbackResult } from '../services/connect/connect-service.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem">
<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}

/**
 * The non-GraphQL routes of the QuickBooks connect flow. The callback answers with a redirect to the
 * returnTo the connect named, except when the state cannot be trusted (forged, expired, replayed): then
 * nothing from the request may choose where the browser goes, and a page is shown here instead.
 */
export function createQuickBooksRoutes(
  connect: { complete(query: Record<string, string | undefined>): Promise<CallbackResult> },
  logger: Logger,
): Router {
  const router = Router();
  // Intuit's pages must not be able to read ours, and nothing here may be cached.
  router.use((_req, res, next) => {
    res.set({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    next();
  });

  router.get(QUICKBOOKS_CALLBACK_PATH, async (req, res) => {
    const query: Record<string, string | undefined> = {};
    for (const name of ['state', 'code', 'realmId', 'error', 'error_description']) {
      const value = req.query[name];
      if (typeof value === 'string') query[name] = value;
    }
    try {
      const result = await connect.complete(query);
      if (result.kind === 'redirect') {
        res.redirect(303, result.location);
        return;
      }
      res
        .status(result.status)
        .type('html')
        .set('x-quickbooks-error', result.code)
        .send(page('QuickBooks was not connected', result.message));
    } catch (error) {
      logger.error({ err: error }, 'QuickBooks callback failed');
      res
        .status(500)
        .type('html')
        .send(page('QuickBooks was not connected', 'Something went wrong on our side. Try again later.'));
    }
  });

  router.get(QUICKBOOKS_RESULT_PATH, (req, res) => {
    const outcome = req.query.quickbooks;
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    if (outcome === 'connected') {
      res.type('html').send(page('QuickBooks connected', 'You can close this window.'));
      return;
    }
    const message = Object.hasOwn(CALLBACK_ERRORS, code)
      ? CALLBACK_ERRORS[code as keyof typeof CALLBACK_ERRORS]
      : 'The connection did not complete.';
    res.type('html').send(page('QuickBooks was not connected', message));
  });
  return router;
}
