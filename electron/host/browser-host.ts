import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventNames } from '../../shared/contract';
import { uuidv7 } from '../../shared/ids';
import { thumbnailBundlePath, thumbnailBundleRequestSchema, type ThumbnailBundle } from '../../shared/thumbnail-bundle';
import { dispatch } from '../api/dispatch';
import { createHandlers } from '../api/handlers';
import { resolveInsideFolder, resolveLibraryPath } from '../library/paths';
import type { Services } from '../services';
import { contentSecurityPolicy } from './csp';
import { serveDownload } from './download-route';

export interface BrowserHostOptions {
  port: number;
  rendererDir: string;
}

export interface BrowserHost {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** 256 paths of a few hundred characters each, with room to spare. */
const maxBundleRequestBytes = 256 * 1024;

/**
 * JSON.stringify scans every character of the data URLs for escapes (12 ms for a screen); base64 and the data:
 * prefix never need one, so they are joined as they are.
 */
function bundleJson(bundle: ThumbnailBundle): string {
  return `{"urls":[${bundle.urls.map((url) => (url === null ? 'null' : `"${url}"`)).join(',')}]}`;
}

function sameToken(given: string | null, token: string): boolean {
  if (!given || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/** Safe file name for an uploaded video: its base name, with separators and control characters replaced. */
function uploadFileName(raw: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = path.basename(raw.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f/:*?"<>|]/g, '_').slice(0, 200);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'video' : cleaned;
}

/**
 * `stillframe serve`: the same services and the same API as the Electron app, for a browser on this machine.
 * It exists because Electron's binary cannot be downloaded here; the end-to-end suite drives the app through it.
 * Bound to 127.0.0.1; every call needs the per-launch token, and WebSocket and upload requests must come from
 * this host's own origin, so no other page in the person's browser can drive it.
 */
export async function startBrowserHost(services: Services, options: BrowserHostOptions): Promise<BrowserHost> {
  const token = randomBytes(24).toString('hex');
  const handlers = createHandlers(services);
  const uploads = path.join(services.paths.root, 'imports');
  let origins = new Set<string>();
  let hosts = new Set<string>();

  const fail = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
  };

  const tokenOf = (req: IncomingMessage, url: URL) =>
    url.searchParams.get('token') ?? (req.headers['x-stillframe-token'] as string | undefined) ?? null;
  /** A request that changes or reads more than one file must come from this host's own page, with the token. */
  const fromOwnPage = (req: IncomingMessage, url: URL) => origins.has(req.headers.origin ?? '') && sameToken(tokenOf(req, url), token);

  const serveStatic = (res: ServerResponse, pathname: string) => {
    const relative = pathname === '/' ? 'index.html' : pathname.slice(1);
    const file = resolveInsideFolder(options.rendererDir, relative);
    if (!file || !statSync(file).isFile()) return fail(res, 404, 'Not found');
    const headers: Record<string, string> = {
      'content-type': mimeTypes[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
    };
    if (file.endsWith('.html')) {
      headers['content-security-policy'] = contentSecurityPolicy({ connect: [...origins].map((o) => o.replace(/^http/, 'ws')) });
      headers['cache-control'] = 'no-store';
    }
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  };

  const receiveUpload = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > services.ingestSettings.maxFileBytes) {
      return fail(res, 413, 'This file is larger than the size limit set in Settings.');
    }
    const dir = path.join(uploads, uuidv7());
    mkdirSync(dir, { recursive: true });
    const target = path.join(dir, uploadFileName(url.searchParams.get('name') ?? 'video'));
    try {
      await pipeline(req, createWriteStream(target));
    } catch {
      rmSync(dir, { recursive: true, force: true });
      return fail(res, 400, 'The upload was interrupted.');
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: target }));
  };

  const sendThumbnailBundle = async (req: IncomingMessage, res: ServerResponse) => {
    // Joined as bytes and decoded once, so a UTF-8 character split between two chunks stays whole.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBundleRequestBytes) return fail(res, 413, 'Too many thumbnails in one request.');
      chunks.push(chunk);
    }
    let paths: string[];
    try {
      paths = thumbnailBundleRequestSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8'))).paths;
    } catch {
      return fail(res, 400, 'Expected {"paths": [...]} with 1 to 256 library paths.');
    }
    // Read synchronously: a screen of ~10 KB thumbnails takes a few milliseconds this way, where 70 round trips
    // through libuv's thread pool took several times as long.
    const urls = paths.map((relative) => {
      const file = resolveLibraryPath(services.paths.root, relative);
      const mime = file ? mimeTypes[path.extname(file).toLowerCase()] : undefined;
      if (!file || !mime?.startsWith('image/')) return null;
      try {
        return `data:${mime};base64,${readFileSync(file).toString('base64')}`;
      } catch {
        return null;
      }
    });
    const bundle: ThumbnailBundle = { urls };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(bundleJson(bundle));
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!hosts.has(req.headers.host ?? '')) return fail(res, 421, 'Wrong host');
    if (serveDownload(req, res, url, sameToken(tokenOf(req, url), token))) return;
    if (req.method === 'GET' && url.pathname.startsWith('/media/')) {
      if (!sameToken(tokenOf(req, url), token)) return fail(res, 403, 'Forbidden');
      const file = resolveInsideFolder(services.paths.root, url.pathname.slice('/media/'.length));
      if (!file) return fail(res, 404, 'Not found');
      res.writeHead(200, {
        'content-type': mimeTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'cache-control': 'private, max-age=3600',
      });
      return void createReadStream(file).pipe(res);
    }
    if (req.method === 'POST' && url.pathname === thumbnailBundlePath) {
      if (!fromOwnPage(req, url)) return fail(res, 403, 'Forbidden');
      return void sendThumbnailBundle(req, res);
    }
    if (req.method === 'POST' && url.pathname === '/upload') {
      if (!fromOwnPage(req, url)) return fail(res, 403, 'Forbidden');
      return void receiveUpload(req, res, url);
    }
    if (req.method === 'GET') return serveStatic(res, url.pathname);
    return fail(res, 405, 'Method not allowed');
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const allowed =
      url.pathname === '/api' &&
      hosts.has(req.headers.host ?? '') &&
      origins.has(req.headers.origin ?? '') &&
      sameToken(url.searchParams.get('token'), token);
    if (!allowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });

  sockets.on('connection', (ws: WebSocket) => {
    ws.on('message', (data) => {
      let message: { id?: unknown; call?: unknown; input?: unknown };
      try {
        message = JSON.parse(String(data)) as typeof message;
      } catch {
        return;
      }
      if (typeof message.id !== 'number') return;
      void dispatch(handlers, message.call, message.input).then((result) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: message.id, result }));
      });
    });
  });

  const unsubscribe = eventNames.map((event) =>
    services.events.on(event, (payload) => {
      const text = JSON.stringify({ event, payload });
      for (const client of sockets.clients) if (client.readyState === client.OPEN) client.send(text);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  if (!existsSync(path.join(options.rendererDir, 'index.html'))) {
    console.warn(`The renderer is not built (${options.rendererDir}); run \`npm run build\` first.`);
  }

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    token,
    port,
    async close() {
      for (const off of unsubscribe) off();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
