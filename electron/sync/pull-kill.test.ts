import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../shared/ids';
import { deleteShapes, restoreShapes } from '../library/annotations';
import { openServices } from '../services';
import { apiClient } from '../test-support/api-client';
import { seedBatchWithFiles, seedProjectWithFiles, signedInDevice, testPassword } from '../test-support/sync-devices';
import { supabaseForThisFile } from '../test-support/supabase/for-this-file';
import type { TestSupabase } from '../test-support/supabase/stand-in';
import { builtCli as cli, runBuiltCli } from '../test-support/built-cli';
import { tempLibraryDir } from '../test-support/temp-library';

const rounds = 12;
const batches = 3;
const framesPerBatch = 20;
const shapesPerFrame = 500;

let supabase: TestSupabase;

supabaseForThisFile((started) => (supabase = started));

const shape = (id: string, frameId: string, note: string, i: number) => ({
  id,
  frameId,
  type: 'rectangle' as const,
  points: [i % 300, i % 300, (i % 300) + 10, (i % 300) + 10],
  labelId: null,
  note,
  attributes: {},
  hidden: false,
  locked: false,
});

/** How far a killed first pull got, for the log: rows applied, rows kept but not yet applied. */
function howFar(libraryDir: string): string {
  const db = new DatabaseSync(path.join(libraryDir, 'stillframe.db'), { readOnly: true, timeout: 5_000 });
  try {
    const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    return `${count('SELECT COUNT(*) AS n FROM shapes')} shapes, ${count('SELECT COUNT(*) AS n FROM pull_inbox')} in the inbox`;
  } finally {
    db.close();
  }
}

/** Where the library's pull of its one project has got to on the server's sequence. */
function pulledSeq(libraryDir: string): number {
  const db = new DatabaseSync(path.join(libraryDir, 'stillframe.db'), { readOnly: true, timeout: 5_000 });
  try {
    return Number((db.prepare('SELECT last_pulled_seq AS n FROM sync_projects').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

describe('a first pull killed at random points', () => {
  it(`ends with the server's project, nothing applied twice or sent back, over ${rounds} SIGKILLs while the owner edits and deletes`, async () => {
    expect(existsSync(cli), 'run `npm run build` before the tests').toBe(true);
    const email = `pull-kill-${uuidv7().slice(-8)}@example.com`;
    const owner = await signedInDevice(supabase, email);
    const { project, frames: first } = seedProjectWithFiles(owner.services, `Tidewater ${uuidv7().slice(-8)}`, framesPerBatch);
    const frames = [...first];
    for (let b = 2; b <= batches; b++) frames.push(...seedBatchWithFiles(owner.services, project.id, `Evening ${b}`, framesPerBatch).frames);
    const ids = frames.flatMap((frame) => Array.from({ length: shapesPerFrame }, (_, i) => ({ id: uuidv7(), frameId: frame.id, i })));
    restoreShapes(owner.services.db, ids.map(({ id, frameId, i }) => shape(id, frameId, 'round 0', i)));
    await owner.api.invoke('sync.linkProject', { projectId: project.id });
    await owner.services.sync.idle();

    // The same person's second, empty library, linked to the project as "Open a cloud project" does, not yet pulled.
    const second = { libraryDir: tempLibraryDir() };
    const empty = openServices(second);
    const api = apiClient(empty);
    await api.invoke('sync.settings.set', { url: supabase.url, anonKey: supabase.anonKey });
    await api.invoke('sync.signIn', { email, password: testPassword });
    empty.db
      .prepare('INSERT INTO sync_projects (project_id, user_id, last_pulled_seq, linked_at) VALUES (?, ?, 0, ?)')
      .run(project.id, owner.userId, Date.now());
    await empty.close();

    const env = { ...process.env, STILLFRAME_EMAIL: email, STILLFRAME_PASSWORD: testPassword };
    const killedAt: string[] = [];
    let alive = ids;
    for (let round = 1; round <= rounds; round++) {
      // Between kills the owner rewrites some notes and deletes a few shapes, so later pages carry edits and tombstones
      // of rows the killed pull had already applied.
      supabase.standIn?.setLatency(0);
      const edited = alive.filter((_, i) => i % rounds === round % rounds);
      restoreShapes(owner.services.db, edited.map(({ id, frameId, i }) => shape(id, frameId, `round ${round}`, i)));
      const gone = alive.filter((_, i) => i % 97 === round).map(({ id }) => id);
      deleteShapes(owner.services.db, gone);
      alive = alive.filter(({ id }) => !gone.includes(id));
      await owner.services.sync.pushOutbox();

      supabase.standIn?.setLatency(60);
      const child = spawn(process.execPath, [cli, 'sync', '--library', second.libraryDir, '--json'], { stdio: 'ignore', env });
      let running = true;
      const exited = new Promise((resolve) => child.once('exit', resolve)).finally(() => (running = false));
      // Killed at a random point after this run's first page was kept, so the kills land in the pull, not in start-up.
      const from = pulledSeq(second.libraryDir);
      while (running && pulledSeq(second.libraryDir) === from) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 600));
      child.kill('SIGKILL');
      await exited;
      killedAt.push(howFar(second.libraryDir));
    }
    console.log(`Killed at: ${JSON.stringify(killedAt)}`);
    supabase.standIn?.setLatency(0);
    const seqBefore = await supabase.admin.query('select max(seq) as seq from public.annotations where project_id = $1', [project.id]);
    const finished = await runBuiltCli(['sync', '--library', second.libraryDir, '--json'], env);
    expect(finished.status, finished.stderr).toBe(0);

    const services = openServices({ libraryDir: second.libraryDir });
    try {
      const local = services.db
        .prepare('SELECT id, note, points, server_version AS seq FROM shapes ORDER BY id')
        .all()
        .map((row) => ({ id: row.id, note: row.note, points: JSON.parse(String(row.points)) as number[], seq: Number(row.seq) }));
      const server = await supabase.admin.query(
        'select id, note, points, seq::int as seq from public.annotations where project_id = $1 and deleted_at is null order by id',
        [project.id],
      );
      // Every live shape with its last note and version: a page applied twice after a tombstone would bring a deleted
      // shape back, an older one over a newer would put an earlier note back.
      expect(local.length).toBe(alive.length);
      expect(local).toEqual(server.rows);
      expect(services.db.prepare('SELECT COUNT(*) AS n FROM frames').get()?.n).toBe(batches * framesPerBatch);
      expect(services.db.prepare('SELECT COUNT(*) AS n FROM pull_inbox').get()?.n).toBe(0);
      // Pulled rows are the server's: none of them waits to be pushed back, and the final sync pushed nothing.
      expect(services.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()?.n).toBe(0);
      const seqAfter = await supabase.admin.query('select max(seq) as seq from public.annotations where project_id = $1', [project.id]);
      expect(seqAfter.rows).toEqual(seqBefore.rows);
      const files = services.db.prepare('SELECT kind, COUNT(*) AS n FROM sync_files GROUP BY kind ORDER BY kind').all().map((row) => ({ ...row }));
      expect(files).toEqual([
        { kind: 'image', n: batches * framesPerBatch },
        { kind: 'thumb', n: batches * framesPerBatch },
      ]);
    } finally {
      await services.close();
    }
  }, 600_000);
});
