import { readdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StillframeError } from '../../shared/errors';
import type { ExtractionOptions } from '../../shared/sampling';
import { describeSampling } from '../../shared/sampling';
import type { FrameFeatures } from '../../shared/frame-selection';
import { resolveFfmpeg } from './binaries';
import { featureFilter, featurePixelFormat, readFeatureFile } from './frame-features';
import type { VideoProbe } from './probe';
import { runTool } from './runner';

export interface ExtractedFrame {
  /** 1-based, matches the file name. */
  index: number;
  /** frame_000001.jpg */
  fileName: string;
  /** Real pts of the source frame relative to the video start, in ms, rounded. */
  timestampMs: number;
  width: number;
  height: number;
  /** Present when the extraction was asked for features (ExtractArgs.features). */
  features?: FrameFeatures;
}

export interface ExtractPlan {
  kind: 'decode' | 'seek';
  reason: string;
}

export interface ExtractArgs {
  input: string;
  probe: VideoProbe;
  options: ExtractionOptions;
  framesDir: string;
  thumbsDir: string;
  /**
   * Also hand back each frame's features for frame selection, from a third output of the thumbnail branch of the same
   * decode (a small grey picture per frame, written as raw bytes beside the thumbnails and removed once read).
   */
  features?: boolean;
  /** Read only this far into the video (the probe's duration should say the same): a quick look at its start. */
  untilMs?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

const extractionFailedMessage = 'FFmpeg stopped before it finished reading this video. The file may be damaged.';
const thumbnailMaxSide = 320;
const jpegPixelFormats = 'yuvj420p|yuvj422p|yuvj444p';
/**
 * Frame times are pts × time base in floating point, so a frame stored exactly on a sample point can come out a hair
 * early (15360 × 1/15360 = 0.9999999999999999). This slack, far below any frame spacing, keeps it on the point.
 */
const sampleSlackSeconds = 1e-6;
/** Per seek, starting FFmpeg, opening the file and flushing the decoder cost about this much video time decoded. */
const seekOverheadMs = 500;
/** Seeking pays off only when it decodes at most this share of what a full pass would. */
const seekCostRatio = 0.5;
/**
 * Sample points per FFmpeg process in the seek plan. One process with several inputs saves start-up and overlaps
 * reading with decoding (14 seeks into a 1080p clip: 9.7 s one by one, 8 s in fours or eights), but every input keeps
 * its own decoder: eight 1080p inputs peaked at 500 MB, so larger pictures get fewer per process.
 */
function seeksPerProcess(probe: VideoProbe): number {
  return Math.max(1, Math.min(16, Math.floor((4 * 1920 * 1080) / Math.max(1, probe.width * probe.height))));
}

function frameFileName(index: number): string {
  return `frame_${String(index).padStart(6, '0')}.jpg`;
}

/** Which multiple of the sampling period (counted from the stream start) a time expression falls in. */
function periodIndex(timeExpr: string, startSeconds: number, periodSeconds: number): string {
  return `floor((${timeExpr}-${startSeconds}+${sampleSlackSeconds})/${periodSeconds})`;
}

function samplePointCount(durationMs: number, periodSeconds: number): number {
  return Math.max(1, Math.ceil(durationMs / 1000 / periodSeconds - 1e-9));
}

/**
 * Whether choosing the plan for this sampling, or checking where its run ended, needs the keyframe spacing. Seeking
 * costs at least `seekOverheadMs` a sample, so it can only win when half a sampling period is longer than that.
 */
export function samplingUsesKeyframes(options: ExtractionOptions): boolean {
  const { sampling } = options;
  if (sampling.mode === 'keyframes') return true;
  return sampling.mode === 'every' && sampling.seconds * 1000 * seekCostRatio > seekOverheadMs;
}

export function choosePlan(probe: VideoProbe, options: ExtractionOptions): ExtractPlan {
  const { sampling, maxFrames } = options;
  if (sampling.mode !== 'every') {
    return {
      kind: 'decode',
      reason: `Only time-based sampling knows its frames in advance; ${describeSampling(sampling)} takes one pass.`,
    };
  }
  const interval = probe.keyframeIntervalMs;
  if (interval === null) {
    return { kind: 'decode', reason: 'The keyframe spacing is unknown, so one pass through the video is safest.' };
  }
  const samples = Math.min(samplePointCount(probe.durationMs, sampling.seconds), maxFrames ?? Number.POSITIVE_INFINITY);
  const seekCostMs = samples * (interval + seekOverheadMs);
  const decodeCostMs = Math.min(probe.durationMs, samples * sampling.seconds * 1000);
  const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;
  if (seekCostMs <= decodeCostMs * seekCostRatio) {
    return {
      kind: 'seek',
      reason:
        `${samples} samples with a keyframe every ${seconds(interval)}: seeking decodes about ${seconds(seekCostMs)} ` +
        `of video instead of ${seconds(decodeCostMs)}.`,
    };
  }
  return {
    kind: 'decode',
    reason:
      `${samples} samples with a keyframe every ${seconds(interval)}: seeking would decode about ` +
      `${seconds(seekCostMs)} of video, not enough less than the ${seconds(decodeCostMs)} of one pass.`,
  };
}

class Progress {
  private value = 0;

