import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveFfmpeg } from '../media/binaries';
import { runTool } from '../media/runner';

export interface ThumbnailJob {
  source: string;
  target: string;
  /** The image's size: only images of one size and type can share FFmpeg's single-stream path. */
  width: number;
  height: number;
}

/** The same bound as the thumbnails extraction makes, so imported frames look like extracted ones in the grid. */
const thumbnailMaxSide = 320;
const scale = `scale=w='min(${thumbnailMaxSide},iw)':h='min(${thumbnailMaxSide},ih)':force_original_aspect_ratio=decrease,format=yuvj420p`;
/**
 * Images per single-stream run. FFmpeg takes about 0.3 s to start here and 25 ms per extra input, but only 2 ms per
 * image read as one stream through its concat demuxer, so that is the fast path; it cannot change picture size
 * mid-stream, hence the grouping by size.
 */
const perStream = 500;
/** Below this, a failed batch is retried as separate inputs of one process, then one by one. */
const perProcess = 16;

/**
 * JPEG's decoder can decode at a half, quarter or eighth of the size straight from the compressed blocks, at a
 * fraction of the work: a 1080p frame read at a quarter (480 px) still gives a full 320 px thumbnail, and the
 * import's thumbnails, its longest step, take about half the CPU. The largest reduction that keeps the longest side
 * at the thumbnail's size; 0 for other formats and small images.
 */
export function jpegReduction(job: Pick<ThumbnailJob, 'source' | 'width' | 'height'>): number {
  if (!/\.jpe?g$/i.test(job.source)) return 0;
  let reduction = 0;
  while (reduction < 3 && Math.max(job.width, job.height) >> (reduction + 1) >= thumbnailMaxSide) reduction++;
  return reduction;
}

/** The concat demuxer's list quotes names in single quotes; a quote inside one is closed, escaped and reopened. */
const quoted = (file: string) => `'${path.resolve(file).replaceAll("'", "'\\''")}'`;

/** One stream of same-size images into numbered files, moved to their targets only if every image came out. */
async function runStream(jobs: readonly ThumbnailJob[], scratch: string, signal: AbortSignal | undefined): Promise<boolean> {
  const dir = await mkdtemp(path.join(scratch, 'thumbs-'));
  try {
    const list = path.join(dir, 'list.ffconcat');
    await writeFile(list, `ffconcat version 1.0\n${jobs.map((job) => `file ${quoted(job.source)}\n`).join('')}`);
    // image2 numbers its outputs with %06d, so a % of the folder's own name is doubled.
    const pattern = path.join(dir, 'out').replaceAll('%', '%%');
    await mkdir(path.join(dir, 'out'));
    // One stream holds images of one size and type (see makeThumbnails), so the first speaks for all.
    const reduction = jobs[0] ? jpegReduction(jobs[0]) : 0;
    const result = await runTool(
      resolveFfmpeg(),
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...(reduction > 0 ? ['-lowres', String(reduction)] : []), '-f', 'concat', '-safe', '0', '-i', list, '-vf', scale, '-fps_mode', 'passthrough', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2', path.join(pattern, '%06d.jpg')],
      signal ? { signal } : {},
    );
    // A file FFmpeg cannot read is dropped from the stream and shifts every later number: only a full count is trusted.
    if (result.code !== 0 || (await readdir(path.join(dir, 'out'))).length !== jobs.length) return false;
    for (const [i, job] of jobs.entries()) await rename(path.join(dir, 'out', `${String(i + 1).padStart(6, '0')}.jpg`), job.target);
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Several images as separate inputs of one process: slower per image, but any mix of sizes. Written beside the
 * stream's outputs and renamed into place like them: a target may be a hard link to its own image (an import's
 * stand-in thumbnail), which FFmpeg writing to it in place would truncate.
 */
async function runInputs(jobs: readonly ThumbnailJob[], scratch: string, signal: AbortSignal | undefined): Promise<boolean> {
  const dir = await mkdtemp(path.join(scratch, 'thumbs-'));
  try {
    const out = (n: number) => path.join(dir, `${String(n + 1).padStart(6, '0')}.jpg`);
    // image2 would read a % in a name as a frame-number pattern: no pattern on input, and -update 1 on output.
    const inputs = jobs.flatMap((job) => ['-f', 'image2', '-pattern_type', 'none', '-i', job.source]);
    const graph = jobs.map((_, n) => `[${n}:v]${scale}[t${n}]`).join(';');
    const outputs = jobs.flatMap((_, n) => ['-map', `[t${n}]`, '-frames:v', '1', '-update', '1', '-c:v', 'mjpeg', '-q:v', '5', out(n)]);
    const result = await runTool(
      resolveFfmpeg(),
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...inputs, '-filter_complex', graph, ...outputs],
      signal ? { signal } : {},
    );
    if (result.code !== 0) return false;
    for (const [n, job] of jobs.entries()) await rename(out(n), job.target);
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Tries a batch whole; when it fails, halves it until one unreadable file costs only itself. Returns the failures. */
async function thumbnailBatch(jobs: readonly ThumbnailJob[], scratch: string, signal: AbortSignal | undefined, failed: Set<string>): Promise<void> {
  if (jobs.length > perProcess) {
    if (await runStream(jobs, scratch, signal)) return;
    const half = Math.ceil(jobs.length / 2);
    await thumbnailBatch(jobs.slice(0, half), scratch, signal, failed);
    await thumbnailBatch(jobs.slice(half), scratch, signal, failed);
    return;
  }
  if (await runInputs(jobs, scratch, signal)) return;
  for (const job of jobs) {
    if (jobs.length === 1 || !(await runInputs([job], scratch, signal))) failed.add(job.source);
  }
}

/**
 * Makes a JPEG thumbnail for each image. `scratch` must be on the same file system as the targets (the library's
 * tmp folder), since finished thumbnails are renamed into place. Returns the sources that could not be read.
 */
export async function makeThumbnails(jobs: readonly ThumbnailJob[], scratch: string, signal?: AbortSignal): Promise<Set<string>> {
  const failed = new Set<string>();
  for (const dir of new Set(jobs.map((job) => path.dirname(job.target)))) await mkdir(dir, { recursive: true });
  await mkdir(scratch, { recursive: true });
  const groups = new Map<string, ThumbnailJob[]>();
  for (const job of jobs) {
    const key = `${job.width}x${job.height}${path.extname(job.source).toLowerCase()}`;
    const group = groups.get(key);
    if (group) group.push(job);
    else groups.set(key, [job]);
  }
  for (const group of groups.values()) {
    for (let start = 0; start < group.length; start += perStream) {
      await thumbnailBatch(group.slice(start, start + perStream), scratch, signal, failed);
    }
  }
  return failed;
}
