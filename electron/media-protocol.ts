import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { mediaScheme } from '../shared/media-url';
import { appContentType, appFileFor, appScheme } from './app-scheme';
import { resolveInsideFolder } from './library/paths';

/**
 * Must run before the app is ready, once: a second call replaces the first list. The renderer and the library's
 * frames and thumbnails reach the window only through these schemes, never file://. Neither is `corsEnabled`, so
 * neither can be read from another origin. The app's scripts keep V8's compiled code between launches
 * (`codeCache`), as Chromium does only for http(s) unless told: without it, every start compiles the window's
 * scripts anew, the 233 KB shell chunk among them.
 */
export function registerAppSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
    { scheme: mediaScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

/** Serves `stillframe-media://library/<relative path>` from the library folder and refuses anything outside it. */
export function handleMediaScheme(libraryRoot: string): void {
  protocol.handle(mediaScheme, async (request) => {
    const url = new URL(request.url);
    const file = url.host === 'library' ? resolveInsideFolder(libraryRoot, url.pathname) : null;
    if (!file) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
}

/** Serves `stillframe-app://app/…` from the built renderer folder, with the page's Content-Security-Policy. */
export function handleAppScheme(rendererDir: string, contentSecurityPolicy: string): void {
  protocol.handle(appScheme, async (request) => {
    const file = appFileFor(rendererDir, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    const answer = await net.fetch(pathToFileURL(file).toString());
    if (!answer.ok) return new Response('Not found', { status: 404 });
    return new Response(answer.body, {
      status: 200,
      headers: {
        'content-type': appContentType(file),
        'content-security-policy': contentSecurityPolicy,
        'x-content-type-options': 'nosniff',
      },
    });
  });
}
