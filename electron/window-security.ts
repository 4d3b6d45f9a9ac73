import { shell, type Session, type WebContents } from 'electron';
import { isOpenableExternally } from './external-links';

/**
 * No navigation away from the app, in the window or in any frame inside it, and no new windows; known help
 * links go to the system browser.
 */
export function lockDownContents(contents: WebContents, appOrigin: (url: string) => boolean): void {
  contents.on('will-navigate', (event, url) => {
    if (!appOrigin(url)) event.preventDefault();
  });
  // will-navigate fires for the main frame only; this one covers every frame, iframes included.
  contents.on('will-frame-navigate', (details) => {
    if (!appOrigin(details.url)) details.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!appOrigin(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isOpenableExternally(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * Stillframe needs no browser permission (camera, notifications, clipboard reads, MIDI...): every request is
 * refused, and every check, which pages can make without asking (`navigator.permissions.query`, some APIs
 * before they prompt), answers no.
 */
export function lockDownSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
