import { create } from 'zustand';
import { call } from '../api';
import { attempt } from './store';

/** The last deletion of frames: it stays undoable until it is settled, whatever screen the person visits meanwhile. */
export interface PendingDelete {
  projectId: string;
  ids: string[];
}

interface FrameUndoState {
  pending: PendingDelete | null;
  /** Deletes the frames; a deletion still pending becomes final (the host purges it with this one). */
  remove(projectId: string, ids: string[]): Promise<void>;
  /** Brings the pending deletion's frames back. */
  undo(): Promise<void>;
  /** Makes the pending deletion final: the Undo toast's close button, or an action that cannot be undone with it. */
  settle(): void;
}

export const useFrameUndo = create<FrameUndoState>()((set, get) => ({
  pending: null,
  remove: async (projectId, ids) => {
    if (ids.length === 0) return;
    await attempt(async () => {
      await call('frames.delete', { ids });
      set({ pending: { projectId, ids } });
    });
  },
  undo: async () => {
    const { pending } = get();
    if (!pending) return;
    set({ pending: null });
    await attempt(() => call('frames.restore', { ids: pending.ids }));
  },
  settle: () => {
    if (!get().pending) return;
    set({ pending: null });
    void attempt(() => call('frames.purge', {}));
  },
}));
