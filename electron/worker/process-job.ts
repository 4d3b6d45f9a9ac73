import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { SupabaseClient } from '@supabase/supabase-js';
import { StillframeError } from '../../shared/errors';
import { extractionOptionsSchema } from '../../shared/sampling';
import { pushResultSchema, type PushChange } from '../../shared/sync-contract';
import type { ClaimedJob } from '../../shared/worker-contract';
import { extractVideo } from '../ingest/extraction-job';
import type { LoomSettings } from '../loom/loom-api';
import type { VideoProbe } from '../media/probe';
import { frameIdFor, frameObjectPaths } from './frame-ids';

export const videoBucket = 'videos';
const frameBucket = 'frames';
/** Objects sent at once; each frame is two small files. */
const uploadConcurrency = 8;
/** Frame rows per push_changes call. */
const pushBatch = 500;

/** Each process pushes as a sync client of its own: op ids count up from 1 in this process only. */
export class FramePusher {
  private readonly clientId = randomUUID();
  private nextOpId = 1;
  private pushing: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: SupabaseClient) {}

  /**
   * One push at a time across this process's lanes: the server skips an op id lower than one it has applied, so two
   * lanes' batches must not overtake each other.
   */
  push(changes: Omit<PushChange, 'op_id'>[]): Promise<void> {
    const pushed = this.pushing.then(() => this.pushNow(changes));
    this.pushing = pushed.catch(() => undefined);
    return pushed;
  }

  private async pushNow(changes: Omit<PushChange, 'op_id'>[]): Promise<void> {
    for (let start = 0; start < changes.length; start += pushBatch) {
      const batch = changes.slice(start, start + pushBatch).map((change) => ({ ...change, op_id: this.nextOpId++ }));
      const { data, error } = await this.client.rpc('push_changes', { client_id: this.clientId, changes: batch });
      if (error) throw new StillframeError('network', `Supabase did not take the frame rows: ${error.message}`);
      const result = pushResultSchema.parse(data);
      const refused = result.rejected[0];
      if (refused) throw new StillframeError('access-denied', `Supabase refused a frame row: ${refused.message}`);
    }
  }
}

export interface JobRun {
  client: SupabaseClient;
  pusher: FramePusher;
  /** This machine's folder for jobs in progress; each attempt works in a folder of its own inside it. */
  tmpRoot: string;
  loomSettings: LoomSettings;
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
  onNotice: (notice: string) => void;
  /** Called as FFmpeg is about to start, for the queue's overhead figure. */
  onExtracting: () => void;
}

export interface JobResult {
  frames: number;
  probe: VideoProbe;
}

/** Storage answers 409 (or 400 with statusCode "409") for an object that is there already: a rerun's upload is done. */
function alreadyThere(error: unknown): boolean {
  const e = error as { statusCode?: string | number; status?: number; message?: string };
  return String(e.statusCode) === '409' || e.status === 409 || /already exists|duplicate/i.test(e.message ?? '');
}

/** Streams the uploaded video from Storage to disk through a signed link, never holding it in memory. */
async function downloadUpload(client: SupabaseClient, job: ClaimedJob, dest: string, signal: AbortSignal, onProgress: (fraction: number) => void) {
  if (!job.storage_path) throw new StillframeError('file-missing', 'This video has no uploaded file in Storage.');
  const { data, error } = await client.storage.from(videoBucket).createSignedUrl(job.storage_path, 3600);
  if (error || !data) throw new StillframeError('file-missing', `The uploaded video could not be found in Storage (${error?.message ?? 'no link'}).`);
  const response = await fetch(data.signedUrl, { signal });
  if (!response.ok || !response.body) throw new StillframeError('network', `Storage answered ${response.status} for the uploaded video.`);
  const total = Number(response.headers.get('content-length')) || job.size_bytes || 0;
  let received = 0;
  const body = Readable.fromWeb(response.body as WebReadableStream);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (total > 0) onProgress(Math.min(1, received / total));
  });
  await pipeline(body, createWriteStream(dest), { signal });
}

async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/**
 * One claimed job, start to finish on this machine: fetch the video, extract it with the desktop's own extraction
 * code and the job's sampling, upload every frame and thumbnail, then write the frame rows. Every write is one a
 * rerun repeats as a no-op (fixed object paths where "already there" is done, frame ids fixed by video and position),
 * so a worker killed at any point leaves nothing the next attempt duplicates.
 */
export async function processClaimedJob(job: ClaimedJob, run: JobRun): Promise<JobResult> {
  const { client, signal, onProgress } = run;
  const options = extractionOptionsSchema.parse(job.options);
  const temp = await mkdtemp(path.join(run.tmpRoot, `job-${process.pid}-${job.job_id}-`));
  try {
    let source: Parameters<typeof extractVideo>[0]['source'];
    // Fetching, extracting and uploading share the bar: about a fifth, two thirds, and the rest.
    let extractShare: [number, number] = [0.2, 0.85];
    if (job.source_type === 'loom') {
      const loomId = (job.content_hash ?? '').replace(/^loom:/, '');
      source = { kind: 'loom', loomId, settings: run.loomSettings };
      extractShare = [0, 0.85];
    } else {
      const input = path.join(temp, `source${path.extname(job.video_name) || '.video'}`);
      await downloadUpload(client, job, input, signal, (fraction) => onProgress(fraction * 0.2));
      source = { kind: 'file', path: input, probe: null };
    }
    signal.throwIfAborted();
    const [from, to] = extractShare;
    const extracted = await extractVideo({
      source,
      options,
      temp,
      signal,
      onProgress: (fraction) => onProgress(from + fraction * (to - from)),
      onNotice: run.onNotice,
      onExtracting: run.onExtracting,
    });
    const files = extracted.frames.flatMap((frame) => {
      const objects = frameObjectPaths(job.project_id, job.batch_slug, job.video_id, frame.fileName);
      return [
        { object: objects.image, file: path.join(extracted.folders.frames, frame.fileName) },
        { object: objects.thumb, file: path.join(extracted.folders.thumbs, frame.fileName) },
      ];
    });
    let sent = 0;
    await runPool(files, uploadConcurrency, async ({ object, file }) => {
      signal.throwIfAborted();
      const { error } = await client.storage.from(frameBucket).upload(object, await readFile(file), { contentType: 'image/jpeg', upsert: false });
      if (error && !alreadyThere(error)) throw new StillframeError('network', `Storage did not take a frame: ${error.message}`);
      onProgress(0.85 + (++sent / files.length) * 0.12);
    });
    signal.throwIfAborted();
    await run.pusher.push(
      extracted.frames.map((frame) => {
        const objects = frameObjectPaths(job.project_id, job.batch_slug, job.video_id, frame.fileName);
        return {
          table: 'frames' as const,
          op: 'upsert' as const,
          id: frameIdFor(job.video_id, frame.index),
          row: {
            project_id: job.project_id,
            batch_id: job.batch_id,
            video_id: job.video_id,
            frame_index: frame.index,
            timestamp_ms: frame.timestampMs,
            width: frame.width,
            height: frame.height,
            storage_path: objects.image,
            thumb_path: objects.thumb,
          },
        };
      }),
    );
    return { frames: extracted.frames.length, probe: extracted.probe };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
