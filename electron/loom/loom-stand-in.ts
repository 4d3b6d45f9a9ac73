import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseLoomLink } from '../../shared/loom-links';

/*
 * A local stand-in for www.loom.com, for unit tests and the e2e suite (LOOM_BASE_URL). It answers the endpoints
 * loom-api.ts calls with the shapes listed at the top of that file, and serves the real sample clips the way Loom's
 * signed CDN addresses would, with Range support. It imports no test framework, so Playwright can start it too.
 */

export const scenarioNames = [
  'ok', // transcoded MP4 (car-detection.mp4)
  'ok2', // milk.mkv
  'rawOnly', // transcoded-url 404s, raw-url gives an MP4
  'hls', // transcoded-url gives no url, raw-url gives an HLS "-split" playlist
  'notFound', // 404 everywhere
  'unauthorized', // 401 everywhere
  'password', // session endpoints 403; GraphQL reports VideoPasswordMissingOrIncorrect unless given standInPassword
  'rateLimited', // transcoded-url answers 429 with Retry-After (1 s unless told otherwise) once, then works
  'serverError', // 500 everywhere
  'flaky', // the file answers 500 twice, then works
  'slow', // the file trickles out in small pieces
  'cutHalfway', // the first file request is cut off halfway; Range requests are honoured
  'cutNoResume', // cut off halfway once, and afterwards every request gets the whole file with 200
  'redirectLoopback', // the file address redirects to another port on 127.0.0.1
  'privateUrl', // transcoded-url and raw-url give https://10.0.0.1/…
  'notVideo', // the file is an HTML page served as text/html
  'garbage', // the file claims video/mp4 but is text FFprobe cannot read
  'closeUnderBackPressure', // the whole file (milk.mkv) and the connection's close at once, faster than it is read
  'folder', // two videos (ok, ok2) and the subfolder
  'subfolder', // folderChild, ok again, and links back to folder and to itself
  'folderChild', // bottle-detection.mp4
] as const;

export type ScenarioName = (typeof scenarioNames)[number];

/** The password the 'password' scenario accepts. */
export const standInPassword = 'open sesame';

export interface LoomStandIn {
  baseUrl: string;
  ids: Record<ScenarioName, string>;
  /** Every request, as "METHOD /path?query", plus " range=…" and " authorization=…" when sent; "decoy …" for the decoy. */
  requests: string[];
  close(): Promise<void>;
}

interface Clip {
  file: string;
  extension: string;
  contentType: string;
  title: string;
  durationSeconds: number;
  width: number;
  height: number;
}

const clips = {
  car: { file: 'car-detection.mp4', extension: 'mp4', contentType: 'video/mp4', title: 'Cars on a road', durationSeconds: 30.21, width: 768, height: 432 },
  milk: { file: 'milk.mkv', extension: 'mkv', contentType: 'video/x-matroska', title: 'Milk', durationSeconds: 1.73, width: 640, height: 480 },
  bottle: { file: 'bottle-detection.mp4', extension: 'mp4', contentType: 'video/mp4', title: 'Bottles on a belt', durationSeconds: 39.86, width: 640, height: 360 },
  person: { file: 'one-by-one-person-detection.mp4', extension: 'mp4', contentType: 'video/mp4', title: 'People, one by one', durationSeconds: 139.4, width: 768, height: 432 },
} satisfies Record<string, Clip>;

const clipOf: Partial<Record<ScenarioName, Clip>> = {
  ok: clips.car,
  ok2: clips.milk,
  rawOnly: clips.person,
  hls: clips.milk,
  password: clips.milk,
  rateLimited: clips.milk,
  flaky: clips.milk,
  slow: clips.bottle,
  cutHalfway: clips.car,
  cutNoResume: clips.bottle,
  redirectLoopback: clips.car,
  privateUrl: clips.car,
  notVideo: clips.car,
  garbage: clips.car,
  closeUnderBackPressure: clips.milk,
  folderChild: clips.bottle,
};

const slowChunkBytes = 8 * 1024;
const slowChunkDelayMs = 20;

function standInId(name: ScenarioName): string {
  return createHash('md5').update(`stillframe-loom-stand-in:${name}`).digest('hex');
}

