import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StillframeError } from '../../shared/errors';
import { mediaDir, realClip } from '../media/test-clips';
import { downloadLoomVideo, type LoomDownloadArgs } from './download';
import type { LoomSettings } from './loom-api';
import { startLoomStandIn, standInPassword, type LoomStandIn, type ScenarioName } from './loom-stand-in';
import { httpFetch, untrustedAddressMessage } from './safe-url';

let standIn: LoomStandIn;
let settings: LoomSettings;
let destDir: string;
const fast = { attempts: 3, baseDelayMs: 5 };

beforeAll(async () => {
  standIn = await startLoomStandIn({ mediaDir });
  settings = { baseUrl: standIn.baseUrl };
});
afterAll(() => standIn.close());
beforeEach(async () => {
  standIn.requests.length = 0;
  destDir = await mkdtemp(join(tmpdir(), 'stillframe-loom-'));
});
afterEach(() => rm(destDir, { recursive: true, force: true }));

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

function download(name: ScenarioName, extra: Partial<LoomDownloadArgs> = {}) {
  return downloadLoomVideo({ id: standIn.ids[name], settings, destDir, retry: fast, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<StillframeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof StillframeError)) throw new Error(`expected a StillframeError, got ${String(error)}`);
  return error;
}

const mediaRequests = (): string[] => standIn.requests.filter((line) => line.startsWith('GET /sessions/'));

