import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../shared/ids';
import { openServices } from '../services';
import { seedFrames } from '../test-support/seed-frames';
import { tempLibraryDir } from '../test-support/temp-library';

const cli = path.resolve(import.meta.dirname, '../../out/main/cli.js');

/** Runs `stillframe storage clean` and kills it (SIGKILL) after `afterMs`, or lets it finish first. */
function cleanAndKill(library: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'storage', 'clean', '--library', library], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('a clean-up killed at random moments', () => {
  it('leaves a sound library, never removes what a frame or shape needs, and finishes on the next run', async () => {
    expect(existsSync(cli), 'run `npm run build` before the tests').toBe(true);
    const library = tempLibraryDir();
    const services = openServices({ libraryDir: library });
    const { db, paths } = services;
    const { project, frames } = seedFrames(db, Array.from({ length: 400 }, () => ({ width: 64, height: 48 })));
    // Even frames keep their files; odd frames have lost theirs, and one of those carries a shape, so it must stay.
    for (const [i, frame] of frames.entries()) {
      if (i % 2 === 1) continue;
      for (const file of [frame.path, frame.thumbPath]) {
        mkdirSync(path.dirname(path.join(library, file)), { recursive: true });
        writeFileSync(path.join(library, file), 'jpeg');
      }
    }
    const annotated = frames[1];
    const now = Date.now();
    db.prepare(`INSERT INTO shapes (id, frame_id, type, points, created_at, updated_at) VALUES (?, ?, 'point', '[1,2]', ?, ?)`).run(
      uuidv7(),
      annotated?.id ?? '',
      now,
      now,
    );
    const orphanDir = path.join(paths.frames, project.id, 'gone', 'video');
    mkdirSync(orphanDir, { recursive: true });
    for (let i = 0; i < 1500; i++) writeFileSync(path.join(orphanDir, `frame_${i}.jpg`), 'orphan');
    await services.close();

    for (let round = 0; round < 4; round++) {
      await cleanAndKill(library, 80 + Math.floor(Math.random() * 400));
      const check = new DatabaseSync(path.join(library, 'stillframe.db'));
      try {
        expect(check.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
        expect(check.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
        expect(check.prepare('SELECT id FROM frames WHERE id = ?').get(annotated?.id ?? '')).toBeDefined();
        const kept = frames.filter((_, i) => i % 2 === 0);
        const rows = check.prepare('SELECT id FROM frames').all().map((row) => String(row.id));
        console.log(`round ${round}: ${rows.length} frame rows left of 400 (201 are to stay)`);
        for (const frame of kept) {
          expect(rows).toContain(frame.id);
          expect(existsSync(path.join(library, frame.path))).toBe(true);
        }
      } finally {
        check.close();
      }
    }

    const finished = spawnSync(process.execPath, [cli, 'storage', 'clean', '--library', library, '--json'], { encoding: 'utf8' });
    expect(finished.status).toBe(0);
    const left = JSON.parse(
      spawnSync(process.execPath, [cli, 'storage', 'clean', '--dry-run', '--library', library, '--json'], { encoding: 'utf8' }).stdout,
    ) as { items: unknown[] };
    expect(left.items).toEqual([]);
    const check = new DatabaseSync(path.join(library, 'stillframe.db'));
    expect(Number((check.prepare('SELECT COUNT(*) AS n FROM frames').get() as { n: number }).n)).toBe(201);
    check.close();
    expect(existsSync(orphanDir)).toBe(false);
  });
});
