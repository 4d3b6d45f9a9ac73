import { createStore, type StoreApi } from 'zustand/vanilla';
import { emptyHistory, record, redo, undo, type AnnotationHistory, type ShapeWrites } from '../../../shared/annotation-history';
import { keepFittingAttributes, type AttributeValue, type Label, type LabelCreate, type LabelPatch, type Shape, type ShapeType } from '../../../shared/annotations';
import type { CallInput, CallName, CallOutput } from '../../../shared/contract';
import { StillframeError, toAppError, type AppErrorData } from '../../../shared/errors';
import { boundsOfShapes, clampOffset, clampPoints, fitGeometry, geometryProblem, offsetShapes, type ImageSize, type Offset } from '../../../shared/geometry';
import { uuidv7 } from '../../../shared/ids';
import { plural } from '../format';
import type { Tool } from './keys';
import { insertVertex, removeVertex, translateShapes } from './shape-geometry';
import { fitViewport, type Point, type Viewport } from './viewport';

/** The host's calls, as `api.call` makes them; tests pass a fake. */
export type HostCall = <C extends CallName>(name: C, input: CallInput<C>) => Promise<CallOutput<C>>;

export interface FrameInfo extends ImageSize {
  id: string;
}

/** A polygon or polyline being clicked point by point; a rectangle's drag lives in the canvas until it ends. */
export interface Draft {
  type: 'polygon' | 'polyline';
  points: number[];
}

export interface EditorState {
  projectId: string | null;
  frame: FrameInfo | null;
  /** The frame's shapes, bottom to top, as the host stores them once the writes in flight land. */
  shapes: Shape[];
  shapesReady: boolean;
  labels: Label[];
  tool: Tool;
  selection: string[];
  /** The selected vertex of the one selected shape, for Delete. */
  vertex: number | null;
  draft: Draft | null;
  /** The active label: what 1–9 or a click on a label picked last, else the project's first label. New shapes get it. */
  nextLabelId: string | null;
  viewport: Viewport;
  viewSize: ImageSize;
  history: AnnotationHistory;
  clipboard: { frameId: string; shapes: Shape[] } | null;
  /** Writes sent and not yet answered. */
  pending: number;
  /** The last write that failed, until a later one succeeds. */
  saveError: AppErrorData | null;
  /** A short answer to the last action that did not show on the canvas ("Copied 2 shapes."). */
  notice: string | null;
  helpOpen: boolean;
  /** Why this person cannot change the project (a viewer), or null: every write is refused with it. */
  readOnly: string | null;
}

export interface EditorActions {
  openProject(projectId: string): void;
  /**
   * The frame the annotator is about to open, before its size is known: its shapes are asked for now, so that they
   * arrive with its image rather than one round trip after it.
   */
  expectFrame(frameId: string): void;
  openFrame(frame: FrameInfo): void;
  /** Leaving the annotator: the next visit reads the frame afresh, as the host may have changed it meanwhile. */
  closeFrame(): void;
  setTool(tool: Tool): void;
  select(ids: string[]): void;
  toggleSelected(id: string): void;
  selectAll(): void;
  setVertex(index: number | null): void;
  setViewport(viewport: Viewport): void;
  setViewSize(size: ImageSize): void;
  fit(): void;
  createShape(type: ShapeType, points: readonly number[]): Shape | null;
  /** Writes edited copies of existing shapes as one undoable step; unchanged ones are left out. */
  updateShapes(next: readonly Shape[]): void;
  /** Moves these shapes by an offset the canvas already kept inside the frame, as one undoable step. */
  moveShapes(shapes: readonly Shape[], offset: Offset): void;
  deleteSelection(): void;
  deleteVertex(id: string, index: number): void;
  addVertex(id: string, afterIndex: number, at: Point): void;
  labelByHotkey(hotkey: number): void;
  setLabel(labelId: string | null): void;
  setAttribute(id: string, key: string, value: AttributeValue | undefined): void;
  nudge(dx: number, dy: number): void;
  toggleHidden(): void;
  duplicate(): void;
  copy(): void;
  paste(): void;
  copyFromFrame(fromFrameId: string): void;
  undo(): void;
  redo(): void;
  addDraftPoint(point: Point, tolerance: number): void;
  finishDraft(): void;
  deleteKey(): void;
  /** Esc: what it dropped, so a caller can leave the screen when there was nothing. */
  cancel(): 'draft' | 'selection' | 'nothing';
  setNotice(notice: string | null): void;
  setHelpOpen(open: boolean): void;
  setReadOnly(reason: string | null): void;
  /** Reads the frame's shapes again (a teammate changed them). */
  refreshShapes(): void;
  createLabel(input: LabelCreate): Promise<Label>;
  updateLabel(id: string, patch: LabelPatch): Promise<Label>;
  deleteLabel(id: string, options: { reassignTo?: string; deleteShapes?: boolean }): Promise<void>;
}

