import { createHash, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, createWriteStream, existsSync, fstatSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline as pipeStreams, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { eventNames } from '../../shared/contract';
import {
  apiSocketPath,
  encodeResponse,
  firstScreenPath,
  libraryInfoPath,
  maxMessageBytes,
  mediaPathPrefix,
  requestFrameSchema,
  thumbnailBundlePath,
  tokenHeader,
  tokenParam,
  uploadNameParam,
  uploadPath,
  type EventFrame,
  type FirstScreen,
  type GreetingFrame,
  type LibraryInfo,
  type ThumbnailBundle,
  type UploadAnswer,
  type ResponseFrame,
} from '../../shared/host-protocol';
import { StillframeError } from '../../shared/errors';
import { uuidv7 } from '../../shared/ids';
import { thumbnailBundleRequestSchema } from '../../shared/thumbnail-bundle';
import { dispatch } from '../api/dispatch';
import { createHandlers } from '../api/handlers';
import { resolveInsideFolder, resolveLibraryPath } from '../library/paths';
import { removeUnreferencedUploads, uploadsFolder } from '../library/uploads';
import type { Services } from '../services';
import { contentSecurityPolicy } from './csp';
import { libraryHostToken } from './host-token';
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

/**
 * Opening a FIFO or a device blocks until someone writes to it, which would hold one of libuv's four threads (or,
 * read synchronously, the whole event loop) for ever; with O_NONBLOCK the open returns at once and the type
 * check below refuses it. It changes nothing for regular files. Windows has no FIFOs in the file system.
 */
const openFlags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** The largest file of the built app served; its largest chunk is a few hundred kilobytes. */
const maxRendererFileBytes = 16 * 1024 * 1024;

/** The largest thumbnail read into a bundle; anything bigger is not a thumbnail Stillframe made. */
const maxThumbnailBytes = 4 * 1024 * 1024;

/** A regular file's bytes, read without ever blocking on a FIFO or device; null for anything else. */
function readRegularFileSync(file: string, maxBytes: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(file, openFlags);
  } catch {
    return null;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > maxBytes) return null;
    const bytes = Buffer.alloc(info.size);
    let read = 0;
    while (read < bytes.length) {
      const got = readSync(fd, bytes, read, bytes.length - read, read);
      if (got === 0) break;
      read += got;
    }
    return bytes.subarray(0, read);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Names the library to its pages without giving its token away: a digest of the token, which is the library's own. */
function libraryKeyOf(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
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

/** Why the host could not take its port, in words: the port is taken, or is one this user may not open. */
function listenFailure(error: Error, port: number): Error {
  const { code } = error as NodeJS.ErrnoException;
  const choose = 'Choose another with --port, or leave --port out to take a free one.';
  if (code === 'EADDRINUSE') return new StillframeError('busy', `Port ${port} is already in use by another program. ${choose}`, error.message);
  if (code === 'EACCES' || code === 'EPERM') return new StillframeError('access-denied', `Stillframe may not open port ${port} (ports below 1024 need administrator rights). ${choose}`, error.message);
  return error;
}

/**
 * The request's address, or null when it cannot be read: a request line may carry any absolute address
 * (`GET http://[ HTTP/1.1`), which `new URL` would throw on.
 */
function requestUrl(req: IncomingMessage): URL | null {
  return URL.parse(req.url ?? '/', 'http://127.0.0.1');
}

/**
 * `stillframe serve`: the same services and the same API as the Electron app, for a browser on this machine.
 * It exists because Electron's binary cannot be downloaded here; the end-to-end suite drives the app through it.
 * Bound to 127.0.0.1; every call needs the library's token (see host-token.ts), and WebSocket and upload requests must come from
 * this host's own origin, so no other page in the person's browser can drive it.
 */
export async function startBrowserHost(services: Services, options: BrowserHostOptions): Promise<BrowserHost> {
  const token = libraryHostToken(services.paths);
  const libraryKey = libraryKeyOf(token);
  const handlers = createHandlers(services);
  const uploads = uploadsFolder(services.paths);
  /**
   * Uploads whose import the page has not asked for yet (it uploads every file first, then calls ingest.start),
   * with when they arrived. A page that never asks leaves them to the next start of the host, or a day.
   */
  const awaitingImport = new Map<string, number>();
  const uploadGraceMs = 24 * 60 * 60 * 1000;
  const sweepUploads = () => {
    const now = Date.now();
    try {
      removeUnreferencedUploads(services.db, services.paths, (file) => now - (awaitingImport.get(file) ?? -Infinity) < uploadGraceMs);
    } catch (error) {
      // Tidying only: the next import, delete or start tries again.
      console.warn('Stillframe could not remove unused uploads:', error instanceof Error ? error.message : error);
    }
  };
  // Left by an earlier run: nothing of this run is waiting for them.
  sweepUploads();
  /** After an import, and after anything that deletes videos, uploads that no video row refers to go. */
  const sweepsAfter = (call: unknown) => call === 'ingest.start' || (typeof call === 'string' && call.endsWith('.delete'));
  const run = async (call: string, input: unknown) => {
    const result = await dispatch(handlers, call, input);
    if (call === 'ingest.start' && typeof input === 'object' && input !== null && 'paths' in input && Array.isArray(input.paths)) {
      for (const file of input.paths) awaitingImport.delete(String(file));
    }
    if (sweepsAfter(call)) sweepUploads();
    return result;
  };
  let origins = new Set<string>();
  let hosts = new Set<string>();

  const fail = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
  };

  const tokenOf = (req: IncomingMessage, url: URL) =>
    url.searchParams.get(tokenParam) ?? (req.headers[tokenHeader] as string | undefined) ?? null;
  /** A request that changes or reads more than one file must come from this host's own page, with the token. */
  const fromOwnPage = (req: IncomingMessage, url: URL) => origins.has(req.headers.origin ?? '') && sameToken(tokenOf(req, url), token);

  /**
   * Streams a regular file. A folder, a FIFO or a file removed since its path was resolved (a frame purged while
   * the grid asks for it) is a 404; a read that fails half-way ends that response alone.
   */
  const serveFile = async (res: ServerResponse, file: string | null, headers: Record<string, string>) => {
    if (!file) return fail(res, 404, 'Not found');
    let handle;
    try {
      handle = await open(file, openFlags);
    } catch {
      return fail(res, 404, 'Not found');
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        return fail(res, 404, 'Not found');
      }
      res.writeHead(200, { ...headers, 'content-length': String(info.size) });
    } catch {
      await handle.close().catch(() => undefined);
      return fail(res, 500, 'The file could not be read.');
    }
    // A page closed while it loaded may have gone by now: piping to its response would throw and leave the file open
    // until garbage collection.
    if (res.destroyed) return handle.close();
    pipeStreams(handle.createReadStream(), res, (error) => {
      if (error) res.destroy();
    });
  };

  /**
   * The app's own files, read synchronously as the thumbnails are: the first screen asks for about ten small scripts at
   * once, and each took four trips through libuv's thread pool (open, stat, reads, close), which on a busy machine
   * held the page's first script back by hundreds of milliseconds. The largest chunk is a few hundred kilobytes.
   */
  const serveStatic = (res: ServerResponse, pathname: string) => {
    const relative = pathname === '/' ? 'index.html' : pathname.slice(1);
    const file = resolveInsideFolder(options.rendererDir, relative);
    const bytes = file ? readRegularFileSync(file, maxRendererFileBytes) : null;
    if (!file || !bytes) return fail(res, 404, 'Not found');
    const headers: Record<string, string> = {
      'content-type': mimeTypes[path.extname(file)] ?? 'application/octet-stream',
      'content-length': String(bytes.length),
      'x-content-type-options': 'nosniff',
    };
    if (file.endsWith('.html')) {
      headers['content-security-policy'] = contentSecurityPolicy({ connect: [...origins].map((o) => o.replace(/^http/, 'ws')) });
      headers['cache-control'] = 'no-store';
    }
    res.writeHead(200, headers).end(bytes);
  };

  const receiveUpload = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > services.ingestSettings.maxFileBytes) {
      return fail(res, 413, 'This file is larger than the size limit set in Settings.');
    }
    const dir = path.join(uploads, uuidv7());
    mkdirSync(dir, { recursive: true });
    const target = path.join(dir, uploadFileName(url.searchParams.get(uploadNameParam) ?? 'video'));
    // Counted as the bytes arrive: a chunked upload declares no length at all.
    const limit = services.ingestSettings.maxFileBytes;
    let received = 0;
    let overLimit = false;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > limit) {
          overLimit = true;
          done(new Error('over the size limit'));
        } else done(null, chunk);
      },
    });
    const connection = req.socket;
    try {
      await pipeline(req, counter, createWriteStream(target));
    } catch {
      rmSync(dir, { recursive: true, force: true });
      if (overLimit) {
        // Nothing more of this body is wanted: answer, then drop the connection rather than read the rest.
        res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        return res.end('This file is larger than the size limit set in Settings.', () => connection.destroy());
      }
      if (!res.headersSent && !connection.destroyed) return fail(res, 400, 'The upload was interrupted.');
      return;
    }
    awaitingImport.set(target, Date.now());
    const answer: UploadAnswer = { path: target };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
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
      const bytes = readRegularFileSync(file, maxThumbnailBytes);
      return bytes ? `data:${mime};base64,${bytes.toString('base64')}` : null;
    });
    const bundle: ThumbnailBundle = { urls };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(bundleJson(bundle));
  };

  /** The first screen's data for a page that is still connecting (see firstScreenPath): the call's own answer. */
  const sendFirstScreen = async (res: ServerResponse) => {
    // Taken before the read, which runs in the same turn: a change after it moves the count on.
    const libraryChanges = services.events.libraryChanges;
    const screen: FirstScreen = { projects: (await run('projects.list', {})) as FirstScreen['projects'], libraryChanges };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(JSON.stringify(screen));
  };

  /**
   * A route that fails (a client gone half-way through its body, a full disk) answers 500 if it still can, or
   * drops that connection; the rejection never reaches the process, which would end the host.
   */
  const answering = (res: ServerResponse, work: Promise<unknown>) => {
    work.catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      console.warn('A browser host request failed:', error instanceof Error ? error.message : error);
      fail(res, 500, 'The Stillframe host could not answer this request.');
    });
  };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = requestUrl(req);
    if (!url) return fail(res, 400, 'Bad request: the address could not be read.');
    if (!hosts.has(req.headers.host ?? '')) return fail(res, 421, 'Wrong host');
    if (serveDownload(req, res, url, sameToken(tokenOf(req, url), token))) return;
    if (req.method === 'GET' && url.pathname === libraryInfoPath) {
      const info: LibraryInfo = { library: libraryKey, accepted: sameToken(tokenOf(req, url), token) };
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      return void res.end(JSON.stringify(info));
    }
    if (req.method === 'GET' && url.pathname.startsWith(mediaPathPrefix)) {
      if (!sameToken(tokenOf(req, url), token)) return fail(res, 403, 'Forbidden');
      const file = resolveInsideFolder(services.paths.root, url.pathname.slice(mediaPathPrefix.length));
      return answering(res, serveFile(res, file, {
        'content-type': mimeTypes[path.extname(file ?? '').toLowerCase()] ?? 'application/octet-stream',
        'cache-control': 'private, max-age=3600',
        'x-content-type-options': 'nosniff',
      }));
    }
    if (req.method === 'POST' && url.pathname === thumbnailBundlePath) {
      if (!fromOwnPage(req, url)) return fail(res, 403, 'Forbidden');
      return answering(res, sendThumbnailBundle(req, res));
    }
    if (req.method === 'POST' && url.pathname === firstScreenPath) {
      if (!fromOwnPage(req, url)) return fail(res, 403, 'Forbidden');
      return answering(res, sendFirstScreen(res));
    }
    if (req.method === 'POST' && url.pathname === uploadPath) {
      if (!fromOwnPage(req, url)) return fail(res, 403, 'Forbidden');
      return answering(res, receiveUpload(req, res, url));
    }
    if (req.method === 'GET') return serveStatic(res, url.pathname);
    return fail(res, 405, 'Method not allowed');
  };

  /** Whatever a route throws while it reads a request answers that request alone; a throw here would end the host. */
  const server: Server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (error) {
      answering(res, Promise.reject(error));
    }
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  // A connection that breaks the protocol (a frame over the limit, invalid UTF-8, an unmasked frame, a reserved
  // opcode or RSV bit, a bad close code) is closed by ws with the matching close code; these listeners only keep
  // that error from reaching the process, so the host and its other connections carry on.
  sockets.on('error', (error) => console.warn(`The browser host's WebSocket server reported: ${error.message}`));
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = requestUrl(req);
    const allowed =
      url !== null &&
      url.pathname === apiSocketPath &&
      hosts.has(req.headers.host ?? '') &&
      origins.has(req.headers.origin ?? '') &&
      sameToken(url.searchParams.get(tokenParam), token);
    if (!allowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });

  const reply = (ws: WebSocket, call: string, frame: ResponseFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeResponse(call, frame));
  };

  sockets.on('connection', (ws: WebSocket) => {
    ws.on('error', () => undefined);
    // Sent as the socket joins the clients that events go to, with nothing in between: from this count on, the page
    // hears every change, and so knows whether its first screen (read over HTTP before) missed one.
    const greeting: GreetingFrame = { greeting: { libraryChanges: services.events.libraryChanges } };
    ws.send(JSON.stringify(greeting));
    // Each message in a task of its own, as Electron's IPC delivers them: ws hands over every message of one network
    // read at once, and a call that awaits (frames.get) was then answered only after the calls sent behind it, the
    // frame's 5,000 shapes among them, so its image was asked for only once those were drawn.
    ws.on('message', (data, isBinary) => setImmediate(() => answer(ws, data, isBinary)));
  });

  function answer(ws: WebSocket, data: RawData, isBinary: boolean): void {
    let message: unknown;
    try {
      message = isBinary ? Symbol('binary') : JSON.parse(String(data));
    } catch {
      message = undefined;
    }
    const frame = requestFrameSchema.safeParse(message);
    if (!frame.success) {
      const id = typeof message === 'object' && message !== null && 'id' in message && Number.isSafeInteger(message.id) ? (message.id as number) : null;
      return reply(ws, '', {
        id,
        result: {
          ok: false,
          error: {
            code: 'invalid-input',
            message: 'The Stillframe host received a message it could not read.',
            detail: 'Expected a JSON text message {"id": number, "call": string, "input": object}.',
          },
        },
      });
    }
    const { id, call, input } = frame.data;
    void run(call, input).then((result) => reply(ws, call, { id, result }));
  }

  const unsubscribe = eventNames.map((event) =>
    services.events.on(event, (payload) => {
      const frame: EventFrame = { event, payload };
      const text = JSON.stringify(frame);
      for (const client of sockets.clients) if (client.readyState === client.OPEN) client.send(text);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenFailure(error, options.port)));
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  server.on('error', (error) => console.warn(`The browser host reported: ${error.message}`));
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
