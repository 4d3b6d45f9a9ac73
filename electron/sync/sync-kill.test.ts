import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../shared/ids';
import { restoreShapes } from '../library/annotations';
import { openServices } from '../services';
import { seedBatchWithFiles, seedProjectWithFiles, signedInDevice, testPassword } from '../test-support/sync-devices';
import { builtCli as cli, runBuiltCli } from '../test-support/built-cli';
import { supabaseForThisFile } from '../test-support/supabase/for-this-file';
import type { TestSupabase } from '../test-support/supabase/stand-in';

const rounds = 20;
const framesPerRound = 6;
const shapesPerFrame = 50;

let supabase: TestSupabase;

supabaseForThisFile((started) => (supabase = started));

/** This round's edits, made while no sync runs: a new batch of frames with files, new shapes, every shape's note rewritten. */
async function editLibrary(libraryDir: string, projectId: string, round: number): Promise<void> {
  const services = openServices({ libraryDir });
  try {
    const { frames } = seedBatchWithFiles(services, projectId, `Round ${round}`, framesPerRound);
    const existing = services.db.prepare('SELECT id, frame_id, points FROM shapes').all();
    const shape = (id: string, frameId: string, points: number[]) => ({
      id,
      frameId,
      type: 'rectangle' as const,
      points,
      labelId: null,
      note: `round ${round}`,
      attributes: {},
      hidden: false,
      locked: false,
    });
    restoreShapes(services.db, [
      ...existing.map((row) => shape(String(row.id), String(row.frame_id), JSON.parse(String(row.points)) as number[])),
      ...frames.flatMap((frame) => Array.from({ length: shapesPerFrame }, (_, i) => shape(uuidv7(), frame.id, [i, i, i + 10, i + 10]))),
    ]);
  } finally {
    await services.close();
  }
}

/** What a killed sync left half done, for the log: a pushed batch not yet acknowledged, files mid-upload. */
function whatWasInFlight(libraryDir: string): string {
  const db = new DatabaseSync(path.join(libraryDir, 'stillframe.db'), { readOnly: true });
  try {
    const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    const parts = [
      count('SELECT COUNT(*) AS n FROM push_ops') > 0 ? 'push in flight' : '',
      count(`SELECT COUNT(*) AS n FROM sync_files WHERE state = 'uploading'`) > 0 ? 'upload in flight' : '',
      count('SELECT COUNT(*) AS n FROM outbox') > 0 ? 'outbox waiting' : '',
    ];
    return parts.filter(Boolean).join(' + ') || 'nothing left';
  } finally {
    db.close();
  }
}

describe('a sync killed at random points', () => {
  it(`loses no change, applies none twice and leaves no file missing over ${rounds} SIGKILLs and retries`, async () => {
    expect(existsSync(cli), 'run `npm run build` before the tests').toBe(true);
    const email = `kill-${uuidv7().slice(-8)}@example.com`;
    const device = await signedInDevice(supabase, email);
    const { project } = seedProjectWithFiles(device.services, `Breakwater ${uuidv7().slice(-8)}`, 2);
    await device.api.invoke('sync.linkProject', { projectId: project.id });
    await device.services.sync.idle();
    supabase.standIn?.setLatency(60);

    const env = { ...process.env, STILLFRAME_EMAIL: email, STILLFRAME_PASSWORD: testPassword };
    const killedDuring: string[] = [];
    for (let round = 1; round <= rounds; round++) {
      await editLibrary(device.libraryDir, project.id, round);
      const child = spawn(process.execPath, [cli, 'sync', '--library', device.libraryDir, '--json'], { stdio: 'ignore', env });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 1_000));
      child.kill('SIGKILL');
      await exited;
      killedDuring.push(whatWasInFlight(device.libraryDir));
    }
    console.log(`Killed with: ${JSON.stringify(killedDuring)}`);
    supabase.standIn?.setLatency(0);
    const finished = await runBuiltCli(['sync', '--library', device.libraryDir, '--json'], env);
    expect(finished.status, finished.stderr).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({ rejected: 0, status: { rejections: 0, conflicts: 0 } });

    const services = openServices({ libraryDir: device.libraryDir });
    try {
      const local = services.db.prepare('SELECT id, note, points FROM shapes ORDER BY id').all().map((row) => ({ id: row.id, note: row.note, points: JSON.parse(String(row.points)) }));
      const server = await supabase.admin.query('select id, note, points from public.annotations where project_id = $1 and deleted_at is null order by id', [project.id]);
      // Every shape there, each with the last round's note: a replayed older push would have put an earlier note back.
      expect(local.length).toBe(framesPerRound * shapesPerFrame * rounds);
      expect(server.rows).toEqual(local);
      expect(new Set(local.map((row) => row.note))).toEqual(new Set([`round ${rounds}`]));

      const files = services.db.prepare('SELECT f.id, f.path, f.thumb_path FROM frames f').all();
      expect(files.length).toBe(2 + framesPerRound * rounds);
      const states = services.db.prepare(`SELECT state, COUNT(*) AS n FROM sync_files GROUP BY state`).all().map((row) => ({ ...row }));
      expect(states).toEqual([{ state: 'uploaded', n: files.length * 2 }]);
      const client = await services.sync.session.supabase();
      for (const file of files) {
        for (const [column, kind] of [['path', 'image'], ['thumb_path', 'thumb']] as const) {
          const stored = services.db.prepare('SELECT storage_path FROM sync_files WHERE frame_id = ? AND kind = ?').get(String(file.id), kind);
          const { data, error } = await client.storage.from('frames').download(String(stored?.storage_path));
          expect(error).toBeNull();
          const expected = readFileSync(path.join(services.paths.root, String(file[column])));
          expect(Buffer.from(await (data as Blob).arrayBuffer()).equals(expected)).toBe(true);
        }
      }
    } finally {
      await services.close();
    }
  }, 600_000);
});
