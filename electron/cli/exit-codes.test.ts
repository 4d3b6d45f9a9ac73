import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../ingest/ingest';
import { createProject } from '../library/projects';
import { openServices } from '../services';
import { cli } from '../test-support/run-cli';
import { mediaDir, tempLibraryDir } from '../test-support/temp-library';

const builtCli = path.resolve(import.meta.dirname, '../../out/main/cli.js');

/** The built CLI in a process of its own: only there does an empty event loop end the process early. */
function stillframe(args: string[]) {
  expect(existsSync(builtCli), 'run `npm run build` before the tests').toBe(true);
  return spawnSync(process.execPath, [builtCli, ...args], { encoding: 'utf8', env: { ...process.env, STILLFRAME_LIBRARY: '' } });
}

/** A real clip cut off halfway: FFprobe reads its header, FFmpeg stops partway, and each attempt fails again. */
function damagedClip(library: string): string {
  const file = path.join(library, '..', `damaged-${path.basename(library)}.mp4`);
  writeFileSync(file, readFileSync(path.join(mediaDir, 'car-detection.mp4')).subarray(0, 1_500_000));
  return file;
}

describe('the CLI reports what happened', () => {
  it('ingest waits out the retries of a failing video, prints its report, exits 1 and releases the lock', () => {
    const library = tempLibraryDir();
    const clip = damagedClip(library);
    const run = stillframe(['ingest', clip, '--library', library, '--project', 'P', '--batch', 'B', '--json']);
    expect(run.status, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      videos: [{ file: clip, id: expect.any(String), status: 'failed', frames: 0, error: expect.stringContaining('FFmpeg stopped') }],
    });
    expect(existsSync(path.join(library, 'queue.lock'))).toBe(false);
    const jobs = JSON.parse(stillframe(['jobs', '--library', library, '--json']).stdout) as { jobs: { status: string; attempts: number }[] };
    expect(jobs.jobs).toMatchObject([{ status: 'dead', attempts: 3 }]);
  });

  it('jobs run drives retries to the end and says so', async () => {
    const library = tempLibraryDir();
    const services = openServices({ libraryDir: library });
    const project = createProject(services.db, 'P');
    await ingestFiles(services.db, services.ingestSettings, {
      projectId: project.id,
      batch: { newName: 'B' },
      paths: [damagedClip(library)],
      options: { sampling: { mode: 'every', seconds: 1 }, jpegQuality: 3 },
    });
    await services.close();
    const run = stillframe(['jobs', 'run', '--library', library]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('Queue is empty. 0 done, 1 dead.');
    expect(existsSync(path.join(library, 'queue.lock'))).toBe(false);
  });

  it('an ingest refused because another process runs the queue creates no project', async () => {
    const library = tempLibraryDir();
    await cli(['projects', '--library', library]);
    // This test's own process is alive and is not the one running the command below.
    writeFileSync(path.join(library, 'queue.lock'), String(process.ppid));
    const run = await cli(['ingest', path.join(mediaDir, 'milk.mkv'), '--library', library, '--project', 'New', '--batch', 'B']);
    expect(run.code).toBe(1);
    expect(run.err).toContain('open in another Stillframe process');
    expect(JSON.parse((await cli(['projects', '--library', library, '--json'])).out)).toEqual({ projects: [] });
  });
});
