import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StillframeError } from '../../shared/errors';
import type { ExtractionOptions, Sampling } from '../../shared/sampling';
import type { ExtractedFrame, ExtractPlan, ShowinfoFrame } from './extract';
import { choosePlan, extractFrames, extractWithPlan, samplingUsesKeyframes, ShowinfoReader } from './extract';
import type { VideoProbe } from './probe';
import { probeVideo } from './probe';
import {
  expectedEvery,
  keyframeTimesMs,
  realClip,
  removeTestClips,
  scratchDir,
  sourceFrameTimesMs,
  testClip,
} from './test-clips';

afterAll(removeTestClips);

interface Extraction {
  frames: ExtractedFrame[];
  framesDir: string;
  thumbsDir: string;
  progress: number[];
}

async function extract(
  input: string,
  sampling: Sampling,
  more: { maxFrames?: number; plan?: ExtractPlan; probe?: VideoProbe; framesDirName?: string; features?: boolean } = {},
): Promise<Extraction> {
  const out = await scratchDir();
  const framesDir = join(out, more.framesDirName ?? 'frames');
  const thumbsDir = join(out, 'thumbs');
  await Promise.all([mkdir(framesDir), mkdir(thumbsDir)]);
  const options: ExtractionOptions = { sampling, maxFrames: more.maxFrames, jpegQuality: 3 };
  const probe = more.probe ?? (await probeVideo(input));
  const progress: number[] = [];
  const args = { input, probe, options, framesDir, thumbsDir, features: more.features, onProgress: (f: number) => progress.push(f) };
  const frames = more.plan === undefined ? await extractFrames(args) : await extractWithPlan(args, more.plan);
  return { frames, framesDir, thumbsDir, progress };
}

const jpegNames = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

/** Width and height from a JPEG's start-of-frame marker. */
async function jpegSize(path: string): Promise<{ width: number; height: number }> {
  const data = await readFile(path);
  let at = 2;
  while (at < data.length) {
    const marker = data[at + 1] ?? 0;
    const length = data.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xc3) return { height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) };
    at += 2 + length;
  }
  throw new Error(`no frame header in ${path}`);
}

const decodePlan: ExtractPlan = { kind: 'decode', reason: 'test' };
const seekPlan: ExtractPlan = { kind: 'seek', reason: 'test' };

