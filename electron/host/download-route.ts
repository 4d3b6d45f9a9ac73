import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { downloadPathPrefix } from '../../shared/host-protocol';
import { openDownload, removeDownload } from '../datasets/download';

/** `filename=` for old clients in plain ASCII, `filename*=` (RFC 6266 / 5987) with the real name for the rest. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * `GET /downloads/<id>?token=…`: sends a prepared export .zip as a download, streamed from disk chunk by chunk so
 * memory stays flat whatever its size, and removes it once sent (or once the browser gives up on it). The page opens
 * it as a plain link, so the browser writes it straight to disk and shows its own progress. Returns false for any
 * other request, which the host then serves as before.
 */
export function serveDownload(req: IncomingMessage, res: ServerResponse, url: URL, authorised: boolean): boolean {
  if (req.method !== 'GET' || !url.pathname.startsWith(downloadPathPrefix)) return false;
  const reply = (status: number, message: string) => res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
  if (!authorised) {
    reply(403, 'Forbidden');
    return true;
  }
  // Ids are UUIDs, which need no percent-encoding: the path is taken as it is, so a malformed escape is a 404.
  const downloadId = url.pathname.slice(downloadPathPrefix.length);
  const download = openDownload(downloadId);
  if (!download) {
    reply(404, 'This download is no longer here: export again from Stillframe.');
    return true;
  }
  res.writeHead(200, {
    'content-type': 'application/zip',
    'content-length': String(download.bytes),
    'content-disposition': contentDisposition(download.fileName),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  const stream = createReadStream(download.file);
  stream.on('error', () => res.destroy());
  res.on('close', () => {
    stream.destroy();
    void removeDownload(downloadId);
  });
  stream.pipe(res);
  return true;
}
