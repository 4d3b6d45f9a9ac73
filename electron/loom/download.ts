import { randomUUID } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StillframeError } from '../../shared/errors';
import { probeVideo } from '../media/probe';
import { cancelledError } from '../media/runner';
import {
  failureForStatus,
  isNetworkError,
  loomDownloadUrl,
  loomFetch,
  loomMessages,
  networkFailure,
  withRetries,
  type LoomCallOptions,
  type LoomDownloadKind,
  type LoomSettings,
  type RetryPolicy,
} from './loom-api';

export interface LoomDownloadArgs {
  id: string;
  settings: LoomSettings;
  /** The library's tmp/ folder; the caller creates it. */
  destDir: string;
  signal?: AbortSignal;
  /** `fraction` is null while the size is unknown. */
  onProgress?: (fraction: number | null, receivedBytes: number, totalBytes: number | null) => void;
  onRateLimited?: (waitMs: number) => void;
  retry?: RetryPolicy;
  password?: string;
  /** Larger downloads stop with 'file-too-large'; the same 5 GiB as a dropped file unless the caller says otherwise. */
  maxBytes?: number;
}

export interface LoomDownloadResult {
  /** The downloaded file, or for HLS the checked playlist address, which FFmpeg reads directly. */
  file: string;
  kind: LoomDownloadKind;
  bytes: number;
}

const defaultMaxBytes = 5 * 1024 ** 3;
const progressIntervalMs = 100;

/** The server stopped short of what it promised, or answered with a range that cannot be spliced in. */
class DroppedConnection extends Error {}

/** Types that mean an error page or an API answer, not media. */
function isTextualType(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || /^application\/(json|xml|xhtml\+xml)$/.test(type) || /\+(json|xml)$/.test(type);
}

/** No video container starts with "<", "{" or "[" (HTML, XML or JSON), whatever the Content-Type says. */
function looksTextual(firstByte: number): boolean {
  return firstByte === 0x3c || firstByte === 0x7b || firstByte === 0x5b;
}

function notVideo(detail: string): StillframeError {
  return new StillframeError('not-a-video', loomMessages.notVideo, detail);
}

function extensionFor(kind: LoomDownloadKind, url: string): string {
  if (kind === 'mp4' || kind === 'webm') return kind;
  return /\.([a-z0-9]{2,4})$/.exec(new URL(url).pathname.toLowerCase())?.[1] ?? 'video';
}

/** Parses "bytes <first>-<last>/<size or *>". */
function contentRange(value: string | null): { first: number; size: number | null } | null {
  const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value?.trim() ?? '');
  if (!match) return null;
  return { first: Number(match[1]), size: match[3] === '*' ? null : Number(match[3]) };
}

