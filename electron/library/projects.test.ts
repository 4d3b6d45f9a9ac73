import { describe, expect, it } from 'vitest';
import { shapeInputSchema, type ShapeInput } from '../../shared/annotations';
import { uuidv7 } from '../../shared/ids';
import { seedFrames } from '../test-support/seed-frames';
import { openServices } from '../services';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';
import { projectStorage } from '../monitoring/storage';
import type { Database } from './database';
import { migrations } from './migrations';
import { addImportedShapes, deleteShapes, saveShape } from './annotations';
import { transaction } from './database';
import { deleteBatch, listBatches } from './batches';
import { recordFrameFileSize } from './frame-sizes';
import { purgeDeletedFrames, restoreFrames, softDeleteFrames } from './frames';
import { getProject, listProjects } from './projects';

const rect = (frameId: string, more: Partial<ShapeInput> = {}) =>
  shapeInputSchema.parse({ id: uuidv7(), frameId, type: 'rectangle', points: [10, 10, 50, 40], ...more });

describe('project cards', () => {
  it('count the frames that have at least one shape, whichever way the shapes came, and only live frames', () => {
    const { db } = openTestServices();
    const size = { width: 640, height: 360 };
    const { project, frames } = seedFrames(db, [size, size, size, size, size]);
    const other = seedFrames(db, [size, size], 'Harbour');
    const [a, b, c, d] = frames.map((frame) => frame.id) as [string, string, string, string];
    const annotated = () => getProject(db, project.id).annotatedFrameCount;
    expect(annotated()).toBe(0);

    const first = saveShape(db, rect(a));
    saveShape(db, rect(a));
    saveShape(db, rect(b));
    transaction(db, () => addImportedShapes(db, [{ frameId: c, shapes: [rect(c), rect(c)] }]));
    saveShape(db, rect(other.frames[0]!.id));
    expect(annotated()).toBe(3);
    expect(listProjects(db).map((p) => [p.name, p.frameCount, p.annotatedFrameCount])).toEqual(
      expect.arrayContaining([
        ['Street', 5, 3],
        ['Harbour', 2, 1],
      ]),
    );

    // A frame stays annotated while it has a shape left; saving a shape again (an edit) changes nothing.
    deleteShapes(db, [first.id]);
    saveShape(db, { ...rect(b), id: listShapeIds(db, b)[0]!, points: [0, 0, 20, 20] });
    expect(annotated()).toBe(3);
    deleteShapes(db, listShapeIds(db, b));
    expect(annotated()).toBe(2);

    // Deleted frames are not counted, and count again when restored.
    softDeleteFrames(db, [a, d]);
    expect(annotated()).toBe(1);
    restoreFrames(db, [a, d]);
    expect(annotated()).toBe(2);
  });
});

describe('batch and project frame counts', () => {
  it('stay equal to counting the frames, through shapes, sizes, deletes, restores, moves, purges and a deleted batch', async () => {
    const services = openTestServices();
    const { db } = services;
    const size = { width: 640, height: 360 };
    const street = seedFrames(db, Array.from({ length: 6 }, () => size));
    const harbour = seedFrames(db, [size, size, size], 'Harbour');
    const ids = street.frames.map((frame) => frame.id);
    const counted = () => countsByCounting(db);
    const kept = () => countsKept(services);
    expect(await kept()).toEqual(counted());
    // Sizes as a download records them, and a thumbnail pass forgetting one it will make again.
    recordFrameFileSize(db, ids[0]!, 'image', 120_000);
    recordFrameFileSize(db, ids[1]!, 'thumb', 9_000);
    recordFrameFileSize(db, harbour.frames[0]!.id, 'image', 70_000);
    expect(await kept()).toEqual(counted());
    recordFrameFileSize(db, ids[0]!, 'image', 130_000);
    db.prepare('UPDATE frames SET thumb_bytes = NULL WHERE id = ?').run(ids[1]!);

    saveShape(db, rect(ids[0]!));
    transaction(db, () => addImportedShapes(db, [{ frameId: ids[1]!, shapes: [rect(ids[1]!)] }]));
    saveShape(db, rect(harbour.frames[0]!.id));
    expect(await kept()).toEqual(counted());
    softDeleteFrames(db, [ids[0]!, ids[2]!]);
    expect(await kept()).toEqual(counted());
    restoreFrames(db, [ids[2]!]);
    expect(await kept()).toEqual(counted());
    // A frame moved by a teammate arrives as a row whose batch changed (a sync pull writes it as it is).
    db.prepare('UPDATE frames SET batch_id = ? WHERE id IN (?, ?)').run(harbour.batch.id, ids[1]!, ids[3]!);
    expect(await kept()).toEqual(counted());
    deleteShapes(db, listShapeIds(db, ids[1]!));
    expect(await kept()).toEqual(counted());
    purgeDeletedFrames(db, services.paths);
    expect(await kept()).toEqual(counted());
    db.prepare('UPDATE frames SET batch_id = ? WHERE id IN (?, ?)').run(street.batch.id, ids[1]!, ids[3]!);
    deleteBatch(db, services.paths, harbour.batch.id);
    expect(await kept()).toEqual(counted());
    expect(listProjects(db).map((p) => [p.name, p.frameCount, p.annotatedFrameCount])).toEqual(
      expect.arrayContaining([
        ['Street', 5, 0],
        ['Harbour', 0, 0],
      ]),
    );
  });
});

