import { shell, type WebContents } from 'electron';
import { isOpenableExternally } from './external-links';

/** No navigation away from the app and no new windows; known help links go to the system browser. */
export function lockDownContents(contents: WebContents, appOrigin: (url: string) => boolean): void {
  contents.on('will-navigate', (event, url) => {
    if (!appOrigin(url)) event.preventDefault();
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
