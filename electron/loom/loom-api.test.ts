import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StillframeError } from '../../shared/errors';
import { parseLoomLink, type LoomLink } from '../../shared/loom-links';
import { mediaDir } from '../media/test-clips';
import { loomDownloadUrl, loomMessages, loomSettingsFromEnv, parseRetryAfter, resolveLoomLinks, type LoomSettings } from './loom-api';
import { startLoomStandIn, standInPassword, type LoomStandIn, type ScenarioName } from './loom-stand-in';
import { untrustedAddressMessage } from './safe-url';

let standIn: LoomStandIn;
let settings: LoomSettings;
const fast = { retry: { attempts: 3, baseDelayMs: 5 } };

beforeAll(async () => {
  standIn = await startLoomStandIn({ mediaDir });
  settings = { baseUrl: standIn.baseUrl };
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.requests.length = 0;
});

const video = (name: ScenarioName): LoomLink => parseLoomLink(`https://www.loom.com/share/${standIn.ids[name]}`);
const folder = (name: ScenarioName): LoomLink => parseLoomLink(`https://www.loom.com/share/folder/${standIn.ids[name]}`);

async function failure(promise: Promise<unknown>): Promise<StillframeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof StillframeError)) throw new Error(`expected a StillframeError, got ${String(error)}`);
  return error;
}

const requestsTo = (fragment: string): string[] => standIn.requests.filter((line) => line.includes(fragment));

