import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobProgress, jpegsUnder } from '../test-support/library-on-disk';
import { mediaDir, tempLibraryDir } from '../test-support/temp-library';

const cli = path.resolve(import.meta.dirname, '../../out/main/cli.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

type Listed = { frames: { index: number; timestamp_ms: number; reason?: string; path?: string; thumb_path: string }[] };

function listing(library: string, leftOut: boolean): Listed['frames'] {
  const out = run(['frames', '--library', library, '--project', 'Crash', ...(leftOut ? ['--left-out'] : []), '--json']);
  return (JSON.parse(out.stdout) as Listed).frames;
}

describe('a crash in the middle of an extraction that leaves frames out', () => {
  it('ends, once run again, with what a clean run keeps and leaves out, each frame once, files and rows alike', async () => {
    expect(existsSync(cli), 'run `npm run build` before the tests').toBe(true);
    const clip = path.join(mediaDir, 'one-by-one-person-detection.mp4');
    const ingest = (library: string) => [cli, 'ingest', clip, '--library', library, '--project', 'Crash', '--batch', 'Night', '--every', '0.5', '--dedupe', '--min-sharpness', '--json'];

    const clean = tempLibraryDir();
    expect(spawnSync(process.execPath, ingest(clean), { encoding: 'utf8' }).status).toBe(0);
    const cleanKept = listing(clean, false).map((frame) => frame.timestamp_ms);
    const cleanLeftOut = listing(clean, true).map((frame) => [frame.timestamp_ms, frame.reason]);

    const library = tempLibraryDir();
    // A random point of the extraction, so that runs of the suite kill it at different stages.
    const killAt = 0.05 + Math.random() * 0.9;
    const child = spawn(process.execPath, ingest(library), { stdio: 'ignore' });
    const started = Date.now();
    while (jobProgress(library) < killAt && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const resumed = run(['jobs', 'run', '--library', library]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(readdirSync(path.join(library, 'tmp'))).toEqual([]);

    const kept = listing(library, false);
    const leftOut = listing(library, true);
    expect(kept.map((frame) => frame.timestamp_ms)).toEqual(cleanKept);
    expect(leftOut.map((frame) => [frame.timestamp_ms, frame.reason])).toEqual(cleanLeftOut);
    expect(kept.length + leftOut.length).toBe(279);
    expect(new Set([...kept, ...leftOut].map((frame) => frame.index)).size).toBe(279);
    expect(jpegsUnder(path.join(library, 'frames'))).toHaveLength(kept.length);
    expect(jpegsUnder(path.join(library, 'thumbs'))).toHaveLength(279);
    expect([...kept, ...leftOut].every((frame) => existsSync(frame.thumb_path))).toBe(true);
  });
});
