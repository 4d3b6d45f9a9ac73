import { useStore } from 'zustand';
import { call } from '../api';
import { useApp } from '../state/store';
import { createEditorStore, type Editor } from './editor-store';

/**
 * The annotator's one store, outside any component: the canvas reads it while it draws and the panels subscribe
 * to slices of it, so a pointer move never has to pass through React.
 */
export const editorStore = createEditorStore(call, (error) => useApp.getState().showError(error));

export function useEditor<T>(selector: (state: Editor) => T): T {
  return useStore(editorStore, selector);
}
