import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StillframeError } from '../../shared/errors';
import { probeVideo } from './probe';
import { realClip, removeTestClips, scratchDir, testClip } from './test-clips';

afterAll(removeTestClips);

async function probeError(path: string): Promise<StillframeError> {
  const error: unknown = await probeVideo(path).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof StillframeError)) throw new Error(`expected a StillframeError, got ${String(error)}`);
  return error;
}

describe('probeVideo on the real sample clips', () => {
  it('reads a fractional frame rate (bottle-detection.mp4)', async () => {
    const probe = await probeVideo(realClip('bottle-detection.mp4'));
    expect(probe).toMatchObject({ width: 640, height: 360, rotation: 0, codec: 'h264', hasAudio: false, frameCount: 1189 });
    expect(probe.frameRate).toBeCloseTo(179 / 6, 6);
    expect(probe.durationMs).toBeGreaterThan(39_760);
    expect(probe.durationMs).toBeLessThan(39_960);
    expect(probe.startTimeMs).toBe(0);
    expect(probe.pixelFormat).toBe('yuv420p');
    // Keyframes every 250 frames at 29.83 fps.
    expect(probe.keyframeIntervalMs).toBeCloseTo(8380, -1);
  });

  it('reads a low frame rate with an audio track (car-detection.mp4)', async () => {
    const probe = await probeVideo(realClip('car-detection.mp4'));
    expect(probe).toMatchObject({ width: 768, height: 432, frameRate: 12.5, frameCount: 377, hasAudio: true });
    expect(Math.abs(probe.durationMs - 30_210)).toBeLessThan(100);
    expect(probe.keyframeIntervalMs).toBe(4800);
  });

  it('reads the longest clip (one-by-one-person-detection.mp4)', async () => {
    const probe = await probeVideo(realClip('one-by-one-person-detection.mp4'));
    expect(probe).toMatchObject({ width: 768, height: 432, frameRate: 10, frameCount: 1394, durationMs: 139_400 });
    expect(probe.keyframeIntervalMs).toBe(1000);
  });

  it('skips the keyframe scan when asked, and reads everything else the same', async () => {
    const scanned = await probeVideo(realClip('car-detection.mp4'));
    const quick = await probeVideo(realClip('car-detection.mp4'), { keyframes: false });
    expect(quick).toEqual({ ...scanned, keyframeIntervalMs: null });
  });

  it('leaves the frame count unknown when the container does not store it (milk.mkv)', async () => {
    const probe = await probeVideo(realClip('milk.mkv'));
    expect(probe).toMatchObject({ width: 640, height: 480, frameRate: 30, frameCount: null, startTimeMs: 33 });
    expect(Math.abs(probe.durationMs - 1730)).toBeLessThan(50);
    // One keyframe in a clip shorter than the scan: the whole clip is one keyframe interval.
    expect(probe.keyframeIntervalMs).toBe(probe.durationMs);
  });
});

describe('probeVideo on synthetic clips', () => {
  it('reports the display size and rotation of a rotated clip', async () => {
    const probe = await probeVideo(await testClip('rotated.mp4'));
    expect(probe).toMatchObject({ width: 180, height: 320, rotation: 90 });
  });

  it('reads odd sizes and 10-bit pixel formats', async () => {
    expect(await probeVideo(await testClip('odd-size.mkv'))).toMatchObject({ width: 321, height: 241 });
    expect(await probeVideo(await testClip('ten-bit.mp4'))).toMatchObject({ pixelFormat: 'yuv420p10le' });
  });
});

describe('probeVideo errors', () => {
  it('says when the file is gone', async () => {
    const error = await probeError(join(await scratchDir(), 'moved-away.mp4'));
    expect(error.code).toBe('file-missing');
    expect(error.message).toBe('This file is no longer there. It may have been moved, renamed or deleted.');
  });

  it('says when the file is empty', async () => {
    const error = await probeError(await testClip('empty.mp4'));
    expect(error.code).toBe('not-a-video');
    expect(error.message).toBe('This file is empty (0 bytes), so there is nothing to extract.');
  });

  it('rejects a text file named .mp4 and keeps FFprobe’s words as detail', async () => {
    const error = await probeError(await testClip('notes.mp4'));
    expect(error.code).toBe('not-a-video');
    expect(error.message).toBe('This file is not a video that FFmpeg can read.');
    expect(error.detail).toMatch(/Invalid data|moov atom not found/);
  });

  it('rejects a file with sound only', async () => {
    const error = await probeError(await testClip('sine.mp4'));
    expect(error.code).toBe('not-a-video');
    expect(error.message).toBe('This file has sound but no video track.');
  });

  it('rejects a truncated mp4 whose index was cut off', async () => {
    const error = await probeError(await testClip('cut-unprobeable.mp4'));
    expect(error.code).toBe('not-a-video');
    expect(error.message).toBe('This file is not a video that FFmpeg can read.');
    expect(error.detail).toBeTruthy();
  });

  it.skipIf(process.platform === 'win32')('does not blame the file when FFprobe itself crashes', async () => {
    const crashing = join(await scratchDir(), 'ffprobe');
    await writeFile(crashing, '#!/bin/sh\nkill -SEGV $$\n');
    await chmod(crashing, 0o755);
    const saved = process.env.FFPROBE_PATH;
    process.env.FFPROBE_PATH = crashing;
    try {
      const error = await probeError(realClip('milk.mkv'));
      expect(error.code).toBe('internal');
      expect(error.message).toBe('FFprobe crashed while reading this file, so Stillframe cannot tell what is in it.');
    } finally {
      if (saved === undefined) delete process.env.FFPROBE_PATH;
      else process.env.FFPROBE_PATH = saved;
    }
  });

  it('rejects a folder', async () => {
    const error = await probeError(await scratchDir());
    expect(error.code).toBe('not-a-video');
  });
});
