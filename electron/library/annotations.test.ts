import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shapeInputSchema, type ShapeInput } from '../../shared/annotations';
import { uuidv7 } from '../../shared/ids';
import { openServices } from '../services';
import { seedFrames } from '../test-support/seed-frames';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';
import {
  copyShapesFromFrame,
  createLabel,
  deleteLabel,
  deleteShapes,
  frameAnnotationCounts,
  frameAnnotationSummaries,
  getLabel,
  labelCreator,
  listLabels,
  listShapes,
  pasteShapes,
  restoreShapes,
  saveShape,
  updateLabel,
} from './annotations';
import { openDatabase, type Database } from './database';
import { softDeleteFrames } from './frames';
import { deleteProject } from './projects';

function seedOne(db: Database, width = 1920, height = 1080) {
  const { project, batch, frames } = seedFrames(db, [{ width, height }]);
  return { project, batch, frame: frames[0]! };
}

const shape = (input: ShapeInput) => shapeInputSchema.parse(input);
const rect = (frameId: string, points: number[], more: Partial<ShapeInput> = {}) =>
  shape({ id: uuidv7(), frameId, type: 'rectangle', points, ...more });

const outbox = (db: Database, entity: string) =>
  db.prepare('SELECT row_id AS id, op FROM outbox WHERE entity = ? ORDER BY seq').all(entity).map((row) => ({ ...row }));

