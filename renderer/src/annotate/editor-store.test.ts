import { describe, expect, it } from 'vitest';
import type { Label, Shape } from '../../../shared/annotations';
import { StillframeError } from '../../../shared/errors';
import { boundsOfShapes, clampOffset, fitGeometry, offsetShapes } from '../../../shared/geometry';
import { encodeRequest, maxMessageBytes } from '../../../shared/host-protocol';
import { createEditorStore, type EditorStore, type HostCall } from './editor-store';

const frameA = { id: 'frame-a', width: 1920, height: 1080 };
const frameB = { id: 'frame-b', width: 640, height: 360 };

function label(id: string, hotkey: number | null): Label {
  return { id, projectId: 'p', name: id, color: '#ff0000', hotkey, attributes: [], createdAt: 0, updatedAt: 0 };
}

function shapeOn(frameId: string, name: string): Shape {
  return { id: `shape-${name}`, frameId, type: 'point', points: [10, 10], labelId: null, note: '', attributes: {}, hidden: false, locked: false, zIndex: 0, createdAt: 0, updatedAt: 0 };
}

/** An in-memory host that answers the calls the editor makes, logs them, and fails when told to. */
function fakeHost() {
  const stored = new Map<string, Shape>();
  const log: string[] = [];
  const host = {
    stored,
    log,
    calls: [] as { name: string; input: Record<string, unknown> }[],
    failNext: null as string | null,
    labels: [label('car', 1), label('person', 2)],
    /** Calls the host has received and answers only once the promise here settles. */
    held: new Map<string, Promise<unknown>>(),
  };
  let pasted = 0;
  const call = (async (name: string, input: Record<string, unknown>) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    log.push(name);
    host.calls.push({ name, input });
    await host.held.get(name);
    if (host.failNext === name) {
      host.failNext = null;
      throw new StillframeError('invalid-input', 'The host said no.');
    }
    switch (name) {
      case 'shapes.list':
        return [...stored.values()].filter((shape) => shape.frameId === input.frameId).sort((a, b) => a.zIndex - b.zIndex);
      case 'shapes.save': {
        const shape = input.shape as Shape;
        stored.set(shape.id, shape);
        return shape;
      }
      case 'shapes.restore':
        for (const shape of input.shapes as Shape[]) stored.set(shape.id, shape);
        return input.shapes;
      case 'shapes.move': {
        const moving = (input.ids as string[]).flatMap((id) => stored.get(id) ?? []);
        const offset = clampOffset(boundsOfShapes(moving), input.dx as number, input.dy as number, frameA);
        for (const shape of offsetShapes(moving, offset)) stored.set(shape.id, shape);
        return { moved: moving.length, dx: offset.x, dy: offset.y };
      }
      case 'shapes.delete': {
        const gone = (input.ids as string[]).flatMap((id) => stored.get(id) ?? []);
        for (const shape of gone) stored.delete(shape.id);
        return gone;
      }
      case 'shapes.paste': {
        const frame = input.toFrameId === frameB.id ? frameB : frameA;
        const copies = (input.shapes as Shape[]).map((shape, i) => ({
          ...shape,
          id: `00000000-0000-7000-8000-${String(++pasted).padStart(12, '0')}`,
          frameId: frame.id,
          points: fitGeometry(shape.type, shape.points, frame),
          zIndex: 100 + i,
        }));
        for (const shape of copies) stored.set(shape.id, shape);
        return { shapes: copies, skipped: 0 };
      }
      case 'labels.list':
        return host.labels;
      default:
        throw new Error(`The fake host does not answer ${name}.`);
    }
  }) as unknown as HostCall;
  return { host, call };
}

let current: EditorStore | null = null;

/** Lets every queued call finish: the writes, then the reads queued behind them. */
async function settle(): Promise<void> {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 2));
  while ((current?.getState().pending ?? 0) > 0) await tick();
  for (let i = 0; i < 10; i++) await tick();
}

