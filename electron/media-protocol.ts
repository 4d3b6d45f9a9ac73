import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { mediaScheme } from '../shared/media-url';
import { resolveInsideFolder } from './library/paths';

/** Must run before the app is ready. Frames and thumbnails reach the renderer only through this scheme, never file://. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([
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
