import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../shared/ids';
import { openServices } from '../services';
import { builtCli } from '../test-support/built-cli';
import { tempLibraryDir } from '../test-support/temp-library';
import { createBatch } from './batches';
import { insertFrames } from './frames';
import { createProject } from './projects';
import { insertVideo } from './videos';

const frameCount = 1500;

/** A library with one video's frames, each with its frame and thumbnail file where the library keeps them. */
async function libraryWithFrames(): Promise<{ library: string; frameIds: string[] }> {
  const library = tempLibraryDir();
  const services = openServices({ libraryDir: library });
  const { db } = services;
  const project = createProject(db, 'Street');
  const from = createBatch(db, project.id, 'Morning');
  createBatch(db, project.id, 'Evening');
  const videoId = uuidv7();
  insertVideo(db, {
    id: videoId, projectId: project.id, batchId: from.id, name: 'clip.mp4', sourcePath: '/clips/clip.mp4', sizeBytes: 1,
    contentHash: `hash-${videoId}`, status: 'done', error: null, probe: null,
  });
  const frames = Array.from({ length: frameCount }, (_, i) => {
    const name = `frame_${String(i + 1).padStart(6, '0')}.jpg`;
    return { index: i + 1, timestampMs: i * 100, width: 64, height: 48, path: `frames/${project.id}/${from.slug}/${videoId}/${name}`, thumbPath: `thumbs/${project.id}/${from.slug}/${videoId}/${name}` };
  });
  insertFrames(db, videoId, from.id, frames);
  for (const frame of frames) {
    for (const file of [frame.path, frame.thumbPath]) {
      mkdirSync(path.dirname(path.join(library, file)), { recursive: true });
      writeFileSync(path.join(library, file), `jpeg of ${frame.index}`);
    }
  }
  const frameIds = (db.prepare('SELECT id FROM frames ORDER BY frame_index').all() as { id: string }[]).map((row) => row.id);
  await services.close();
  return { library, frameIds };
}

/** Runs the built CLI, killing it (SIGKILL) after `killAfterMs` unless it ends first; resolves with how long it ran. */
function runAndKill(args: string[], killAfterMs: number): Promise<{ ms: number; killed: boolean }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [builtCli, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, killed: signal === 'SIGKILL' });
    });
  });
}

/** Every frame row's files are there and whole, and the database is sound. */
function expectWholeLibrary(library: string): { batches: Record<string, number> } {
  const db = new DatabaseSync(path.join(library, 'stillframe.db'));
  try {
    expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    const rows = db.prepare('SELECT f.path, f.thumb_path, f.frame_index, b.name FROM frames f JOIN batches b ON b.id = f.batch_id').all();
    const batches: Record<string, number> = {};
    for (const row of rows) {
      for (const file of [String(row.path), String(row.thumb_path)]) {
        expect(readFileSync(path.join(library, file), 'utf8'), file).toBe(`jpeg of ${Number(row.frame_index)}`);
      }
      batches[String(row.name)] = (batches[String(row.name)] ?? 0) + 1;
    }
    return { batches };
  } finally {
    db.close();
  }
}

describe('frame files under SIGKILL at random points', () => {
  it('a move between batches leaves every frame whole at its old or its new place, and the next run finishes it', async () => {
    expect(existsSync(builtCli), 'run `npm run build` before the tests').toBe(true);
    const { library, frameIds } = await libraryWithFrames();
    const moveIn = (where: string, ids: string[]) => ['batch', 'move-frames', '--project', 'Street', '--to', 'Evening', '--library', where, ...ids];
    const move = moveIn(library, frameIds);
    // How long a whole move takes here, measured on a library like this one, so the kills spread over all of it.
    const probe = await libraryWithFrames();
    const measured = await runAndKill(moveIn(probe.library, probe.frameIds), 60_000);
    for (let round = 0; round < 5; round++) {
      const killAfter = Math.random() * measured.ms;
      const run = await runAndKill(move, killAfter);
      const { batches } = expectWholeLibrary(library);
      console.log(`round ${round}: killed at ${Math.round(killAfter)} of ${Math.round(measured.ms)} ms (${run.killed ? 'killed' : 'had finished'}): ${JSON.stringify(batches)}`);
      expect((batches.Morning ?? 0) + (batches.Evening ?? 0)).toBe(frameCount);
      if (!run.killed) break;
    }
    const last = await runAndKill(move, 60_000);
    expect(last.killed).toBe(false);
    expect(expectWholeLibrary(library).batches).toEqual({ Evening: frameCount });
  });

  it.each([
    ['a batch delete', ['batch', 'delete', 'Morning', '--project', 'Street']],
    ['a project delete', ['projects', 'delete', 'Street']],
  ])('%s leaves no frame row without its files', async (_name, command) => {
    const { library } = await libraryWithFrames();
    const remove = [...command, '--library', library];
    const probe = await libraryWithFrames();
    const measured = await runAndKill([...command, '--library', probe.library], 60_000);
    const run = await runAndKill(remove, Math.random() * measured.ms);
    const { batches } = expectWholeLibrary(library);
    expect([0, frameCount]).toContain(batches.Morning ?? 0);
    if (run.killed) await runAndKill(remove, 60_000);
    expect(expectWholeLibrary(library).batches).toEqual({});
  });
});
