import type { StillframeBridge, TransferProgress } from '../../../shared/bridge';
import type { CallResult, EventName } from '../../../shared/contract';
import { downloadPath } from '../../../shared/dataset-contract';
import { thumbnailBundlePath, thumbnailBundleSchema, type ThumbnailBundleRequest } from '../../../shared/thumbnail-bundle';

/**
 * The browser host's side of `window.stillframe`: the same calls and events as Electron's preload, carried over
 * a WebSocket to `stillframe serve`. The per-launch token arrives in the URL fragment, which browsers never send
 * to a server or put in logs.
 */
export async function connectWebSocketBridge(location: Location): Promise<StillframeBridge> {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? sessionStorage.getItem('stillframe-token');
  if (!token) throw new Error('This address is missing its access token. Open the address that `stillframe serve` printed.');
  sessionStorage.setItem('stillframe-token', token);
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${token}`);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('Could not connect to the Stillframe host. Is `stillframe serve` still running?')), { once: true });
  });

  let nextId = 1;
  const pending = new Map<number, (result: CallResult<unknown>) => void>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data)) as { id?: number; result?: CallResult<unknown>; event?: EventName; payload?: unknown };
    if (data.id !== undefined && data.result) {
      pending.get(data.id)?.(data.result);
      pending.delete(data.id);
    } else if (data.event) {
      for (const handler of listeners.get(data.event) ?? []) handler(data.payload);
    }
  });
  socket.addEventListener('close', () => {
    for (const resolve of pending.values()) {
      resolve({ ok: false, error: { code: 'internal', message: 'The connection to the Stillframe host was lost. Reload the page once it runs again.' } });
    }
    pending.clear();
  });

  const upload = (file: File, onProgress?: (progress: TransferProgress) => void) =>
    new Promise<string>((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', `/upload?name=${encodeURIComponent(file.name)}`);
      request.setRequestHeader('x-stillframe-token', token);
      request.upload.onprogress = (event) => onProgress?.({ file: file.name, loadedBytes: event.loaded, totalBytes: event.total });
      request.onload = () => {
        if (request.status === 200) resolve((JSON.parse(request.responseText) as { path: string }).path);
        else reject(new Error(request.responseText || `Upload of ${file.name} failed (${request.status}).`));
      };
      request.onerror = () => reject(new Error(`Upload of ${file.name} failed: the host did not answer.`));
      request.send(file);
    });

  return {
    invoke: (call, input) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve as (result: CallResult<unknown>) => void);
        socket.send(JSON.stringify({ id, call, input }));
      }),
    subscribe: (event, handler) => {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const entry = handler as (payload: unknown) => void;
      set.add(entry);
      return () => set.delete(entry);
    },
    filesToPaths: async (files, onProgress) => {
      const paths: string[] = [];
      for (const file of files) paths.push(await upload(file, onProgress));
      return paths;
    },
    pickVideoPaths: async () => null,
    mediaUrl: (relative) => `/media/${relative.split('/').map(encodeURIComponent).join('/')}?token=${token}`,
    loadThumbnails: async (paths) => {
      const request: ThumbnailBundleRequest = { paths };
      const response = await fetch(thumbnailBundlePath, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-stillframe-token': token },
        body: JSON.stringify(request),
      });
      if (!response.ok) throw new Error(`The host did not send the thumbnails (${response.status}).`);
      return thumbnailBundleSchema.parse(await response.json()).urls;
    },
    exportTarget: { kind: 'download', url: (downloadId) => `${downloadPath(downloadId)}?token=${token}` },
  };
}
