import { create } from 'zustand';

/**
 * The frame selection of the project page: which frames are selected, where a Shift range starts, and which frame
 * has the keyboard focus. A selection never spans batches, as every action on it (move, delete) is per batch.
 */
interface SelectionState {
  batchId: string | null;
  selected: ReadonlySet<string>;
  anchor: string | null;
  focused: string | null;
  /** Plain click or arrow: only this frame. */
  selectOnly(batchId: string, id: string): void;
  /** Ctrl/Cmd+click or Space: add or remove this frame. */
  toggle(batchId: string, id: string): void;
  /** Shift+click or Shift+arrow: from the anchor to this frame, in the batch's order. */
  selectRange(batchId: string, order: readonly string[], id: string): void;
  selectAll(batchId: string, order: readonly string[]): void;
  focus(batchId: string, id: string): void;
  clear(): void;
}

export const useSelection = create<SelectionState>()((set, get) => ({
  batchId: null,
  selected: new Set(),
  anchor: null,
  focused: null,
  selectOnly: (batchId, id) => set({ batchId, selected: new Set([id]), anchor: id, focused: id }),
  toggle: (batchId, id) => {
    const state = get();
    const selected = new Set(state.batchId === batchId ? state.selected : []);
    if (selected.has(id)) selected.delete(id);
    else selected.add(id);
    set({ batchId, selected, anchor: id, focused: id });
  },
  selectRange: (batchId, order, id) => {
    const state = get();
    const anchor = state.batchId === batchId && state.anchor ? state.anchor : id;
    const from = order.indexOf(anchor);
    const to = order.indexOf(id);
    if (from < 0 || to < 0) return set({ batchId, selected: new Set([id]), anchor: id, focused: id });
    const [start, end] = from <= to ? [from, to] : [to, from];
    set({ batchId, selected: new Set(order.slice(start, end + 1)), anchor, focused: id });
  },
  selectAll: (batchId, order) => set({ batchId, selected: new Set(order), anchor: order[0] ?? null, focused: get().focused ?? order[0] ?? null }),
  focus: (batchId, id) => set({ batchId, focused: id }),
  clear: () => set({ batchId: null, selected: new Set(), anchor: null, focused: null }),
}));
