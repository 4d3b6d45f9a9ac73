import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { resolveFfprobe } from '../media/binaries';
import { runTool } from '../media/runner';

export interface PixelSize {
  width: number;
  height: number;
}

/** JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic); each carries the picture's size. */
const startOfFrame = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Walks the JPEG's segments by their lengths until a start-of-frame gives the size; null if it is not in `bytes`. */
function jpegSize(bytes: Buffer): PixelSize | null {
  let position = 2;
  for (let segments = 0; segments < 10_000 && position + 9 <= bytes.length; segments++) {
    if (bytes[position] !== 0xff) return null;
    const marker = bytes[position + 1] ?? 0;
    if (marker === 0xff) {
      position++;
      continue;
    }
    if (startOfFrame.has(marker)) {
      const size = { height: bytes.readUInt16BE(position + 5), width: bytes.readUInt16BE(position + 7) };
      return size.width > 0 && size.height > 0 ? size : null;
    }
    // Markers that stand alone, without a length: restarts, TEM, start of image.
    if ((marker >= 0xd0 && marker <= 0xd8) || marker === 0x01) {
      position += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null;
    position += 2 + bytes.readUInt16BE(position + 2);
  }
  return null;
}

/** Bytes read at once from the start of an image: enough for the headers of nearly every JPEG (EXIF included) and PNG. */
const headBytes = 64 * 1024;
/**
 * One buffer for every read: the size is taken from it before the next read, and a new 64 KB buffer per image held
 * 175 MB outside the JS heap during a 10,000-image import, let go only when the heap next collected.
 */
const headBuffer = Buffer.alloc(headBytes);

/**
 * The size from one synchronous read of the file's start, or null to look further. Ten thousand images' sizes take
 * a tenth of the time this way than as a few small reads each through libuv's thread pool, which an import shares.
 */
function sizeFromHeaders(path: string): PixelSize | null {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      head = headBuffer.subarray(0, readSync(fd, headBuffer, 0, headBytes, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  if (head.length >= 24 && head.subarray(1, 4).toString('latin1') === 'PNG' && head.subarray(12, 16).toString('latin1') === 'IHDR') {
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head[0] !== 0xff || head[1] !== 0xd8) return null;
  // Headers larger than the first read (several ICC profile segments) are rare: the whole file then.
  return jpegSize(head) ?? (head.length === headBytes ? jpegSize(readFileSync(path)) : null);
}

/**
 * The pixel size of an image file: read from the header for JPEG and PNG (a few bytes, no decoding), else asked of
 * FFprobe. Null when neither can tell, which for an import means the file is not an image.
 */
export async function imageSize(path: string): Promise<PixelSize | null> {
  const fromHeaders = sizeFromHeaders(path);
  if (fromHeaders !== null) return fromHeaders;
  const probed = await runTool(resolveFfprobe(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', path]);
  if (probed.code !== 0) return null;
  try {
    const stream = (JSON.parse(probed.stdout) as { streams?: { width?: number; height?: number }[] }).streams?.[0];
    return stream?.width && stream.height ? { width: stream.width, height: stream.height } : null;
  } catch {
    return null;
  }
}

/** The signatures image files begin with: JPEG, PNG, GIF, BMP, WebP (RIFF…WEBP) and TIFF (either byte order). */
const signatures: readonly { at: number; bytes: readonly number[] }[][] = [
  [{ at: 0, bytes: [0xff, 0xd8, 0xff] }],
  [{ at: 0, bytes: [0x89, 0x50, 0x4e, 0x47] }],
  [{ at: 0, bytes: [0x47, 0x49, 0x46, 0x38] }],
  [{ at: 0, bytes: [0x42, 0x4d] }],
  [{ at: 0, bytes: [0x52, 0x49, 0x46, 0x46] }, { at: 8, bytes: [0x57, 0x45, 0x42, 0x50] }],
  [{ at: 0, bytes: [0x49, 0x49, 0x2a, 0x00] }],
  [{ at: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a] }],
];

/**
 * Whether a file begins as an image does, from its first 12 bytes: the check an import makes of images whose size
 * the dataset states, cheap enough for ten thousand of them. Whether it decodes is for FFmpeg to find.
 */
export function looksLikeImage(path: string): boolean {
  const head = Buffer.alloc(12);
  let read = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  return signatures.some((parts) => parts.every(({ at, bytes }) => at + bytes.length <= read && bytes.every((byte, i) => head[at + i] === byte)));
}
