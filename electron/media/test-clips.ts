import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg, resolveFfprobe } from './binaries';
import { runTool } from './runner';

/** Real footage shared by the team; read in place, never copied into the repository. */
export const mediaDir = fileURLToPath(new URL('../../../shared/media/', import.meta.url));
export const realClip = (name: string): string => join(mediaDir, name);

type Recipe = (out: string) => Promise<void>;

async function ffmpeg(args: string[]): Promise<void> {
  const run = await runTool(resolveFfmpeg(), ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
  if (run.code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed:\n${run.stderrTail}`);
}

const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast'];

async function truncatedCopy(source: string, out: string, share: number): Promise<void> {
  const file = await open(source, 'r');
  try {
    const { size } = await file.stat();
    const buffer = Buffer.alloc(Math.floor(size * share));
    await file.read(buffer, 0, buffer.length, 0);
    await writeFile(out, buffer);
  } finally {
    await file.close();
  }
}

const recipes = {
  'empty.mp4': (out) => writeFile(out, ''),
  'notes.mp4': (out) => writeFile(out, 'These are meeting notes, not a video.\n'),
  'sine.mp4': (out) => ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', out]),
  // bottle-detection.mp4 keeps its index (moov) at the end, so a cut copy cannot even be probed.
  'cut-unprobeable.mp4': (out) => truncatedCopy(realClip('bottle-detection.mp4'), out, 0.3),
  // car-detection.mp4 keeps its index at the start, so a cut copy probes fine and fails while decoding.
  'cut-probeable.mp4': (out) => truncatedCopy(realClip('car-detection.mp4'), out, 0.3),
  // 60 s at 30 fps with a keyframe every 10 s and B-frames: seeking has to decode up to a whole GOP per sample.
  'long-gop.mp4': (out) =>
    ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=60',
      ...x264, '-g', '300', '-keyint_min', '300', '-sc_threshold', '0', '-bf', '3', '-pix_fmt', 'yuv420p', out,
    ]),
  // MPEG program stream seeks by scanning for timestamps and can land on a keyframe after the target.
  'long-gop.mpg': (out) =>
    ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=30',
      '-c:v', 'mpeg2video', '-g', '250', '-bf', '2', out,
    ]),
  'odd-size.mkv': (out) =>
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=321x241:rate=10:duration=1', '-c:v', 'ffv1', '-pix_fmt', 'yuv420p', out]),
  'ten-bit.mp4': (out) =>
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10:duration=1', ...x264, '-pix_fmt', 'yuv420p10le', out]),
  'rotated.mp4': async (out) => {
    const plain = `${out}.plain.mp4`;
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=10:duration=1', ...x264, '-pix_fmt', 'yuv420p', plain]);
    // FFmpeg 6 and later take -display_rotation; earlier versions still honour the legacy rotate tag on stream copy.
    try {
      await ffmpeg(['-display_rotation', '90', '-i', plain, '-c', 'copy', out]);
    } catch {
      await ffmpeg(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', out]);
    }
    await rm(plain, { force: true });
  },
  // Variable frame rate: 10 frames at 10 fps, 30 at ~30 fps, then 10 at 4 fps, with times in a 1 ms time base.
  'vfr.mkv': (out) =>
    ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25:duration=2',
      '-vf', "settb=1/1000,setpts='if(lt(N,10),N*100,if(lt(N,40),1000+(N-10)*33,1990+(N-40)*250))'",
      '-fps_mode', 'passthrough', '-enc_time_base', '1/1000', ...x264, '-pix_fmt', 'yuv420p', out,
    ]),
  // Three 2 s shots of unrelated pictures: cuts at 2 s and 4 s.
  'scenes.mp4': (out) =>
    ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10:duration=2',
      '-f', 'lavfi', '-i', 'color=c=red:size=320x240:rate=10:duration=2',
      '-f', 'lavfi', '-i', 'smptebars=size=320x240:rate=10:duration=2',
      '-filter_complex', '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]',
      '-map', '[v]', ...x264, '-pix_fmt', 'yuv420p', out,
    ]),
  // Four unrelated pictures, each held still for 3 s (with a little noise, as a camera has), the third blurred for its
  // first 1.5 s: what frame selection is for.
  'still-scenes.mp4': (out) => {
    const still = (source: string) => `${source}=size=320x240:rate=10,trim=end_frame=1,loop=loop=29:size=1,setpts=N/10/TB`;
    return ffmpeg([
      '-f', 'lavfi', '-i', still('testsrc2'),
      '-f', 'lavfi', '-i', 'smptebars=size=320x240:rate=10:duration=3',
      '-f', 'lavfi', '-i', `${still('mandelbrot')},boxblur=8:enable='lt(t,1.5)'`,
      '-f', 'lavfi', '-i', 'yuvtestsrc=size=320x240:rate=10:duration=3',
      '-filter_complex', '[0:v][1:v][2:v][3:v]concat=n=4:v=1:a=0,format=yuv420p,noise=alls=4:allf=t[v]',
      '-map', '[v]', ...x264, out,
    ]);
  },
} satisfies Record<string, Recipe>;

export type ClipName = keyof typeof recipes;

let dirPromise: Promise<string> | undefined;
const clips = new Map<ClipName, Promise<string>>();

function clipsDir(): Promise<string> {
  dirPromise ??= mkdtemp(join(tmpdir(), 'stillframe-clips-'));
  return dirPromise;
}

/** Makes a synthetic clip once per test process and hands back its path. */
export function testClip(name: ClipName): Promise<string> {
  let clip = clips.get(name);
  if (clip === undefined) {
    clip = clipsDir().then(async (dir) => {
      const out = join(dir, name);
      await recipes[name](out);
      return out;
    });
    clips.set(name, clip);
  }
  return clip;
}

/** A fresh, empty folder in the clips directory, removed with everything else by removeTestClips. */
export async function scratchDir(): Promise<string> {
  return mkdtemp(join(await clipsDir(), 'out-'));
}

export async function removeTestClips(): Promise<void> {
  if (dirPromise === undefined) return;
  const dir = await dirPromise;
  dirPromise = undefined;
  clips.clear();
  await rm(dir, { recursive: true, force: true });
}

async function ffprobeJson(path: string, args: string[]): Promise<unknown> {
  const run = await runTool(resolveFfprobe(), ['-v', 'error', '-print_format', 'json', ...args, path]);
  if (run.code !== 0) throw new Error(`ffprobe failed on ${path}:\n${run.stderrTail}`);
  return JSON.parse(run.stdout);
}

interface FrameList {
  streams: { time_base: string; start_pts?: number }[];
  frames?: { pts?: number; best_effort_timestamp?: number }[];
  packets?: { pts?: number; flags: string }[];
}

function ticksToMs(list: FrameList, ticks: number[]): number[] {
  const stream = list.streams[0];
  if (stream === undefined) throw new Error('no video stream');
  const [num, den] = stream.time_base.split('/').map(Number);
  const start = stream.start_pts ?? 0;
  return ticks.map((tick) => ((tick - start) * (num ?? 1) * 1000) / (den ?? 1));
}

/** The pts of every decoded frame of the first video stream, in ms from the stream start, as FFprobe sees them. */
export async function sourceFrameTimesMs(path: string): Promise<number[]> {
  const list = (await ffprobeJson(path, [
    '-select_streams', 'V:0',
    '-show_entries', 'stream=time_base,start_pts:frame=pts,best_effort_timestamp',
  ])) as FrameList;
  const ticks = (list.frames ?? []).flatMap((frame) => {
    const tick = frame.pts ?? frame.best_effort_timestamp;
    return tick === undefined ? [] : [tick];
  });
  return ticksToMs(list, ticks);
}

/** The pts of every keyframe packet of the first video stream, in ms from the stream start. */
export async function keyframeTimesMs(path: string): Promise<number[]> {
  const list = (await ffprobeJson(path, [
    '-select_streams', 'V:0',
    '-show_entries', 'stream=time_base,start_pts:packet=pts,flags',
  ])) as FrameList;
  const ticks = (list.packets ?? []).flatMap((packet) =>
    packet.flags.includes('K') && packet.pts !== undefined ? [packet.pts] : [],
  );
  return ticksToMs(list, ticks).sort((a, b) => a - b);
}

/** What sampling every `periodMs` should pick from a list of frame times: the first frame at or after each multiple. */
export function expectedEvery(frameTimesMs: number[], periodMs: number): number[] {
  const picked: number[] = [];
  let lastPeriod = -1;
  for (const time of [...frameTimesMs].sort((a, b) => a - b)) {
    const period = Math.floor((time + 1e-3) / periodMs);
    if (time >= -1e-3 && period > lastPeriod) {
      picked.push(time);
      lastPeriod = period;
    }
  }
  return picked;
}
