import { describe, expect, it } from 'vitest';
import { shapeInputSchema } from '../../shared/annotations';
import { uuidv7 } from '../../shared/ids';
import { seedFrames } from '../test-support/seed-frames';
import { openTestServices } from '../test-support/temp-library';
import { deleteShapes, restoreShapes, saveShape } from './annotations';
import type { Database } from './database';
import { migrations } from './migrations';

const entries = (db: Database, rowId: string) =>
  db.prepare('SELECT op, fields FROM outbox WHERE row_id = ? ORDER BY seq').all(rowId).map((row) => ({ ...row }));

function pushedShape() {
  const { db } = openTestServices();
  const { frames } = seedFrames(db, [{ width: 100, height: 100 }]);
  const saved = saveShape(db, shapeInputSchema.parse({ id: uuidv7(), frameId: frames[0]?.id, type: 'rectangle', points: [1, 1, 5, 5] }));
  // As a push leaves it: the server has the row, nothing waits.
  db.exec('DELETE FROM outbox');
  db.prepare('UPDATE shapes SET server_version = 1 WHERE id = ?').run(saved.id);
  return { db, saved };
}

describe('the sync outbox', () => {
  it('keeps one waiting entry per edited row, with every column its edits changed', () => {
    const { db, saved } = pushedShape();
    for (let n = 2; n < 50; n++) saveShape(db, shapeInputSchema.parse({ ...saved, points: [n, n, n + 4, n + 4] }));
    saveShape(db, shapeInputSchema.parse({ ...saved, points: [9, 9, 20, 20], note: 'moved', hidden: true }));
    expect(entries(db, saved.id)).toEqual([{ op: 'upsert', fields: JSON.stringify(['hidden', 'note', 'points']) }]);
    // Saved again as it is: nothing changed, nothing more to send.
    saveShape(db, shapeInputSchema.parse({ ...saved, points: [9, 9, 20, 20], note: 'moved', hidden: true }));
    expect(entries(db, saved.id)).toHaveLength(1);
    expect(db.prepare('SELECT COUNT(*) AS n FROM sync_dirty_fields').get()).toEqual({ n: 0 });
  });

  it('still sends the delete of a row the server has after it was restored and deleted again', () => {
    const { db, saved } = pushedShape();
    saveShape(db, shapeInputSchema.parse({ ...saved, note: 'edited' }));
    const [deleted] = deleteShapes(db, [saved.id]);
    restoreShapes(db, [shapeInputSchema.parse(deleted)]);
    expect(entries(db, saved.id)).toEqual([
      { op: 'delete', fields: '["known"]' },
      { op: 'upsert', fields: null },
    ]);
    deleteShapes(db, [saved.id]);
    // The first delete is the one the server must hear of; the restored row it never saw.
    expect(entries(db, saved.id)).toEqual([
      { op: 'delete', fields: '["known"]' },
      { op: 'delete', fields: null },
    ]);
  });

  it('folds the entries a library had waiting before, as a push would have', () => {
    const { db } = openTestServices();
    db.exec('DROP INDEX outbox_one_upsert');
    const add = db.prepare('INSERT INTO outbox (entity, row_id, op, created_at, fields) VALUES (?, ?, ?, 0, ?)');
    add.run('shape', 'edited', 'upsert', '["points"]');
    add.run('shape', 'edited', 'upsert', '["note","points"]');
    add.run('shape', 'new', 'upsert', null);
    add.run('shape', 'new', 'upsert', '["points"]');
    add.run('shape', 'gone', 'upsert', '["points"]');
    add.run('shape', 'gone', 'delete', '["known"]');
    add.run('shape', 'back', 'upsert', '["note"]');
    add.run('shape', 'back', 'delete', null);
    add.run('shape', 'back', 'upsert', null);
    add.run('shape', 'back', 'upsert', '["points"]');
    db.exec(migrations.find((migration) => migration.includes('CREATE UNIQUE INDEX outbox_one_upsert')) ?? '');
    expect(entries(db, 'edited')).toEqual([{ op: 'upsert', fields: '["note","points"]' }]);
    expect(entries(db, 'new')).toEqual([{ op: 'upsert', fields: null }]);
    expect(entries(db, 'gone')).toEqual([{ op: 'delete', fields: '["known"]' }]);
    expect(entries(db, 'back')).toEqual([
      { op: 'delete', fields: null },
      { op: 'upsert', fields: null },
    ]);
  });
});