describe('shapes', () => {
  it('saves every type and reads it back in source-image pixels', () => {
    const { db } = openTestServices();
    const { frame } = seedOne(db);
    const saved = [
      saveShape(db, rect(frame.id, [1500.5, 900.25, 100, 80.75])),
      saveShape(db, shape({ id: uuidv7(), frameId: frame.id, type: 'polygon', points: [10, 10, 1910, 10, 960, 1070] })),
      saveShape(db, shape({ id: uuidv7(), frameId: frame.id, type: 'polyline', points: [0, 0, 1920, 1080] })),
      saveShape(db, shape({ id: uuidv7(), frameId: frame.id, type: 'point', points: [1919.5, 1079.5], note: 'tail light' })),
    ];
    const listed = listShapes(db, frame.id);
    expect(listed).toEqual(saved);
    expect(listed.map((s) => [s.type, s.points])).toEqual([
      ['rectangle', [100, 80.75, 1500.5, 900.25]],
      ['polygon', [10, 10, 1910, 10, 960, 1070]],
      ['polyline', [0, 0, 1920, 1080]],
      ['point', [1919.5, 1079.5]],
    ]);
    expect(listed.map((s) => s.zIndex)).toEqual([0, 1, 2, 3]);
    expect(listed[3]).toMatchObject({ note: 'tail light', labelId: null, attributes: {}, hidden: false, locked: false });
  });

  it('clamps geometry to the frame and refuses degenerate shapes, writing nothing', () => {
    const { db } = openTestServices();
    const { frame } = seedOne(db, 640, 480);
    expect(saveShape(db, rect(frame.id, [600, -40, 900, 100])).points).toEqual([600, 0, 640, 100]);
    expect(saveShape(db, shape({ id: uuidv7(), frameId: frame.id, type: 'polygon', points: [-5, -5, 700, 0, 320, 999] })).points).toEqual([
      0, 0, 640, 0, 320, 480,
    ]);
    const before = { shapes: listShapes(db, frame.id).length, outbox: outbox(db, 'shape').length };

    const refusals: [ShapeInput, string][] = [
      [rect(frame.id, [10, 10, 200, 10]), 'A rectangle needs a width and a height inside the frame.'],
      [rect(frame.id, [700, 10, 800, 100]), 'A rectangle needs a width and a height inside the frame.'],
      [shape({ id: uuidv7(), frameId: frame.id, type: 'polygon', points: [1, 1, 5, 5, 1, 1] }), 'A polygon needs at least 3 different points'],
      [shape({ id: uuidv7(), frameId: frame.id, type: 'polyline', points: [3, 3] }), 'A line needs at least 2 different points'],
      [shape({ id: uuidv7(), frameId: frame.id, type: 'point', points: [1, 1, 2, 2] }), 'A point shape needs exactly 1 point, not 2.'],
    ];
    for (const [input, message] of refusals) {
      expect(() => saveShape(db, shapeInputSchema.parse(input))).toThrow(message);
    }
    expect(listShapes(db, frame.id)).toHaveLength(before.shapes);
    expect(outbox(db, 'shape')).toHaveLength(before.outbox);
  });

  it('updates a shape saved again under its id, keeping its creation time and stacking unless told', () => {
    const { db } = openTestServices();
    const { frame } = seedOne(db);
    const first = saveShape(db, rect(frame.id, [1, 1, 5, 5]));
    const other = saveShape(db, rect(frame.id, [2, 2, 6, 6]));
    const edited = saveShape(db, { ...shapeInputSchema.parse(first), points: [10, 10, 50, 50], hidden: true, zIndex: undefined });
    expect(edited).toMatchObject({ id: first.id, points: [10, 10, 50, 50], hidden: true, zIndex: 0, createdAt: first.createdAt });
    expect(saveShape(db, shapeInputSchema.parse({ ...edited, zIndex: 5 })).zIndex).toBe(5);
    expect(listShapes(db, frame.id).map((s) => s.id)).toEqual([other.id, first.id]);
    // The edits of a shape not pushed yet fold into its one waiting upsert, still the whole new row.
    expect(outbox(db, 'shape')).toEqual([
      { id: first.id, op: 'upsert' },
      { id: other.id, op: 'upsert' },
    ]);
    expect(db.prepare(`SELECT fields FROM outbox WHERE row_id = ?`).get(first.id)).toEqual({ fields: null });
  });

  it('refuses to move a shape to another frame by saving it there, and to draw on a deleted frame', () => {
    const { db } = openTestServices();
    const { frames } = seedFrames(db, [{ width: 100, height: 100 }, { width: 100, height: 100 }]);
    const [a, b] = [frames[0]!, frames[1]!];
    const saved = saveShape(db, rect(a.id, [1, 1, 5, 5]));
    expect(() => saveShape(db, shapeInputSchema.parse({ ...saved, frameId: b.id }))).toThrow('belongs to another frame');
    softDeleteFrames(db, [b.id]);
    expect(() => saveShape(db, rect(b.id, [1, 1, 5, 5]))).toThrow('That frame no longer exists.');
    expect(() => saveShape(db, rect('missing', [1, 1, 5, 5]))).toThrow('That frame no longer exists.');
  });

  it('deletes shapes returning them whole, so restoring them brings back the same ids', () => {
    const { db } = openTestServices();
    const { project, frame } = seedOne(db);
    const label = createLabel(db, { projectId: project.id, name: 'Car', color: '#FF0000', hotkey: 1, attributes: [] });
    const a = saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: label.id, note: 'a' }));
    const b = saveShape(db, shape({ id: uuidv7(), frameId: frame.id, type: 'point', points: [3, 3] }));
    const deleted = deleteShapes(db, [a.id, b.id, a.id, 'gone']);
    expect(deleted).toEqual([a, b]);
    expect(listShapes(db, frame.id)).toEqual([]);
    const restored = restoreShapes(db, deleted.map((s) => shapeInputSchema.parse(s)));
    expect(restored.map((s) => [s.id, s.note, s.labelId, s.points, s.zIndex])).toEqual([
      [a.id, 'a', label.id, a.points, a.zIndex],
      [b.id, '', null, b.points, b.zIndex],
    ]);
    // The deletes make the shapes' earlier upserts moot; the restores wait as new upserts after them.
    expect(outbox(db, 'shape')).toEqual([
      { id: a.id, op: 'delete' },
      { id: b.id, op: 'delete' },
      { id: a.id, op: 'upsert' },
      { id: b.id, op: 'upsert' },
    ]);
  });

  it('restores all shapes or none', () => {
    const { db } = openTestServices();
    const { frame } = seedOne(db);
    const good = rect(frame.id, [1, 1, 5, 5]);
    expect(() => restoreShapes(db, [good, rect(frame.id, [1, 1, 1, 5])])).toThrow('A rectangle needs a width and a height');
    expect(listShapes(db, frame.id)).toEqual([]);
    expect(outbox(db, 'shape')).toEqual([]);
  });

  it('writes the row and its outbox entry in one transaction: when the outbox write fails, neither lands', () => {
    const { db } = openTestServices();
    const { frame } = seedOne(db);
    db.exec(`CREATE TEMP TRIGGER outbox_fails BEFORE INSERT ON outbox WHEN NEW.entity = 'shape'
             BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END`);
    expect(() => saveShape(db, rect(frame.id, [1, 1, 5, 5]))).toThrow('outbox unavailable');
    expect(listShapes(db, frame.id)).toEqual([]);
    db.exec('DROP TRIGGER outbox_fails');
    const saved = saveShape(db, rect(frame.id, [1, 1, 5, 5]));
    expect(outbox(db, 'shape')).toEqual([{ id: saved.id, op: 'upsert' }]);
  });

  it('keeps shapes and labels across closing and reopening the library, and in the files right after a call', async () => {
    const libraryDir = tempLibraryDir();
    const first = openServices({ libraryDir });
    const { project, frame } = seedOne(first.db);
    const label = createLabel(first.db, { projectId: project.id, name: 'Car', color: '#00ff00', hotkey: 2, attributes: [] });
    const saved = saveShape(first.db, rect(frame.id, [10, 20, 30, 40], { labelId: label.id, note: 'kept' }));

    // What a killed process leaves: the files as they are now, with the connection still open.
    const snapshotDir = tempLibraryDir();
    for (const suffix of ['', '-wal', '-shm']) {
      const file = first.paths.database + suffix;
      if (existsSync(file)) copyFileSync(file, path.join(snapshotDir, `snapshot.db${suffix}`));
    }
    const snapshot = openDatabase(path.join(snapshotDir, 'snapshot.db'));
    expect(listShapes(snapshot, frame.id)).toEqual([saved]);
    snapshot.close();

    await first.close();
    const second = openTestServices({ libraryDir });
    expect(listShapes(second.db, frame.id)).toEqual([saved]);
    expect(listLabels(second.db, project.id)).toEqual([label]);
  });

  it('copies shapes onto a smaller frame clamped to it, on top, skipping what falls outside', () => {
    const { db } = openTestServices();
    const { project, frames } = seedFrames(db, [{ width: 1920, height: 1080 }, { width: 640, height: 360 }]);
    const [big, small] = [frames[0]!, frames[1]!];
    const label = createLabel(db, { projectId: project.id, name: 'Car', color: '#00ff00', hotkey: null, attributes: [] });
    const existing = saveShape(db, rect(small.id, [1, 1, 5, 5]));
    const inside = saveShape(db, rect(big.id, [100, 100, 200, 200], { labelId: label.id, zIndex: 3 }));
    const straddling = saveShape(db, rect(big.id, [600, 300, 1000, 700], { zIndex: 1 }));
    const outside = saveShape(db, rect(big.id, [1000, 600, 1200, 800], { zIndex: 2 }));
    const line = saveShape(db, shape({ id: uuidv7(), frameId: big.id, type: 'polyline', points: [0, 0, 1920, 1080], zIndex: 4 }));

    const pasted = pasteShapes(db, small.id, [inside, straddling, outside, line].map((s) => shapeInputSchema.parse(s)));
    expect(pasted.skipped).toBe(1);
    expect(pasted.shapes.map((s) => [s.points, s.zIndex, s.labelId])).toEqual([
      [[600, 300, 640, 360], 1, null],
      [[100, 100, 200, 200], 2, label.id],
      [[0, 0, 640, 360], 3, null],
    ]);
    for (const copy of pasted.shapes) {
      expect(copy.frameId).toBe(small.id);
      expect([inside.id, straddling.id, outside.id, line.id]).not.toContain(copy.id);
    }
    expect(listShapes(db, small.id).map((s) => s.id)).toEqual([existing.id, ...pasted.shapes.map((s) => s.id)]);

    const copied = copyShapesFromFrame(db, big.id, small.id);
    expect(copied.skipped).toBe(1);
    expect(copied.shapes.map((s) => s.points)).toEqual([[600, 300, 640, 360], [100, 100, 200, 200], [0, 0, 640, 360]]);
    expect(copied.shapes.map((s) => s.zIndex)).toEqual([4, 5, 6]);
    expect(listShapes(db, big.id)).toHaveLength(4);
    expect(() => copyShapesFromFrame(db, big.id, big.id)).toThrow('Choose a different frame');
  });

  it('refuses a pasted label of another project', () => {
    const { db } = openTestServices();
    const here = seedOne(db);
    const there = seedFrames(db, [{ width: 100, height: 100 }], 'Elsewhere');
    const label = createLabel(db, { projectId: there.project.id, name: 'Tree', color: '#00ff00', hotkey: null, attributes: [] });
    const tree = saveShape(db, rect(there.frames[0]!.id, [1, 1, 5, 5], { labelId: label.id }));
    expect(() => pasteShapes(db, here.frame.id, [shapeInputSchema.parse(tree)])).toThrow('The label “Tree” belongs to another project.');
    expect(listShapes(db, here.frame.id)).toEqual([]);
  });

  it('counts annotations per frame of a batch, with the labels used, leaving out deleted frames', () => {
    const { db } = openTestServices();
    const { project, batch, frames } = seedFrames(db, [100, 100, 100, 100].map((n) => ({ width: n, height: n })));
    const [car, person] = ['Car', 'Person'].map((name) => createLabel(db, { projectId: project.id, name, color: '#123456', hotkey: null, attributes: [] }));
    const [f1, f2, , f4] = frames;
    saveShape(db, rect(f1!.id, [1, 1, 5, 5], { labelId: person!.id }));
    saveShape(db, rect(f1!.id, [1, 1, 5, 5], { labelId: car!.id }));
    saveShape(db, rect(f1!.id, [1, 1, 5, 5], { labelId: car!.id }));
    saveShape(db, rect(f1!.id, [1, 1, 5, 5]));
    saveShape(db, rect(f2!.id, [1, 1, 5, 5]));
    saveShape(db, rect(f4!.id, [1, 1, 5, 5], { labelId: person!.id }));
    softDeleteFrames(db, [f4!.id]);

    expect(frameAnnotationCounts(db, batch.id)).toEqual(new Map([[f1!.id, 4], [f2!.id, 1]]));
    const summaries = frameAnnotationSummaries(db, batch.id);
    expect(summaries).toHaveLength(2);
    expect(summaries).toEqual(
      expect.arrayContaining([
        { frameId: f1!.id, count: 4, labelIds: listLabels(db, project.id).map((label) => label.id) },
        { frameId: f2!.id, count: 1, labelIds: [] },
      ]),
    );
  });

  it('saves and lists a frame of 1,000 shapes', () => {
    const { db } = openTestServices();
    const { frame } = seedOne(db);
    const saveStart = performance.now();
    for (let i = 0; i < 1000; i++) {
      const x = (i % 40) * 48;
      const y = Math.floor(i / 40) * 40;
      const type = (['rectangle', 'polygon', 'polyline', 'point'] as const)[i % 4]!;
      const points = {
        rectangle: [x, y, x + 40, y + 30],
        polygon: [x, y, x + 40, y, x + 40, y + 30, x, y + 30, x + 20, y + 35],
        polyline: [x, y, x + 20, y + 10, x + 40, y],
        point: [x + 5, y + 5],
      }[type];
      saveShape(db, shape({ id: uuidv7(), frameId: frame.id, type, points }));
    }
    const saveMs = performance.now() - saveStart;
    const listStart = performance.now();
    const listed = listShapes(db, frame.id);
    const listMs = performance.now() - listStart;
    console.log(`1,000 shapes: saved one call each in ${saveMs.toFixed(0)} ms, listed in ${listMs.toFixed(1)} ms`);
    expect(listed).toHaveLength(1000);
    expect(listed.map((s) => s.zIndex)).toEqual([...Array(1000).keys()]);
    expect(listMs).toBeLessThan(500);
  });
});