export type Editor = EditorState & EditorActions;
export type EditorStore = StoreApi<Editor>;

const duplicateOffset = 10;
const nudgeMergeMs = 1000;

/** Bottom to top, as the host lists them, so the canvas and the list agree with what a reload would show. */
function byStackingOrder(a: Shape, b: Shape): number {
  return a.zIndex - b.zIndex || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The frame's shapes after these writes; saved shapes of other frames are ignored. */
export function applyWrites(shapes: readonly Shape[], frameId: string, writes: ShapeWrites): Shape[] {
  const saved = new Map(writes.save.filter((shape) => shape.frameId === frameId).map((shape) => [shape.id, shape]));
  const gone = new Set(writes.delete);
  const next = shapes.filter((shape) => !gone.has(shape.id) && !saved.has(shape.id));
  next.push(...saved.values());
  return next.sort(byStackingOrder);
}

function sameShape(a: Shape, b: Shape): boolean {
  return (
    a.labelId === b.labelId &&
    a.note === b.note &&
    a.hidden === b.hidden &&
    a.locked === b.locked &&
    a.zIndex === b.zIndex &&
    a.points.length === b.points.length &&
    a.points.every((value, i) => value === b.points[i]) &&
    JSON.stringify(a.attributes) === JSON.stringify(b.attributes)
  );
}

/**
 * A move undone or redone as the host does it: the shapes on screen moved by the offset. Undoing a move of 30.1
 * leaves some coordinates a last binary digit off the originals in the history (x + 30.1 - 30.1 is not always x),
 * and the page shows what the host stores, so a reload finds the frame as it looked.
 */
function movedAgain(shapes: readonly Shape[], writes: ShapeWrites, offset: Offset): ShapeWrites {
  const current = new Map(shapes.map((shape) => [shape.id, shape]));
  return { ...writes, save: offsetShapes(writes.save.map((shape) => current.get(shape.id) ?? shape), offset) };
}

/** The move of several shapes goes as `shapes.move`; one shape is sent whole, which is as small and exact. */
function sentAsMove(writes: ShapeWrites): Offset | null {
  return writes.move && writes.save.length > 1 ? writes.move : null;
}

let painted: Promise<void> | null = null;
const paintWaitMs = 100;

/**
 * Resolves once the next frame is on screen. Writes wait for it: encoding 5,000 moved shapes for the host took
 * 80-100 ms, and done at once it held back the frame that shows an undo. Writes made in the same turn share one
 * promise and so still go out in the order they were made. A hidden window draws no frames, so a write never
 * waits longer than `paintWaitMs` for one.
 */
function afterPaint(): Promise<void> {
  painted ??= new Promise<void>((resolve) => {
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      painted = null;
      resolve();
    };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(done, 0));
    setTimeout(done, typeof requestAnimationFrame === 'function' ? paintWaitMs : 0);
  });
  return painted;
}

