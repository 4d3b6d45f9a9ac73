import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLibraryDir, resolveInsideFolder } from './paths';

function library() {
  const root = mkdtempSync(path.join(tmpdir(), 'sf-paths-'));
  mkdirSync(path.join(root, 'frames', 'p'), { recursive: true });
  writeFileSync(path.join(root, 'frames', 'p', 'frame_000001.jpg'), 'jpg');
  const outside = mkdtempSync(path.join(tmpdir(), 'sf-outside-'));
  writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  return { root, outside };
}

describe('the media protocol path check', () => {
  it('serves files inside the library', () => {
    const { root } = library();
    expect(resolveInsideFolder(root, 'frames/p/frame_000001.jpg')).toBe(path.join(root, 'frames', 'p', 'frame_000001.jpg'));
    expect(resolveInsideFolder(root, '/frames/p/frame_000001.jpg')).not.toBeNull();
  });

  it('refuses .. in any spelling, absolute paths and missing files', () => {
    const { root, outside } = library();
    const escape = path.relative(root, path.join(outside, 'secret.txt'));
    for (const request of [
      escape,
      `frames/../${escape}`,
      encodeURIComponent(escape),
      'frames/%2e%2e/%2e%2e/etc/passwd',
      `//${path.join(outside, 'secret.txt')}`,
      path.join(outside, 'secret.txt'),
      'C:/Windows/win.ini',
      'frames\\..\\..\\secret.txt',
      'frames/p/frame_000001.jpg%00.png',
      'frames/p/missing.jpg',
      '%E0%A4%A',
    ]) {
      expect(resolveInsideFolder(root, request), request).toBeNull();
    }
  });

  it('refuses a symbolic link that leads outside the library', () => {
    const { root, outside } = library();
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'frames', 'p', 'link.jpg'));
    expect(resolveInsideFolder(root, 'frames/p/link.jpg')).toBeNull();
  });

  it('finds the default library where Electron keeps app data, unless STILLFRAME_LIBRARY says otherwise', () => {
    expect(defaultLibraryDir({ STILLFRAME_LIBRARY: '/data/lib' }, 'linux')).toBe('/data/lib');
    expect(defaultLibraryDir({ XDG_CONFIG_HOME: '/home/a/.config' }, 'linux')).toBe('/home/a/.config/Stillframe/library');
    expect(defaultLibraryDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toContain('Stillframe');
  });
});