  constructor(private readonly onProgress: ((fraction: number) => void) | undefined) {}

  get current(): number {
    return this.value;
  }

  report(fraction: number): void {
    const clamped = Math.min(1, Math.max(0, fraction));
    if (!(clamped > this.value)) return;
    this.value = clamped;
    this.onProgress?.(clamped);
  }
}

export interface ShowinfoFrame {
  seconds: number;
  width: number;
  height: number;
}

/**
 * Reads the frames that showinfo instances named `showinfo@sf_<name>` log on stderr. Older FFmpeg logs them under
 * "showinfo@sf_<name>", versions that build graphs through the segment API under "sf_<name>". The time comes from the
 * integer pts and the time base the instance logs when configured, because pts_time has only six significant digits.
 */
export class ShowinfoReader {
  private readonly secondsPerTick = new Map<string, number>();

  constructor(private readonly onFrame: (instance: string, frame: ShowinfoFrame) => void) {}

  read(line: string): void {
    const prefix = /\[(?:showinfo@)?sf_(\w+) @ [^\]]*\]\s*(?:\[\w+\]\s*)?(.*)$/.exec(line);
    if (!prefix) return;
    const instance = prefix[1] ?? '';
    const message = prefix[2] ?? '';
    const timeBase = /^config in time_base: (\d+)\/(\d+)/.exec(message);
    if (timeBase) {
      this.secondsPerTick.set(instance, Number(timeBase[1]) / Number(timeBase[2]));
      return;
    }
    const frame = /^n:\s*\d+\s+pts:\s*(-?\d+)\s+pts_time:(\S+)/.exec(message);
    const size = /\bs:(\d+)x(\d+)/.exec(message);
    if (!frame || !size) return;
    const tick = this.secondsPerTick.get(instance);
    const seconds = tick === undefined ? Number(frame[2]) : Number(frame[1]) * tick;
    if (!Number.isFinite(seconds)) return;
    this.onFrame(instance, { seconds, width: Number(size[1]), height: Number(size[2]) });
  }
}

/**
 * A showinfo instance that ShowinfoReader can tell apart. Its per-plane checksums are never read, and computing them
 * for every frame it logs cost 1–5 % of a run on the real clips.
 */
function showinfo(name: string): string {
  return `showinfo@sf_${name}=checksum=0`;
}

function logsErrors(line: string): boolean {
  return /\[(?:error|fatal|panic)\]/.test(line);
}

function extractionFailed(detail: string): StillframeError {
  return new StillframeError('extraction-failed', extractionFailedMessage, detail);
}

/** image2 treats % in the output name as a pattern, so a folder with % in its name must have it doubled. */
function outputPattern(dir: string, fileName: string): string {
  return join(resolve(dir).replaceAll('%', '%%'), fileName);
}

/** With `features`, the thumbnail is split once more into the grey picture that frame features are computed from. */
function jpegBranch(source: string, full: string, thumb: string, features: string | null): string {
  const side = thumbnailMaxSide;
  const thumbnail =
    `${source}format=pix_fmts=${jpegPixelFormats},split=2[${full}][${thumb}_in];` +
    `[${thumb}_in]scale=w='min(${side},iw)':h='min(${side},ih)':force_original_aspect_ratio=decrease`;
  return features === null
    ? `${thumbnail}[${thumb}]`
    : `${thumbnail},split=2[${thumb}][${features}_in];[${features}_in]${featureFilter}[${features}]`;
}