async function openEditor(seed: readonly Shape[] = []) {
  const { host, call } = fakeHost();
  for (const shape of seed) host.stored.set(shape.id, shape);
  const reported: unknown[] = [];
  const store = createEditorStore(call, (error) => reported.push(error));
  current = store;
  store.getState().setViewSize({ width: 1000, height: 600 });
  store.getState().openProject('p');
  store.getState().openFrame(frameA);
  await settle();
  return { host, store, reported, editor: () => store.getState() };
}

describe('the editor store', () => {
  it('writes a new shape at once, in image pixels clamped to the frame, and says Saving… until the host answers', async () => {
    const { host, editor } = await openEditor();
    const shape = editor().createShape('rectangle', [-50, 100, 300, 2000]);
    expect(shape?.points).toEqual([0, 100, 300, 1080]);
    expect(editor().pending).toBe(1);
    expect(editor().selection).toEqual([shape?.id]);
    await settle();
    expect(editor().pending).toBe(0);
    expect(editor().saveError).toBeNull();
    expect(host.stored.get(shape?.id ?? '')?.points).toEqual([0, 100, 300, 1080]);
  });

  it('does not make a rectangle without area or a polygon of fewer than three points', async () => {
    const { host, editor } = await openEditor();
    expect(editor().createShape('rectangle', [10, 10, 10, 50])).toBeNull();
    expect(editor().notice).toMatch(/width and a height/);
    expect(editor().createShape('polygon', [0, 0, 10, 10, 10, 10])).toBeNull();
    await settle();
    expect(host.log).not.toContain('shapes.save');
    expect(editor().shapes).toEqual([]);
  });

  it('undoes and redoes every edit on the frame, over a hundred steps', async () => {
    const { host, editor } = await openEditor();
    const shape = editor().createShape('point', [10, 10]);
    if (!shape) throw new Error('no shape');
    for (let x = 11; x <= 130; x++) {
      const current = editor().shapes[0];
      if (current) editor().updateShapes([{ ...current, points: [x, 10] }]);
    }
    await settle();
    expect(host.stored.get(shape.id)?.points).toEqual([130, 10]);
    for (let i = 0; i < 100; i++) editor().undo();
    await settle();
    expect(editor().shapes[0]?.points).toEqual([30, 10]);
    expect(host.stored.get(shape.id)?.points).toEqual([30, 10]);
    editor().undo();
    expect(editor().notice).toBe('Nothing to undo on this frame.');
    editor().redo();
    editor().redo();
    await settle();
    expect(host.stored.get(shape.id)?.points).toEqual([32, 10]);
  });

  it('undoes a creation by deleting the shape, and a deletion by writing it back with its id', async () => {
    const { host, editor } = await openEditor();
    const shape = editor().createShape('rectangle', [10, 10, 100, 100]);
    await settle();
    editor().deleteSelection();
    await settle();
    expect(host.stored.size).toBe(0);
    editor().undo();
    await settle();
    expect(host.stored.get(shape?.id ?? '')?.points).toEqual([10, 10, 100, 100]);
    editor().undo();
    await settle();
    expect(host.stored.size).toBe(0);
    expect(editor().shapes).toEqual([]);
  });

  it('keeps the writes in the order they were made', async () => {
    const { host, editor } = await openEditor();
    editor().createShape('point', [5, 5]);
    editor().deleteSelection();
    editor().undo();
    await settle();
    expect(host.log.filter((name) => name.startsWith('shapes.') && name !== 'shapes.list')).toEqual([
      'shapes.save',
      'shapes.delete',
      'shapes.save',
    ]);
    expect(host.stored.size).toBe(1);
  });

  it('hands every edit to the host while earlier ones wait for an answer (the browser host keeps them when it is down)', async () => {
    const sent: string[] = [];
    // A host that answers reads but holds every write unanswered, as the browser host does while it is down.
    const stalled = (async (name: string) => {
      if (name === 'shapes.list') return [];
      if (name === 'labels.list') return [label('car', 1)];
      sent.push(name);
      return new Promise(() => undefined);
    }) as unknown as HostCall;
    const store = createEditorStore(stalled);
    store.getState().openProject('p');
    store.getState().openFrame(frameA);
    await new Promise((resolve) => setTimeout(resolve, 20));
    store.getState().createShape('point', [2, 2]);
    store.getState().createShape('point', [3, 3]);
    store.getState().deleteSelection();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual(['shapes.save', 'shapes.save', 'shapes.delete']);
    expect(store.getState().pending).toBe(3);
  });

  it('asks for a frame’s shapes with its labels before the frame’s size is known, and shows them with their labels', async () => {
    const { host, call } = fakeHost();
    const car = { ...shapeOn(frameA.id, 'a'), labelId: 'car' };
    host.stored.set(car.id, car);
    let answerLabels = () => undefined as void;
    host.held.set('labels.list', new Promise<void>((resolve) => (answerLabels = resolve)));
    const store = createEditorStore(call);
    current = store;
    store.getState().setViewSize({ width: 1000, height: 600 });
    store.getState().openProject('p');
    store.getState().expectFrame(frameA.id);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Both asked for at once; the shapes, answered first, wait for the labels they are drawn in.
    expect(host.log).toEqual(['labels.list', 'shapes.list']);
    store.getState().openFrame(frameA);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.getState().shapesReady).toBe(false);
    answerLabels();
    await settle();
    expect(store.getState().labels.map((entry) => entry.id)).toEqual(['car', 'person']);
    expect(store.getState().shapes).toEqual([car]);
    expect(store.getState().shapesReady).toBe(true);
    expect(host.log.filter((name) => name === 'shapes.list')).toHaveLength(1);
  });

  it('reads a frame’s shapes again when they changed after they were asked for, before the frame opened', async () => {
    const { host, call } = fakeHost();
    const store = createEditorStore(call);
    current = store;
    store.getState().openProject('p');
    store.getState().expectFrame(frameA.id);
    await settle();
    // A teammate's shape arrives (the library says the project changed) while the frame's size is still on its way.
    const theirs = shapeOn(frameA.id, 'b');
    host.stored.set(theirs.id, theirs);
    store.getState().refreshShapes();
    store.getState().openFrame(frameA);
    await settle();
    expect(store.getState().shapes).toEqual([theirs]);

    // Left before it opened, a frame is read afresh on the next visit.
    store.getState().expectFrame(frameB.id);
    await settle();
    store.getState().closeFrame();
    const later = shapeOn(frameB.id, 'c');
    host.stored.set(later.id, later);
    store.getState().openFrame(frameB);
    await settle();
    expect(store.getState().shapes).toEqual([later]);
  });

  it('makes one undo step of a run of nudges, and keeps the shape inside the frame', async () => {
    const { editor } = await openEditor();
    editor().createShape('rectangle', [1800, 10, 1900, 110]);
    editor().nudge(10, 0);
    editor().nudge(10, 0);
    editor().nudge(10, 0);
    expect(editor().shapes[0]?.points).toEqual([1820, 10, 1920, 110]);
    editor().undo();
    expect(editor().shapes[0]?.points).toEqual([1800, 10, 1900, 110]);
  });

  it('sends each nudge of several shapes as a move, and undoes a run of them with one opposite move', async () => {
    const { host, editor } = await openEditor();
    const a = editor().createShape('point', [100, 100]);
    const b = editor().createShape('point', [200, 200]);
    if (!a || !b) throw new Error('no shapes');
    editor().select([a.id, b.id]);
    await settle();
    host.calls.length = 0;
    editor().nudge(10, 0);
    editor().nudge(10, 5);
    editor().undo();
    await settle();
    expect(host.calls.filter((entry) => entry.name === 'shapes.move').map((entry) => [entry.input.ids, entry.input.dx, entry.input.dy])).toEqual([
      [[a.id, b.id], 10, 0],
      [[a.id, b.id], 10, 5],
      [[a.id, b.id], -20, -5],
    ]);
    expect([host.stored.get(a.id)?.points, host.stored.get(b.id)?.points]).toEqual([[100, 100], [200, 200]]);
    expect(editor().shapes.map((shape) => shape.points)).toEqual([[100, 100], [200, 200]]);
  });

  it('shows the frame as the host has it when the host moved the shapes less than the page did', async () => {
    const { host, editor } = await openEditor();
    const a = editor().createShape('point', [100, 100]);
    const b = editor().createShape('point', [200, 200]);
    if (!a || !b) throw new Error('no shapes');
    await settle();
    // A teammate's change the page has not read yet: the host keeps the shapes inside the frame with a shorter move.
    host.stored.set(b.id, { ...b, points: [1900, 200] });
    editor().moveShapes([a, b], { x: 50, y: 0 });
    expect(editor().shapes.map((shape) => shape.points)).toEqual([[150, 100], [250, 200]]);
    await settle();
    expect(editor().shapes.map((shape) => shape.points)).toEqual([[120, 100], [1920, 200]]);
  });

  it('leaves locked shapes alone when deleting or nudging the selection', async () => {
    const { editor } = await openEditor();
    const shape = editor().createShape('point', [5, 5]);
    if (!shape) throw new Error('no shape');
    editor().updateShapes([{ ...shape, locked: true }]);
    editor().deleteSelection();
    editor().nudge(1, 1);
    expect(editor().shapes).toHaveLength(1);
    expect(editor().shapes[0]?.points).toEqual([5, 5]);
    expect(editor().notice).toMatch(/unlock them/);
  });

  it('shows a failed write as not saved and shows what the host kept', async () => {
    const { host, reported, editor } = await openEditor();
    host.failNext = 'shapes.save';
    editor().createShape('point', [5, 5]);
    await settle();
    expect(editor().saveError?.message).toBe('The host said no.');
    expect(reported).toHaveLength(1);
    expect(editor().shapes).toEqual([]);
    editor().createShape('point', [6, 6]);
    await settle();
    expect(editor().saveError).toBeNull();
    expect(editor().shapes).toHaveLength(1);
  });

  it('pastes onto another frame through the host, clamped to it, and undoes the paste there', async () => {
    const { host, store, editor } = await openEditor();
    editor().createShape('rectangle', [600, 300, 800, 500]);
    editor().copy();
    expect(editor().notice).toBe('Copied 1 shape.');
    store.getState().openFrame(frameB);
    await settle();
    editor().paste();
    await settle();
    expect(editor().shapes.map((shape) => shape.points)).toEqual([[600, 300, 640, 360]]);
    expect(editor().notice).toBe('Pasted 1 shape.');
    editor().undo();
    await settle();
    expect([...host.stored.values()].filter((shape) => shape.frameId === frameB.id)).toEqual([]);
  });

  it('has an active label from the start, the first one, which the first shape gets', async () => {
    const { editor } = await openEditor();
    expect(editor().nextLabelId).toBe(editor().labels[0]?.id);
    expect(editor().createShape('point', [5, 5])?.labelId).toBe(editor().labels[0]?.id);
    // Taking the label off the selected shape leaves the active label as it was.
    editor().setLabel(null);
    expect(editor().shapes[0]?.labelId).toBeNull();
    expect(editor().nextLabelId).toBe(editor().labels[0]?.id);
  });

  it('gives the label of a number key to the selection and to the next shape', async () => {
    const { editor } = await openEditor();
    editor().createShape('point', [5, 5]);
    editor().labelByHotkey(2);
    expect(editor().shapes[0]?.labelId).toBe('person');
    editor().select([]);
    editor().labelByHotkey(1);
    expect(editor().createShape('point', [9, 9])?.labelId).toBe('car');
    editor().labelByHotkey(7);
    expect(editor().notice).toMatch(/No label has the key 7/);
  });

  it('draws a polygon point by point, closing on its first point; Esc drops a drawing first, then the selection', async () => {
    const { editor } = await openEditor();
    editor().setTool('polygon');
    editor().addDraftPoint({ x: 10, y: 10 }, 4);
    editor().addDraftPoint({ x: 100, y: 10 }, 4);
    editor().addDraftPoint({ x: 100, y: 100 }, 4);
    editor().addDraftPoint({ x: 50, y: 120 }, 4);
    editor().deleteKey();
    expect(editor().draft?.points).toEqual([10, 10, 100, 10, 100, 100]);
    editor().addDraftPoint({ x: 12, y: 11 }, 4);
    expect(editor().draft).toBeNull();
    expect(editor().shapes[0]).toMatchObject({ type: 'polygon', points: [10, 10, 100, 10, 100, 100] });
    editor().setTool('polyline');
    editor().addDraftPoint({ x: 10, y: 10 }, 4);
    expect(editor().cancel()).toBe('draft');
    editor().select([editor().shapes[0]?.id ?? '']);
    expect(editor().cancel()).toBe('selection');
    expect(editor().cancel()).toBe('nothing');
  });

  it('refuses to finish a polyline of one point and keeps the drawing', async () => {
    const { editor } = await openEditor();
    editor().setTool('polyline');
    editor().addDraftPoint({ x: 10, y: 10 }, 4);
    editor().finishDraft();
    expect(editor().draft?.points).toEqual([10, 10]);
    expect(editor().notice).toMatch(/at least 2 different points/);
  });

  it('moves 5,000 selected polygons of 20 points as one step, sent, undone and redone each as ids and one offset', async () => {
    const polygons: Shape[] = Array.from({ length: 5000 }, (_, i) => {
      const cx = 60 + (i % 100) * 18;
      const cy = 60 + Math.floor(i / 100) * 19;
      const points = Array.from({ length: 20 }, (_, k) => [cx + Math.cos((k / 20) * Math.PI * 2) * 8.123456, cy + Math.sin((k / 20) * Math.PI * 2) * 8.654321]).flat();
      const id = `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`;
      return { id, frameId: frameA.id, type: 'polygon', points, labelId: 'car', note: '', attributes: {}, hidden: false, locked: false, zIndex: i, createdAt: 0, updatedAt: 0 };
    });
    const { host, editor } = await openEditor(polygons);
    expect(editor().shapes).toHaveLength(5000);
    editor().selectAll();
    expect(editor().selection).toHaveLength(5000);
    // What the canvas does when the person drags one of the selected shapes: every selected shape moves with it.
    editor().moveShapes(editor().shapes, { x: 30, y: 20 });
    expect(editor().shapes[0]?.points.slice(0, 2)).toEqual([polygons[0]!.points[0]! + 30, polygons[0]!.points[1]! + 20]);
    await settle();
    const moved = (shape: Shape | undefined) => shape?.points.slice(0, 2);
    expect(moved(host.stored.get(polygons[0]!.id))).toEqual([polygons[0]!.points[0]! + 30, polygons[0]!.points[1]! + 20]);

    editor().undo();
    await settle();
    // Back where they were to the last binary digit or so (the host adds the opposite offset), and the page shows
    // exactly what the host stores.
    expect(editor().shapes.every((shape, i) => Math.abs(shape.points[0]! - polygons[i]!.points[0]!) < 1e-9)).toBe(true);
    expect(editor().shapes.every((shape) => shape.points.every((value, k) => value === host.stored.get(shape.id)?.points[k]))).toBe(true);
    editor().undo();
    expect(editor().notice).toBe('Nothing to undo on this frame.');
    editor().redo();
    await settle();
    expect(moved(host.stored.get(polygons[4999]!.id))?.map(Math.round)).toEqual([Math.round(polygons[4999]!.points[0]! + 30), Math.round(polygons[4999]!.points[1]! + 20)]);
    expect(editor().shapes.every((shape) => shape.points.every((value, k) => value === host.stored.get(shape.id)?.points[k]))).toBe(true);

    const writes = host.calls.filter((entry) => entry.name.startsWith('shapes.') && entry.name !== 'shapes.list');
    expect(writes.map((entry) => [entry.name, (entry.input.ids as string[]).length, entry.input.dx, entry.input.dy])).toEqual([
      ['shapes.move', 5000, 30, 20],
      ['shapes.move', 5000, -30, -20],
      ['shapes.move', 5000, 30, 20],
    ]);
    // Each its own move, so that the host, which applies a move id once, applies all three.
    expect(new Set(writes.map((entry) => entry.input.moveId)).size).toBe(3);
    for (const entry of writes) {
      const encoded = encodeRequest({ id: 1, call: entry.name, input: entry.input });
      expect('text' in encoded && encoded.text.length < maxMessageBytes).toBe(true);
    }
  });
});