describe('resolveLoomLinks', () => {
  it('reads title, duration, owner and thumbnail from oEmbed, and keeps the oEmbed fields as metadata', async () => {
    const [info] = await resolveLoomLinks([video('ok')], settings, fast);
    const id = standIn.ids.ok;
    expect(info).toEqual({
      id,
      shareUrl: `https://www.loom.com/share/${id}`,
      title: 'Cars on a road',
      durationMs: 30_210,
      owner: 'Stand-in Owner',
      thumbnailUrl: `https://cdn.loom.com/sessions/thumbnails/${id}-with-play.gif`,
      metadata: expect.objectContaining({
        loomId: id,
        shareUrl: `https://www.loom.com/share/${id}`,
        provider_name: 'Loom',
        duration: 30.21,
        author_name: 'Stand-in Owner',
      }) as unknown,
    });
    expect(standIn.requests).toEqual([`GET /v1/oembed?url=${encodeURIComponent(`https://www.loom.com/share/${id}`)}`]);
  });

  it('expands a folder recursively, in listing order, each video once, without looping on folders that list their parents', async () => {
    const infos = await resolveLoomLinks([video('ok2'), folder('folder'), video('rawOnly'), video('ok2')], settings, fast);
    const { ids } = standIn;
    expect(infos.map((info) => info.id)).toEqual([ids.ok2, ids.ok, ids.folderChild, ids.rawOnly]);
    expect(requestsTo('/v1/folders/')).toEqual([
      `GET /v1/folders/${ids.folder}?limit=10000`,
      `GET /v1/folders/${ids.subfolder}?limit=10000`,
    ]);
    expect(infos[1]?.metadata).toMatchObject({ loomFolderId: ids.folder });
    expect(infos[2]).toMatchObject({ title: 'Bottles on a belt', metadata: { loomFolderId: ids.subfolder } });
    expect(infos[0]?.metadata).not.toHaveProperty('loomFolderId');
  });

  it('sends the API key as a Bearer token', async () => {
    await resolveLoomLinks([video('ok')], { ...settings, apiKey: 'sk-test' }, fast);
    expect(standIn.requests).toEqual([expect.stringMatching(/^GET \/v1\/oembed\?url=.* authorization=Bearer sk-test$/)]);
  });

  it('reports a directly named video that Loom does not know', async () => {
    const error = await failure(resolveLoomLinks([video('ok'), video('notFound')], settings, fast));
    expect(error).toMatchObject({ code: 'not-found', message: loomMessages.videoNotFound });
    expect(error.detail).toContain(standIn.ids.notFound);
  });

  it('reports a video Loom refuses to describe', async () => {
    const error = await failure(resolveLoomLinks([video('unauthorized')], settings, fast));
    expect(error.message).toBe('Loom refused access to this video (it is private, or the Loom API key is wrong).');
  });

  it('reports a folder that is missing', async () => {
    const missing = parseLoomLink(`https://www.loom.com/share/folder/${standIn.ids.notFound}`);
    const error = await failure(resolveLoomLinks([missing], settings, fast));
    expect(error).toMatchObject({ code: 'not-found', message: loomMessages.folderNotFound });
  });

  it('retries a failing server, then gives up with a message a person understands', async () => {
    const error = await failure(resolveLoomLinks([video('serverError')], settings, fast));
    expect(error).toMatchObject({ code: 'network', message: 'Loom is having trouble right now (it answered HTTP 500). Try again later.' });
    expect(requestsTo('/v1/oembed')).toHaveLength(3);
  });

  it('refuses a malformed id before any request', async () => {
    const forged: LoomLink = { kind: 'video', id: '../../admin', shareUrl: 'https://www.loom.com/share/x' };
    await expect(resolveLoomLinks([forged], settings, fast)).rejects.toMatchObject({ code: 'invalid-input' });
    expect(standIn.requests).toEqual([]);
  });

  it('never reaches the network for text that is not a Loom link', () => {
    for (const text of [`http://www.loom.com/share/${standIn.ids.ok}`, `https://loom.com.evil.io/share/${standIn.ids.ok}`, 'javascript:1']) {
      expect(() => parseLoomLink(text)).toThrow(StillframeError);
    }
    expect(standIn.requests).toEqual([]);
  });
});

describe('loomDownloadUrl', () => {
  it('asks for the transcoded MP4 first', async () => {
    const target = await loomDownloadUrl(standIn.ids.ok, settings, fast);
    expect(target).toEqual({ url: expect.stringMatching(/\/sessions\/transcoded\/[0-9a-f]{32}\.mp4\?Policy=/) as unknown, kind: 'mp4' });
    expect(standIn.requests).toEqual([`POST /api/campaigns/sessions/${standIn.ids.ok}/transcoded-url`]);
  });

  it('falls back to the raw upload when there is no transcode', async () => {
    const target = await loomDownloadUrl(standIn.ids.rawOnly, settings, fast);
    expect(target.url).toContain(`/sessions/raw/${standIn.ids.rawOnly}.mp4`);
    expect(target.kind).toBe('mp4');
  });

  it('returns an HLS playlist as such, preferring the muxed playlist to the split one', async () => {
    const id = standIn.ids.hls;
    const target = await loomDownloadUrl(id, settings, fast);
    expect(target.kind).toBe('hls');
    expect(new URL(target.url).pathname).toBe(`/sessions/raw/${id}/${id}.m3u8`);
    expect(target.url).toContain('Signature=');
  });

  it('waits out a 429 as Retry-After asks, and says so', async () => {
    const waits: number[] = [];
    const target = await loomDownloadUrl(standIn.ids.rateLimited, settings, { ...fast, onRateLimited: (ms) => waits.push(ms) });
    expect(target.kind).toBe('unknown');
    expect(waits).toEqual([1000]);
    expect(requestsTo('transcoded-url')).toHaveLength(2);
  });

  it('refuses a private download address before connecting to it', async () => {
    const error = await failure(loomDownloadUrl(standIn.ids.privateUrl, settings, fast));
    expect(error).toMatchObject({ code: 'unsafe-address', message: untrustedAddressMessage });
    expect(error.detail).toContain('10.0.0.1');
  });

  it('says when a video is protected by a password', async () => {
    const error = await failure(loomDownloadUrl(standIn.ids.password, settings, fast));
    expect(error.message).toBe('This Loom video is protected by a password.');
    const graphql = requestsTo('/graphql');
    expect(graphql).toHaveLength(1);
  });

  it('says when the password is wrong, and uses the right one', async () => {
    const wrong = await failure(loomDownloadUrl(standIn.ids.password, settings, { ...fast, password: 'guess' }));
    expect(wrong.message).toBe(loomMessages.passwordWrong);
    const target = await loomDownloadUrl(standIn.ids.password, settings, { ...fast, password: standInPassword });
    expect(target.url).toContain(`/sessions/raw/${standIn.ids.password}.mkv`);
  });

  it('reports a missing video as not found', async () => {
    const error = await failure(loomDownloadUrl(standIn.ids.notFound, settings, fast));
    expect(error).toMatchObject({ code: 'not-found', message: 'This Loom video was not found, or it is private.' });
  });

  it('reports a refusal as a refusal', async () => {
    const error = await failure(loomDownloadUrl(standIn.ids.unauthorized, settings, fast));
    expect(error.message).toBe('Loom refused access to this video (it is private, or the Loom API key is wrong).');
  });

  it('retries 5xx up to the number of attempts', async () => {
    const error = await failure(loomDownloadUrl(standIn.ids.serverError, settings, fast));
    expect(error.code).toBe('network');
    expect(requestsTo('transcoded-url')).toHaveLength(3);
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(loomDownloadUrl(standIn.ids.ok, settings, { signal: controller.signal }));
    expect(error.code).toBe('cancelled');
    expect(standIn.requests).toEqual([]);
  });

  it('explains an unreachable Loom', async () => {
    const error = await failure(loomDownloadUrl(standIn.ids.ok, { baseUrl: 'http://127.0.0.1:9' }, { retry: { attempts: 2, baseDelayMs: 1 } }));
    expect(error).toMatchObject({ code: 'network', message: loomMessages.unreachable });
  });
});

describe('loomDownloadUrl against a scripted Loom', () => {
  const id = '0123456789abcdef0123456789abcdef';
  const scripted = (answer: (path: string) => Response): LoomSettings => ({
    baseUrl: 'https://loom.test',
    fetch: (async (input: string | URL | Request) => answer(new URL(String(input)).pathname)) as typeof fetch,
  });
  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  it('caps a long Retry-After at a minute, and tells the caller before waiting', async () => {
    const controller = new AbortController();
    const waits: number[] = [];
    const pending = loomDownloadUrl(id, scripted(() => json({}, 429, { 'retry-after': '3600' })), {
      signal: controller.signal,
      onRateLimited: (ms) => {
        waits.push(ms);
        controller.abort();
      },
    });
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(waits).toEqual([60_000]);
  });

  it('recognises a WebM upload', async () => {
    const settings = scripted((path) => (path.endsWith('transcoded-url') ? json({ url: null }) : json({ url: 'https://loom.test/raw/a.webm?Signature=s' })));
    await expect(loomDownloadUrl(id, settings, fast)).resolves.toEqual({ url: 'https://loom.test/raw/a.webm?Signature=s', kind: 'webm' });
  });

  it('says so when the only source is a DASH manifest', async () => {
    const settings = scripted((path) =>
      path.endsWith('raw-url') ? json({ url: 'https://loom.test/raw/a.mpd' }) : path === '/graphql' ? json([{ data: { getVideo: null } }]) : json({}, 404),
    );
    await expect(loomDownloadUrl(id, settings, fast)).rejects.toMatchObject({ code: 'not-downloadable', message: loomMessages.dashOnly });
  });

  it('stops reading an answer that never ends, says so, and does not ask again', async () => {
    let requests = 0;
    let cancelled = false;
    const endless = () => {
      requests += 1;
      const megabyte = new Uint8Array(1024 * 1024).fill(0x20);
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => controller.enqueue(megabyte),
        cancel: () => {
          cancelled = true;
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    };
    await expect(loomDownloadUrl(id, scripted(endless), fast)).rejects.toMatchObject({ code: 'not-downloadable', message: loomMessages.answerTooLarge });
    expect(cancelled).toBe(true);
    expect(requests).toBe(1);
  });

  it('says so when Loom answers but offers no address', async () => {
    const settings = scripted(() => json({ url: null }));
    await expect(loomDownloadUrl(id, settings, fast)).rejects.toMatchObject({ message: loomMessages.noDownload });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['1', 1000],
    ['120', 120_000],
    ['Wed, 01 Jan 2025 00:00:30 GMT', 30_000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', 0],
    ['soon', null],
    ['', null],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('treats a missing header as unknown', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('loomSettingsFromEnv', () => {
  it('uses www.loom.com unless LOOM_BASE_URL says otherwise', () => {
    expect(loomSettingsFromEnv({})).toEqual({ baseUrl: 'https://www.loom.com' });
    expect(loomSettingsFromEnv({ LOOM_BASE_URL: 'http://127.0.0.1:1234', LOOM_API_KEY: 'k' })).toEqual({
      baseUrl: 'http://127.0.0.1:1234',
      apiKey: 'k',
    });
  });
});
