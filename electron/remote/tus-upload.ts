import { open } from 'node:fs/promises';
import { StillframeError } from '../../shared/errors';

/** Supabase Storage takes resumable uploads in chunks of exactly 6 MiB (the last one may be shorter). */
export const tusChunkBytes = 6 * 1024 * 1024;

export interface TusUploadArgs {
  /** `<SUPABASE_URL>/storage/v1/upload/resumable` */
  endpoint: string;
  apiKey: string;
  /** The signed-in person's access token, asked for before each request so a long upload outlives its token. */
  accessToken: () => Promise<string>;
  file: string;
  size: number;
  bucket: string;
  objectName: string;
  contentType: string;
  /** Where an earlier attempt's upload lives on the server; it is resumed from the offset the server has. */
  uploadUrl: string | null;
  /** Called once the server has made the upload, so a crash after it resumes rather than starts again. */
  onUploadUrl: (url: string) => void;
  onProgress: (sentBytes: number) => void;
  signal: AbortSignal;
  /** Waits between tries after a network drop: doubling from this, at most 30 s. */
  retryBaseMs?: number;
}

const tusVersion = { 'tus-resumable': '1.0.0' };

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

function metadata(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
}

/** An answer that no retry will change: the person may not upload here, or the request is wrong. */
class Refused extends Error {}

async function refusal(response: Response): Promise<Refused> {
  const text = await response.text().catch(() => '');
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // Storage's TUS errors are plain text.
  }
  return new Refused(response.status === 403 || /row-level security|unauthorized/i.test(message)
    ? 'Supabase refused the upload: you need to be an owner or editor of this project.'
    : `Supabase refused the upload (${response.status}): ${message || response.statusText}`);
}

/**
 * Uploads one file with the TUS protocol Supabase Storage speaks (creation, HEAD for the offset, PATCH per chunk),
 * resuming from what the server already has after a crash or a dropped connection. Resolves once the server has the
 * whole object.
 */
export async function tusUpload(args: TusUploadArgs): Promise<void> {
  const { signal } = args;
  const headers = async (): Promise<Record<string, string>> => ({ ...tusVersion, apikey: args.apiKey, authorization: `Bearer ${await args.accessToken()}` });
  let uploadUrl = args.uploadUrl;
  let retryMs = args.retryBaseMs ?? 1_000;
  const handle = await open(args.file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(tusChunkBytes, Math.max(1, args.size)));
    for (;;) {
      signal.throwIfAborted();
      try {
        let offset = 0;
        if (uploadUrl) {
          const head = await fetch(uploadUrl, { method: 'HEAD', headers: await headers(), signal });
          if (head.ok) offset = Number(head.headers.get('upload-offset') ?? 0);
          else if (head.status === 404 || head.status === 410) uploadUrl = null;
          else if (head.status >= 400 && head.status < 500) throw await refusal(head);
          else throw new Error(`HEAD answered ${head.status}`);
        }
        if (!uploadUrl) {
          const created = await fetch(args.endpoint, {
            method: 'POST',
            headers: {
              ...(await headers()),
              'upload-length': String(args.size),
              'upload-metadata': metadata({ bucketName: args.bucket, objectName: args.objectName, contentType: args.contentType, cacheControl: '3600' }),
              'x-upsert': 'true',
            },
            signal,
          });
          if (created.status >= 400 && created.status < 500) throw await refusal(created);
          const location = created.headers.get('location');
          if (!created.ok || !location) throw new Error(`creation answered ${created.status}`);
          uploadUrl = new URL(location, args.endpoint).href;
          args.onUploadUrl(uploadUrl);
          offset = 0;
        }
        args.onProgress(offset);
        while (offset < args.size) {
          const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, args.size - offset), offset);
          const patch = await fetch(uploadUrl, {
            method: 'PATCH',
            headers: { ...(await headers()), 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
            body: buffer.subarray(0, bytesRead),
            signal,
          });
          if (patch.status === 409 || patch.status === 404) break; // offsets disagree or the upload expired: HEAD again
          if (patch.status >= 400 && patch.status < 500) throw await refusal(patch);
          if (!patch.ok) throw new Error(`PATCH answered ${patch.status}`);
          offset = Number(patch.headers.get('upload-offset') ?? offset + bytesRead);
          args.onProgress(offset);
          retryMs = args.retryBaseMs ?? 1_000;
        }
        if (offset >= args.size) return;
      } catch (error) {
        if (error instanceof Refused) throw new StillframeError('access-denied', error.message);
        if (signal.aborted) throw signal.reason;
        // A dropped connection or a server hiccup: wait, then resume from the offset the server reports.
        await sleep(retryMs, signal);
        retryMs = Math.min(retryMs * 2, 30_000);
      }
    }
  } finally {
    await handle.close();
  }
}
