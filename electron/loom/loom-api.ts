import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { StillframeError } from '../../shared/errors';
import { isLoomId, loomShareUrl, type LoomLink } from '../../shared/loom-links';
import { cancelledError } from '../media/runner';
import { assertSafeUrl, safeFetch, type SafeUrlPolicy } from './safe-url';

/*
 * Every address and response shape Stillframe relies on at Loom lives in this file, so a change at Loom is one edit.
 * None is a documented API; these are what public tools (yt-dlp's Loom extractor, cobalt, loom-dl) call, and the
 * shapes they read, which loom-stand-in.ts mirrors:
 *
 *   GET  /v1/oembed?url=<share url>            { type, version, html, width, height, provider_name, provider_url,
 *                                                thumbnail_url, thumbnail_width, thumbnail_height, duration (seconds),
 *                                                title, description?, author_name? }
 *   POST /api/campaigns/sessions/<id>/transcoded-url   body { force_original, password, anonID, deviceID }
 *                                              → { url }: a CloudFront-signed MP4 (…/<id>.mp4?Policy=…&Signature=…)
 *   POST /api/campaigns/sessions/<id>/raw-url  same body → { url }: the upload as MP4, WebM, an HLS "-split.m3u8"
 *                                                playlist or a DASH .mpd
 *   GET  /v1/folders/<id>?limit=10000          { folder: { name }, videos: [{ id, name }], folders: [{ id }] }, where
 *                                                folders may name the folder itself
 *   POST /graphql  [{ operationName, variables: { videoId, password, acceptableMimes }, query }]
 *                                              → [{ data: { getVideo: { __typename, nullableRawCdnUrl: { url } } } }];
 *                                                __typename VideoPasswordMissingOrIncorrect marks a password-protected
 *                                                video, and with the right password this is the one source that works.
 */

export interface LoomSettings {
  /** https://www.loom.com, or a stand-in during tests (LOOM_BASE_URL). Only this origin is trusted as given. */
  baseUrl: string;
  /** Sent as Authorization: Bearer, to the base origin only. */
  apiKey?: string;
  fetch?: typeof fetch;
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Wait before the second try; doubled before each further one. */
  baseDelayMs: number;
}

export interface LoomCallOptions {
  signal?: AbortSignal;
  retry?: RetryPolicy;
  /** Called before waiting out a 429, so the UI can say why nothing moves. */
  onRateLimited?: (waitMs: number) => void;
  /** For a password-protected video. */
  password?: string;
}

export interface LoomVideoInfo {
  id: string;
  shareUrl: string;
  title: string;
  durationMs: number | null;
  owner: string | null;
  thumbnailUrl: string | null;
  /** The oEmbed fields plus the Loom id (and the folder it was found in), stored as the video's source_metadata. */
  metadata: Record<string, unknown>;
}

export type LoomDownloadKind = 'mp4' | 'webm' | 'hls' | 'unknown';

export interface LoomDownloadTarget {
  url: string;
  kind: LoomDownloadKind;
}

export const defaultLoomBaseUrl = 'https://www.loom.com';
export const defaultRetry: RetryPolicy = { attempts: 4, baseDelayMs: 1000 };
/** Longest a Retry-After is honoured; a server asking for more is retried after this anyway. */
const maxRateLimitWaitMs = 60_000;
const folderLimit = 10_000;
const maxFolders = 500;
const describeConcurrency = 4;
// Loom's web client names itself in these headers; yt-dlp sends the same ones to the GraphQL endpoint.
const webClientVersion = '0a1856c';

export const loomMessages = {
  videoNotFound: 'This Loom video was not found, or it is private.',
  folderNotFound: 'This Loom folder was not found, or it is private.',
  videoRefused: 'Loom refused access to this video (it is private, or the Loom API key is wrong).',
  folderRefused: 'Loom refused access to this folder (it is private, or the Loom API key is wrong).',
  passwordRequired: 'This Loom video is protected by a password.',
  passwordWrong: 'The password for this Loom video is not right.',
  noDownload: 'Loom did not offer this video for download. Its owner may have turned downloads off.',
  dashOnly: 'Loom offers this video only as a DASH stream, which Stillframe cannot import.',
  rateLimited: 'Loom is limiting how often Stillframe may ask. Try again in a few minutes.',
  unreachable: 'Stillframe could not reach Loom. Check the internet connection, then try again.',
  notVideo: 'Loom sent something that is not a video.',
  tooManyFolders: `This Loom folder holds more than ${maxFolders} folders. Import its folders one at a time.`,
  badBaseUrl: 'The Loom address in the settings is not an http or https address.',
  answerTooLarge: 'Loom sent a far longer answer than any of its answers should be, so Stillframe stopped reading it. Try again later.',
} as const;

