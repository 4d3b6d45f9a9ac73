import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { StillframeError } from '../../shared/errors';

export const ffmpegMissingMessage =
  'Stillframe needs FFmpeg to read videos, and none was found. Install FFmpeg, or set FFMPEG_PATH to its location.';

const requireOptional = createRequire(import.meta.url);

export interface BinarySources {
  /** Bare executable name looked up on PATH, without any .exe suffix. */
  name: 'ffmpeg' | 'ffprobe';
  envVar: 'FFMPEG_PATH' | 'FFPROBE_PATH';
  envValue: string | undefined;
  /** Path offered by a bundled npm package, or null when the package is absent or has no binary for this platform. */
  packagePath: () => string | null;
  searchPath: string | undefined;
  platform: NodeJS.Platform;
}

/**
 * Electron can read files inside app.asar but cannot execute them, so electron-builder unpacks binaries into a
 * sibling app.asar.unpacked folder while the package still reports the path inside the archive.
 */
export function toUnpackedAsarPath(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the binary in use came from: its environment variable, the bundled npm package, or the PATH. */
export type BinarySource = 'environment' | 'bundled' | 'path';

export function pickBinary(sources: BinarySources): string {
  return locateBinary(sources).path;
}

/** The binary to run and where it came from, in the order pickBinary promises: variable, bundled copy, PATH. */
export function locateBinary(sources: BinarySources): { path: string; source: BinarySource } {
  const { name, envVar, envValue, searchPath, platform } = sources;

  // An explicit setting that points nowhere is a mistake worth reporting, not a reason to quietly use another copy.
  if (envValue !== undefined && envValue !== '') {
    if (isExecutableFile(envValue)) return { path: envValue, source: 'environment' };
    throw new StillframeError(
      'ffmpeg-missing',
      ffmpegMissingMessage,
      `${envVar} is set to "${envValue}", but there is no executable file there.`,
    );
  }

  const packaged = sources.packagePath();
  if (packaged !== null) {
    const unpacked = toUnpackedAsarPath(packaged);
    if (isExecutableFile(unpacked)) return { path: unpacked, source: 'bundled' };
  }

  const fileName = platform === 'win32' ? `${name}.exe` : name;
  for (const dir of (searchPath ?? '').split(platform === 'win32' ? ';' : ':')) {
    if (dir === '') continue;
    const candidate = join(dir, fileName);
    if (isExecutableFile(candidate)) return { path: candidate, source: 'path' };
  }

  throw new StillframeError(
    'ffmpeg-missing',
    ffmpegMissingMessage,
    `No ${name} found: ${envVar} is not set, the bundled copy is missing, and none is on PATH.`,
  );
}

function packageExport(specifier: string, pick: (exported: unknown) => unknown): string | null {
  try {
    const value = pick(requireOptional(specifier));
    return typeof value === 'string' ? value : null;
  } catch {
    // Optional dependency: absent on platforms without a prebuilt binary, or left out of the install.
    return null;
  }
}

export function ffmpegSources(): BinarySources {
  return {
    name: 'ffmpeg',
    envVar: 'FFMPEG_PATH',
    envValue: process.env.FFMPEG_PATH,
    packagePath: () => packageExport('ffmpeg-static', (exported) => exported),
    searchPath: process.env.PATH,
    platform: process.platform,
  };
}

export function ffprobeSources(): BinarySources {
  return {
    name: 'ffprobe',
    envVar: 'FFPROBE_PATH',
    envValue: process.env.FFPROBE_PATH,
    packagePath: () =>
      packageExport('@ffprobe-installer/ffprobe', (exported) =>
        typeof exported === 'object' && exported !== null && 'path' in exported ? exported.path : null,
      ),
    searchPath: process.env.PATH,
    platform: process.platform,
  };
}

export function resolveFfmpeg(): string {
  return pickBinary(ffmpegSources());
}

export function resolveFfprobe(): string {
  return pickBinary(ffprobeSources());
}
