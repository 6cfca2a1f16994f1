import cors from 'cors';
import { Router } from 'express';
import { bearerToken, InvalidTokenError, type TokenVerifier } from '../auth/token-verifier.js';
import type { Logger } from '../logger.js';
import { ExportLinkError } from '../services/csv-export/export-links.js';
import { CsvExportForbiddenError, type CsvExportService } from '../services/csv-export/csv-export-service.js';

/** Where export downloads are served: `<path>/<signed token>`. */
export const QUICKBOOKS_EXPORT_PATH = '/quickbooks/exports';

/**
 * The download of a CSV export (issue 15). The signed link names the export and its tenant; the caller's
 * own bearer token must be an admin's of that tenant. Answers are JSON errors with the GraphQL codes the
 * panel already knows, and nothing is cached on the way.
 */
export function createCsvExportRoutes(deps: {
  exports: Pick<CsvExportService, 'download'>;
  verifier: TokenVerifier;
  logger: Logger;
}): Router {
  const router = Router();
  // The panel is served from another origin and fetches the zip with the admin's bearer token, so the
  // download answers cross-origin requests. Any origin may ask: no cookie or ambient credential is
  // accepted, and without a token of the link's tenant's admin the answer is a refusal.
  const crossOrigin = cors({
    origin: '*',
    methods: ['GET'],
    allowedHeaders: ['authorization'],
    exposedHeaders: ['content-disposition'],
    maxAge: 600,
  });
  router.options(`${QUICKBOOKS_EXPORT_PATH}/:token`, crossOrigin);
  router.get(`${QUICKBOOKS_EXPORT_PATH}/:token`, crossOrigin, async (req, res) => {
    res.set({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
    const refuse = (status: number, code: string, message: string) =>
      res.status(status).json({ error: { code, message } });
    const bearer = bearerToken(req.get('authorization'));
    if (!bearer) {
      refuse(401, 'UNAUTHENTICATED', 'Send your token as Authorization: Bearer <token>');
      return;
    }
    try {
      const viewer = await deps.verifier.verify(bearer);
      const zip = await deps.exports.download(req.params.token ?? '', viewer);
      res
        .status(200)
        .type('application/zip')
        .set('content-disposition', 'attachment; filename="quickbooks-import.zip"')
        .send(zip);
    } catch (error) {
      if (error instanceof InvalidTokenError) refuse(401, 'UNAUTHENTICATED', error.message);
      else if (error instanceof CsvExportForbiddenError) refuse(403, 'FORBIDDEN', error.message);
      else if (error instanceof ExportLinkError && error.reason === 'EXPIRED')
        refuse(410, 'EXPORT_EXPIRED', error.message);
      else if (error instanceof ExportLinkError) refuse(404, 'NOT_FOUND', error.message);
      else {
        deps.logger.error({ err: error }, 'CSV export download failed');
        refuse(500, 'INTERNAL_SERVER_ERROR', 'The download failed on our side; try again');
      }
    }
  });
  return router;
}
