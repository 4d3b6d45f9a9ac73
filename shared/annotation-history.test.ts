import { describe, expect, it } from 'vitest';
import { canRedo, canUndo, emptyHistory, historyLimit, record, redo, undo, type AnnotationHistory } from './annotation-history';
import type { Shape } from './annotations';
import { testShape } from './test-shape';

const frameId = 'frame-1';

function box(id: string, x: number): Shape {
  return testShape({ id, frameId, type: 'rectangle', points: [x, 0, x + 10, 10], createdAt: 1, updatedAt: 1 });
}

describe('annotation history', () => {
  it('starts with nothing to undo or redo', () => {
    expect(canUndo(emptyHistory, frameId)).toBe(false);
    expect(canRedo(emptyHistory, frameId)).toBe(false);
    expect(undo(emptyHistory, frameId)).toBeNull();
    expect(redo(emptyHistory, frameId)).toBeNull();
  });

  it('undoes a move with the opposite offset and redoes it with the offset, beside the shapes as they were', () => {
    const [a, b] = [box('a', 0), box('b', 20)];
    const [movedA, movedB] = [box('a', 5), box('b', 25)];
    const history = record(emptyHistory, frameId, { before: [a, b], after: [movedA, movedB], offset: { x: 5, y: 0 } });
    const undone = undo(history, frameId);
    expect(undone?.writes).toEqual({ save: [a, b], delete: [], move: { x: -5, y: -0 } });
    expect(redo(undone!.history, frameId)?.writes).toEqual({ save: [movedA, movedB], delete: [], move: { x: 5, y: 0 } });
  });

  it('walks create → edit → delete back and forth with the writes that get there', () => {
    const created = box('a', 0);
    const moved = box('a', 50);
    let history: AnnotationHistory = emptyHistory;
    history = record(history, frameId, { before: [], after: [created] });
    history = record(history, frameId, { before: [created], after: [moved] });
    history = record(history, frameId, { before: [moved], after: [] });

    const undoDelete = undo(history, frameId);
    expect(undoDelete?.writes).toEqual({ save: [moved], delete: [] });
    const undoEdit = undo(undoDelete!.history, frameId);
    expect(undoEdit?.writes).toEqual({ save: [created], delete: [] });
    const undoCreate = undo(undoEdit!.history, frameId);
    expect(undoCreate?.writes).toEqual({ save: [], delete: ['a'] });
    history = undoCreate!.history;
    expect(canUndo(history, frameId)).toBe(false);
    expect(canRedo(history, frameId)).toBe(true);

    const redoCreate = redo(history, frameId);
    expect(redoCreate?.writes).toEqual({ save: [created], delete: [] });
    const redoEdit = redo(redoCreate!.history, frameId);
    expect(redoEdit?.writes).toEqual({ save: [moved], delete: [] });
    const redoDelete = redo(redoEdit!.history, frameId);
    expect(redoDelete?.writes).toEqual({ save: [], delete: ['a'] });
    expect(canRedo(redoDelete!.history, frameId)).toBe(false);
    expect(canUndo(redoDelete!.history, frameId)).toBe(true);
  });

  it('restores every shape of a multi-shape edit and deletes only what the edit created', () => {
    const a = box('a', 0);
    const b = box('b', 20);
    const pasted = box('c', 40);
    const history = record(emptyHistory, frameId, { before: [a, b], after: [{ ...a, hidden: true }, pasted] });
    expect(undo(history, frameId)?.writes).toEqual({ save: [a, b], delete: ['c'] });
  });

  it('forgets the redo stack once a new edit is recorded', () => {
    let history = record(emptyHistory, frameId, { before: [], after: [box('a', 0)] });
    history = undo(history, frameId)!.history;
    history = record(history, frameId, { before: [], after: [box('b', 0)] });
    expect(canRedo(history, frameId)).toBe(false);
  });

  it('keeps the last 100 of 150 steps, dropping the oldest', () => {
    let history: AnnotationHistory = emptyHistory;
    for (let step = 0; step < 150; step++) {
      history = record(history, frameId, { before: [box('a', step)], after: [box('a', step + 1)] });
    }
    const undone: number[] = [];
    for (let result = undo(history, frameId); result; result = undo(result.history, frameId)) {
      undone.push(result.writes.save[0]?.points[0] ?? -1);
      history = result.history;
    }
    expect(historyLimit).toBe(100);
    expect(undone).toHaveLength(100);
    expect(undone[0]).toBe(149);
    expect(undone.at(-1)).toBe(50);
    expect(canRedo(history, frameId)).toBe(true);
  });

  it('keeps each frame to itself and never changes a history it was given', () => {
    const first = record(emptyHistory, frameId, { before: [], after: [box('a', 0)] });
    const second = record(first, 'frame-2', { before: [], after: [box('b', 0)] });
    expect(canUndo(second, frameId)).toBe(true);
    expect(canUndo(second, 'frame-2')).toBe(true);
    expect(canUndo(first, 'frame-2')).toBe(false);
    undo(second, frameId);
    expect(canUndo(second, frameId)).toBe(true);
    expect(emptyHistory.size).toBe(0);
  });

  it('ignores an entry that touched nothing', () => {
    expect(record(emptyHistory, frameId, { before: [], after: [] })).toBe(emptyHistory);
  });
});
