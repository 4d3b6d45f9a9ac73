import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../shared/ids';
import { seedFrames } from '../test-support/seed-frames';
import { openTestServices } from '../test-support/temp-library';
import { createLabel, listShapes, saveShape } from './annotations';
import { bulkWrite, type BulkShape } from './bulk-write';
import { openDatabase, transaction, type Database } from './database';
import { listFrames } from './frames';
import { getProject } from './projects';

function scene(db: Database) {
  const { batch, frames } = seedFrames(db, [{ width: 640, height: 360 }]);
  const label = createLabel(db, { projectId: batch.projectId, name: 'car', color: '#e6194b', hotkey: null, attributes: [] });
  return { batch, videoId: frames[0]!.videoId, label };
}

const triggerNames = (db: Database) =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`).all() as { name: string }[]).map((row) => row.name);

const outboxCount = (db: Database, entity: string) =>
  Number((db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE entity = ?').get(entity) as { n: number }).n);

function box(frameId: string, labelId: string, z: number): BulkShape {
  return { id: uuidv7(), frameId, labelId, type: 'rectangle', points: [z, z, z + 20, z + 10], note: 'n', attributes: {}, hidden: false, locked: false, zIndex: z };
}

describe('bulk writes', () => {
  it('writes frames and shapes that read back as the store wrote them, each with its outbox entry', () => {
    const { db } = openTestServices();
    const { batch, videoId, label } = scene(db);
    const before = { frames: outboxCount(db, 'frame'), shapes: outboxCount(db, 'shape') };
    const ids: string[] = [];
    const written = bulkWrite(db, { outbox: true, liftTriggers: true }, (writer) => {
      for (let i = 2; i <= 301; i++) {
        const id = uuidv7();
        ids.push(id);
        writer.frame({ id, videoId, batchId: batch.id, index: i, timestampMs: i * 40, width: 640, height: 360, path: `f/${i}.jpg`, thumbPath: `t/${i}.jpg` });
        for (let z = 0; z < 3; z++) writer.shape(box(id, label.id, z));
      }
      return writer.written;
    });
    expect(written).toEqual({ frames: 300, shapes: 900 });
    const listed = listFrames(db, batch.id, 0, 1000);
    expect(listed.total).toBe(301);
    expect(listed.frames.slice(1).map((f) => f.id)).toEqual(ids);
    const shapes = listShapes(db, ids[7]!);
    expect(shapes.map((s) => [s.type, s.points, s.labelId, s.note, s.zIndex])).toEqual([0, 1, 2].map((z) => ['rectangle', [z, z, z + 20, z + 10], label.id, 'n', z]));
    expect(outboxCount(db, 'frame') - before.frames).toBe(300);
    expect(outboxCount(db, 'shape') - before.shapes).toBe(900);
    // New rows: each entry pushes the whole row, as an edit that created it would, and no per-column mark is left.
    expect(db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE entity = 'shape' AND fields IS NOT NULL`).get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM sync_dirty_fields').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT applying FROM sync_guard').get()).toEqual({ applying: 0 });
  });

  it.each([
    ['lifted, as an import writes', true],
    ['kept, as a pull writes', false],
  ])('counts the frames it gave shapes as annotated with the triggers %s, and leaves the triggers as they were', (_, liftTriggers) => {
    const { db } = openTestServices();
    const { batch, videoId, label } = scene(db);
    const triggers = triggerNames(db);
    const ids = Array.from({ length: 6 }, () => uuidv7());
    bulkWrite(db, { outbox: true, liftTriggers }, (writer) => {
      ids.forEach((id, i) => {
        writer.frame({ id, videoId, batchId: batch.id, index: i + 2, timestampMs: i * 40, width: 640, height: 360, path: `f/${i}.jpg`, thumbPath: `t/${i}.jpg` });
        // Every other frame gets shapes, the last of them two.
        if (i % 2 === 0) writer.shape(box(id, label.id, 0));
        if (i === 4) writer.shape(box(id, label.id, 1));
      });
    });
    expect(getProject(db, batch.projectId)).toMatchObject({ frameCount: 7, annotatedFrameCount: 3 });
    const marked = db.prepare('SELECT id FROM frames WHERE annotated = 1 ORDER BY frame_index').all() as { id: string }[];
    expect(marked.map((row) => row.id)).toEqual([ids[0], ids[2], ids[4]]);
    // A write that fails puts them back as well.
    expect(() => bulkWrite(db, { outbox: true, liftTriggers }, (writer) => writer.shape(box(uuidv7(), label.id, 0)))).toThrow(/FOREIGN KEY/);
    expect(triggerNames(db)).toEqual(triggers);
    // And they work again: the annotator's one-row save marks its frame, and the change is recorded for pushing.
    saveShape(db, { ...box(ids[1]!, label.id, 0), zIndex: 0 });
    expect(getProject(db, batch.projectId).annotatedFrameCount).toBe(4);
    expect(outboxCount(db, 'shape')).toBe(5);
  });

  it('refuses a local row whose id the library already has, so no edit goes unrecorded, and lands nothing', () => {
    const { db } = openTestServices();
    const { batch, videoId, label } = scene(db);
    const frameId = uuidv7();
    const shape = box(frameId, label.id, 0);
    bulkWrite(db, { outbox: true, liftTriggers: true }, (writer) => {
      writer.frame({ id: frameId, videoId, batchId: batch.id, index: 2, timestampMs: 80, width: 640, height: 360, path: 'f/2.jpg', thumbPath: 't/2.jpg' });
      writer.shape(shape);
    });
    const outboxBefore = outboxCount(db, 'shape');
    expect(() =>
      bulkWrite(db, { outbox: true, liftTriggers: true }, (writer) => {
        writer.shape(box(frameId, label.id, 1));
        writer.shape({ ...shape, points: [1, 1, 5, 5] });
      }),
    ).toThrow(/UNIQUE/);
    expect(listShapes(db, frameId).map((s) => s.points)).toEqual([shape.points]);
    expect(outboxCount(db, 'shape')).toBe(outboxBefore);
    expect(db.prepare('SELECT applying FROM sync_guard').get()).toEqual({ applying: 0 });
  });

  it.each([
    ['on its own', (_db: Database, work: () => void) => work()],
    // Even if the caller goes on past the failure: the rows would lack the outbox entries and marks added at the end.
    ["inside a caller's transaction", (db: Database, work: () => void) => transaction(db, work)],
  ])('lands all or nothing %s: a row that breaks a constraint undoes the rows written before it', (_, around) => {
    const { db } = openTestServices();
    const { batch, videoId, label } = scene(db);
    const triggers = triggerNames(db);
    const frameId = uuidv7();
    around(db, () =>
      expect(() =>
        bulkWrite(db, { outbox: true, liftTriggers: true }, (writer) => {
          writer.frame({ id: frameId, videoId, batchId: batch.id, index: 2, timestampMs: 80, width: 640, height: 360, path: 'f/2.jpg', thumbPath: 't/2.jpg' });
          writer.shape(box(frameId, label.id, 0));
          writer.shape(box(uuidv7(), label.id, 1));
        }),
      ).toThrow(/FOREIGN KEY/),
    );
    expect(listFrames(db, batch.id, 0, 10).total).toBe(1);
    expect(getProject(db, batch.projectId).annotatedFrameCount).toBe(0);
    expect(outboxCount(db, 'shape')).toBe(0);
    expect(triggerNames(db)).toEqual(triggers);
  });

  it('replaces a pulled row it already has, keeping its server version and leaving the outbox alone', () => {
    const { db } = openTestServices();
    const { batch, videoId, label } = scene(db);
    const frameId = uuidv7();
    const shape = { ...box(frameId, label.id, 0), serverVersion: 4, createdAt: 1000, updatedAt: 2000 };
    const outboxBefore = outboxCount(db, 'shape');
    // As sync's pull writes: with the guard up, so the library's triggers mark nothing for pushing back.
    const pull = (points: number[], serverVersion: number) =>
      bulkWrite(db, { outbox: false, liftTriggers: false }, (writer) => {
        db.exec('UPDATE sync_guard SET applying = 1');
        writer.frame({ id: frameId, videoId, batchId: batch.id, index: 2, timestampMs: 80, width: 640, height: 360, path: 'f/2.jpg', thumbPath: 't/2.jpg', serverVersion });
        writer.shape({ ...shape, points, serverVersion });
        db.exec('UPDATE sync_guard SET applying = 0');
      });
    pull([1, 1, 5, 5], 4);
    pull([2, 2, 9, 9], 5);
    expect(listShapes(db, frameId).map((s) => [s.id, s.points, s.createdAt])).toEqual([[shape.id, [2, 2, 9, 9], 1000]]);
    expect(db.prepare('SELECT server_version FROM shapes WHERE id = ?').get(shape.id)).toEqual({ server_version: 5 });
    expect(outboxCount(db, 'shape')).toBe(outboxBefore);
    expect(db.prepare('SELECT COUNT(*) AS n FROM sync_dirty_fields WHERE row_id IN (?, ?)').get(frameId, shape.id)).toEqual({ n: 0 });
  });

  it('leaves the library as it was when killed (SIGKILL) half-way through', async () => {
    const services = openTestServices();
    const { batch, videoId, label } = scene(services.db);
    const file = path.join(services.paths.root, 'stillframe.db');
    const count = 4000;
    // A different point each time: anywhere from the first rows to near the end.
    const killAt = 1 + Math.floor(Math.random() * (count - 100));
    const child = spawn(process.execPath, [path.resolve('electron/test-support/bulk-write-child.mjs'), file, videoId, batch.id, label.id, String(count), String(killAt)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let seen = 0;
    let done = false;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line === 'done') done = true;
        else if (line) seen = Number(line);
      }
      if (seen >= killAt) child.kill('SIGKILL');
    });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(done).toBe(false);
    expect(seen).toBeGreaterThanOrEqual(killAt);
    const db = openDatabase(file);
    expect(listFrames(db, batch.id, 0, 10).total).toBe(1);
    expect(Number((db.prepare('SELECT COUNT(*) AS n FROM shapes').get() as { n: number }).n)).toBe(0);
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    expect(db.prepare('SELECT applying FROM sync_guard').get()).toEqual({ applying: 0 });
    db.close();
  }, 60_000);
});
