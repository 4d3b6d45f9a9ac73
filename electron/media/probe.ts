import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { StillframeError } from '../../shared/errors';
import { resolveFfprobe } from './binaries';
import { runTool } from './runner';

export interface VideoProbe {
  durationMs: number;
  /** Display size, after rotation. */
  width: number;
  height: number;
  /** Counter-clockwise degrees the stored picture is turned for display (0, 90, 180 or 270), as FFprobe reports it. */
  rotation: number;
  frameRate: number | null;
  codec: string;
  pixelFormat: string | null;
  hasAudio: boolean;
  frameCount: number | null;
  startTimeMs: number;
  /** Estimated from packet flags of the first ~30 s, demux only (fast). */
  keyframeIntervalMs: number | null;
}

const keyframeScanSeconds = 30;

const notReadableMessage = 'This file is not a video that FFmpeg can read.';

/** FFprobe prints numbers as strings and "N/A" for unknowns; both become a finite number or undefined. */
const looseNumber = z
  .union([z.string(), z.number()])
  .optional()
  .transform((value) => {
    const parsed = typeof value === 'number' ? value : Number.parseFloat(value ?? '');
    return Number.isFinite(parsed) ? parsed : undefined;
  });

const streamSchema = z.object({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  pix_fmt: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  start_time: looseNumber,
  duration: looseNumber,
  nb_frames: looseNumber,
  disposition: z.object({ attached_pic: z.number().optional() }).optional(),
  side_data_list: z.array(z.object({ rotation: z.number().optional() })).optional(),
});

const probeSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z.object({ start_time: looseNumber, duration: looseNumber }).optional(),
  packets: z
    .array(z.object({ stream_index: z.number(), pts_time: looseNumber, flags: z.string().optional() }))
    .default([]),
});

type ProbeStream = z.infer<typeof streamSchema>;

function parseRate(rate: string | undefined): number | null {
  const match = /^(\d+)\/(\d+)$/.exec(rate ?? '');
  if (!match) return null;
  const value = Number(match[1]) / Number(match[2]);
  return Number.isFinite(value) && value > 0 ? value : null;
}

function normaliseRotation(stream: ProbeStream): number {
  const rotation = stream.side_data_list?.find((entry) => entry.rotation !== undefined)?.rotation ?? 0;
  return (((Math.round(rotation / 90) * 90) % 360) + 360) % 360;
}

/**
 * Mean spacing of the keyframes seen in the scanned packets. A single keyframe tells us nothing unless the scan covered
 * the whole video, in which case the one keyframe is all there is.
 */
function estimateKeyframeInterval(keyframeTimes: number[], durationMs: number): number | null {
  const times = [...keyframeTimes].sort((a, b) => a - b);
  const first = times[0];
  const last = times.at(-1);
  if (first === undefined || last === undefined) return null;
  if (times.length === 1) return durationMs <= keyframeScanSeconds * 1000 ? durationMs : null;
  return Math.round(((last - first) * 1000) / (times.length - 1));
}

/**
 * The one check that a source file can be read, before anything opens it; each failure in the person's words.
 * Synchronous on purpose: it runs between one video's FFmpeg ending and the next one's starting, and two trips
 * through the thread pool there kept a slot empty for tens of milliseconds on a loaded machine, per clip.
 */
export function checkSourceFile(path: string): void {
  let info: Stats;
  try {
    info = statSync(path);
  } catch (error) {
    throw new StillframeError(
      'file-missing',
      'This file is no longer there. It may have been moved, renamed or deleted.',
      error instanceof Error ? error.message : String(error),
    );
  }
  if (!info.isFile()) throw new StillframeError('not-a-video', 'This is a folder, not a video file.', path);
  if (info.size === 0) {
    throw new StillframeError('not-a-video', 'This file is empty (0 bytes), so there is nothing to extract.', path);
  }
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw unreadableFile(error);
  }
}