describe('labels', () => {
  it('trims names and refuses empty, too long, duplicate (in any case) names and bad colours', () => {
    const { db } = openTestServices();
    const { project } = seedOne(db);
    const make = (name: string, more: { color?: string; hotkey?: number | null } = {}) =>
      createLabel(db, { projectId: project.id, name, color: more.color ?? '#AABBCC', hotkey: more.hotkey ?? null, attributes: [] });
    const car = make('  Car  ');
    expect(car).toMatchObject({ name: 'Car', color: '#aabbcc', hotkey: null, attributes: [] });
    expect(() => make('   ')).toThrow('Label name is required.');
    expect(() => make('x'.repeat(61))).toThrow('Label name is too long: at most 60 characters.');
    expect(make('🚗'.repeat(60)).name).toHaveLength(120);
    expect(() => make('car')).toThrow('This project already has a label named “Car”. Choose another name.');
    make('Äpfel');
    expect(() => make('äPFEL')).toThrow('already has a label named “Äpfel”');
    expect(() => make('Bus', { color: 'red' })).toThrow('“red” is not a colour: use the form #rrggbb');
    expect(() => make('Bus', { color: '#abc' })).toThrow('is not a colour');
    expect(() => createLabel(db, { projectId: 'nope', name: 'Bus', color: '#000000', hotkey: null, attributes: [] })).toThrow(
      'That project no longer exists.',
    );
    const other = seedFrames(db, [{ width: 10, height: 10 }], 'Other');
    expect(createLabel(db, { projectId: other.project.id, name: 'Car', color: '#000000', hotkey: null, attributes: [] }).name).toBe('Car');
  });

  it('gives each hotkey to one label per project', () => {
    const { db } = openTestServices();
    const { project } = seedOne(db);
    const car = createLabel(db, { projectId: project.id, name: 'Car', color: '#ff0000', hotkey: 3, attributes: [] });
    expect(() => createLabel(db, { projectId: project.id, name: 'Bus', color: '#ff0000', hotkey: 3, attributes: [] })).toThrow(
      'Hotkey 3 is already used by “Car”.',
    );
    const bus = createLabel(db, { projectId: project.id, name: 'Bus', color: '#ff0000', hotkey: null, attributes: [] });
    expect(() => updateLabel(db, bus.id, { hotkey: 3 })).toThrow('Hotkey 3 is already used by “Car”.');
    expect(updateLabel(db, car.id, { hotkey: 3, name: 'Cars' })).toMatchObject({ hotkey: 3, name: 'Cars' });
    expect(updateLabel(db, car.id, { hotkey: null }).hotkey).toBeNull();
    expect(updateLabel(db, bus.id, { hotkey: 3 }).hotkey).toBe(3);
    expect(() => updateLabel(db, bus.id, { name: 'CARS' })).toThrow('already has a label named “Cars”');
    expect(Object.fromEntries(listLabels(db, project.id).map((l) => [l.name, l.hotkey]))).toEqual({ Cars: null, Bus: 3 });
    expect(outbox(db, 'label').map((row) => row.op)).toEqual(['upsert', 'upsert']);
  });

  it('checks attribute definitions', () => {
    const { db } = openTestServices();
    const { project } = seedOne(db);
    const make = (attributes: Parameters<typeof createLabel>[1]['attributes']) =>
      createLabel(db, { projectId: project.id, name: `L${uuidv7()}`.slice(0, 40), color: '#000000', hotkey: null, attributes });
    expect(() => make([{ key: 'colour', name: 'Colour', type: 'choice' }])).toThrow('Attribute “Colour” needs at least one option.');
    expect(() => make([{ key: 'colour', name: 'Colour', type: 'choice', options: ['red', 'red'] }])).toThrow('lists the same option twice');
    expect(() => make([{ key: 'n', name: 'N', type: 'number', options: ['1'] }])).toThrow('is not a choice, so it cannot have options');
    expect(() =>
      make([
        { key: 'a', name: 'A', type: 'text' },
        { key: 'a', name: 'B', type: 'text' },
      ]),
    ).toThrow('Two attributes use the key “a”.');
    expect(make([{ key: 'colour', name: ' Colour ', type: 'choice', options: [' red ', 'blue'] }]).attributes).toEqual([
      { key: 'colour', name: 'Colour', type: 'choice', options: ['red', 'blue'] },
    ]);
  });

  it('validates shape attributes against the label: unknown keys and wrong types refused', () => {
    const { db } = openTestServices();
    const { project, frame } = seedOne(db);
    const car = createLabel(db, {
      projectId: project.id,
      name: 'Car',
      color: '#ff0000',
      hotkey: 1,
      attributes: [
        { key: 'plate', name: 'Plate', type: 'text' },
        { key: 'doors', name: 'Doors', type: 'number' },
        { key: 'colour', name: 'Colour', type: 'choice', options: ['red', 'blue'] },
        { key: 'occluded', name: 'Occluded', type: 'checkbox' },
      ],
    });
    const attributes = { plate: 'AB 123', doors: 4, colour: 'blue', occluded: true };
    expect(saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: car.id, attributes })).attributes).toEqual(attributes);
    expect(saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: car.id, attributes: { doors: 2 } })).attributes).toEqual({ doors: 2 });

    const refusals: [Record<string, string | number | boolean>, string][] = [
      [{ wheels: 4 }, 'Label “Car” has no attribute “wheels”.'],
      [{ doors: '4' }, 'Attribute “Doors” must be a number.'],
      [{ plate: 7 }, 'Attribute “Plate” must be text.'],
      [{ colour: 'green' }, 'Attribute “Colour” must be one of: red, blue.'],
      [{ occluded: 'yes' }, 'Attribute “Occluded” must be checked or unchecked'],
    ];
    for (const [values, message] of refusals) {
      expect(() => saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: car.id, attributes: values }))).toThrow(message);
    }
    expect(() => saveShape(db, rect(frame.id, [1, 1, 5, 5], { attributes: { doors: 4 } }))).toThrow('Choose a label before setting attributes.');
    expect(() => saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: 'missing' }))).toThrow('That label no longer exists.');
    expect(listShapes(db, frame.id)).toHaveLength(2);
  });

  it('drops the values shapes hold for attributes the label no longer defines', () => {
    const { db } = openTestServices();
    const { project, frame } = seedOne(db);
    const car = createLabel(db, {
      projectId: project.id,
      name: 'Car',
      color: '#ff0000',
      hotkey: null,
      attributes: [
        { key: 'doors', name: 'Doors', type: 'number' },
        { key: 'colour', name: 'Colour', type: 'choice', options: ['red', 'blue'] },
      ],
    });
    const kept = saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: car.id, attributes: { doors: 4, colour: 'red' } }));
    const untouched = saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: car.id, attributes: { doors: 2 } }));
    // As after a push, so that what the label's change records shows on its own.
    db.exec('DELETE FROM outbox');
    const outboxBefore = outbox(db, 'shape').length;
    updateLabel(db, car.id, { attributes: [{ key: 'doors', name: 'Doors', type: 'number' }, { key: 'colour', name: 'Colour', type: 'choice', options: ['blue'] }] });
    expect(listShapes(db, frame.id).map((s) => s.attributes)).toEqual([{ doors: 4 }, { doors: 2 }]);
    expect(outbox(db, 'shape').slice(outboxBefore)).toEqual([{ id: kept.id, op: 'upsert' }]);
    expect(untouched.id).not.toBe(kept.id);
  });

  it('refuses to delete a label in use, saying how many shapes use it, unless they move or go with it', () => {
    const { db } = openTestServices();
    const { project, frame } = seedOne(db);
    const car = createLabel(db, {
      projectId: project.id,
      name: 'Car',
      color: '#ff0000',
      hotkey: 1,
      attributes: [{ key: 'doors', name: 'Doors', type: 'number' }, { key: 'plate', name: 'Plate', type: 'text' }],
    });
    const vehicle = createLabel(db, {
      projectId: project.id,
      name: 'Vehicle',
      color: '#00ff00',
      hotkey: 2,
      attributes: [{ key: 'doors', name: 'Doors', type: 'text' }, { key: 'plate', name: 'Plate', type: 'text' }],
    });
    const bus = createLabel(db, { projectId: project.id, name: 'Bus', color: '#0000ff', hotkey: 3, attributes: [] });
    const cars = [1, 2, 3].map(() => saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: car.id, attributes: { doors: 4, plate: 'X' } })));
    const busShape = saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: bus.id }));

    expect(() => deleteLabel(db, car.id, { deleteShapes: false })).toThrow(
      '3 shapes use “Car”. Move them to another label or delete them with the label.',
    );
    expect(() => deleteLabel(db, bus.id, { deleteShapes: false })).toThrow('1 shape uses “Bus”. Move it to another label or delete it with the label.');
    expect(() => deleteLabel(db, car.id, { reassignTo: car.id, deleteShapes: false })).toThrow('Choose another label');
    expect(getLabel(db, car.id).name).toBe('Car');

    expect(deleteLabel(db, car.id, { reassignTo: vehicle.id, deleteShapes: false })).toEqual({ id: car.id, reassignedShapes: 3, deletedShapes: 0 });
    expect(listShapes(db, frame.id).filter((s) => s.labelId === vehicle.id).map((s) => [s.id, s.attributes])).toEqual(
      cars.map((s) => [s.id, { plate: 'X' }]),
    );
    expect(() => getLabel(db, car.id)).toThrow('That label no longer exists.');

    expect(deleteLabel(db, bus.id, { deleteShapes: true })).toEqual({ id: bus.id, reassignedShapes: 0, deletedShapes: 1 });
    expect(listShapes(db, frame.id).map((s) => s.id)).not.toContain(busShape.id);
    expect(outbox(db, 'shape').slice(-1)).toEqual([{ id: busShape.id, op: 'delete' }]);
    expect(outbox(db, 'label').slice(-2)).toEqual([
      { id: car.id, op: 'delete' },
      { id: bus.id, op: 'delete' },
    ]);

    const unused = createLabel(db, { projectId: project.id, name: 'Unused', color: '#000000', hotkey: null, attributes: [] });
    expect(deleteLabel(db, unused.id, { deleteShapes: false })).toEqual({ id: unused.id, reassignedShapes: 0, deletedShapes: 0 });
  });

  it('never lets a label disappear from under its shapes, yet deleting the project removes both', () => {
    const services = openTestServices();
    const { db } = services;
    const { project, frame } = seedOne(db);
    const car = createLabel(db, { projectId: project.id, name: 'Car', color: '#ff0000', hotkey: 1, attributes: [] });
    saveShape(db, rect(frame.id, [1, 1, 5, 5], { labelId: car.id }));
    expect(() => db.prepare('DELETE FROM labels WHERE id = ?').run(car.id)).toThrow('FOREIGN KEY constraint failed');
    deleteProject(db, services.paths, project.id);
    expect(db.prepare('SELECT COUNT(*) AS n FROM shapes').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM labels').get()).toEqual({ n: 0 });
  });

  it('creates thousands of labels in one go with the same checks as one at a time', () => {
    const { db } = openTestServices();
    const { project } = seedOne(db);
    createLabel(db, { projectId: project.id, name: 'Äpfel', color: '#FF0000', hotkey: 1, attributes: [] });
    const create = labelCreator(db, project.id);
    const count = 4000;
    const started = performance.now();
    for (let i = 0; i < count; i++) create({ name: `class ${i}`, color: '#00ff00', hotkey: null, attributes: [] });
    console.log(`labelCreator: ${count} labels in ${Math.round(performance.now() - started)} ms`);
    expect(listLabels(db, project.id)).toHaveLength(count + 1);
    expect(() => create({ name: 'äpfel', color: '#00ff00', hotkey: null, attributes: [] })).toThrow('This project already has a label named “Äpfel”. Choose another name.');
    expect(() => create({ name: 'CLASS 7', color: '#00ff00', hotkey: null, attributes: [] })).toThrow('This project already has a label named “class 7”. Choose another name.');
    expect(() => create({ name: 'Tree', color: '#00ff00', hotkey: 1, attributes: [] })).toThrow('Hotkey 1 is already used by “Äpfel”.');
    const tree = create({ name: ' Tree ', color: '#00FF00', hotkey: 2, attributes: [] });
    expect(getLabel(db, tree.id)).toEqual(tree);
  });
});