/** The longest JSON answer read from Loom: a folder listing of 10,000 videos is about 2 MB. */
const maxAnswerBytes = 16 * 1024 * 1024;

/**
 * A JSON answer's text, read no further than `maxAnswerBytes`: an answer that does not end (a broken or hostile
 * server) would otherwise fill the memory of the process running the queue.
 */
async function answerText(response: Response): Promise<string> {
  const tooLarge = () => new StillframeError('not-downloadable', loomMessages.answerTooLarge, `more than ${maxAnswerBytes} bytes from ${response.url || 'Loom'}`);
  if (Number(response.headers.get('content-length') ?? 0) > maxAnswerBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxAnswerBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Shown on the job while a 429's Retry-After is waited out. */
export function rateLimitNotice(waitMs: number): string {
  return `Loom is limiting requests; retrying in ${Math.max(1, Math.ceil(waitMs / 1000))} s.`;
}

export function loomSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LoomSettings {
  const apiKey = env.LOOM_API_KEY;
  return {
    baseUrl: env.LOOM_BASE_URL || defaultLoomBaseUrl,
    ...(apiKey ? { apiKey } : {}),
  };
}

function baseOf(settings: LoomSettings): URL {
  const base = URL.parse(settings.baseUrl);
  if (base === null || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
    throw new StillframeError('invalid-input', loomMessages.badBaseUrl, settings.baseUrl);
  }
  return base;
}

function endpoint(settings: LoomSettings, path: string): URL {
  return new URL(baseOf(settings).href.replace(/\/+$/, '') + path);
}

function loomSafePolicy(settings: LoomSettings): SafeUrlPolicy {
  return { trustedOrigin: baseOf(settings).origin };
}

/** fetch for anything Loom-related: address checks on every hop, the API key for the base origin only. */
export function loomFetch(settings: LoomSettings, url: string | URL, init: RequestInit): Promise<Response> {
  return safeFetch(url, init, {
    policy: loomSafePolicy(settings),
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    ...(settings.apiKey ? { trustedHeaders: { authorization: `Bearer ${settings.apiKey}` } } : {}),
  });
}

function assertLoomId(id: string): void {
  if (!isLoomId(id)) throw new StillframeError('invalid-input', 'A Loom id is 32 lower-case hex digits.', id);
}

/** A failure worth another try: a 5xx, a 429, or a network error. `final` is what is thrown once tries run out. */
export class TransientFailure extends Error {
  readonly rateLimited: boolean;
  /** How long a 429 asked to wait, when it said. */
  readonly retryAfterMs: number | null;
  /** A dropped download that still moved forward does not use up a try. */
  readonly progressed: boolean;

  constructor(
    readonly final: StillframeError,
    options: { rateLimited?: boolean; retryAfterMs?: number | null; progressed?: boolean } = {},
  ) {
    super(final.message);
    this.name = 'TransientFailure';
    this.rateLimited = options.rateLimited ?? false;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.progressed = options.progressed ?? false;
  }
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

const networkErrorCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN',
  'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL',
]);

/**
 * fetch reports a network failure (and a body cut short) as a TypeError; DNS look-ups reject with a system code. A
 * local failure such as a full disk is not one of these, so it is not retried as if Loom were unreachable.
 */
export function isNetworkError(error: unknown): boolean {
  if (error instanceof StillframeError || !(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return error instanceof TypeError || (typeof code === 'string' && networkErrorCodes.has(code));
}

export function networkFailure(error: unknown, progressed = false): TransientFailure {
  return new TransientFailure(new StillframeError('network', loomMessages.unreachable, errorText(error)), { progressed });
}

/** Retry-After is either whole seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export type LoomSubject = 'video' | 'folder';

/** What a non-2xx answer means to a person; 429 and 5xx come back as TransientFailure so they are retried. */
export function failureForStatus(response: Response, subject: LoomSubject): StillframeError | TransientFailure {
  const { status } = response;
  const detail = `${URL.parse(response.url)?.pathname ?? 'Loom'} answered HTTP ${status}`;
  if (status === 429) {
    return new TransientFailure(new StillframeError('rate-limited', loomMessages.rateLimited, detail), {
      rateLimited: true,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    });
  }
  if (status >= 500) {
    return new TransientFailure(
      new StillframeError('network', `Loom is having trouble right now (it answered HTTP ${status}). Try again later.`, detail),
    );
  }
  if (status === 404 || status === 410) {
    return new StillframeError('not-found', subject === 'folder' ? loomMessages.folderNotFound : loomMessages.videoNotFound, detail);
  }
  if (status === 401 || status === 403) {
    return new StillframeError('access-denied', subject === 'folder' ? loomMessages.folderRefused : loomMessages.videoRefused, detail);
  }
  return new StillframeError('internal', `Loom answered in a way Stillframe did not expect (HTTP ${status}).`, detail);
}

/**
 * Runs `task` until it succeeds, retrying TransientFailure and network errors with exponential backoff (a 429 waits
 * as long as the server asks, up to a minute). Anything else, and cancellation, ends at once.
 */
export async function withRetries<T>(task: () => Promise<T>, options: LoomCallOptions): Promise<T> {
  const { signal } = options;
  const { attempts, baseDelayMs } = options.retry ?? defaultRetry;
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted) throw cancelledError();
    let failure: TransientFailure;
    try {
      return await task();
    } catch (error) {
      if (signal?.aborted) throw cancelledError();
      if (error instanceof TransientFailure) failure = error;
      else if (isNetworkError(error)) failure = networkFailure(error);
      else throw error;
    }
    if (failure.progressed) attempt = 0;
    else if (attempt >= attempts) throw failure.final;
    const backoffMs = baseDelayMs * 2 ** Math.max(0, attempt - 1);
    let waitMs = backoffMs;
    if (failure.rateLimited) {
      waitMs = Math.min(failure.retryAfterMs ?? backoffMs, maxRateLimitWaitMs);
      options.onRateLimited?.(waitMs);
    }
    try {
      await delay(waitMs, undefined, signal ? { signal } : {});
    } catch {
      throw cancelledError();
    }
  }
}

type LoomReply = { ok: true; json: unknown } | { ok: false; status: number; error: StillframeError };

/** One JSON call to Loom, retried while it fails transiently; a lasting 4xx comes back as a value, not a throw. */
async function askLoom(
  settings: LoomSettings,
  options: LoomCallOptions,
  path: string,
  request: { method: 'GET' } | { method: 'POST'; json: unknown; headers?: Record<string, string> },
  subject: LoomSubject,
): Promise<LoomReply> {
  const url = endpoint(settings, path);
  return withRetries(async () => {
    const response = await loomFetch(settings, url, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...(request.method === 'POST' ? { 'content-type': 'application/json', ...request.headers } : {}),
      },
      ...(request.method === 'POST' ? { body: JSON.stringify(request.json) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!response.ok) {
      await response.body?.cancel();
      const failure = failureForStatus(response, subject);
      if (failure instanceof TransientFailure) throw failure;
      return { ok: false, status: response.status, error: failure };
    }
    const text = await answerText(response);
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // A 2xx that is not JSON carries nothing usable; callers treat null as "no answer".
    }
    return { ok: true, json };
  }, options);
}

// ---------------------------------------------------------------------------------------------------------------
// Metadata: oEmbed, and folder listings.

const oembedSchema = z.looseObject({
  title: z.string().optional().catch(undefined),
  duration: z.number().optional().catch(undefined),
  author_name: z.string().optional().catch(undefined),
  thumbnail_url: z.string().optional().catch(undefined),
});

const folderSchema = z.object({
  videos: z.array(z.looseObject({ id: z.string(), name: z.string().optional().catch(undefined) })).catch([]),
  folders: z.array(z.looseObject({ id: z.string() })).catch([]),
});

interface FoundVideo {
  id: string;
  /** Named by the person, so its problems are reported now rather than at download. */
  direct: boolean;
  folderId: string | null;
  nameInFolder: string | null;
}

function usableThumbnail(value: string | undefined, settings: LoomSettings): string | null {
  const url = value === undefined ? null : URL.parse(value);
  if (url === null) return null;
  return url.protocol === 'https:' || url.origin === baseOf(settings).origin ? url.href : null;
}

async function describeVideo(found: FoundVideo, settings: LoomSettings, options: LoomCallOptions): Promise<LoomVideoInfo> {
  const shareUrl = loomShareUrl('video', found.id);
  const reply = await askLoom(settings, options, `/v1/oembed?url=${encodeURIComponent(shareUrl)}`, { method: 'GET' }, 'video');
  const identity = { loomId: found.id, shareUrl, ...(found.folderId ? { loomFolderId: found.folderId } : {}) };
  const fallbackTitle = found.nameInFolder?.trim() || `Loom video ${found.id}`;
  if (!reply.ok) {
    // A video a folder listed is still worth queuing: its download will say what is wrong, next to the others.
    if (found.direct) throw new StillframeError(reply.error.code, reply.error.message, `${shareUrl}: ${reply.error.detail ?? ''}`);
    return { id: found.id, shareUrl, title: fallbackTitle, durationMs: null, owner: null, thumbnailUrl: null, metadata: identity };
  }
  const parsed = oembedSchema.safeParse(reply.json);
  const oembed = parsed.success ? parsed.data : {};
  const duration = oembed.duration;
  return {
    id: found.id,
    shareUrl,
    title: oembed.title?.trim() || fallbackTitle,
    durationMs: duration !== undefined && Number.isFinite(duration) && duration >= 0 ? Math.round(duration * 1000) : null,
    owner: oembed.author_name?.trim() || null,
    thumbnailUrl: usableThumbnail(oembed.thumbnail_url, settings),
    metadata: { ...oembed, ...identity },
  };
}

async function mapInOrder<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        // The call fails as a whole, so the other workers stop asking Loom for what nobody will read.
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Turns pasted links into the videos they stand for: folders are listed recursively (each folder once, so a listing
 * that names an ancestor cannot loop), a video met twice is kept where it first appeared, and each gets its oEmbed
 * metadata. A folder that cannot be listed, or a directly named video Loom does not know, fails the whole call.
 */
export async function resolveLoomLinks(
  links: LoomLink[],
  settings: LoomSettings,
  options: LoomCallOptions = {},
): Promise<LoomVideoInfo[]> {
  const found = new Map<string, FoundVideo>();
  const visitedFolders = new Set<string>();

  const addVideo = (video: FoundVideo): void => {
    const earlier = found.get(video.id);
    if (earlier === undefined) found.set(video.id, video);
    else if (video.direct) earlier.direct = true;
  };

  const walkFolder = async (folderId: string): Promise<void> => {
    if (visitedFolders.has(folderId)) return;
    if (visitedFolders.size >= maxFolders) throw new StillframeError('invalid-input', loomMessages.tooManyFolders);
    visitedFolders.add(folderId);
    const reply = await askLoom(settings, options, `/v1/folders/${folderId}?limit=${folderLimit}`, { method: 'GET' }, 'folder');
    if (!reply.ok) {
      throw new StillframeError(reply.error.code, reply.error.message, `${loomShareUrl('folder', folderId)}: ${reply.error.detail ?? ''}`);
    }
    const listing = folderSchema.safeParse(reply.json);
    if (!listing.success) return;
    for (const video of listing.data.videos) {
      if (isLoomId(video.id)) addVideo({ id: video.id, direct: false, folderId, nameInFolder: video.name ?? null });
    }
    for (const child of listing.data.folders) {
      if (isLoomId(child.id)) await walkFolder(child.id);
    }
  };

  for (const link of links) {
    assertLoomId(link.id);
    if (link.kind === 'folder') await walkFolder(link.id);
    else addVideo({ id: link.id, direct: true, folderId: null, nameInFolder: null });
  }
  return mapInOrder([...found.values()], describeConcurrency, (video) => describeVideo(video, settings, options));
}

// ---------------------------------------------------------------------------------------------------------------
// Download addresses: transcoded-url, then raw-url, then the GraphQL video source (the only way that takes a password).

type Candidate = LoomDownloadTarget | 'dash' | null;

function kindOf(url: URL): LoomDownloadKind | 'dash' {
  const extension = /\.([a-z0-9]+)$/.exec(url.pathname.toLowerCase())?.[1];
  switch (extension) {
    case 'mp4':
    case 'm4v':
      return 'mp4';
    case 'webm':
      return 'webm';
    case 'm3u8':
      return 'hls';
    case 'mpd':
      return 'dash';
    default:
      return 'unknown';
  }
}

/** Checks a download address Loom supplied; an unsafe one is refused outright rather than skipped. */
async function candidateFrom(value: unknown, settings: LoomSettings): Promise<Candidate> {
  const url = typeof value === 'string' && value !== '' ? URL.parse(value) : null;
  if (url === null) return null;
  const kind = kindOf(url);
  if (kind === 'dash') return 'dash';
  if (kind === 'hls') {
    // The "-split" playlist keeps sound and picture apart; the plain one next to it has both (as yt-dlp found).
    url.pathname = url.pathname.replace(/-split\.m3u8$/i, '.m3u8');
  }
  try {
    await assertSafeUrl(url, loomSafePolicy(settings));
  } catch (error) {
    if (isNetworkError(error)) throw networkFailure(error).final;
    throw error;
  }
  return { url: url.href, kind };
}

const urlReplySchema = z.looseObject({ url: z.unknown() });

const graphqlSourceQuery = `query GetVideoSource($videoId: ID!, $password: String, $acceptableMimes: [CloudfrontVideoAcceptableMime]) {
  getVideo(id: $videoId, password: $password) {
    __typename
    ... on RegularUserVideo {
      id
      nullableRawCdnUrl(acceptableMimes: $acceptableMimes, password: $password) { url }
    }
    ... on VideoPasswordMissingOrIncorrect { message }
  }
}`;

const graphqlReplySchema = z.object({
  data: z
    .object({
      getVideo: z
        .object({
          __typename: z.string().optional().catch(undefined),
          nullableRawCdnUrl: z.object({ url: z.unknown() }).nullish().catch(undefined),
        })
        .nullish()
        .catch(undefined),
    })
    .nullish()
    .catch(undefined),
});

async function graphqlSource(id: string, settings: LoomSettings, options: LoomCallOptions): Promise<Candidate | 'password'> {
  const operation = {
    operationName: 'GetVideoSource',
    variables: { videoId: id, password: options.password ?? null, acceptableMimes: ['MP4', 'M3U8'] },
    query: graphqlSourceQuery,
  };
  const reply = await askLoom(
    settings,
    options,
    '/graphql',
    {
      method: 'POST',
      json: [operation],
      headers: {
        'x-loom-request-source': `loom_web_${webClientVersion}`,
        'apollographql-client-name': 'web',
        'apollographql-client-version': webClientVersion,
      },
    },
    'video',
  );
  if (!reply.ok) return null;
  const first: unknown = Array.isArray(reply.json) ? reply.json[0] : reply.json;
  const parsed = graphqlReplySchema.safeParse(first);
  const video = parsed.success ? parsed.data.data?.getVideo : undefined;
  if (!video) return null;
  if (video.__typename === 'VideoPasswordMissingOrIncorrect') return 'password';
  return candidateFrom(video.nullableRawCdnUrl?.url, settings);
}

function sessionBody(options: LoomCallOptions): Record<string, unknown> {
  return { force_original: false, password: options.password ?? null, anonID: null, deviceID: null };
}

function statusRank(status: number): number {
  if (status === 401 || status === 403) return 0;
  if (status === 404 || status === 410) return 1;
  return 2;
}

/**
 * Where to fetch a video: Loom's transcoded MP4 first, the original upload (MP4, WebM or an HLS playlist) second, and
 * the GraphQL source last, which also tells a password-protected video apart from a missing one. Every address is
 * checked by safe-url before it is returned; a playlist is handed to FFmpeg as is.
 */
export async function loomDownloadUrl(
  id: string,
  settings: LoomSettings,
  options: LoomCallOptions = {},
): Promise<LoomDownloadTarget> {
  assertLoomId(id);
  const failures: { status: number; error: StillframeError }[] = [];
  let answered = false;
  let dashOnly = false;

  for (const path of ['transcoded-url', 'raw-url']) {
    const reply = await askLoom(
      settings,
      options,
      `/api/campaigns/sessions/${id}/${path}`,
      { method: 'POST', json: sessionBody(options) },
      'video',
    );
    if (!reply.ok) {
      failures.push(reply);
      continue;
    }
    answered = true;
    const parsed = urlReplySchema.safeParse(reply.json);
    const candidate = parsed.success ? await candidateFrom(parsed.data.url, settings) : null;
    if (candidate === 'dash') dashOnly = true;
    else if (candidate !== null) return candidate;
  }

  const source = await graphqlSource(id, settings, options);
  if (source === 'password') {
    throw new StillframeError(
      'password-required',
      options.password === undefined ? loomMessages.passwordRequired : loomMessages.passwordWrong,
      `Loom answered VideoPasswordMissingOrIncorrect for ${loomShareUrl('video', id)}`,
    );
  }
  if (source === 'dash') dashOnly = true;
  else if (source !== null) return source;

  // An endpoint that answered proves the video exists, so its "no usable address" beats the other's 404.
  const telling = failures.sort((a, b) => statusRank(a.status) - statusRank(b.status))[0];
  if (telling !== undefined && !answered) throw telling.error;
  throw new StillframeError('not-downloadable', dashOnly ? loomMessages.dashOnly : loomMessages.noDownload, loomShareUrl('video', id));
}
