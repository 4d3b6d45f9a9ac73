import { closeSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { resolveFfprobe } from '../media/binaries';
import { runTool } from '../media/runner';

export interface PixelSize {
  width: number;
  height: number;
}

/** JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic); each carries the picture's size. */
const startOfFrame = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** Walks the JPEG's segments by their lengths, reading a few bytes each, until a start-of-frame gives the size. */
async function jpegSize(file: FileHandle): Promise<PixelSize | null> {
  let position = 2;
  for (let segments = 0; segments < 10_000; segments++) {
    const head = await readAt(file, position, 9);
    if (head.length < 4 || head[0] !== 0xff) return null;
    const marker = head[1] ?? 0;
    if (marker === 0xff) {
      position++;
      continue;
    }
    if (startOfFrame.has(marker)) {
      if (head.length < 9) return null;
      return { height: head.readUInt16BE(5), width: head.readUInt16BE(7) };
    }
    // Markers that stand alone, without a length: restarts, TEM, start of image.
    if ((marker >= 0xd0 && marker <= 0xd8) || marker === 0x01) {
      position += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null;
    position += 2 + head.readUInt16BE(2);
  }
  return null;
}

/**
 * The pixel size of an image file: read from the header for JPEG and PNG (a few bytes, no decoding), else asked of
 * FFprobe. Null when neither can tell, which for an import means the file is not an image.
 */
export async function imageSize(path: string): Promise<PixelSize | null> {
  const file = await open(path, 'r');
  try {
    const head = await readAt(file, 0, 24);
    if (head[0] === 0xff && head[1] === 0xd8) {
      const size = await jpegSize(file);
      if (size && size.width > 0 && size.height > 0) return size;
    }
    if (head.length >= 24 && head.subarray(1, 4).toString('latin1') === 'PNG' && head.subarray(12, 16).toString('latin1') === 'IHDR') {
      return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
    }
  } finally {
    await file.close();
  }
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
