import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { StillframeError } from '../../shared/errors';

/**
 * Unpacks a .zip (PKWARE APPNOTE: the end record and its ZIP64 form, the central directory, each entry's local
 * header; stored and deflated entries) into a folder, entry by entry as a stream, so the datasets the other tools
 * export as zips import like their folders. Entries whose names would land outside the folder are refused.
 */

const endSignature = 0x06054b50;
const zip64LocatorSignature = 0x07064b50;
const zip64EndSignature = 0x06064b50;
const centralSignature = 0x02014b50;
const localSignature = 0x04034b50;

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  offset: number;
}

function notAZip(file: string, why: string): StillframeError {
  return new StillframeError('invalid-input', `“${path.basename(file)}” is not a zip archive Stillframe can read: ${why}.`);
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

async function entries(handle: FileHandle, file: string): Promise<ZipEntry[]> {
  const { size } = await handle.stat();
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let end = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === endSignature) {
      end = i;
      break;
    }
  }
  if (end === -1) throw notAZip(file, 'it has no central directory (is it cut short?)');
  let count = tail.readUInt16LE(end + 10);
  let directorySize = tail.readUInt32LE(end + 12);
  let directoryOffset = tail.readUInt32LE(end + 16);
  if (end >= 20 && tail.readUInt32LE(end - 20) === zip64LocatorSignature) {
    const record = await readAt(handle, Number(tail.readBigUInt64LE(end - 20 + 8)), 56);
    if (record.readUInt32LE(0) !== zip64EndSignature) throw notAZip(file, 'its ZIP64 end record is damaged');
    count = Number(record.readBigUInt64LE(32));
    directorySize = Number(record.readBigUInt64LE(40));
    directoryOffset = Number(record.readBigUInt64LE(48));
  }
  const directory = await readAt(handle, directoryOffset, directorySize);
  const list: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== centralSignature) throw notAZip(file, 'its central directory is damaged');
    const flags = directory.readUInt16LE(at + 8);
    const method = directory.readUInt16LE(at + 10);
    let compressedSize = directory.readUInt32LE(at + 20);
    let uncompressedSize = directory.readUInt32LE(at + 24);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    let offset = directory.readUInt32LE(at + 42);
    const name = directory.subarray(at + 46, at + 46 + nameLength).toString((flags & 0x0800) !== 0 ? 'utf8' : 'latin1');
    const extra = directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const length = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        // ZIP64 sizes and offset, present only for the fields that overflowed, in this order.
        let field = e + 4;
        const next = () => {
          const value = Number(extra.readBigUInt64LE(field));
          field += 8;
          return value;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (offset === 0xffffffff) offset = next();
      }
      e += 4 + length;
    }
    if ((flags & 0x0001) !== 0) throw notAZip(file, `“${name}” is encrypted`);
    list.push({ name, method, compressedSize, offset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return list;
}

/** Unpacks `file` into `into` (created); returns the folder. */
export async function unzipTo(file: string, into: string, signal?: AbortSignal): Promise<string> {
  const handle = await open(file, 'r').catch((error: Error) => {
    throw new StillframeError('file-missing', `“${file}” could not be read: ${error.message}`);
  });
  try {
    const root = path.resolve(into);
    await mkdir(root, { recursive: true });
    for (const entry of await entries(handle, file)) {
      signal?.throwIfAborted();
      const target = path.resolve(root, entry.name);
      if (target !== root && !target.startsWith(root + path.sep)) throw notAZip(file, `the entry “${entry.name}” points outside the archive`);
      if (entry.name.endsWith('/')) {
        await mkdir(target, { recursive: true });
        continue;
      }
      if (entry.method !== 0 && entry.method !== 8) throw notAZip(file, `“${entry.name}” is compressed with method ${entry.method}; only stored and deflated entries are read`);
      const local = await readAt(handle, entry.offset, 30);
      if (local.length < 30 || local.readUInt32LE(0) !== localSignature) throw notAZip(file, `the entry “${entry.name}” is damaged`);
      const start = entry.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      await mkdir(path.dirname(target), { recursive: true });
      if (entry.compressedSize === 0) {
        await (await open(target, 'w')).close();
        continue;
      }
      const source = createReadStream(file, { start, end: start + entry.compressedSize - 1 });
      try {
        if (entry.method === 8) await pipeline(source, createInflateRaw(), createWriteStream(target), { signal });
        else await pipeline(source, createWriteStream(target), { signal });
      } catch (error) {
        if (signal?.aborted) throw error;
        throw notAZip(file, `“${entry.name}” could not be unpacked (${(error as Error).message})`);
      }
    }
    return root;
  } finally {
    await handle.close();
  }
}
