import { readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { StillframeError } from '../../shared/errors';
import { resolveFfmpeg } from '../media/binaries';
import { runTool } from '../media/runner';

/** Frame numbers as runs `first, step, count`, so FFmpeg's select expression stays short for evenly spaced frames. */
function runsOf(frames: readonly number[]): { first: number; step: number; last: number }[] {
  const runs: { first: number; step: number; last: number }[] = [];
  for (const frame of frames) {
    const run = runs[runs.length - 1];
    if (run && run.first === run.last && frame > run.last) {
      run.step = frame - run.last;
      run.last = frame;
    } else if (run && frame - run.last === run.step) run.last = frame;
    else runs.push({ first: frame, step: 1, last: frame });
  }
  return runs;
}

/**
 * The video's frames with these 0-based numbers (decode order, as CVAT counts them), as JPEG files
 * `frame_<number>.jpg` in `outDir`; one FFmpeg pass picks them with the select filter. Returns number → file.
 */
export async function extractFramesByNumber(video: string, frames: readonly number[], outDir: string, signal?: AbortSignal): Promise<Map<number, string>> {
  const wanted = [...new Set(frames)].sort((a, b) => a - b);
  const result = new Map<number, string>();
  if (wanted.length === 0) return result;
  const expression = runsOf(wanted)
    .map((run) => (run.first === run.last ? `eq(n\\,${run.first})` : `between(n\\,${run.first}\\,${run.last})*not(mod(n-${run.first}\\,${run.step}))`))
    .join('+');
  const pattern = path.join(outDir, 'picked_%06d.jpg');
  const run = await runTool(
    resolveFfmpeg(),
    ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', video, '-map', '0:v:0', '-vf', `select=${expression}`, '-fps_mode', 'passthrough', '-q:v', '2', '-start_number', '0', pattern],
    { signal },
  );
  if (run.code !== 0) throw new StillframeError('extraction-failed', `FFmpeg could not read the frames of “${path.basename(video)}” that the annotations name.`, run.stderrTail);
  const picked = (await readdir(outDir)).filter((name) => name.startsWith('picked_')).sort();
  for (let i = 0; i < picked.length && i < wanted.length; i++) {
    const number = wanted[i] ?? 0;
    const file = path.join(outDir, `frame_${String(number).padStart(6, '0')}.jpg`);
    await rename(path.join(outDir, picked[i] ?? ''), file);
    result.set(number, file);
  }
  return result;
}
