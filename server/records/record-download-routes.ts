import { Router, type Request, type Response } from 'express';
import { GatewayError } from '../errors';
import type { Logger } from '../log';
import type { RecordLinks } from './record-links';

/**
 * GET `/records/<fileName>?expires=…&signature=…`: a recorded file through its signed link, with
 * range requests (players seek, downloads resume). No other credential is asked: the signature is
 * it. A tampered, expired or `..` link gets 403; a file that is gone gets 404.
 */
export function recordDownloadRoutes(recordDir: string, links: RecordLinks, logger: Logger): Router {
  const router = Router();
  router.get('/{*fileName}', (req: Request, res: Response, next) => {
    const segments = (req.params as { fileName?: string[] }).fileName ?? [];
    const fileName = segments.join('/');
    const verdict = links.verify(fileName, req.query['expires'], req.query['signature']);
    if (verdict !== 'ok') {
      logger.info({ fileName, verdict, ip: req.ip }, 'record download refused');
      throw new GatewayError('FORBIDDEN', verdict === 'expired' ? 'This download link has expired' : 'This download link is not valid');
    }
    res.sendFile(fileName, { root: recordDir, dotfiles: 'deny', acceptRanges: true, cacheControl: false }, (err?: Error & { status?: number }) => {
      if (!err) return;
      if (res.headersSent) return;
      next(err.status === 404 ? new GatewayError('FILE_NOT_FOUND', `No such recording: ${fileName}`) : err);
    });
  });
  return router;
}
