import { describe, expect, it } from 'vitest';
import { canRedo, canUndo, emptyHistory, record, redo, undo, type AnnotationHistory, type ShapeWrites } from '../../shared/annotation-history';
import type { Label, Shape } from '../../shared/annotations';
import type { EventPayload } from '../../shared/contract';
import { uuidv7 } from '../../shared/ids';
import type { Services } from '../services';
import { apiClient } from '../test-support/api-client';
import { seedFrames } from '../test-support/seed-frames';
import { openTestServices } from '../test-support/temp-library';

const seed = (services: Services, sizes: readonly { width: number; height: number }[]) => seedFrames(services.db, sizes);

/** The API as the renderer sees it: typed calls that resolve to their value or reject with the app error. */
function client(services: Services) {
  const events: EventPayload<'library.changed'>[] = [];
  services.events.on('library.changed', (payload) => events.push(payload));
  return { ...apiClient(services), events };
}

describe('the annotation calls', () => {
  it('round-trips undo and redo of create → edit → delete through the same calls, keeping ids', async () => {
    const services = openTestServices();
    const { frames } = seed(services, [{ width: 1920, height: 1080 }]);
    const frameId = frames[0]!.id;
    const { invoke } = client(services);
    const apply = async (writes: ShapeWrites) => {
      if (writes.save.length > 0) await invoke('shapes.restore', { shapes: writes.save });
      if (writes.delete.length > 0) await invoke('shapes.delete', { ids: writes.delete });
    };
    const onFrame = async () => (await invoke('shapes.list', { frameId })).map((s) => [s.id, s.points]);

    let history: AnnotationHistory = emptyHistory;
    const id = uuidv7();
    const created = await invoke('shapes.save', { shape: { id, frameId, type: 'rectangle', points: [300, 200, 100, 50] } });
    history = record(history, frameId, { before: [], after: [created] });
    const edited = await invoke('shapes.save', { shape: { ...created, points: [100, 50, 2500, 400] } });
    history = record(history, frameId, { before: [created], after: [edited] });
    const deleted = await invoke('shapes.delete', { ids: [id] });
    expect(deleted).toEqual([edited]);
    history = record(history, frameId, { before: deleted, after: [] });
    expect(await onFrame()).toEqual([]);

    const states: unknown[] = [];
    for (let step = undo(history, frameId); step; step = undo(step.history, frameId)) {
      await apply(step.writes);
      states.push(await onFrame());
      history = step.history;
    }
    expect(states).toEqual([[[id, [100, 50, 1920, 400]]], [[id, [100, 50, 300, 200]]], []]);

    states.length = 0;
    for (let step = redo(history, frameId); step; step = redo(step.history, frameId)) {
      await apply(step.writes);
      states.push(await onFrame());
      history = step.history;
    }
    expect(states).toEqual([[[id, [100, 50, 300, 200]]], [[id, [100, 50, 1920, 400]]], []]);
    expect([canUndo(history, frameId), canRedo(history, frameId)]).toEqual([true, false]);
  });

  it('tells every view of the frame’s batch that it changed, and a label’s whole project', async () => {
    const services = openTestServices();
    const { project, batch, frames } = seed(services, [{ width: 100, height: 100 }]);
    const { invoke, events } = client(services);
    const frameChange = { entity: 'frame', projectId: project.id, batchId: batch.id };

    const label = await invoke('labels.create', { projectId: project.id, name: 'Car', color: '#ff0000' });
    expect(events.splice(0)).toEqual([{ entity: 'frame', projectId: project.id, batchId: null }]);
    const shape = await invoke('shapes.save', { shape: { id: uuidv7(), frameId: frames[0]!.id, type: 'point', points: [5, 5], labelId: label.id } });
    expect(events.splice(0)).toEqual([frameChange]);
    await invoke('shapes.delete', { ids: [shape.id] });
    expect(events.splice(0)).toEqual([frameChange]);
    await invoke('shapes.delete', { ids: [shape.id] });
    expect(events.splice(0)).toEqual([]);
    await invoke('shapes.restore', { shapes: [shape] });
    expect(events.splice(0)).toEqual([frameChange]);
    await invoke('labels.delete', { id: label.id, deleteShapes: true });
    expect(events.splice(0)).toEqual([{ entity: 'frame', projectId: project.id, batchId: null }]);
  });

  it('moves shapes by one offset once however often the move is sent, kept inside the frame, and queues them for sync', async () => {
    const services = openTestServices();
    const { frames } = seed(services, [{ width: 640, height: 360 }, { width: 640, height: 360 }]);
    const [frameId, otherFrameId] = [frames[0]!.id, frames[1]!.id];
    const { invoke, attempt, events } = client(services);
    const box = await invoke('shapes.save', { shape: { id: uuidv7(), frameId, type: 'rectangle', points: [10, 10, 50, 50] } });
    const triangle = await invoke('shapes.save', { shape: { id: uuidv7(), frameId, type: 'polygon', points: [100, 100, 150, 100, 120, 140] } });
    const point = await invoke('shapes.save', { shape: { id: uuidv7(), frameId, type: 'point', points: [600, 300] } });
    const elsewhere = await invoke('shapes.save', { shape: { id: uuidv7(), frameId: otherFrameId, type: 'point', points: [5, 5] } });
    const onFrames = async () =>
      [...(await invoke('shapes.list', { frameId })), ...(await invoke('shapes.list', { frameId: otherFrameId }))].map((s) => [s.id, s.points]);
    services.db.exec('DELETE FROM outbox');
    events.splice(0);

    // The point is 40 px from the right edge: the whole move stops there, as a drag does.
    const move = { moveId: uuidv7(), frameId, ids: [box.id, triangle.id, point.id, elsewhere.id, uuidv7()], dx: 100, dy: 20 };
    expect(await invoke('shapes.move', move)).toEqual({ moved: 3, dx: 40, dy: 20 });
    const moved = [
      [box.id, [50, 30, 90, 70]],
      [triangle.id, [140, 120, 190, 120, 160, 160]],
      [point.id, [640, 320]],
      [elsewhere.id, [5, 5]],
    ];
    expect(await onFrames()).toEqual(moved);
    expect(events.splice(0)).toHaveLength(1);
    const queued = services.db.prepare("SELECT row_id, op, fields FROM outbox WHERE entity = 'shape' ORDER BY row_id").all();
    expect(queued).toEqual(
      [box.id, triangle.id, point.id].sort().map((id) => ({ row_id: id, op: 'upsert', fields: expect.stringContaining('points') })),
    );

    // Sent again after a lost connection: the same answer, nothing moved twice.
    expect(await invoke('shapes.move', move)).toEqual({ moved: 3, dx: 40, dy: 20 });
    expect(await invoke('shapes.move', { ...move, dx: -300 })).toEqual({ moved: 3, dx: 40, dy: 20 });
    expect(await onFrames()).toEqual(moved);

    // Undo is the opposite move, under its own id.
    expect(await invoke('shapes.move', { ...move, moveId: uuidv7(), dx: -40, dy: -20 })).toEqual({ moved: 3, dx: -40, dy: -20 });
    expect(await onFrames()).toEqual([
      [box.id, [10, 10, 50, 50]],
      [triangle.id, [100, 100, 150, 100, 120, 140]],
      [point.id, [600, 300]],
      [elsewhere.id, [5, 5]],
    ]);

    const longAgo = uuidv7(Date.now() - 100 * 24 * 60 * 60 * 1000);
    expect(await attempt('shapes.move', { ...move, moveId: longAgo })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringMatching(/more than 90 days ago and never confirmed/) },
    });
    for (const bad of [{ ...move, moveId: 'move-1' }, { ...move, ids: [] }, { ...move, dx: '5' }, { ...move, frameId: undefined }]) {
      expect(await attempt('shapes.move', bad)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    }
    expect(await attempt('shapes.move', { ...move, moveId: uuidv7(), frameId: 'gone' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await onFrames()).toEqual([
      [box.id, [10, 10, 50, 50]],
      [triangle.id, [100, 100, 150, 100, 120, 140]],
      [point.id, [600, 300]],
      [elsewhere.id, [5, 5]],
    ]);
  });

  it('manages labels with clear refusals', async () => {
    const services = openTestServices();
    const { project, frames } = seed(services, [{ width: 100, height: 100 }]);
    const { invoke, attempt } = client(services);
    const car: Label = await invoke('labels.create', {
      projectId: project.id,
      name: 'Car',
      color: '#FF0000',
      hotkey: 3,
      attributes: [{ key: 'doors', name: 'Doors', type: 'number' }],
    });
    expect(car).toMatchObject({ name: 'Car', color: '#ff0000', hotkey: 3 });
    expect(await attempt('labels.create', { projectId: project.id, name: 'Bus', color: '#000000', hotkey: 3 })).toEqual({
      ok: false,
      error: { code: 'conflict', message: 'Hotkey 3 is already used by “Car”.' },
    });
    expect(await attempt('labels.create', { projectId: project.id, name: ' ', color: '#000000' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: 'Label name is required.' },
    });
    expect(await attempt('labels.create', { projectId: project.id, name: 'Bus', color: '#000000', hotkey: 10 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    const bus = await invoke('labels.update', { id: (await invoke('labels.create', { projectId: project.id, name: 'Bus', color: '#000000' })).id, hotkey: 4 });
    expect(Object.fromEntries((await invoke('labels.list', { projectId: project.id })).map((l) => [l.name, l.hotkey]))).toEqual({
      Car: 3,
      Bus: 4,
    });

    await invoke('shapes.save', { shape: { id: uuidv7(), frameId: frames[0]!.id, type: 'point', points: [1, 1], labelId: car.id, attributes: { doors: 3 } } });
    expect(await attempt('labels.delete', { id: car.id })).toEqual({
      ok: false,
      error: { code: 'conflict', message: '1 shape uses “Car”. Move it to another label or delete it with the label.' },
    });
    expect(await attempt('labels.delete', { id: car.id, reassignTo: bus.id, deleteShapes: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', detail: expect.stringContaining('not both') },
    });
    expect(await invoke('labels.delete', { id: car.id, reassignTo: bus.id })).toEqual({ id: car.id, reassignedShapes: 1, deletedShapes: 0 });
    expect(await invoke('shapes.list', { frameId: frames[0]!.id })).toMatchObject([{ labelId: bus.id, attributes: {} }]);
  });

  it('validates shape input before it reaches the store', async () => {
    const services = openTestServices();
    const { frames } = seed(services, [{ width: 100, height: 100 }]);
    const { attempt } = client(services);
    const base = { id: uuidv7(), frameId: frames[0]!.id, type: 'point', points: [1, 1] };
    for (const shape of [
      { ...base, id: 'shape-1' },
      { ...base, type: 'circle' },
      { ...base, points: [1, '1'] },
      { ...base, note: 'x'.repeat(2001) },
      { ...base, colour: 'red' },
      { ...base, attributes: { nested: { a: 1 } } },
    ]) {
      expect(await attempt('shapes.save', { shape })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    }
    expect(await attempt('shapes.save', { shape: { ...base, points: [1, 1, 2, 2] } })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input', message: 'A point shape needs exactly 1 point, not 2.' },
    });
    expect(await attempt('shapes.delete', { ids: [] })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await attempt('shapes.list', { frameId: 'gone' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('pastes and copies from the previous frame clamped to a smaller frame, and counts annotations per frame', async () => {
    const services = openTestServices();
    const { project, batch, frames } = seed(services, [
      { width: 1920, height: 1080 },
      { width: 640, height: 360 },
      { width: 640, height: 360 },
    ]);
    const [big, small, third] = [frames[0]!.id, frames[1]!.id, frames[2]!.id];
    const { invoke } = client(services);
    const car = await invoke('labels.create', { projectId: project.id, name: 'Car', color: '#ff0000' });
    const clipboard: Shape[] = [
      await invoke('shapes.save', { shape: { id: uuidv7(), frameId: big, type: 'rectangle', points: [500, 300, 900, 500], labelId: car.id } }),
      await invoke('shapes.save', { shape: { id: uuidv7(), frameId: big, type: 'point', points: [1800, 1000] } }),
      await invoke('shapes.save', { shape: { id: uuidv7(), frameId: big, type: 'polygon', points: [700, 400, 900, 400, 800, 500] } }),
    ];

    const pasted = await invoke('shapes.paste', { toFrameId: small, shapes: clipboard });
    expect(pasted.skipped).toBe(1);
    expect(pasted.shapes.map((s) => [s.type, s.points, s.frameId])).toEqual([
      ['rectangle', [500, 300, 640, 360], small],
      ['point', [640, 360], small],
    ]);
    const copied = await invoke('shapes.copyFromFrame', { fromFrameId: small, toFrameId: third });
    expect(copied).toMatchObject({ skipped: 0, shapes: [{ points: [500, 300, 640, 360] }, { points: [640, 360] }] });

    const counts = await invoke('frames.annotationCounts', { batchId: batch.id });
    expect(counts).toEqual(
      expect.arrayContaining([
        { frameId: big, count: 3, labelIds: [car.id] },
        { frameId: small, count: 2, labelIds: [car.id] },
        { frameId: third, count: 2, labelIds: [car.id] },
      ]),
    );
    expect(counts).toHaveLength(3);
  });
});