function featureOutput(label: string, path: string, extra: string[]): string[] {
  return ['-map', `[${label}]`, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', featurePixelFormat, ...extra, path];
}

const featureFileName = 'features.yuv';
const pendingFeatureName = (k: number): string => `seek_${k}.yuv`;

function jpegOutput(label: string, quality: number, path: string, extra: string[]): string[] {
  return [
    '-map', `[${label}]`, '-fps_mode', 'passthrough',
    // The source's time base, not 1/frame rate: two frames of a variable-frame-rate video 33 ms apart would otherwise
    // round to the same tick of a 25 fps clock, and the encoder refuses the second ("Invalid pts").
    '-enc_time_base', '-1',
    '-c:v', 'mjpeg', '-q:v', String(quality), ...extra, path,
  ];
}

const commonArgs = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info', '-y', '-copyts'];

function toFrame(index: number, shown: ShowinfoFrame, probe: VideoProbe): ExtractedFrame {
  return {
    index,
    fileName: frameFileName(index),
    timestampMs: Math.round(shown.seconds * 1000 - probe.startTimeMs),
    width: shown.width,
    height: shown.height,
  };
}

/** How far short of the video's end a run may stop before it counts as cut off rather than as container rounding. */
function endSlackMs(probe: VideoProbe, options: ExtractionOptions): number {
  const slack = Math.max(2500, probe.durationMs * 0.05);
  if (options.sampling.mode !== 'keyframes') return slack;
  // Only keyframes are decoded, so the last one seen can sit a whole keyframe interval before the end.
  return probe.keyframeIntervalMs === null ? Number.POSITIVE_INFINITY : slack + probe.keyframeIntervalMs;
}

function selectFilter(probe: VideoProbe, options: ExtractionOptions): string {
  const { sampling } = options;
  const startSeconds = probe.startTimeMs / 1000;
  switch (sampling.mode) {
    case 'every': {
      const current = periodIndex('t', startSeconds, sampling.seconds);
      const previous = periodIndex('prev_selected_t', startSeconds, sampling.seconds);
      return `select='gte(${current},0)*(isnan(prev_selected_t)+gt(${current},${previous}))',`;
    }
    case 'nth':
      return `select='not(mod(n,${sampling.n}))',`;
    case 'keyframes':
      return '';
    case 'scene':
      return `select='eq(n,0)+gt(scene,${sampling.threshold})',`;
  }
}

/** Whether the sampling keeps at least about one frame per second of video, so the kept frames alone pace progress. */
function keptFramesPaceDecoding(probe: VideoProbe, options: ExtractionOptions): boolean {
  const { sampling } = options;
  if (sampling.mode === 'every') return sampling.seconds <= 1;
  if (sampling.mode === 'nth') return probe.frameRate !== null && sampling.n <= probe.frameRate;
  return false;
}

async function extractByDecoding(args: ExtractArgs, progress: Progress): Promise<ExtractedFrame[]> {
  const { input, probe, options, framesDir, thumbsDir, signal } = args;
  const { maxFrames } = options;
  const startSeconds = probe.startTimeMs / 1000;
  const reportTime = (seconds: number): void => {
    if (probe.durationMs > 0) progress.report((seconds * 1000 - probe.startTimeMs) / probe.durationMs);
  };

  const picked: ShowinfoFrame[] = [];
  let lastDecodedSeconds = Number.NEGATIVE_INFINITY;
  let sawErrors = false;
  const reader = new ShowinfoReader((instance, frame) => {
    lastDecodedSeconds = Math.max(lastDecodedSeconds, frame.seconds);
    reportTime(frame.seconds);
    if (instance !== 'frame') return;
    picked.push(frame);
    if (maxFrames !== undefined) progress.report(picked.length / maxFrames);
  });

  const frameLimit = maxFrames === undefined ? [] : ['-frames:v', String(maxFrames)];
  // The clock branch logs about one decoded frame per second of video: progress and a record of how far decoding got,
  // even when the sampling keeps few frames. Where the kept frames are that dense already, it is left out: splitting
  // every decoded frame into a second branch cost 4–7 % of the run on the real clips.
  const pick = `${selectFilter(probe, options)}${showinfo('frame')},`;
  const features = args.features === true ? 'features' : null;
  const graph = keptFramesPaceDecoding(probe, options)
    ? jpegBranch(`[0:V:0]${pick}`, 'full', 'thumb', features)
    : '[0:V:0]split=2[pick][clock];' +
      `[clock]select='isnan(prev_selected_t)+gte(t-prev_selected_t,1)',${showinfo('clock')},nullsink;` +
      jpegBranch(`[pick]${pick}`, 'full', 'thumb', features);
  const featurePath = join(resolve(thumbsDir), featureFileName);

  const run = await runTool(
    resolveFfmpeg(),
    [
      ...commonArgs,
      ...(options.sampling.mode === 'keyframes' ? ['-skip_frame', 'nokey'] : []),
      ...(args.untilMs === undefined ? [] : ['-t', (args.untilMs / 1000).toFixed(3)]),
      '-i', resolve(input),
      '-filter_complex', graph,
      ...jpegOutput('full', options.jpegQuality, outputPattern(framesDir, 'frame_%06d.jpg'), frameLimit),
      ...jpegOutput('thumb', options.jpegQuality, outputPattern(thumbsDir, 'frame_%06d.jpg'), frameLimit),
      ...(features === null ? [] : featureOutput(features, featurePath, frameLimit)),
      '-progress', 'pipe:1',
    ],
    {
      signal,
      onStdoutLine: (line) => {
        const match = /^out_time_us=(\d+)$/.exec(line);
        if (match) reportTime(Number(match[1]) / 1e6);
      },
      onStderrLine: (line) => {
        sawErrors ||= logsErrors(line);
        reader.read(line);
      },
    },
  );
  if (run.code !== 0) throw extractionFailed(run.stderrTail);

  const kept = picked.slice(0, maxFrames ?? picked.length);
  // Read at once, not through the thread pool: the next video's FFmpeg waits for this job to hand back its slot.
  const written = readdirSync(framesDir).filter((name) => /^frame_\d+\.jpg$/.test(name)).length;
  if (written !== kept.length) {
    throw extractionFailed(`FFmpeg logged ${kept.length} frames but wrote ${written}.\n${run.stderrTail}`);
  }
  const reachedLimit = maxFrames !== undefined && kept.length >= maxFrames;
  const shortfallMs = (startSeconds - lastDecodedSeconds) * 1000 + probe.durationMs;
  if (!reachedLimit && sawErrors && shortfallMs > endSlackMs(probe, options)) throw extractionFailed(run.stderrTail);

  const frames = kept.map((frame, i) => toFrame(i + 1, frame, probe));
  if (features !== null) {
    const computed = await readFeatureFile(featurePath, frames.length);
    if (computed.length !== frames.length) {
      throw extractionFailed(`FFmpeg wrote ${computed.length} feature pictures for ${frames.length} frames.`);
    }
    frames.forEach((frame, i) => (frame.features = computed[i]));
  }
  return frames;
}

interface SeekOutcome {
  frame?: ShowinfoFrame;
  firstDecodedSeconds?: number;
}

const pendingName = (k: number): string => `seek_${k}.jpg`;

/**
 * Runs one FFmpeg process that seeks to several sample points, one input per point. Each input starts decoding at
 * the keyframe before its point (no accurate-seek trimming) and the select filter picks the first frame at or after
 * the point with the very expression the decode plan uses, so both plans agree on which frame a point gets.
 */
async function runSeekBatch(
  args: ExtractArgs,
  periodSeconds: number,
  points: number[],
  onPointDone: () => void,
): Promise<{ outcomes: SeekOutcome[]; sawErrors: boolean; stderrTail: string }> {
  const { input, probe, options, framesDir, thumbsDir, signal } = args;
  const startSeconds = probe.startTimeMs / 1000;
  const source = resolve(input);
  const outcomes: SeekOutcome[] = points.map(() => ({}));
  let sawErrors = false;

  const inputs: string[] = [];
  const graphs: string[] = [];
  const outputs: string[] = [];
  points.forEach((k, i) => {
    const pick = `select='gte(${periodIndex('t', startSeconds, periodSeconds)},${k})',${showinfo(`frame${i}`)},`;
    const features = args.features === true ? `features${i}` : null;
    if (k === 0) {
      inputs.push('-i', source);
      graphs.push(jpegBranch(`[${i}:V:0]${pick}`, `full${i}`, `thumb${i}`, features));
    } else {
      const target = startSeconds + k * periodSeconds;
      inputs.push('-seek_timestamp', '1', '-noaccurate_seek', '-ss', target.toFixed(6), '-i', source);
      graphs.push(
        `[${i}:V:0]split=2[pick${i}][first${i}];[first${i}]select='eq(n,0)',${showinfo(`first${i}`)},nullsink;` +
          jpegBranch(`[pick${i}]${pick}`, `full${i}`, `thumb${i}`, features),
      );
    }
    const single = ['-frames:v', '1', '-update', '1'];
    outputs.push(
      ...jpegOutput(`full${i}`, options.jpegQuality, outputPattern(framesDir, pendingName(k)), single),
      ...jpegOutput(`thumb${i}`, options.jpegQuality, outputPattern(thumbsDir, pendingName(k)), single),
      ...(features === null ? [] : featureOutput(features, join(resolve(thumbsDir), pendingFeatureName(k)), ['-frames:v', '1'])),
    );
  });

  const reader = new ShowinfoReader((instance, frame) => {
    const match = /^(frame|first)(\d+)$/.exec(instance);
    const outcome = outcomes[Number(match?.[2])];
    if (!match || outcome === undefined) return;
    if (match[1] === 'first') {
      outcome.firstDecodedSeconds ??= frame.seconds;
    } else if (outcome.frame === undefined) {
      outcome.frame = frame;
      onPointDone();
    }
  });

  const run = await runTool(
    resolveFfmpeg(),
    [...commonArgs, ...inputs, '-filter_complex', graphs.join(';'), ...outputs],
    {
      signal,
      onStderrLine: (line) => {
        sawErrors ||= logsErrors(line);
        reader.read(line);
      },
    },
  );
  if (run.code !== 0) throw extractionFailed(run.stderrTail);
  return { outcomes, sawErrors, stderrTail: run.stderrTail };
}

/** Returns null when a seek landed after its target, which some containers allow; the caller then decodes instead. */
async function extractBySeeking(
  args: ExtractArgs,
  periodSeconds: number,
  progress: Progress,
): Promise<ExtractedFrame[] | null> {
  const { probe, options, framesDir, thumbsDir } = args;
  const startSeconds = probe.startTimeMs / 1000;
  const total = samplePointCount(probe.durationMs, periodSeconds);
  const limit = options.maxFrames ?? Number.POSITIVE_INFINITY;
  const frames: ExtractedFrame[] = [];
  let lastSeconds = Number.NEGATIVE_INFINITY;
  let done = 0;

  const progressTotal = Math.min(total, limit);
  const remove = (fileName: string): Promise<void[]> =>
    Promise.all([rm(join(framesDir, fileName), { force: true }), rm(join(thumbsDir, fileName), { force: true })]);
  const discard = (k: number): Promise<unknown> =>
    Promise.all([remove(pendingName(k)), rm(join(thumbsDir, pendingFeatureName(k)), { force: true })]);

  const perProcess = seeksPerProcess(probe);
  let next = 0;
  while (next < total && frames.length < limit) {
    // Ask only for as many points as frames are still wanted; a repeated frame costs another round, not a wasted seek.
    const first = next;
    const count = Math.min(perProcess, total - first, limit - frames.length);
    const points = Array.from({ length: count }, (_, i) => first + i);
    next += count;
    const batch = await runSeekBatch(args, periodSeconds, points, () => progress.report(++done / progressTotal));

    let stop = false;
    for (const [i, k] of points.entries()) {
      const outcome = batch.outcomes[i] ?? {};
      if (stop) {
        await discard(k);
        continue;
      }
      const target = startSeconds + k * periodSeconds;
      if (k > 0 && (outcome.firstDecodedSeconds ?? Number.NEGATIVE_INFINITY) > target + sampleSlackSeconds) {
        await Promise.all([...points.map(discard), ...frames.map((f) => remove(f.fileName))]);
        return null;
      }
      const frame = outcome.frame;
      if (frame === undefined) {
        // Nothing at or after this point: the video ended before it, unless FFmpeg hit errors well before the end.
        const remainingMs = probe.durationMs - k * periodSeconds * 1000;
        if (batch.sawErrors && remainingMs > endSlackMs(probe, options)) throw extractionFailed(batch.stderrTail);
        stop = true;
        await discard(k);
        continue;
      }
      if (frame.seconds <= lastSeconds) {
        // A gap in a variable-frame-rate video: this point found the same frame as the one before.
        await discard(k);
        continue;
      }
      lastSeconds = frame.seconds;
      const index = frames.length + 1;
      const fileName = frameFileName(index);
      await Promise.all([
        rename(join(framesDir, pendingName(k)), join(framesDir, fileName)),
        rename(join(thumbsDir, pendingName(k)), join(thumbsDir, fileName)),
      ]);
      const extracted = toFrame(index, frame, probe);
      if (args.features === true) {
        const [features] = await readFeatureFile(join(thumbsDir, pendingFeatureName(k)), 1);
        if (features === undefined) throw extractionFailed(`FFmpeg wrote no feature picture for the frame at ${frame.seconds} s.`);
        extracted.features = features;
      }
      frames.push(extracted);
      stop = frames.length >= limit;
    }
    if (stop) break;
  }
  return frames;
}

/** Runs a given plan; extractFrames picks the plan itself. Separate so the two plans can be compared on one video. */
export async function extractWithPlan(args: ExtractArgs, plan: ExtractPlan): Promise<ExtractedFrame[]> {
  const progress = new Progress(args.onProgress);
  const { sampling } = args.options;
  let frames: ExtractedFrame[] | null = null;
  if (plan.kind === 'seek' && sampling.mode === 'every') {
    frames = await extractBySeeking(args, sampling.seconds, progress);
  }
  if (frames === null) {
    const from = progress.current;
    const scaled = new Progress((fraction) => progress.report(from + (1 - from) * fraction));
    frames = await extractByDecoding(args, scaled);
  }
  progress.report(1);
  return frames;
}

export function extractFrames(args: ExtractArgs): Promise<ExtractedFrame[]> {
  return extractWithPlan(args, choosePlan(args.probe, args.options));
}

/**
 * Extracts the one frame shown at `timestampMs` (the first at or after it, as sampling picked it) into `outFile`:
 * how a frame that frame selection left out is brought back. The seek lands on the keyframe before and the select
 * filter skips to the frame, so the frame and its real timestamp are the ones the sampling saw.
 */
export async function extractFrameAt(
  input: string,
  probe: VideoProbe,
  timestampMs: number,
  outFile: string,
  jpegQuality: number,
): Promise<Omit<ExtractedFrame, 'index' | 'fileName'>> {
  // Timestamps are stored rounded to the ms; half a ms of slack finds the frame they were rounded from.
  const targetSeconds = (probe.startTimeMs + timestampMs - 0.5) / 1000;
  let shown: ShowinfoFrame | undefined;
  const reader = new ShowinfoReader((_, frame) => (shown ??= frame));
  const graph = `[0:V:0]select='gte(t,${targetSeconds.toFixed(6)})',${showinfo('frame')},format=pix_fmts=${jpegPixelFormats}[full]`;
  const run = await runTool(
    resolveFfmpeg(),
    [
      ...commonArgs,
      '-seek_timestamp', '1', '-noaccurate_seek', '-ss', Math.max(0, targetSeconds - 0.001).toFixed(6), '-i', resolve(input),
      '-filter_complex', graph,
      ...jpegOutput('full', jpegQuality, outputPattern(dirname(outFile), basename(outFile)), ['-frames:v', '1', '-update', '1']),
    ],
    { onStderrLine: (line) => reader.read(line) },
  );
  if (run.code !== 0 || shown === undefined) throw extractionFailed(run.stderrTail);
  return toFrame(0, shown, probe);
}
