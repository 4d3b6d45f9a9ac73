import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { StillframeBridge } from '../shared/bridge';
import { electronMediaUrl } from '../shared/media-url';

const bridge: StillframeBridge = {
  invoke: (call, input) => ipcRenderer.invoke('stillframe:invoke', call, input),
  subscribe: (event, handler) => {
    const listener = (_: unknown, name: string, payload: unknown) => {
      if (name === event) handler(payload as Parameters<typeof handler>[0]);
    };
    ipcRenderer.on('stillframe:event', listener);
    return () => ipcRenderer.off('stillframe:event', listener);
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