describe('a library from before the kept frame counts', () => {
  it('has them counted when it is opened', async () => {
    const libraryDir = tempLibraryDir();
    const services = openServices({ libraryDir });
    const size = { width: 640, height: 360 };
    const street = seedFrames(services.db, [size, size, size, size]);
    seedFrames(services.db, [size, size], 'Harbour');
    saveShape(services.db, rect(street.frames[0]!.id));
    softDeleteFrames(services.db, [street.frames[1]!.id]);
    recordFrameFileSize(services.db, street.frames[2]!.id, 'image', 50_000);
    recordFrameFileSize(services.db, street.frames[2]!.id, 'thumb', 4_000);
    const expected = countsByCounting(services.db);
    // As the version before the counts left it: no table of counts, no triggers keeping it, nor what came after.
    const counting = migrations.findIndex((sql) => sql.includes('CREATE TABLE batch_frame_counts'));
    services.db.exec(`DROP TRIGGER frames_count_insert; DROP TRIGGER frames_count_delete; DROP TRIGGER frames_count_update;
      DROP TABLE batch_frame_counts; DROP TABLE shape_moves; ALTER TABLE shapes DROP COLUMN move_seq; PRAGMA user_version = ${counting};`);
    await services.close();

    const reopened = openTestServices({ libraryDir });
    expect(await countsKept(reopened)).toEqual(expected);
  });
});

/** Every batch's and project's live and annotated frames, and each batch's bytes, as the library reports them. */
async function countsKept(services: ReturnType<typeof openTestServices>) {
  const projects = listProjects(services.db);
  const storage = await Promise.all(projects.map((p) => projectStorage(services.db, services.paths, p.id)));
  return {
    projects: projects.map((p) => [p.name, p.frameCount, p.annotatedFrameCount]).sort(),
    batches: projects.flatMap((p) => listBatches(services.db, p.id).map((b) => [b.id, b.frameCount])).sort(),
    bytes: storage.flatMap((p) => p.batches.map((b) => [b.id, b.frames, b.frameBytes, b.thumbnailBytes])).sort(),
  };
}

/** The same, counted from the frames themselves. */
function countsByCounting(db: Database) {
  const live = 'f.deleted_at IS NULL';
  const annotated = 'EXISTS (SELECT 1 FROM shapes s WHERE s.frame_id = f.id)';
  return {
    projects: db
      .prepare(
        `SELECT p.name, (SELECT COUNT(*) FROM frames f JOIN batches b ON b.id = f.batch_id WHERE b.project_id = p.id AND ${live}) AS n,
           (SELECT COUNT(*) FROM frames f JOIN batches b ON b.id = f.batch_id WHERE b.project_id = p.id AND ${live} AND ${annotated}) AS a
         FROM projects p`,
      )
      .all()
      .map((row) => [String(row.name), Number(row.n), Number(row.a)])
      .sort(),
    batches: db
      .prepare(`SELECT b.id, (SELECT COUNT(*) FROM frames f WHERE f.batch_id = b.id AND ${live}) AS n FROM batches b`)
      .all()
      .map((row) => [String(row.id), Number(row.n)])
      .sort(),
    bytes: db
      .prepare(
        `SELECT b.id, (SELECT COUNT(*) FROM frames f WHERE f.batch_id = b.id AND ${live}) AS n,
           (SELECT COALESCE(SUM(file_bytes), 0) FROM frames f WHERE f.batch_id = b.id) AS image,
           (SELECT COALESCE(SUM(thumb_bytes), 0) FROM frames f WHERE f.batch_id = b.id) AS thumb
         FROM batches b`,
      )
      .all()
      .map((row) => [String(row.id), Number(row.n), Number(row.image), Number(row.thumb)])
      .sort(),
  };
}

function listShapeIds(db: ReturnType<typeof openTestServices>['db'], frameId: string): string[] {
  return db.prepare('SELECT id FROM shapes WHERE frame_id = ? ORDER BY id').all(frameId).map((row) => String(row.id));
}
