import { describe, expect, it } from 'vitest';
import { shapeInputSchema, type ShapeInput } from '../../shared/annotations';
import { uuidv7 } from '../../shared/ids';
import { seedFrames } from '../test-support/seed-frames';
import { openTestServices } from '../test-support/temp-library';
import { addImportedShapes, deleteShapes, saveShape } from './annotations';
import { transaction } from './database';
import { restoreFrames, softDeleteFrames } from './frames';
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

function listShapeIds(db: ReturnType<typeof openTestServices>['db'], frameId: string): string[] {
  return db.prepare('SELECT id FROM shapes WHERE frame_id = ? ORDER BY id').all(frameId).map((row) => String(row.id));
}
