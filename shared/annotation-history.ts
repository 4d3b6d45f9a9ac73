import type { Shape } from './annotations';
import type { Offset } from './geometry';

export const historyLimit = 100;

/**
 * One edit on one frame: the shapes it touched as they were and as they became, matched by id. A shape only in
 * `after` was created, one only in `before` was deleted.
 */
export interface HistoryEntry {
  before: readonly Shape[];
  after: readonly Shape[];
  /** Set when `after` is `before` moved by this offset: undo and redo then send the move, not every shape. */
  offset?: Offset;
}

interface FrameStacks {
  undo: readonly HistoryEntry[];
  redo: readonly HistoryEntry[];
}

/**
 * Undo and redo stacks per frame id. Immutable, so a store can hold it as state; every change returns a new one.
 * Each frame keeps its own stacks because undo on one frame must never reach into another the person left.
 */
export type AnnotationHistory = ReadonlyMap<string, FrameStacks>;

/**
 * What to send to get there: `shapes.save` (or `shapes.restore`) for `save`, `shapes.delete` for `delete`; or, with
 * `move`, `shapes.move` of the shapes in `save` by that offset, which is what they are once moved.
 */
export interface ShapeWrites {
  save: Shape[];
  delete: string[];
  move?: Offset;
}

export const emptyHistory: AnnotationHistory = new Map();

const noStacks: FrameStacks = { undo: [], redo: [] };

function withStacks(history: AnnotationHistory, frameId: string, stacks: FrameStacks): AnnotationHistory {
  const next = new Map(history);
  next.set(frameId, stacks);
  return next;
}

/** From `from` to `to`: write every shape of `to`, delete those only `from` has. */
function writesBetween(from: readonly Shape[], to: readonly Shape[]): ShapeWrites {
  const kept = new Set(to.map((shape) => shape.id));
  return { save: [...to], delete: from.filter((shape) => !kept.has(shape.id)).map((shape) => shape.id) };
}

/** Adds a completed edit; a new edit forgets what could be redone, and past `limit` steps the oldest goes. */
export function record(history: AnnotationHistory, frameId: string, entry: HistoryEntry, limit = historyLimit): AnnotationHistory {
  if (entry.before.length === 0 && entry.after.length === 0) return history;
  const { undo } = history.get(frameId) ?? noStacks;
  const step: HistoryEntry = { before: [...entry.before], after: [...entry.after], ...(entry.offset ? { offset: entry.offset } : {}) };
  return withStacks(history, frameId, { undo: [...undo, step].slice(-limit), redo: [] });
}

export function canUndo(history: AnnotationHistory, frameId: string): boolean {
  return (history.get(frameId)?.undo.length ?? 0) > 0;
}

export function canRedo(history: AnnotationHistory, frameId: string): boolean {
  return (history.get(frameId)?.redo.length ?? 0) > 0;
}

/** The writes that take the frame back one step, and the history after it; null when there is nothing to undo. */
export function undo(history: AnnotationHistory, frameId: string): { history: AnnotationHistory; writes: ShapeWrites } | null {
  const stacks = history.get(frameId) ?? noStacks;
  const entry = stacks.undo.at(-1);
  if (!entry) return null;
  return {
    history: withStacks(history, frameId, { undo: stacks.undo.slice(0, -1), redo: [...stacks.redo, entry] }),
    writes: { ...writesBetween(entry.after, entry.before), ...(entry.offset ? { move: { x: -entry.offset.x, y: -entry.offset.y } } : {}) },
  };
}

/** The writes that replay the step last undone, and the history after it; null when there is nothing to redo. */
export function redo(history: AnnotationHistory, frameId: string): { history: AnnotationHistory; writes: ShapeWrites } | null {
  const stacks = history.get(frameId) ?? noStacks;
  const entry = stacks.redo.at(-1);
  if (!entry) return null;
  return {
    history: withStacks(history, frameId, { undo: [...stacks.undo, entry], redo: stacks.redo.slice(0, -1) }),
    writes: { ...writesBetween(entry.before, entry.after), ...(entry.offset ? { move: entry.offset } : {}) },
  };
}