/** The query CloudFront signs Loom's CDN addresses with; the values are placeholders. */
const signedQuery = '?Policy=c3RhbmQtaW4&Key-Pair-Id=STANDIN&Signature=c3RhbmQtaW4tc2lnbmF0dXJl';

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface MediaBehaviour {
  /** Write this many bytes of a full response, then destroy the connection. */
  cutAt?: number;
  ignoreRange?: boolean;
  trickle?: boolean;
}

function sendMedia(request: IncomingMessage, response: ServerResponse, bytes: Buffer, contentType: string, behaviour: MediaBehaviour): void {
  const size = bytes.length;
  const range = behaviour.ignoreRange ? null : /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  if (range) {
    start = Number(range[1]);
    end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size || start > end) {
      response.writeHead(416, { 'content-range': `bytes */${size}` });
      response.end();
      return;
    }
  }
  const body = bytes.subarray(start, end + 1);
  response.writeHead(range ? 206 : 200, {
    'content-type': contentType,
    'content-length': body.length,
    'accept-ranges': 'bytes',
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (behaviour.cutAt !== undefined) {
    response.write(body.subarray(0, behaviour.cutAt), () => response.destroy());
    return;
  }
  if (!behaviour.trickle) {
    response.end(body);
    return;
  }
  let offset = 0;
  const timer = setInterval(() => {
    const piece = body.subarray(offset, offset + slowChunkBytes);
    offset += piece.length;
    if (offset >= body.length) {
      clearInterval(timer);
      response.end(piece);
    } else {
      response.write(piece);
    }
  }, slowChunkDelayMs);
  response.on('close', () => clearInterval(timer));
}

export interface LoomStandInOptions {
  mediaDir: string;
  /** What the 'rateLimited' scenario's 429 asks for; long enough for the UI to show its warning, short for a test. */
  retryAfterSeconds?: number;
}

export async function startLoomStandIn(options: LoomStandInOptions): Promise<LoomStandIn> {
  const ids = Object.fromEntries(scenarioNames.map((name) => [name, standInId(name)])) as Record<ScenarioName, string>;
  const scenarioById = new Map<string, ScenarioName>(scenarioNames.map((name) => [ids[name], name]));
  const requests: string[] = [];
  const hits = new Map<string, number>();
  const fileCache = new Map<string, Promise<Buffer>>();
  let baseUrl = '';
  let decoyPort = 0;

  const countHit = (key: string): number => {
    const count = hits.get(key) ?? 0;
    hits.set(key, count + 1);
    return count;
  };
  const clipBytes = (clip: Clip): Promise<Buffer> => {
    const cached = fileCache.get(clip.file) ?? readFile(join(options.mediaDir, clip.file));
    fileCache.set(clip.file, cached);
    return cached;
  };
  const record = (prefix: string, request: IncomingMessage): void => {
    const range = request.headers.range ? ` range=${request.headers.range}` : '';
    const authorization = request.headers.authorization ? ` authorization=${request.headers.authorization}` : '';
    requests.push(`${prefix}${request.method ?? 'GET'} ${request.url ?? '/'}${range}${authorization}`);
  };

  const mediaUrl = (kind: 'transcoded' | 'raw', id: string, clip: Clip): string =>
    `${baseUrl}/sessions/${kind}/${id}.${clip.extension}${signedQuery}`;

  const oembed = (id: string, clip: Clip): Record<string, unknown> => ({
    type: 'video',
    version: '1.0',
    html: `<iframe src="https://www.loom.com/embed/${id}" frameborder="0" width="${clip.width}" height="${clip.height}" webkitallowfullscreen mozallowfullscreen allowfullscreen></iframe>`,
    height: null,
    width: null,
    provider_name: 'Loom',
    provider_url: 'https://www.loom.com',
    thumbnail_height: clip.height,
    thumbnail_width: clip.width,
    thumbnail_url: `https://cdn.loom.com/sessions/thumbnails/${id}-with-play.gif`,
    duration: clip.durationSeconds,
    title: clip.title,
    author_name: 'Stand-in Owner',
  });

  /** Shared answers for a video that is missing, private or failing, whatever the endpoint. */
  const refusal = (scenario: ScenarioName | undefined, response: ServerResponse): boolean => {
    if (scenario === undefined || scenario === 'notFound') sendJson(response, 404, { error: 'Not Found' });
    else if (scenario === 'unauthorized') sendJson(response, 401, { error: 'Unauthorized' });
    else if (scenario === 'serverError') sendJson(response, 500, { error: 'Internal Server Error' });
    else return false;
    return true;
  };

  const sessionUrl = (scenario: ScenarioName, endpoint: string, id: string, clip: Clip, response: ServerResponse): void => {
    if (scenario === 'password') return sendJson(response, 403, { error: 'Password required' });
    if (scenario === 'privateUrl') return sendJson(response, 200, { url: `https://10.0.0.1/sessions/${id}.mp4${signedQuery}` });
    if (endpoint === 'transcoded-url') {
      if (scenario === 'rawOnly') return sendJson(response, 404, { error: 'Not Found' });
      if (scenario === 'hls') return sendJson(response, 200, { url: null });
      if (scenario === 'rateLimited' && countHit(`${id}:transcoded`) === 0) {
        return sendJson(response, 429, { error: 'Too Many Requests' }, { 'retry-after': String(options.retryAfterSeconds ?? 1) });
      }
      if (scenario === 'redirectLoopback') {
        return sendJson(response, 200, { url: `${baseUrl}/sessions/redirect/${id}.mp4${signedQuery}` });
      }
      return sendJson(response, 200, { url: mediaUrl('transcoded', id, clip) });
    }
    if (scenario === 'hls') return sendJson(response, 200, { url: `${baseUrl}/sessions/raw/${id}/${id}-split.m3u8${signedQuery}` });
    return sendJson(response, 200, { url: mediaUrl('raw', id, clip) });
  };

  const graphql = (body: string, response: ServerResponse): void => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return sendJson(response, 400, { errors: [{ message: 'Body is not JSON' }] });
    }
    const operations = (Array.isArray(parsed) ? parsed : [parsed]) as { variables?: { videoId?: string; password?: string | null } }[];
    const scenarios = operations.map((operation) => scenarioById.get(operation.variables?.videoId ?? ''));
    if (scenarios.includes('unauthorized')) return sendJson(response, 401, { errors: [{ message: 'Unauthorized' }] });
    if (scenarios.includes('serverError')) return sendJson(response, 500, { errors: [{ message: 'Internal Server Error' }] });
    const answers = operations.map((operation, index) => {
      const scenario = scenarios[index];
      const id = operation.variables?.videoId ?? '';
      const clip = scenario === undefined ? undefined : clipOf[scenario];
      if (scenario === undefined || clip === undefined || scenario === 'notFound') {
        return { data: { getVideo: null }, errors: [{ message: 'Video not found', path: ['getVideo'] }] };
      }
      if (scenario === 'password' && operation.variables?.password !== standInPassword) {
        return {
          data: { getVideo: { __typename: 'VideoPasswordMissingOrIncorrect', id, message: 'Password is missing or incorrect' } },
        };
      }
      return {
        data: {
          getVideo: { __typename: 'RegularUserVideo', id, nullableRawCdnUrl: { __typename: 'CloudfrontVideoUrl', url: mediaUrl('raw', id, clip) } },
        },
      };
    });
    sendJson(response, 200, Array.isArray(parsed) ? answers : answers[0]);
  };

  const folders = (): Partial<Record<ScenarioName, unknown>> => ({
    folder: {
      folder: { id: ids.folder, name: 'Stand-in folder', parent_id: null },
      videos: [
        { id: ids.ok, name: clips.car.title },
        { id: ids.ok2, name: clips.milk.title },
      ],
      folders: [{ id: ids.subfolder, name: 'Stand-in subfolder' }],
    },
    subfolder: {
      folder: { id: ids.subfolder, name: 'Stand-in subfolder', parent_id: ids.folder },
      videos: [
        { id: ids.folderChild, name: clips.bottle.title },
        { id: ids.ok, name: clips.car.title },
      ],
      folders: [
        { id: ids.folder, name: 'Stand-in folder' },
        { id: ids.subfolder, name: 'Stand-in subfolder' },
      ],
    },
  });

  const media = async (request: IncomingMessage, response: ServerResponse, id: string): Promise<void> => {
    const scenario = scenarioById.get(id);
    const clip = scenario === undefined ? undefined : clipOf[scenario];
    if (scenario === undefined || clip === undefined) return sendJson(response, 404, { error: 'Not Found' });
    if (scenario === 'notVideo') {
      const page = '<!DOCTYPE html><html><head><title>Loom</title></head><body><p>Sign in to continue.</p></body></html>';
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
      response.end(page);
      return;
    }
    if (scenario === 'garbage') {
      const text = 'This is not a video, only text that says it is one.\n'.repeat(64);
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': Buffer.byteLength(text) });
      response.end(text);
      return;
    }
    if (scenario === 'closeUnderBackPressure') {
      // Small enough to sit whole in the socket buffers, so the close arrives while the client's parser is paused.
      const bytes = await clipBytes(clip);
      response.writeHead(200, { 'content-type': clip.contentType, 'content-length': bytes.length, connection: 'close' });
      response.end(bytes);
      return;
    }
    const hit = countHit(`${id}:media`);
    if (scenario === 'flaky' && hit < 2) return sendJson(response, 500, { error: 'Internal Server Error' });
    const bytes = await clipBytes(clip);
    const half = Math.floor(bytes.length / 2);
    if (scenario === 'cutHalfway') return sendMedia(request, response, bytes, clip.contentType, hit === 0 ? { cutAt: half } : {});
    if (scenario === 'cutNoResume') {
      return sendMedia(request, response, bytes, clip.contentType, hit === 0 ? { cutAt: half, ignoreRange: true } : { ignoreRange: true });
    }
    sendMedia(request, response, bytes, clip.contentType, { trickle: scenario === 'slow' });
  };

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    record('', request);
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const method = request.method ?? 'GET';
    const body = method === 'POST' ? await readBody(request) : '';
    let match: RegExpExecArray | null;

    if (method === 'GET' && url.pathname === '/v1/oembed') {
      let id: string;
      try {
        id = parseLoomLink(url.searchParams.get('url') ?? '').id;
      } catch {
        return sendJson(response, 404, { error: 'Not Found' });
      }
      const scenario = scenarioById.get(id);
      if (refusal(scenario, response) || scenario === undefined) return;
      const clip = clipOf[scenario];
      return clip === undefined ? sendJson(response, 404, { error: 'Not Found' }) : sendJson(response, 200, oembed(id, clip));
    }
    if (method === 'POST' && (match = /^\/api\/campaigns\/sessions\/([0-9a-f]{32})\/(transcoded-url|raw-url)$/.exec(url.pathname))) {
      const [, id = '', endpoint = ''] = match;
      const scenario = scenarioById.get(id);
      if (refusal(scenario, response) || scenario === undefined) return;
      const clip = clipOf[scenario];
      return clip === undefined ? sendJson(response, 404, { error: 'Not Found' }) : sessionUrl(scenario, endpoint, id, clip, response);
    }
    if (method === 'POST' && url.pathname === '/graphql') return graphql(body, response);
    if (method === 'GET' && (match = /^\/v1\/folders\/([0-9a-f]{32})$/.exec(url.pathname))) {
      const scenario = scenarioById.get(match[1] ?? '');
      const listing = scenario === undefined ? undefined : folders()[scenario];
      return listing === undefined ? sendJson(response, 404, { error: 'Not Found' }) : sendJson(response, 200, listing);
    }
    if (method === 'GET' && (match = /^\/sessions\/redirect\/([0-9a-f]{32})\.mp4$/.exec(url.pathname))) {
      response.writeHead(302, { location: `http://127.0.0.1:${decoyPort}/sessions/transcoded/${match[1] ?? ''}.mp4${signedQuery}` });
      response.end();
      return;
    }
    if (method === 'GET' && (match = /^\/sessions\/(?:transcoded|raw)\/([0-9a-f]{32})\.[a-z0-9]+$/.exec(url.pathname))) {
      return media(request, response, match[1] ?? '');
    }
    sendJson(response, 404, { error: 'Not Found' });
  };

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.destroy();
    });
  });
  // Stands for an internal service: serves real bytes, so a download that reached it would visibly succeed.
  const decoy = createServer((request, response) => {
    record('decoy ', request);
    clipBytes(clips.car).then(
      (bytes) => sendMedia(request, response, bytes, clips.car.contentType, {}),
      () => sendJson(response, 500, {}),
    );
  });

  const port = await listen(server);
  decoyPort = await listen(decoy);
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    ids,
    requests,
    close: async () => {
      await Promise.all([closeServer(server), closeServer(decoy)]);
    },
  };
}