/** `reportWriteError` shows a refused write with its details, beyond the top bar's "Not saved". */
export function createEditorStore(call: HostCall, reportWriteError: (error: unknown) => void = () => undefined): EditorStore {
  let queue: Promise<unknown> = Promise.resolve();
  /** The queue up to its last read or label call: shape writes wait for these, not for each other. */
  let beforeWrites: Promise<unknown> = Promise.resolve();
  /** The queue up to its last write or label call: a read waits for these, not for the reads before it. */
  let beforeReads: Promise<unknown> = Promise.resolve();
  /** The shapes of the frame about to open, asked for before its size is known; dropped by any change since. */
  let expected: { frameId: string; shapes: Promise<Shape[]> } | null = null;
  /** Bumped by every frame change, so an answer for a frame the person has left is dropped. */
  let frameVisit = 0;
  let lastNudge: { key: string; at: number; after: Shape } | null = null;

  return createStore<Editor>()((set, get) => {
    /**
     * Every call goes through one queue, in order: a save and the undo that follows it must reach the host in
     * the order they were made, and a reload must see the writes made before it. Shape writes are handed to the
     * host at once, in order, without waiting for the one before to be answered: the transports keep their
     * order, and while the browser host is unreachable its bridge keeps each one in the page, so every edit made
     * meanwhile is kept, not only the first.
     */
    function enqueue<T>(kind: 'write' | 'read' | 'label', work: () => Promise<T>): Promise<T> {
      if (kind !== 'read') {
        set((state) => ({ pending: state.pending + 1 }));
        expected = null;
      }
      const refused = kind === 'read' ? null : get().readOnly;
      const start = kind === 'write' ? beforeWrites : kind === 'read' ? beforeReads : queue;
      const sent = start.then(refused === null ? work : () => Promise.reject(new StillframeError('access-denied', refused)));
      // A read goes out without waiting for the reads before it (opening a frame asks for its labels and its 5,000
      // shapes at once) and answers after them, so the labels are there when the shapes are drawn.
      const run = kind === 'read' ? queue.then(() => sent) : sent;
      sent.catch(() => undefined);
      const settled = run.catch(() => undefined);
      queue = Promise.all([queue, settled]);
      if (kind !== 'write') beforeWrites = queue;
      if (kind !== 'read') beforeReads = queue;
      if (kind === 'read') return run;
      void run.then(
        () => set((state) => ({ pending: state.pending - 1, saveError: null })),
        (error: unknown) => {
          set((state) => ({ pending: state.pending - 1, ...(kind === 'write' ? { saveError: toAppError(error) } : {}) }));
          if (kind !== 'write') return;
          reportWriteError(error);
          // The canvas showed the edit before the host refused it: show what the host has instead.
          reloadShapes();
        },
      );
      return run;
    }

    /**
     * A move goes as ids and one offset: 5,000 polygons sent whole took about 60 ms of the page's main thread to
     * encode, keep in the outbox and send, one long frame after the drop. The host may shorten the offset (its
     * shapes differ from these after a teammate's edit) or skip ids gone meanwhile: the page then shows what it has.
     */
    function sendMove(shapes: readonly Shape[], offset: Offset): void {
      const frameId = shapes[0]?.frameId;
      if (frameId === undefined) return;
      const input = { moveId: uuidv7(), frameId, ids: shapes.map((shape) => shape.id), dx: offset.x, dy: offset.y };
      void enqueue('write', () => afterPaint().then(() => call('shapes.move', input))).then(
        (moved) => {
          if (moved.moved < input.ids.length || moved.dx !== input.dx || moved.dy !== input.dy) reloadShapes();
        },
        () => undefined,
      );
    }

    function send(writes: ShapeWrites): void {
      const { save, delete: ids } = writes;
      const move = sentAsMove(writes);
      if (move) {
        sendMove(save, move);
      } else if (save.length === 1 && save[0]) {
        const shape = save[0];
        void enqueue('write', () => afterPaint().then(() => call('shapes.save', { shape })));
      } else if (save.length > 1) {
        void enqueue('write', () => afterPaint().then(() => call('shapes.restore', { shapes: save })));
      }
      if (ids.length > 0) void enqueue('write', () => afterPaint().then(() => call('shapes.delete', { ids })));
    }

    function reloadShapes(): void {
      const { frame } = get();
      if (!frame) return;
      const visit = frameVisit;
      const read = expected?.frameId === frame.id ? expected.shapes : enqueue('read', () => call('shapes.list', { frameId: frame.id }));
      expected = null;
      read.then(
        (shapes) => {
          if (visit !== frameVisit) return;
          const ids = new Set(shapes.map((shape) => shape.id));
          set((state) => ({ shapes, shapesReady: true, selection: state.selection.filter((id) => ids.has(id)) }));
        },
        (error: unknown) => set({ notice: toAppError(error).message }),
      );
    }

    function reloadLabels(): Promise<void> {
      const { projectId } = get();
      if (!projectId) return Promise.resolve();
      return enqueue('read', () => call('labels.list', { projectId })).then((labels) => {
        if (get().projectId !== projectId) return;
        // There is always an active label once the project has one: the first shape drawn after creating a
        // label gets it, and deleting the active label hands the part to the first one left.
        set((state) => ({
          labels,
          nextLabelId: labels.some((label) => label.id === state.nextLabelId) ? state.nextLabelId : (labels[0]?.id ?? null),
        }));
      });
    }

    /**
     * One completed edit: shown at once, recorded for undo, and sent straight away. A move says by how much `after`
     * is `before` moved (`recorded`), and how much of that is new since the last write (`sent`): a run of nudges is
     * one step for undo, and each nudge sends its own.
     */
    function commit(before: readonly Shape[], after: readonly Shape[], move?: { recorded: Offset; sent: Offset }): void {
      const { frame } = get();
      if (!frame) return;
      const kept = new Set(after.map((shape) => shape.id));
      const writes: ShapeWrites = {
        save: [...after],
        delete: before.filter((shape) => !kept.has(shape.id)).map((shape) => shape.id),
        ...(move ? { move: move.sent } : {}),
      };
      set((state) => ({
        shapes: applyWrites(state.shapes, frame.id, writes),
        history: record(state.history, frame.id, { before, after, ...(move ? { offset: move.recorded } : {}) }),
      }));
      send(writes);
    }

    /** The selected shapes, bottom to top. */
    function selected(): Shape[] {
      const ids = new Set(get().selection);
      return get().shapes.filter((shape) => ids.has(shape.id));
    }

    function topZ(): number {
      const { shapes } = get();
      return shapes.length === 0 ? 0 : Math.max(...shapes.map((shape) => shape.zIndex)) + 1;
    }

    function editable(shapes: readonly Shape[], verb: string): Shape[] {
      const unlocked = shapes.filter((shape) => !shape.locked);
      if (unlocked.length < shapes.length) {
        set({ notice: `Locked shapes stay as they are: unlock them to ${verb} them.` });
      }
      return unlocked;
    }

    function addPasted(frameId: string, result: { shapes: Shape[]; skipped: number }, what: string): void {
      const { shapes, skipped } = result;
      if (shapes.length > 0) {
        set((state) => ({ history: record(state.history, frameId, { before: [], after: shapes }) }));
      }
      const skippedNote = skipped > 0 ? ` ${plural(skipped, 'shape')} outside this frame left out.` : '';
      set({ notice: `${what} ${plural(shapes.length, 'shape')}.${skippedNote}` });
      if (get().frame?.id !== frameId) return;
      set((state) => ({
        shapes: applyWrites(state.shapes, frameId, { save: shapes, delete: [] }),
        selection: shapes.map((shape) => shape.id),
        vertex: null,
      }));
    }

    function replay(step: typeof undo): void {
      const { frame, history } = get();
      if (!frame) return;
      const result = step(history, frame.id);
      if (!result) {
        set({ notice: step === undo ? 'Nothing to undo on this frame.' : 'Nothing to redo on this frame.' });
        return;
      }
      lastNudge = null;
      const move = sentAsMove(result.writes);
      const writes = move ? movedAgain(get().shapes, result.writes, move) : result.writes;
      set((state) => {
        const shapes = applyWrites(state.shapes, frame.id, writes);
        const ids = new Set(shapes.map((shape) => shape.id));
        const touched = writes.save.map((shape) => shape.id);
        return {
          history: result.history,
          shapes,
          selection: touched.length > 0 ? touched : state.selection.filter((id) => ids.has(id)),
          vertex: null,
        };
      });
      send(writes);
    }

    function withLabel(shape: Shape, labelId: string | null): Shape {
      const label = get().labels.find((candidate) => candidate.id === labelId);
      return { ...shape, labelId: label ? label.id : null, attributes: label ? keepFittingAttributes(shape.attributes, label) : {} };
    }

    return {
      projectId: null,
      frame: null,
      shapes: [],
      shapesReady: false,
      labels: [],
      tool: 'select',
      selection: [],
      vertex: null,
      draft: null,
      nextLabelId: null,
      viewport: { scale: 1, x: 0, y: 0, fit: true },
      viewSize: { width: 0, height: 0 },
      history: emptyHistory,
      clipboard: null,
      pending: 0,
      saveError: null,
      notice: null,
      helpOpen: false,
      readOnly: null,

      openProject(projectId) {
        if (get().projectId === projectId) return;
        set({ projectId, labels: [], nextLabelId: null });
        reloadLabels().catch((error: unknown) => set({ notice: toAppError(error).message }));
      },

      openFrame(frame) {
        const current = get().frame;
        if (current?.id === frame.id && current.width === frame.width && current.height === frame.height) return;
        frameVisit++;
        lastNudge = null;
        const { viewport, viewSize } = get();
        // Zoomed in on one spot, the person usually wants that spot on the next frame too.
        const keepView = !viewport.fit && current !== null && current.width === frame.width && current.height === frame.height;
        set({
          frame,
          shapes: [],
          shapesReady: false,
          selection: [],
          vertex: null,
          draft: null,
          notice: null,
          viewport: keepView ? viewport : fitViewport(viewSize, frame),
        });
        reloadShapes();
      },

      expectFrame(frameId) {
        if (get().frame?.id === frameId || expected?.frameId === frameId) return;
        const shapes = enqueue('read', () => call('shapes.list', { frameId }));
        // A frame that never opens (it was deleted meanwhile) has nothing to report.
        shapes.catch(() => undefined);
        expected = { frameId, shapes };
      },

      closeFrame() {
        frameVisit++;
        lastNudge = null;
        expected = null;
        set({ frame: null, shapes: [], shapesReady: false, selection: [], vertex: null, draft: null, notice: null, helpOpen: false });
      },

      setTool(tool) {
        set({ tool, draft: null, vertex: null });
      },
      select(ids) {
        set({ selection: ids, vertex: null });
      },
      toggleSelected(id) {
        const { selection } = get();
        set({ selection: selection.includes(id) ? selection.filter((other) => other !== id) : [...selection, id], vertex: null });
      },
      selectAll() {
        set({ selection: get().shapes.filter((shape) => !shape.hidden).map((shape) => shape.id), vertex: null });
      },
      setVertex(vertex) {
        set({ vertex });
      },
      setViewport(viewport) {
        set({ viewport });
      },
      setViewSize(viewSize) {
        const { viewport, frame } = get();
        set({ viewSize, ...(viewport.fit && frame ? { viewport: fitViewport(viewSize, frame) } : {}) });
      },
      fit() {
        const { frame, viewSize } = get();
        if (frame) set({ viewport: fitViewport(viewSize, frame) });
      },

      createShape(type, points) {
        const { frame, shapesReady, nextLabelId } = get();
        if (!frame || !shapesReady) return null;
        const prepared = fitGeometry(type, points, frame);
        const problem = geometryProblem(type, prepared);
        if (problem) {
          set({ notice: problem });
          return null;
        }
        const now = Date.now();
        const shape = withLabel(
          {
            id: uuidv7(now),
            frameId: frame.id,
            type,
            points: prepared,
            labelId: null,
            note: '',
            attributes: {},
            hidden: false,
            locked: false,
            zIndex: topZ(),
            createdAt: now,
            updatedAt: now,
          },
          nextLabelId,
        );
        lastNudge = null;
        commit([], [shape]);
        set({ selection: [shape.id], vertex: null, draft: null, notice: null });
        return shape;
      },

      updateShapes(next) {
        const { frame } = get();
        if (!frame) return;
        const current = new Map(get().shapes.map((shape) => [shape.id, shape]));
        const before: Shape[] = [];
        const after: Shape[] = [];
        for (const shape of next) {
          const was = current.get(shape.id);
          if (!was || sameShape(was, shape)) continue;
          const problem = geometryProblem(shape.type, shape.points);
          if (problem) {
            set({ notice: problem });
            return;
          }
          before.push(was);
          after.push({ ...shape, updatedAt: Date.now() });
        }
        if (after.length === 0) return;
        lastNudge = null;
        commit(before, after);
      },

      moveShapes(shapes, offset) {
        const { frame } = get();
        if (!frame || (offset.x === 0 && offset.y === 0)) return;
        const current = new Map(get().shapes.map((shape) => [shape.id, shape]));
        // As the store has them now: a teammate's edit may have landed during the drag.
        const before = shapes.flatMap((shape) => current.get(shape.id) ?? []);
        if (before.length === 0) return;
        const now = Date.now();
        const after = offsetShapes(before, offset).map((shape) => ({ ...shape, updatedAt: now }));
        lastNudge = null;
        commit(before, after, { recorded: offset, sent: offset });
      },

      deleteSelection() {
        const doomed = editable(selected(), 'delete');
        if (doomed.length === 0) return;
        lastNudge = null;
        commit(doomed, []);
        set({ selection: get().selection.filter((id) => !doomed.some((shape) => shape.id === id)), vertex: null });
      },

      deleteVertex(id, index) {
        const shape = get().shapes.find((candidate) => candidate.id === id);
        if (!shape || editable([shape], 'reshape').length === 0) return;
        const points = removeVertex(shape.type, shape.points, index);
        if (!points) {
          set({ notice: shape.type === 'polygon' ? 'A polygon keeps at least 3 points.' : 'This shape has no vertex to remove.' });
          return;
        }
        get().updateShapes([{ ...shape, points }]);
        set({ vertex: null });
      },

      addVertex(id, afterIndex, at) {
        const { frame } = get();
        const shape = get().shapes.find((candidate) => candidate.id === id);
        if (!frame || !shape || editable([shape], 'reshape').length === 0) return;
        const [x = 0, y = 0] = clampPoints([at.x, at.y], frame);
        get().updateShapes([{ ...shape, points: insertVertex(shape.points, afterIndex, { x, y }) }]);
        set({ vertex: afterIndex + 1 });
      },

      labelByHotkey(hotkey) {
        const label = get().labels.find((candidate) => candidate.hotkey === hotkey);
        if (!label) {
          set({ notice: `No label has the key ${hotkey}. Give it to one in the label editor.` });
          return;
        }
        get().setLabel(label.id);
      },

      setLabel(labelId) {
        // Taking the label off a shape says nothing about the label the next shape should get.
        if (labelId !== null) set({ nextLabelId: labelId });
        const shapes = selected();
        if (shapes.length > 0) get().updateShapes(shapes.map((shape) => withLabel(shape, labelId)));
      },

      setAttribute(id, key, value) {
        const shape = get().shapes.find((candidate) => candidate.id === id);
        if (!shape) return;
        const attributes = { ...shape.attributes };
        if (value === undefined) delete attributes[key];
        else attributes[key] = value;
        get().updateShapes([{ ...shape, attributes }]);
      },

      nudge(dx, dy) {
        const { frame } = get();
        const shapes = editable(selected(), 'move');
        if (!frame || shapes.length === 0) return;
        const offset = clampOffset(boundsOfShapes(shapes), dx, dy, frame);
        if (offset.x === 0 && offset.y === 0) return;
        const moved = offsetShapes(shapes, offset).map((shape) => ({ ...shape, updatedAt: Date.now() }));
        const key = shapes.map((shape) => shape.id).join();
        const top = get().history.get(frame.id)?.undo.at(-1);
        const merging = lastNudge && lastNudge.key === key && Date.now() - lastNudge.at < nudgeMergeMs && top?.after[0] === lastNudge.after;
        // Holding an arrow key is one move for undo, not thirty.
        if (merging && top) {
          const undone = undo(get().history, frame.id);
          if (undone) set({ history: undone.history });
          const recorded = top.offset ? { x: top.offset.x + offset.x, y: top.offset.y + offset.y } : null;
          commit(top.before, moved, recorded ? { recorded, sent: offset } : undefined);
        } else {
          commit(shapes, moved, { recorded: offset, sent: offset });
        }
        lastNudge = moved[0] ? { key, at: Date.now(), after: moved[0] } : null;
      },

      toggleHidden() {
        const shapes = selected();
        if (shapes.length === 0) return;
        const hidden = shapes.some((shape) => !shape.hidden);
        get().updateShapes(shapes.map((shape) => ({ ...shape, hidden })));
      },

      duplicate() {
        const { frame } = get();
        const shapes = selected();
        if (!frame || shapes.length === 0) return;
        const now = Date.now();
        let z = topZ();
        const copies = translateShapes(shapes, duplicateOffset, duplicateOffset, frame).map((shape) => ({
          ...shape,
          id: uuidv7(now),
          locked: false,
          zIndex: z++,
          createdAt: now,
          updatedAt: now,
        }));
        lastNudge = null;
        commit([], copies);
        set({ selection: copies.map((shape) => shape.id), vertex: null });
      },

      copy() {
        const { frame } = get();
        const shapes = selected();
        if (!frame || shapes.length === 0) {
          set({ notice: 'Select shapes to copy first.' });
          return;
        }
        set({ clipboard: { frameId: frame.id, shapes }, notice: `Copied ${plural(shapes.length, 'shape')}.` });
      },

      paste() {
        const { frame, clipboard } = get();
        if (!frame || !clipboard) {
          set({ notice: 'Nothing to paste: copy shapes first.' });
          return;
        }
        // On the frame they came from, copies exactly on top of their originals would look like nothing happened.
        const shapes =
          clipboard.frameId === frame.id ? translateShapes(clipboard.shapes, duplicateOffset, duplicateOffset, frame) : clipboard.shapes;
        lastNudge = null;
        void enqueue('write', () => call('shapes.paste', { toFrameId: frame.id, shapes })).then(
          (result) => addPasted(frame.id, result, 'Pasted'),
          () => undefined,
        );
      },

      copyFromFrame(fromFrameId) {
        const { frame } = get();
        if (!frame) return;
        lastNudge = null;
        void enqueue('write', () => call('shapes.copyFromFrame', { fromFrameId, toFrameId: frame.id })).then(
          (result) =>
            result.shapes.length === 0 && result.skipped === 0
              ? set({ notice: 'The previous frame has no shapes to copy.' })
              : addPasted(frame.id, result, 'Copied from the previous frame:'),
          () => undefined,
        );
      },

      undo() {
        const { draft } = get();
        if (draft) {
          set({ draft: draft.points.length > 2 ? { ...draft, points: draft.points.slice(0, -2) } : null });
          return;
        }
        replay(undo);
      },
      redo() {
        replay(redo);
      },

      addDraftPoint(point, tolerance) {
        const { frame, tool, draft, shapesReady } = get();
        if (!frame || !shapesReady || (tool !== 'polygon' && tool !== 'polyline')) return;
        const [x = 0, y = 0] = clampPoints([point.x, point.y], frame);
        if (!draft || draft.type !== tool) {
          set({ draft: { type: tool, points: [x, y] }, selection: [], vertex: null });
          return;
        }
        const near = (index: number) => Math.hypot((draft.points[index] ?? 0) - x, (draft.points[index + 1] ?? 0) - y) <= tolerance;
        const count = draft.points.length / 2;
        if ((draft.type === 'polygon' && count >= 3 && near(0)) || near(draft.points.length - 2)) {
          get().finishDraft();
          return;
        }
        set({ draft: { ...draft, points: [...draft.points, x, y] } });
      },

      finishDraft() {
        const { draft } = get();
        if (!draft) return;
        const problem = geometryProblem(draft.type, draft.points);
        if (problem) {
          set({ notice: `${problem} Keep clicking, or press Esc to cancel.` });
          return;
        }
        get().createShape(draft.type, draft.points);
      },

      deleteKey() {
        const { draft, vertex, selection } = get();
        if (draft) {
          get().undo();
        } else if (vertex !== null && selection.length === 1 && selection[0]) {
          get().deleteVertex(selection[0], vertex);
        } else {
          get().deleteSelection();
        }
      },

      cancel() {
        const { draft, selection, vertex } = get();
        if (draft) {
          set({ draft: null });
          return 'draft';
        }
        if (selection.length > 0 || vertex !== null) {
          set({ selection: [], vertex: null });
          return 'selection';
        }
        return 'nothing';
      },

      setNotice(notice) {
        set({ notice });
      },
      setHelpOpen(helpOpen) {
        set({ helpOpen });
      },
      setReadOnly(readOnly) {
        set({ readOnly });
      },
      refreshShapes() {
        expected = null;
        reloadShapes();
      },

      async createLabel(input) {
        const label = await enqueue('label', () => call('labels.create', input));
        await reloadLabels();
        return label;
      },

      async updateLabel(id, patch) {
        const label = await enqueue('label', () => call('labels.update', { id, ...patch }));
        await reloadLabels();
        // New attribute definitions drop the values that no longer fit, on the host: show what it kept.
        if (patch.attributes !== undefined) reloadShapes();
        return label;
      },

      async deleteLabel(id, options) {
        await enqueue('label', () => call('labels.delete', { id, ...options }));
        // Shapes on frames all over the project changed under the undo history, which could now write back a
        // label that is gone; it starts afresh.
        set({ history: emptyHistory });
        lastNudge = null;
        await reloadLabels();
        reloadShapes();
      },
    };
  });
}