describe('extractFrames sampling', () => {
  it('every 1 s on car-detection.mp4 picks the first frame at or after each second', async () => {
    const input = realClip('car-detection.mp4');
    const { frames, framesDir, thumbsDir, progress } = await extract(input, { mode: 'every', seconds: 1 });
    expect(frames).toHaveLength(31);
    frames.forEach((frame, i) => {
      expect(frame.index).toBe(i + 1);
      expect(frame.fileName).toBe(`frame_${String(i + 1).padStart(6, '0')}.jpg`);
      expect(frame.timestampMs).toBeGreaterThanOrEqual(i * 1000);
      // Within one source frame (80 ms at 12.5 fps) of the multiple.
      expect(frame.timestampMs).toBeLessThan(i * 1000 + 80);
      expect(frame).toMatchObject({ width: 768, height: 432 });
    });
    expect(frames.map((f) => f.timestampMs)).toEqual(expectedEvery(await sourceFrameTimesMs(input), 1000).map(Math.round));
    expect(await jpegNames(framesDir)).toEqual(frames.map((f) => f.fileName));
    expect(await jpegNames(thumbsDir)).toEqual(frames.map((f) => f.fileName));
    expect(await jpegSize(join(framesDir, 'frame_000001.jpg'))).toEqual({ width: 768, height: 432 });
    expect(await jpegSize(join(thumbsDir, 'frame_000001.jpg'))).toEqual({ width: 320, height: 180 });
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('every 0.5 s on a fractional frame rate (bottle-detection.mp4)', async () => {
    const input = realClip('bottle-detection.mp4');
    const { frames } = await extract(input, { mode: 'every', seconds: 0.5 });
    const expected = expectedEvery(await sourceFrameTimesMs(input), 500).map(Math.round);
    expect(expected).toHaveLength(80);
    expect(frames.map((f) => f.timestampMs)).toEqual(expected);
  });

  it('every nth frame', async () => {
    const input = realClip('car-detection.mp4');
    const { frames } = await extract(input, { mode: 'nth', n: 25 });
    const source = await sourceFrameTimesMs(input);
    const expected = source.filter((_, i) => i % 25 === 0).map(Math.round);
    expect(expected).toHaveLength(16);
    expect(frames.map((f) => f.timestampMs)).toEqual(expected);
  });

  it('keyframes only, at the keyframe pts FFprobe reports', async () => {
    const input = realClip('car-detection.mp4');
    const { frames } = await extract(input, { mode: 'keyframes' });
    const keyframes = (await keyframeTimesMs(input)).map(Math.round);
    expect(keyframes).toEqual([0, 4800, 9600, 14_400, 19_200, 24_000, 28_800]);
    expect(frames.map((f) => f.timestampMs)).toEqual(keyframes);
  });

  it('scene changes, plus the first frame', async () => {
    const { frames } = await extract(await testClip('scenes.mp4'), { mode: 'scene', threshold: 0.3 });
    expect(frames.map((f) => f.timestampMs)).toEqual([0, 2000, 4000]);
  });

  it('stops at maxFrames', async () => {
    const { frames, framesDir, thumbsDir, progress } = await extract(
      realClip('one-by-one-person-detection.mp4'),
      { mode: 'every', seconds: 1 },
      { maxFrames: 5 },
    );
    expect(frames.map((f) => f.timestampMs)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(await jpegNames(framesDir)).toHaveLength(5);
    expect(await jpegNames(thumbsDir)).toHaveLength(5);
    expect(progress.at(-1)).toBe(1);
  });

  it('keeps a start time that is not zero out of the timestamps (milk.mkv starts at 33 ms)', async () => {
    const input = realClip('milk.mkv');
    const { frames } = await extract(input, { mode: 'every', seconds: 0.5 });
    expect(frames.map((f) => f.timestampMs)).toEqual(expectedEvery(await sourceFrameTimesMs(input), 500).map(Math.round));
    expect(frames[0]?.timestampMs).toBe(0);
  });
});

describe('extractFrames picture handling', () => {
  it('turns a rotated clip upright and reports the display size', async () => {
    const { frames, framesDir, thumbsDir } = await extract(await testClip('rotated.mp4'), { mode: 'nth', n: 5 });
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatchObject({ width: 180, height: 320 });
    expect(await jpegSize(join(framesDir, 'frame_000001.jpg'))).toEqual({ width: 180, height: 320 });
    expect(await jpegSize(join(thumbsDir, 'frame_000001.jpg'))).toEqual({ width: 180, height: 320 });
  });

  it('handles odd sizes and shrinks the thumbnail to 320 px on the long side', async () => {
    const { frames, framesDir, thumbsDir } = await extract(await testClip('odd-size.mkv'), { mode: 'nth', n: 5 });
    expect(frames[0]).toMatchObject({ width: 321, height: 241 });
    expect(await jpegSize(join(framesDir, 'frame_000001.jpg'))).toEqual({ width: 321, height: 241 });
    expect(await jpegSize(join(thumbsDir, 'frame_000001.jpg'))).toEqual({ width: 320, height: 240 });
  });

  it('reads 10-bit video', async () => {
    const { frames, framesDir } = await extract(await testClip('ten-bit.mp4'), { mode: 'nth', n: 5 });
    expect(frames).toHaveLength(2);
    expect(await jpegSize(join(framesDir, 'frame_000002.jpg'))).toEqual({ width: 320, height: 240 });
  });

  it('writes into a folder whose name contains %', async () => {
    const { frames, framesDir } = await extract(await testClip('ten-bit.mp4'), { mode: 'nth', n: 5 }, {
      framesDirName: '100% frames',
    });
    expect(await jpegNames(framesDir)).toEqual(frames.map((f) => f.fileName));
  });
});

describe('extractFrames timestamps on variable frame rate video', () => {
  it('gives every frame its real pts', async () => {
    const input = await testClip('vfr.mkv');
    const source = await sourceFrameTimesMs(input);
    expect(source.slice(8, 12)).toEqual([800, 900, 1000, 1033]);
    const { frames, thumbsDir } = await extract(input, { mode: 'nth', n: 1 });
    expect(frames.map((f) => f.timestampMs)).toEqual(source.map(Math.round));
    // Smaller than a thumbnail already: kept as it is, never enlarged.
    expect(await jpegSize(join(thumbsDir, 'frame_000001.jpg'))).toEqual({ width: 160, height: 120 });
  });

  it('samples by time, not by frame count', async () => {
    const input = await testClip('vfr.mkv');
    const { frames } = await extract(input, { mode: 'every', seconds: 0.5 });
    const expected = expectedEvery(await sourceFrameTimesMs(input), 500).map(Math.round);
    expect(frames.map((f) => f.timestampMs)).toEqual(expected);
    // The 4 fps stretch has frames 250 ms apart, so sample points never share a frame there.
    expect(expected).toContain(2240);
  });

  it('seeking agrees with decoding across the gaps', async () => {
    const input = await testClip('vfr.mkv');
    const sampling: Sampling = { mode: 'every', seconds: 0.2 };
    const decoded = await extract(input, sampling, { plan: decodePlan });
    const sought = await extract(input, sampling, { plan: seekPlan });
    expect(sought.frames).toEqual(decoded.frames);
    // 22 sample points, but in the 4 fps stretch some points share a frame and each frame is kept once.
    expect(sought.frames.length).toBeLessThan(22);
    expect(await jpegNames(sought.framesDir)).toEqual(sought.frames.map((f) => f.fileName));
    expect(await jpegNames(sought.thumbsDir)).toEqual(sought.frames.map((f) => f.fileName));
  });
});

describe('frame features for selection', () => {
  it('come with every frame from the same decode, alike in both plans, and leave only the frames behind', async () => {
    const clip = await testClip('still-scenes.mp4');
    const sampling: Sampling = { mode: 'every', seconds: 1.5 };
    const decoded = await extract(clip, sampling, { plan: { kind: 'decode', reason: 'test' }, features: true });
    const sought = await extract(clip, sampling, { plan: seekPlan, features: true });
    expect(decoded.frames).toHaveLength(8);
    expect(sought.frames.map((f) => f.timestampMs)).toEqual(decoded.frames.map((f) => f.timestampMs));
    decoded.frames.forEach((frame, i) => {
      const other = sought.frames[i]?.features;
      expect(frame.features?.grid).toHaveLength(3 * 8 * 8);
      expect(other?.grid).toEqual(frame.features?.grid);
    });
    // The blurred stretch (6–7.5 s) scores far below the sharp frame of the same scene.
    const at = (ms: number) => decoded.frames.find((f) => f.timestampMs === ms)?.features?.sharpness ?? Number.NaN;
    expect(at(6000)).toBeLessThan(at(7500) / 10);
    expect(await jpegNames(decoded.thumbsDir)).toEqual(await jpegNames(decoded.framesDir));
    expect(await jpegNames(sought.thumbsDir)).toEqual(await jpegNames(sought.framesDir));
  });
});

describe('seek plan', () => {
  async function compare(clip: string, sampling: Sampling): Promise<void> {
    const decoded = await extract(clip, sampling, { plan: decodePlan });
    const sought = await extract(clip, sampling, { plan: seekPlan });
    expect(sought.frames.length).toBeGreaterThan(0);
    expect(sought.frames).toEqual(decoded.frames);
    // Decoding from a keyframe gives bit-identical pictures, so the JPEGs match byte for byte.
    for (const frame of decoded.frames) {
      const [a, b] = await Promise.all([
        readFile(join(decoded.framesDir, frame.fileName)),
        readFile(join(sought.framesDir, frame.fileName)),
      ]);
      expect(a.equals(b), frame.fileName).toBe(true);
    }
    expect(await jpegNames(sought.thumbsDir)).toEqual(await jpegNames(decoded.thumbsDir));
    expect(sought.progress.at(-1)).toBe(1);
  }

  it('is chosen for sparse samples in a long-GOP clip, and not for dense ones', async () => {
    const probe = await probeVideo(await testClip('long-gop.mp4'));
    expect(probe.keyframeIntervalMs).toBe(10_000);
    const options = (seconds: number): ExtractionOptions => ({ sampling: { mode: 'every', seconds }, jpegQuality: 3 });
    expect(choosePlan(probe, options(30)).kind).toBe('seek');
    expect(choosePlan(probe, options(1)).kind).toBe('decode');
    expect(choosePlan(probe, { sampling: { mode: 'nth', n: 900 }, jpegQuality: 3 }).kind).toBe('decode');
    expect(choosePlan({ ...probe, keyframeIntervalMs: null }, options(30)).kind).toBe('decode');
  });

  it('is never chosen for the samplings whose probe skips the keyframe scan, however close the keyframes', async () => {
    const probe = await probeVideo(await testClip('long-gop.mp4'));
    const options = (seconds: number): ExtractionOptions => ({ sampling: { mode: 'every', seconds }, jpegQuality: 3 });
    for (const seconds of [0.04, 0.5, 1]) {
      expect(samplingUsesKeyframes(options(seconds))).toBe(false);
      for (const keyframeIntervalMs of [1, 40, 1000]) expect(choosePlan({ ...probe, keyframeIntervalMs }, options(seconds)).kind).toBe('decode');
    }
    expect(samplingUsesKeyframes(options(1.5))).toBe(true);
    expect(choosePlan({ ...probe, keyframeIntervalMs: 40 }, options(1.5)).kind).toBe('seek');
    expect(samplingUsesKeyframes({ sampling: { mode: 'keyframes' }, jpegQuality: 3 })).toBe(true);
    expect(samplingUsesKeyframes({ sampling: { mode: 'nth', n: 900 }, jpegQuality: 3 })).toBe(false);
  });

  it('gives the same frames as decoding on a long-GOP clip with B-frames', async () => {
    await compare(await testClip('long-gop.mp4'), { mode: 'every', seconds: 7 });
  });

  it('gives the same frames as decoding on a real clip', async () => {
    await compare(realClip('car-detection.mp4'), { mode: 'every', seconds: 4.1 });
    // Starts at 33 ms: sample points and seek targets are both measured from the stream start.
    await compare(realClip('milk.mkv'), { mode: 'every', seconds: 0.3 });
  });

  it('falls back to decoding when the container seeks past the target (MPEG program stream)', async () => {
    await compare(await testClip('long-gop.mpg'), { mode: 'every', seconds: 7 });
  });

  it('respects maxFrames', async () => {
    const sought = await extract(await testClip('long-gop.mp4'), { mode: 'every', seconds: 7 }, {
      plan: seekPlan,
      maxFrames: 3,
    });
    expect(sought.frames.map((f) => f.timestampMs)).toEqual([0, 7000, 14_000]);
    expect(await jpegNames(sought.framesDir)).toEqual(sought.frames.map((f) => f.fileName));
    expect(await jpegNames(sought.thumbsDir)).toEqual(sought.frames.map((f) => f.fileName));
  });
});

function processesMentioning(token: string): string[] {
  return execFileSync('ps', ['-A', '-o', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(token));
}

describe('extractFrames failures', () => {
  it.skipIf(process.platform === 'win32')('cancels: rejects with "cancelled" and FFmpeg is gone', async () => {
    const input = await testClip('long-gop.mp4');
    const probe = await probeVideo(input);
    const out = await scratchDir();
    const framesDir = join(out, 'frames');
    const thumbsDir = join(out, 'thumbs');
    await Promise.all([mkdir(framesDir), mkdir(thumbsDir)]);
    const controller = new AbortController();
    const run = extractFrames({
      input,
      probe,
      options: { sampling: { mode: 'every', seconds: 0.1 }, jpegQuality: 3 },
      framesDir,
      thumbsDir,
      signal: controller.signal,
      onProgress: (fraction) => {
        if (fraction > 0.1) controller.abort();
      },
    });
    const error: unknown = await run.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StillframeError);
    expect((error as StillframeError).code).toBe('cancelled');
    expect(processesMentioning(framesDir)).toEqual([]);
  });

  it('reports a file that probes fine but is cut off while decoding', async () => {
    const input = await testClip('cut-probeable.mp4');
    const error: unknown = await extract(input, { mode: 'every', seconds: 1 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StillframeError);
    expect(error).toMatchObject({
      code: 'extraction-failed',
      message: 'FFmpeg stopped before it finished reading this video. The file may be damaged.',
    });
    expect((error as StillframeError).detail).toMatch(/partial file|Error during demuxing|Invalid data/);
  });

  it('reports a cut-off file in the seek plan too', async () => {
    const input = await testClip('cut-probeable.mp4');
    const error: unknown = await extract(input, { mode: 'every', seconds: 5 }, { plan: seekPlan }).catch(
      (reason: unknown) => reason,
    );
    expect(error).toMatchObject({ code: 'extraction-failed' });
  });
});

describe('ShowinfoReader', () => {
  const read = (lines: string[]): [string, ShowinfoFrame][] => {
    const seen: [string, ShowinfoFrame][] = [];
    const reader = new ShowinfoReader((instance, frame) => seen.push([instance, frame]));
    lines.forEach((line) => reader.read(line));
    return seen;
  };

  it('reads FFmpeg 5 lines, timing frames from pts and the logged time base', () => {
    expect(
      read([
        '[showinfo@sf_frame @ 0x5613cd5280c0] [info] config in time_base: 1/15360, frame_rate: 30/1',
        '[showinfo@sf_frame @ 0x5613cd5280c0] [info] n:   0 pts:20736000 pts_time:1350    pos: 19838 fmt:yuv420p sar:0/1 s:768x432 i:P iskey:1 type:I checksum:EC445274',
        '[showinfo@sf_frame @ 0x5613cd5280c0] [info] color_range:tv color_space:bt709',
        '[Parsed_scale_3 @ 0x5613cd5280c0] [info] n:   1 pts:      0 pts_time:0 s:1x1',
      ]),
    ).toEqual([['frame', { seconds: 20736000 / 15360, width: 768, height: 432 }]]);
  });

  it('reads the lines of FFmpeg versions that name filters by instance only', () => {
    expect(
      read([
        '[sf_first3 @ 0x600000c8c000] n:   0 pts:   1001 pts_time:0.0333667 duration:   1001 duration_time:0.0333667 fmt:yuv420p cl:left sar:1/1 s:1920x1080 i:P iskey:1 type:I checksum:0',
      ]),
    ).toEqual([['first3', { seconds: 0.0333667, width: 1920, height: 1080 }]]);
  });
});
