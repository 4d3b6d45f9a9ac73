import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, type IpcMainInvokeEvent } from 'electron';
import { eventNames } from '../shared/contract';
import { dispatch } from './api/dispatch';
import { createHandlers } from './api/handlers';
import { showAlertsAsNotifications } from './desktop-notifications';
import { appEntryUrl, isAppUrl as isAppPage } from './app-scheme';
import { contentSecurityPolicy } from './host/csp';
import { defaultLibraryDir } from './library/paths';
import { mediaScheme } from '../shared/media-url';
import { videoExtensions } from '../shared/video-files';
import { handleAppScheme, handleMediaScheme, registerAppSchemes } from './media-protocol';
import { openServices, type Services } from './services';
import { lockDownContents, lockDownSession } from './window-security';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const rendererDir = path.join(here, '../renderer');

function libraryFromArgs(): string {
  const index = process.argv.indexOf('--library');
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  return value ? path.resolve(value) : defaultLibraryDir();
}

const isAppUrl = (url: string) => isAppPage(url, rendererUrl);

registerAppSchemes();
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
  await window.loadURL(rendererUrl ?? appEntryUrl);
}

async function start(): Promise<void> {
  await app.whenReady();
  const libraryDir = libraryFromArgs();
  // After whenReady: before it, safeStorage reports no encryption and, on Linux, an 'unknown' keyring.
  services = openServices({ libraryDir, startQueue: true, safeStorage, datasetWorker: path.join(here, 'dataset-worker.js') });
  const policy = contentSecurityPolicy({ img: [`${mediaScheme}:`], connect: rendererUrl ? ['ws:'] : [] });
  handleMediaScheme(services.paths.root);
  handleAppScheme(rendererDir, policy);
  // The dev server's responses, which the app scheme's handler does not make.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
  lockDownSession(session.defaultSession);

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
  ipcMain.handle('stillframe:pick-folder', async (event) => {
    if (!trusted(event)) return null;
    const result = await dialog.showOpenDialog({ title: 'Export into folder', properties: ['openDirectory', 'createDirectory'] });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  showAlertsAsNotifications(services.events);
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
