import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { StillframeBridge } from '../shared/bridge';
import type { CallName, CallResult } from '../shared/contract';
import type { LibraryChanges } from '../shared/library-changes';
import { electronMediaUrl } from '../shared/media-url';

const invoke = (call: CallName, input: unknown): Promise<CallResult<never>> => ipcRenderer.invoke('stillframe:invoke', call, input);

async function libraryChangesNow(): Promise<LibraryChanges> {
  const result = (await invoke('library.changes', {})) as CallResult<LibraryChanges>;
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/**
 * The count of library changes asked for just before the page's first call, on the channel that carries it: the main
 * process answers calls in the order sent, so the count is no later than what the page's first reads saw.
 */
let firstRead: Promise<LibraryChanges> | null = null;

const bridge: StillframeBridge = {
  invoke: (call, input) => {
    firstRead ??= libraryChangesNow();
    return invoke(call, input);
  },
  subscribe: (event, handler) => {
    const listener = (_: unknown, name: string, payload: unknown) => {
      if (name === event) handler(payload as Parameters<typeof handler>[0]);
    };
    ipcRenderer.on('stillframe:event', listener);
    return () => ipcRenderer.off('stillframe:event', listener);
  },
  libraryChanges: async () => {
    // Asked after the page's subscriptions were made: any change after this count reaches them.
    const listening = libraryChangesNow();
    return { read: await (firstRead ?? listening), listening: await listening };
  },
  // Electron 32 removed File.path; the page never sees paths, only the main process does.
  filesToPaths: async (files) => files.map((file) => webUtils.getPathForFile(file)).filter((p) => p.length > 0),
  folderToPath: async (folder) => (folder.item ? webUtils.getPathForFile(folder.item) : ''),
  pickVideoPaths: () => ipcRenderer.invoke('stillframe:pick-videos'),
  mediaUrl: electronMediaUrl,
  loadThumbnails: async (paths) => paths.map(electronMediaUrl),
  exportTarget: { kind: 'folder', pick: () => ipcRenderer.invoke('stillframe:pick-folder') },
};

contextBridge.exposeInMainWorld('stillframe', bridge);