/** Reading a source file was refused by its permissions. */
export function unreadableFile(error: unknown): StillframeError {
  return new StillframeError(
    'file-unreadable',
    'Stillframe cannot read this file: you are not allowed to open it. Check its permissions.',
    error instanceof Error ? error.message : String(error),
  );
}

export function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

export interface ProbeOptions {
  signal?: AbortSignal;
  /**
   * Whether to scan the first packets for the keyframe spacing (the default). Without it `keyframeIntervalMs` is null;
   * reading and parsing the packets was half the probe's time on the real clips.
   */
  keyframes?: boolean;
}

export async function probeVideo(path: string, options: ProbeOptions = {}): Promise<VideoProbe> {
  // Absolute paths never start with "-", so FFprobe cannot mistake a file name for an option.
  const input = resolve(path);
  checkSourceFile(input);

  const result = await runTool(
    resolveFfprobe(),
    [
      '-v', 'error',
      '-hide_banner',
      '-print_format', 'json',
      '-show_format',
      '-show_streams',
      ...(options.keyframes === false ? [] : ['-show_entries', 'packet=stream_index,pts_time,flags', '-read_intervals', `%+${keyframeScanSeconds}`]),
      input,
    ],
    { signal: options.signal },
  );
  const detail = result.stderrTail.trim() || undefined;
  if (result.code === null) {
    // Killed by a signal: a crash in FFprobe says nothing about the file, so do not call it "not a video".
    throw new StillframeError(
      'internal',
      'FFprobe crashed while reading this file, so Stillframe cannot tell what is in it.',
      detail ?? 'FFprobe was terminated by a signal.',
    );
  }
  if (result.code !== 0) throw new StillframeError('not-a-video', notReadableMessage, detail);

  let parsed: z.infer<typeof probeSchema>;
  try {
    parsed = probeSchema.parse(JSON.parse(result.stdout));
  } catch (error) {
    throw new StillframeError('not-a-video', notReadableMessage, `${detail ?? ''}\n${String(error)}`.trim());
  }

  const { streams, format, packets } = parsed;
  const video = streams.find((stream) => stream.codec_type === 'video' && stream.disposition?.attached_pic !== 1);
  const hasAudio = streams.some((stream) => stream.codec_type === 'audio');
  if (video === undefined) {
    throw new StillframeError(
      'not-a-video',
      hasAudio ? 'This file has sound but no video track.' : notReadableMessage,
      detail,
    );
  }
  if (video.codec_name === undefined || !video.width || !video.height) {
    throw new StillframeError(
      'not-a-video',
      'This video is stored in a format that FFmpeg cannot decode.',
      detail ?? `Video stream ${video.index} has no known codec or picture size.`,
    );
  }

  const rotation = normaliseRotation(video);
  const sideways = rotation === 90 || rotation === 270;
  const durationMs = Math.round((video.duration ?? format?.duration ?? 0) * 1000);
  const keyframeTimes = packets
    .filter((packet) => packet.stream_index === video.index && packet.flags?.includes('K'))
    .flatMap((packet) => (packet.pts_time === undefined ? [] : [packet.pts_time]));

  return {
    durationMs,
    width: sideways ? video.height : video.width,
    height: sideways ? video.width : video.height,
    rotation,
    frameRate: parseRate(video.avg_frame_rate) ?? parseRate(video.r_frame_rate),
    codec: video.codec_name,
    pixelFormat: video.pix_fmt ?? null,
    hasAudio,
    frameCount: video.nb_frames !== undefined && video.nb_frames > 0 ? Math.round(video.nb_frames) : null,
    // Kept to the microsecond FFprobe prints, because sample times are measured from this point.
    startTimeMs: Math.round((video.start_time ?? format?.start_time ?? 0) * 1e6) / 1000,
    keyframeIntervalMs: estimateKeyframeInterval(keyframeTimes, durationMs),
  };
}