describe('downloadLoomVideo', () => {
  it('survives a server that closes the connection while the body waits under back-pressure (nodejs/undici#5360)', async () => {
    const clip = await readFile(realClip('milk.mkv'));
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'video/x-matroska', 'content-length': clip.length, connection: 'close' });
      response.end(clip);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (let round = 0; round < 5; round++) {
        const response = await httpFetch(`http://127.0.0.1:${port}/`);
        // An event loop busy elsewhere (another job's extraction) gets to the body a moment after the headers: by
        // then the whole body and the close are in, and the parser has paused under back-pressure.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(Buffer.from(await response.arrayBuffer()).equals(clip)).toBe(true);
      }
    } finally {
      server.close();
    }
    const result = await download('closeUnderBackPressure');
    expect(await sha256(result.file)).toBe(await sha256(realClip('milk.mkv')));
  });

  it('downloads the transcoded MP4 byte for byte, reporting progress', async () => {
    const progress: [number | null, number, number | null][] = [];
    const result = await download('ok', { onProgress: (...report) => progress.push(report) });
    expect(result.kind).toBe('mp4');
    expect(result.file.startsWith(destDir)).toBe(true);
    expect(result.file).toMatch(new RegExp(`loom-${standIn.ids.ok}-[0-9a-f]{8}\\.mp4$`));
    expect(result.bytes).toBe(2_811_553);
    expect(await sha256(result.file)).toBe(await sha256(realClip('car-detection.mp4')));
    expect(progress.at(-1)).toEqual([1, 2_811_553, 2_811_553]);
    expect(await readdir(destDir)).toHaveLength(1);
  });

  it('downloads a Matroska file (milk.mkv)', async () => {
    const result = await download('ok2');
    expect(result).toMatchObject({ kind: 'unknown', bytes: 118_191 });
    expect(result.file.endsWith('.mkv')).toBe(true);
    expect(await sha256(result.file)).toBe(await sha256(realClip('milk.mkv')));
  });

  it('falls back to the raw upload', async () => {
    const result = await download('rawOnly');
    expect(await sha256(result.file)).toBe(await sha256(realClip('one-by-one-person-detection.mp4')));
    expect(standIn.requests.some((line) => line.startsWith(`POST /api/campaigns/sessions/${standIn.ids.rawOnly}/raw-url`))).toBe(true);
  });

  it('hands an HLS playlist back without downloading it', async () => {
    const result = await download('hls');
    expect(result.kind).toBe('hls');
    expect(result.bytes).toBe(0);
    expect(new URL(result.file).pathname).toMatch(/\.m3u8$/);
    expect(mediaRequests()).toEqual([]);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('resumes a dropped connection with a Range request', async () => {
    const result = await download('cutHalfway');
    expect(await sha256(result.file)).toBe(await sha256(realClip('car-detection.mp4')));
    const [first, second, ...rest] = mediaRequests();
    expect(first).not.toContain('range=');
    // It resumes from the bytes it had written, not from zero: at most the half the stand-in sent, since fetch drops
    // chunks it had buffered but not yet handed over when the connection breaks (how many varies from run to run).
    const resumedAt = Number(/range=bytes=(\d+)-/.exec(second ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(Math.floor(2_811_553 / 2));
    expect(rest).toEqual([]);
  });

  it('starts over when the server answers a Range request with the whole file', async () => {
    const result = await download('cutNoResume');
    expect(await sha256(result.file)).toBe(await sha256(realClip('bottle-detection.mp4')));
    expect(result.bytes).toBe(504_961);
    expect(mediaRequests()).toHaveLength(2);
    expect(mediaRequests()[1]).toContain('range=bytes=');
  });

  it('retries a file that fails with 500 twice', async () => {
    const result = await download('flaky');
    expect(await sha256(result.file)).toBe(await sha256(realClip('milk.mkv')));
    expect(mediaRequests()).toHaveLength(3);
  });

  it('waits out a 429 and tells the caller', async () => {
    const waits: number[] = [];
    const result = await download('rateLimited', { onRateLimited: (ms) => waits.push(ms) });
    expect(waits).toEqual([1000]);
    expect(await sha256(result.file)).toBe(await sha256(realClip('milk.mkv')));
  });

  it('gives up on a server that keeps failing, after the given number of attempts', async () => {
    const error = await failure(download('serverError'));
    expect(error).toMatchObject({ code: 'network' });
    expect(error.message).toContain('HTTP 500');
    expect(standIn.requests.filter((line) => line.includes('transcoded-url'))).toHaveLength(3);
    expect(await readdir(destDir)).toEqual([]);
  });

  it.each([
    ['notFound', 'not-found', 'This Loom video was not found, or it is private.'],
    ['unauthorized', 'access-denied', 'Loom refused access to this video (it is private, or the Loom API key is wrong).'],
    ['password', 'password-required', 'This Loom video is protected by a password.'],
    ['notVideo', 'not-a-video', 'Loom sent something that is not a video.'],
    ['garbage', 'not-a-video', 'Loom sent something that is not a video.'],
    ['privateUrl', 'unsafe-address', untrustedAddressMessage],
  ] as const)('explains %s, leaving no file behind', async (name, code, message) => {
    const error = await failure(download(name));
    expect(error).toMatchObject({ code, message });
    expect(await readdir(destDir)).toEqual([]);
  });

  it('downloads a password-protected video given its password', async () => {
    const result = await download('password', { password: standInPassword });
    expect(await sha256(result.file)).toBe(await sha256(realClip('milk.mkv')));
  });

  it('refuses a redirect to another port on 127.0.0.1 without ever connecting there', async () => {
    const error = await failure(download('redirectLoopback'));
    expect(error).toMatchObject({ code: 'unsafe-address', message: untrustedAddressMessage });
    expect(error.detail).toContain('http: is not allowed');
    expect(standIn.requests.filter((line) => line.startsWith('decoy '))).toEqual([]);
    expect(mediaRequests()).toEqual([expect.stringContaining('/sessions/redirect/')]);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('stops a file larger than allowed', async () => {
    const error = await failure(download('ok', { maxBytes: 1024 * 1024 }));
    expect(error.code).toBe('file-too-large');
    expect(await readdir(destDir)).toEqual([]);
  });

  it('reports progress as the bytes arrive', async () => {
    const fractions: (number | null)[] = [];
    const result = await download('slow', { onProgress: (fraction) => fractions.push(fraction) });
    expect(await sha256(result.file)).toBe(await sha256(realClip('bottle-detection.mp4')));
    expect(fractions.length).toBeGreaterThan(3);
    expect(fractions).toEqual([...fractions].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(fractions.at(-1)).toBe(1);
  });

  it('cancels promptly mid-download and removes the partial file', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const pending = download('slow', {
      signal: controller.signal,
      onProgress: (_fraction, received) => {
        if (received > 0 && abortedAt === 0) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    const error = await failure(pending);
    expect(error.code).toBe('cancelled');
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('cancels while waiting to retry', async () => {
    const controller = new AbortController();
    const pending = download('serverError', { signal: controller.signal, retry: { attempts: 5, baseDelayMs: 10_000 } });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const error = await failure(pending);
    expect(error.code).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('sends the API key with every request to the configured Loom address', async () => {
    await download('ok', { settings: { ...settings, apiKey: 'sk-test' } });
    expect(standIn.requests.every((line) => line.endsWith('authorization=Bearer sk-test'))).toBe(true);
  });
});

describe('downloadLoomVideo against a scripted server', () => {
  it('finishes when the connection drops after the last byte and the resume answers 416', async () => {
    const bytes = await readFile(realClip('milk.mkv'));
    const ranges: (string | null)[] = [];
    const scriptedFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const path = new URL(String(input)).pathname;
      if (path.endsWith('/transcoded-url')) return Response.json({ url: 'https://loom.test/sessions/transcoded/v.mkv' });
      ranges.push(new Headers(init?.headers).get('range'));
      if (ranges.length > 1) return new Response(null, { status: 416, headers: { 'content-range': `bytes */${bytes.length}` } });
      let pulls = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulls += 1;
          if (pulls === 1) controller.enqueue(new Uint8Array(bytes));
          else controller.error(new TypeError('terminated'));
        },
      });
      return new Response(body, { headers: { 'content-type': 'video/x-matroska', 'content-length': String(bytes.length) } });
    }) as typeof fetch;
    const result = await downloadLoomVideo({
      id: '0123456789abcdef0123456789abcdef',
      settings: { baseUrl: 'https://loom.test', fetch: scriptedFetch },
      destDir,
      retry: fast,
    });
    expect(ranges).toEqual([null, `bytes=${bytes.length}-`]);
    expect(await sha256(result.file)).toBe(await sha256(realClip('milk.mkv')));
  });
});
