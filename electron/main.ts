import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, type IpcMainInvokeEvent } from 'electron';
import { eventNames } from '../shared/contract';
import { dispatch } from './api/dispatch';
import { createHandlers } from './api/handlers';
import { contentSecurityPolicy } from './host/csp';
import { defaultLibraryDir } from './library/paths';
import { mediaScheme } from '../shared/media-url';
import { videoExtensions } from '../shared/video-files';
import { handleMediaScheme, registerMediaScheme } from './media-protocol';
import { openServices, type Services } from './services';
import { lockDownContents } from './window-security';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const rendererFile = path.join(here, '../renderer/index.html');

function libraryFromArgs(): string {
  const index = process.argv.indexOf('--library');
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  return value ? path.resolve(value) : defaultLibraryDir();
}

function isAppUrl(url: string): boolean {
  if (rendererUrl) return url.startsWith(rendererUrl);
  try {
    return new URL(url).protocol === 'file:' && fileURLToPath(url) === rendererFile;
  } catch {
    return false;
  }
}

registerMediaScheme();
app.enableSandbox();

let services: Services | null = null;

async function createWindow(): Promise<void> {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Stillframe',
    show: false,
    webPreferences: {
      preload: path.join(here, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  lockDownContents(window.webContents, isAppUrl);
  window.once('ready-to-show', () => window.show());
  if (rendererUrl) await window.loadURL(rendererUrl);
  else await window.loadFile(rendererFile);
}

async function start(): Promise<void> {
  await app.whenReady();
  const libraryDir = libraryFromArgs();
  // After whenReady: before it, safeStorage reports no encryption and, on Linux, an 'unknown' keyring.
  services = openServices({ libraryDir, startQueue: true, safeStorage });
  handleMediaScheme(services.paths.root);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [contentSecurityPolicy({ img: [`${mediaScheme}:`], connect: rendererUrl ? ['ws:'] : [] })],
      },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  const handlers = createHandlers(services);
  // Only our own top-level page may call in: not an iframe, not a page navigated elsewhere.
  const trusted = (event: IpcMainInvokeEvent) => {
    const frame = event.senderFrame;
    return frame !== null && frame.parent === null && isAppUrl(frame.url);
  };
  ipcMain.handle('stillframe:invoke', (event, name: unknown, input: unknown) => {
    if (!trusted(event)) return { ok: false, error: { code: 'invalid-input', message: 'Calls are accepted only from Stillframe’s own window.' } };
    return dispatch(handlers, name, input);
  });
  ipcMain.handle('stillframe:pick-videos', async (event) => {
    if (!trusted(event)) return [];
    const result = await dialog.showOpenDialog({
      title: 'Import videos',
      properties: ['openFile', 'multiSelections'],
      filters: [{ name: 'Videos', extensions: [...videoExtensions] }],
    });
    return result.canceled ? [] : result.filePaths;
  });
  for (const name of eventNames) {
    services.events.on(name, (payload) => {
      for (const window of BrowserWindow.getAllWindows()) window.webContents.send('stillframe:event', name, payload);
    });
  }

  await createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let closing = false;
app.on('will-quit', (event) => {
  if (closing || !services) return;
  closing = true;
  event.preventDefault();
  void services.close().finally(() => app.quit());
});

start().catch((error: unknown) => {
  dialog.showErrorBox('Stillframe could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
