import path from 'node:path';
import { resolveInsideFolder } from './library/paths';

/**
 * The Electron window loads the renderer from this scheme, not from file://: a file:// page shares its origin
 * with every file on the disk, while `stillframe-app://app` is an origin of its own that serves only the built
 * renderer folder. Kept free of Electron so the rules below are tested here (see app-scheme.test.ts).
 */
export const appScheme = 'stillframe-app';
export const appOrigin = `${appScheme}://app`;
export const appEntryUrl = `${appOrigin}/index.html`;

/** Whether a URL is the app's own page: the built renderer, or electron-vite's dev server while developing. */
export function isAppUrl(url: string, devServerUrl?: string): boolean {
  if (devServerUrl) return url.startsWith(devServerUrl);
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${appScheme}:` && parsed.host === 'app';
  } catch {
    return false;
  }
}

/** The renderer file a request for the app scheme asks for, or null for anything outside the renderer folder. */
export function appFileFor(rendererDir: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${appScheme}:` || url.host !== 'app') return null;
  return resolveInsideFolder(rendererDir, url.pathname === '/' ? 'index.html' : url.pathname);
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export function appContentType(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
