import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { appEntryUrl, appFileFor, isAppUrl } from './app-scheme';

/** What the Electron-facing files hand to Electron, caught so the handlers can be called as Electron would. */
const electron = vi.hoisted(() => ({
  handlers: new Map<string, (request: { url: string }) => Promise<Response>>(),
  privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
  opened: [] as string[],
}));

vi.mock('electron', () => ({
  protocol: {
    registerSchemesAsPrivileged: (schemes: typeof electron.privileged) => electron.privileged.push(...schemes),
    handle: (scheme: string, handler: (request: { url: string }) => Promise<Response>) => electron.handlers.set(scheme, handler),
  },
  // Electron's net.fetch reads file:// URLs; this one does the same for the test's folder.
  net: {
    fetch: async (url: string) => {
      try {
        return new Response(readFileSync(fileURLToPath(url)));
      } catch {
        return new Response('missing', { status: 404 });
      }
    },
  },
  shell: { openExternal: async (url: string) => void electron.opened.push(url) },
}));

const { handleAppScheme, registerAppSchemes } = await import('./media-protocol');
const { lockDownContents, lockDownSession } = await import('./window-security');

function rendererFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sf-app-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Stillframe</title>');
  writeFileSync(path.join(dir, 'assets', 'index.js'), 'console.log(1)');
  writeFileSync(path.join(dir, '..', 'outside.txt'), 'secret');
  return dir;
}

beforeEach(() => {
  electron.handlers.clear();
  electron.privileged.length = 0;
  electron.opened.length = 0;
});

describe('the app scheme that serves the renderer in Electron', () => {
  it('is registered as privileged with the media scheme in one call, and is not readable cross-origin', () => {
    registerAppSchemes();
    expect(electron.privileged.map((entry) => entry.scheme)).toEqual(['stillframe-app', 'stillframe-media']);
    for (const entry of electron.privileged) {
      expect(entry.privileges).toMatchObject({ standard: true, secure: true });
      expect(entry.privileges.corsEnabled).toBeUndefined();
      expect(entry.privileges.bypassCSP).toBeUndefined();
    }
  });

  it("keeps V8's compiled code of the app's scripts between launches", () => {
    registerAppSchemes();
    expect(electron.privileged.find((entry) => entry.scheme === 'stillframe-app')?.privileges).toMatchObject({ standard: true, codeCache: true });
  });

  it('serves only the built renderer, with the Content-Security-Policy, and nothing outside its folder', async () => {
    const dir = rendererFolder();
    handleAppScheme(dir, "default-src 'self'");
    const serve = electron.handlers.get('stillframe-app');
    if (!serve) throw new Error('no handler');
    const page = await serve({ url: appEntryUrl });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Stillframe</title>');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await serve({ url: 'stillframe-app://app/' })).status).toBe(200);
    const script = await serve({ url: 'stillframe-app://app/assets/index.js' });
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const url of ['stillframe-app://app/../outside.txt', 'stillframe-app://app/%2e%2e/outside.txt', 'stillframe-app://app/..%2foutside.txt', 'stillframe-app://other/index.html', 'stillframe-app://app/missing.js']) {
      expect((await serve({ url })).status, url).toBe(404);
    }
    expect(appFileFor(dir, 'file:///etc/passwd')).toBeNull();
  });

  it('tells the app page from any other, in the window and with the dev server', () => {
    expect(isAppUrl(appEntryUrl)).toBe(true);
    expect(isAppUrl('stillframe-app://app/assets/index.js')).toBe(true);
    expect(isAppUrl('stillframe-app://elsewhere/index.html')).toBe(false);
    expect(isAppUrl('file:///app/out/renderer/index.html')).toBe(false);
    expect(isAppUrl('https://evil.example/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
    expect(isAppUrl('http://localhost:5173/index.html', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl(appEntryUrl, 'http://localhost:5173')).toBe(false);
  });
});

describe('the window and its session', () => {
  it('stops any frame navigating away from the app, and opens no window', () => {
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
    lockDownContents(contents as never, (url) => isAppUrl(url));
    const navigate = (event: string, url: string) => {
      const preventDefault = vi.fn();
      if (event === 'will-frame-navigate') contents.emit(event, { url, isMainFrame: false, preventDefault });
      else contents.emit(event, { preventDefault }, url);
      return preventDefault.mock.calls.length > 0;
    };
    expect(navigate('will-frame-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate('will-frame-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate('will-frame-navigate', appEntryUrl)).toBe(false);
    expect(navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate('will-redirect', 'https://evil.example/')).toBe(true);
    expect(navigate('will-navigate', appEntryUrl)).toBe(false);
    const openHandler = contents.setWindowOpenHandler.mock.calls[0]?.[0] as (details: { url: string }) => { action: string };
    expect(openHandler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(electron.opened).toEqual([]);
  });

  it('refuses every permission request and answers every permission check with no', () => {
    const session = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() };
    lockDownSession(session as never);
    const request = session.setPermissionRequestHandler.mock.calls[0]?.[0] as (c: unknown, p: string, callback: (granted: boolean) => void) => void;
    const check = session.setPermissionCheckHandler.mock.calls[0]?.[0] as (c: unknown, p: string, origin: string) => boolean;
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'midi']) {
      const callback = vi.fn();
      request(null, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(check(null, permission, 'stillframe-app://app')).toBe(false);
    }
  });
});
