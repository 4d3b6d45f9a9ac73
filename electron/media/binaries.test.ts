import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StillframeError } from '../../shared/errors';
import type { BinarySources } from './binaries';
import { ffmpegMissingMessage, pickBinary, resolveFfmpeg, resolveFfprobe, toUnpackedAsarPath } from './binaries';

let root = '';
let onPath = '';
let elsewhere = '';
let packaged = '';

async function fakeBinary(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, 0o755);
  return path;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stillframe-binaries-'));
  onPath = await fakeBinary(join(root, 'bin'), 'ffmpeg');
  elsewhere = await fakeBinary(join(root, 'custom'), 'my-ffmpeg');
  packaged = await fakeBinary(join(root, 'app.asar.unpacked', 'node_modules', 'ffmpeg-static'), 'ffmpeg');
  // Present but not executable: must be skipped on PATH.
  await mkdir(join(root, 'plain'));
  await writeFile(join(root, 'plain', 'ffmpeg'), '');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const sources = (overrides: Partial<BinarySources>): BinarySources => ({
  name: 'ffmpeg',
  envVar: 'FFMPEG_PATH',
  envValue: undefined,
  packagePath: () => null,
  searchPath: '',
  platform: 'linux',
  ...overrides,
});

function thrown(run: () => unknown): StillframeError {
  try {
    run();
  } catch (error) {
    if (error instanceof StillframeError) return error;
    throw error;
  }
  throw new Error('expected a StillframeError');
}

describe('toUnpackedAsarPath', () => {
  it('points into app.asar.unpacked', () => {
    expect(toUnpackedAsarPath('/Applications/Stillframe.app/Contents/Resources/app.asar/node_modules/ffmpeg-static/ffmpeg')).toBe(
      '/Applications/Stillframe.app/Contents/Resources/app.asar.unpacked/node_modules/ffmpeg-static/ffmpeg',
    );
    expect(toUnpackedAsarPath('C:\\Stillframe\\resources\\app.asar\\node_modules\\ffmpeg-static\\ffmpeg.exe')).toBe(
      'C:\\Stillframe\\resources\\app.asar.unpacked\\node_modules\\ffmpeg-static\\ffmpeg.exe',
    );
  });

  it('leaves other paths alone', () => {
    expect(toUnpackedAsarPath('/usr/lib/node_modules/ffmpeg-static/ffmpeg')).toBe('/usr/lib/node_modules/ffmpeg-static/ffmpeg');
    expect(toUnpackedAsarPath('/srv/app.asar.unpacked/ffmpeg')).toBe('/srv/app.asar.unpacked/ffmpeg');
    expect(toUnpackedAsarPath('/srv/my-app.asar/ffmpeg')).toBe('/srv/my-app.asar/ffmpeg');
  });
});

describe('pickBinary', () => {
  it('prefers the environment variable over the package and PATH', () => {
    const picked = pickBinary(
      sources({ envValue: elsewhere, packagePath: () => packaged, searchPath: join(root, 'bin') }),
    );
    expect(picked).toBe(elsewhere);
  });

  it('reports an environment variable that points nowhere instead of quietly using another copy', () => {
    const error = thrown(() =>
      pickBinary(sources({ envValue: join(root, 'missing'), searchPath: join(root, 'bin') })),
    );
    expect(error.code).toBe('ffmpeg-missing');
    expect(error.detail).toContain('FFMPEG_PATH');
  });

  it('uses the bundled package next, rewritten out of app.asar', () => {
    const insideAsar = packaged.replace('app.asar.unpacked', 'app.asar');
    expect(pickBinary(sources({ packagePath: () => insideAsar, searchPath: join(root, 'bin') }))).toBe(packaged);
  });

  it('skips a package path that does not exist and searches PATH', () => {
    const picked = pickBinary(
      sources({ packagePath: () => join(root, 'gone', 'ffmpeg'), searchPath: ['', join(root, 'plain'), join(root, 'bin')].join(':') }),
    );
    expect(picked).toBe(onPath);
  });

  it('throws "ffmpeg-missing" with a message a person can act on when nothing is found', () => {
    const error = thrown(() => pickBinary(sources({ searchPath: join(root, 'plain') })));
    expect(error.code).toBe('ffmpeg-missing');
    expect(error.message).toBe(
      'Stillframe needs FFmpeg to read videos, and none was found. Install FFmpeg, or set FFMPEG_PATH to its location.',
    );
    expect(error.message).toBe(ffmpegMissingMessage);
  });

  it('looks for ffmpeg.exe on Windows-style PATHs', async () => {
    const exe = await fakeBinary(join(root, 'win'), 'ffmpeg.exe');
    expect(pickBinary(sources({ platform: 'win32', searchPath: `${join(root, 'bin-missing')};${join(root, 'win')}` }))).toBe(exe);
  });
});

describe('resolveFfmpeg and resolveFfprobe', () => {
  const saved = { ffmpeg: process.env.FFMPEG_PATH, ffprobe: process.env.FFPROBE_PATH, path: process.env.PATH };

  afterEach(() => {
    const restore = (key: 'FFMPEG_PATH' | 'FFPROBE_PATH' | 'PATH', value: string | undefined): void => {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    };
    restore('FFMPEG_PATH', saved.ffmpeg);
    restore('FFPROBE_PATH', saved.ffprobe);
    restore('PATH', saved.path);
  });

  it('honour FFMPEG_PATH and FFPROBE_PATH', () => {
    process.env.FFMPEG_PATH = elsewhere;
    process.env.FFPROBE_PATH = onPath;
    expect(resolveFfmpeg()).toBe(elsewhere);
    expect(resolveFfprobe()).toBe(onPath);
  });

  it('find working binaries in this environment', () => {
    delete process.env.FFMPEG_PATH;
    delete process.env.FFPROBE_PATH;
    expect(resolveFfmpeg()).toMatch(/ffmpeg(\.exe)?$/);
    expect(resolveFfprobe()).toMatch(/ffprobe(\.exe)?$/);
  });
});
