import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../media/binaries';
import { jobProgress, jpegsUnder } from '../test-support/library-on-disk';
import { mediaDir, tempLibraryDir } from '../test-support/temp-library';

const cli = path.resolve(import.meta.dirname, '../../out/main/cli.js');

/** FFmpeg processes still writing into this library. */
function ffmpegsFor(library: string): string[] {
  const listing = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout;
  return listing
    .split('\n')
    .filter((line) => line.includes(path.join(library, 'tmp')) && /ffmpeg/.test(line) && !line.includes('stillframe-watchdog'));
}

/** Batches that have no video: what an import leaves if it made its batch and was killed before adding to it. */
function emptyBatches(library: string): string[] {
  const file = path.join(library, 'stillframe.db');
  if (!existsSync(file)) return [];
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return (db.prepare('SELECT name FROM batches b WHERE NOT EXISTS (SELECT 1 FROM videos v WHERE v.batch_id = b.id)').all() as { name: string }[])
      .map((row) => row.name);
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/** Resolves once the child has ended, even if it ended by itself before the kill (its 'exit' event is then past). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('a kill in the middle of an import', () => {
  it('never leaves a batch without its videos, wherever the kill lands', async () => {
    expect(existsSync(cli), 'run `npm run build` before the tests').toBe(true);
    const text = path.join(tempLibraryDir(), 'notes.mp4');
    writeFileSync(text, 'these are my notes, not a video\n'.repeat(50));
    const inputs = [text, path.join(mediaDir, 'milk.mkv'), path.join(mediaDir, 'bottle-detection.mp4')];
    // A frame every 5 s: each round extracts the clips again, and the kill has to land in probing, the batch's
    // creation or the first frames, not in a long extraction.
    for (let round = 0; round < 8; round++) {
      const library = tempLibraryDir();
      const child = spawn(process.execPath, [cli, 'ingest', ...inputs, '--library', library, '--project', 'P', '--batch', `B${round}`, '--every', '5'], { stdio: 'ignore' });
      // Spread over start-up, probing, the batch's creation and the first extraction.
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 600));
      child.kill('SIGKILL');
      await exited(child);
      expect(emptyBatches(library), `round ${round}`).toEqual([]);
      const resumed = spawnSync(process.execPath, [cli, 'jobs', 'run', '--library', library], { encoding: 'utf8' });
      expect(resumed.status, resumed.stderr).toBe(0);
    }
    // Eight rounds of real extraction: on a loaded two-core machine that takes longer than one ordinary test.
  }, 240_000);
});

describe('a crash in the middle of an extraction', () => {
  it('takes every FFmpeg down with the CLI when the CLI is killed', async () => {
    expect(existsSync(cli), 'run `npm run build` before the tests').toBe(true);
    const library = tempLibraryDir();
    // FFmpeg 6 and later ignore SIGPIPE and carry on when the pipes to a dead parent close; Debian's 5.1 dies at its
    // next write to them. Its output goes elsewhere here, so this FFmpeg outlives a dead parent as a current one does.
    const ffmpeg = path.join(library, 'ffmpeg-writing-elsewhere');
    writeFileSync(ffmpeg, `#!/bin/sh\nexec ${JSON.stringify(resolveFfmpeg())} "$@" >/dev/null 2>&1\n`, { mode: 0o755 });
    // Six and five plays of a real clip, long enough that an orphaned FFmpeg would still be decoding well past the
    // deadline; two extracting at once, as a batch does, both watched by the one watchdog.
    const input = path.join(mediaDir, 'one-by-one-person-detection.mp4');
    const clips = [5, 4].map((loops) => {
      const clip = path.join(library, `long-${loops}.mp4`);
      spawnSync(resolveFfmpeg(), ['-v', 'error', '-stream_loop', String(loops), '-i', input, '-c', 'copy', clip]);
      return clip;
    });
    const child = spawn(process.execPath, [cli, 'ingest', ...clips, '--library', library, '--project', 'P', '--batch', 'B', '--nth', '2'], {
      stdio: 'ignore',
      env: { ...process.env, FFMPEG_PATH: ffmpeg, STILLFRAME_CONCURRENCY: '2' },
    });
    const started = Date.now();
    while (ffmpegsFor(library).length < 2 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 25));
    expect(ffmpegsFor(library).length).toBe(2);
    child.kill('SIGKILL');
    await exited(child);
    // Generous: the watchdog acts within milliseconds; an orphaned FFmpeg would decode on for the rest of the video.
    const deadline = Date.now() + 10_000;
    while (ffmpegsFor(library).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ffmpegsFor(library)).toEqual([]);
  });

  it('loses nothing and duplicates nothing: the job runs again from the start after a real SIGKILL', async () => {
    expect(existsSync(cli), 'run `npm run build` before the tests').toBe(true);
    const library = tempLibraryDir();
    const clip = path.join(mediaDir, 'one-by-one-person-detection.mp4');
    const args = [cli, 'ingest', clip, '--library', library, '--project', 'Crash', '--batch', 'Night', '--nth', '2', '--json'];

    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const started = Date.now();
    while (jobProgress(library) < 0.05 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 25));
    expect(jobProgress(library)).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await exited(child);

    const jobsAfterCrash = JSON.parse(spawnSync(process.execPath, [cli, 'jobs', '--library', library, '--json'], { encoding: 'utf8' }).stdout) as {
      jobs: { status: string }[];
    };
    expect(jobsAfterCrash.jobs.map((job) => job.status)).toEqual(['processing']);
    expect(readdirSync(path.join(library, 'tmp')).length).toBeGreaterThan(0);

    const resumed = spawnSync(process.execPath, [cli, 'jobs', 'run', '--library', library], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(readdirSync(path.join(library, 'tmp'))).toEqual([]);

    const frames = JSON.parse(
      spawnSync(process.execPath, [cli, 'frames', '--library', library, '--project', 'Crash', '--json'], { encoding: 'utf8' }).stdout,
    ) as { frames: { index: number; path: string }[] };
    expect(frames.frames).toHaveLength(697);
    expect(new Set(frames.frames.map((frame) => frame.index)).size).toBe(697);
    expect(jpegsUnder(path.join(library, 'frames'))).toHaveLength(697);
    expect(jpegsUnder(path.join(library, 'thumbs'))).toHaveLength(697);
    expect(frames.frames.every((frame) => existsSync(frame.path))).toBe(true);
  });
});