function contentLength(response: Response): number | null {
  const value = Number.parseInt(response.headers.get('content-length') ?? '', 10);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

class FileDownload {
  received = 0;
  total: number | null = null;
  private lastReport = 0;
  private sniffed = false;

  constructor(
    private readonly url: string,
    private readonly handle: FileHandle,
    private readonly args: LoomDownloadArgs,
    private readonly maxBytes: number,
  ) {}

  /** One request, resuming after what is already on disk; a dropped connection surfaces as a TransientFailure. */
  async attempt(): Promise<void> {
    const startedAt = this.received;
    try {
      await this.request();
    } catch (error) {
      if (this.args.signal?.aborted || !(error instanceof DroppedConnection || isNetworkError(error))) throw error;
      throw networkFailure(error, this.received > startedAt);
    }
  }

  private async restartFromZero(): Promise<void> {
    this.received = 0;
    this.total = null;
    this.sniffed = false;
    await this.handle.truncate(0);
  }

  private async request(): Promise<void> {
    const resuming = this.received > 0;
    const response = await loomFetch(this.args.settings, this.url, {
      headers: resuming ? { range: `bytes=${this.received}-` } : {},
      ...(this.args.signal ? { signal: this.args.signal } : {}),
    });
    if (resuming && response.status === 416) {
      await response.body?.cancel();
      // The connection dropped after the last byte had arrived: nothing is missing.
      if (this.total !== null && this.received >= this.total) return;
      await this.restartFromZero();
      throw new DroppedConnection(`the server cannot resume at byte ${this.received}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw failureForStatus(response, 'video');
    }
    if (response.status === 206) {
      const range = contentRange(response.headers.get('content-range'));
      if (range === null || range.first !== this.received) {
        // A range we did not ask for cannot be spliced in; start over with a plain request.
        await response.body?.cancel();
        await this.restartFromZero();
        throw new DroppedConnection(`unexpected Content-Range ${response.headers.get('content-range') ?? '(none)'}`);
      }
      this.total = range.size;
    } else {
      // A plain 200 to a Range request is the whole file again.
      if (resuming) await this.restartFromZero();
      this.total = contentLength(response);
    }
    if (isTextualType(response.headers.get('content-type'))) {
      await response.body?.cancel();
      throw notVideo(`Content-Type: ${response.headers.get('content-type') ?? ''}`);
    }
    if (this.total !== null && this.total > this.maxBytes) {
      await response.body?.cancel();
      throw this.tooLarge();
    }
    if (response.body !== null) {
      for await (const chunk of response.body) await this.write(chunk);
    }
    if (this.total !== null && this.received < this.total) {
      throw new DroppedConnection(`the connection closed after ${this.received} of ${this.total} bytes`);
    }
  }

  private tooLarge(): StillframeError {
    return new StillframeError(
      'file-too-large',
      `This Loom video is larger than ${Math.round(this.maxBytes / 1024 ** 2)} MB, the most Stillframe imports.`,
    );
  }

  private async write(chunk: Uint8Array): Promise<void> {
    if (!this.sniffed && chunk.length > 0) {
      this.sniffed = true;
      if (this.received === 0 && looksTextual(chunk[0] ?? 0)) {
        throw notVideo(`The body starts with ${JSON.stringify(Buffer.from(chunk.subarray(0, 40)).toString('latin1'))}`);
      }
    }
    if (this.received + chunk.length > this.maxBytes) throw this.tooLarge();
    await this.handle.write(chunk, 0, chunk.length, this.received);
    this.received += chunk.length;
    this.report(false);
  }

  report(final: boolean): void {
    const now = Date.now();
    if (!final && now - this.lastReport < progressIntervalMs) return;
    this.lastReport = now;
    const fraction = this.total ? Math.min(1, this.received / this.total) : null;
    this.args.onProgress?.(fraction, this.received, this.total);
  }
}

/**
 * Downloads a Loom video into destDir: the address comes from loom-api and is checked by safe-url, a dropped
 * connection resumes with a Range request, 429s and 5xx are retried, and the result must be a video FFprobe can read.
 * Whatever fails, or is cancelled, leaves no partial file behind.
 */
export async function downloadLoomVideo(args: LoomDownloadArgs): Promise<LoomDownloadResult> {
  const { id, settings, destDir, signal } = args;
  const callOptions: LoomCallOptions = {
    ...(signal ? { signal } : {}),
    ...(args.retry ? { retry: args.retry } : {}),
    ...(args.onRateLimited ? { onRateLimited: args.onRateLimited } : {}),
    ...(args.password !== undefined ? { password: args.password } : {}),
  };
  const target = await loomDownloadUrl(id, settings, callOptions);
  if (target.kind === 'hls') return { file: target.url, kind: 'hls', bytes: 0 };

  const file = join(destDir, `loom-${id}-${randomUUID().slice(0, 8)}.${extensionFor(target.kind, target.url)}`);
  const partial = `${file}.part`;
  try {
    const handle = await open(partial, 'w');
    const download = new FileDownload(target.url, handle, args, args.maxBytes ?? defaultMaxBytes);
    try {
      await withRetries(() => download.attempt(), callOptions);
    } finally {
      await handle.close();
    }
    if (signal?.aborted) throw cancelledError();
    download.report(true);
    if (download.received === 0) throw notVideo('The download was empty.');
    try {
      await probeVideo(partial, signal ? { signal } : {});
    } catch (error) {
      if (error instanceof StillframeError && error.code === 'not-a-video') throw notVideo(error.message);
      throw error;
    }
    await rename(partial, file);
    return { file, kind: target.kind, bytes: download.received };
  } catch (error) {
    await rm(partial, { force: true });
    throw signal?.aborted ? cancelledError() : error;
  }
}
