import { open, rm, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { StillframeError } from '../../shared/errors';

/**
 * A store-only ZIP writer (PKWARE APPNOTE: local headers, central directory, end records). Images are JPEGs that do
 * not compress, so storing costs nothing and lets entries stream straight through: each local header is written
 * with a blank CRC and sizes, the data follows chunk by chunk, and the header is then patched in place (the archive
 * is a file we can seek in), so no data descriptors are needed and every unzip tool reads the result. Each entry's
 * central directory record goes to a side file as soon as the entry is done, so memory does not grow with the number
 * of entries. Archives past 4 GB or 65,535 entries get ZIP64 end records; a single entry must stay under 4 GB.
 */

const u16Max = 0xffff;
const u32Max = 0xffffffff;
const utf8NamesFlag = 0x0800;
const versionStore = 20;
const versionZip64 = 45;
/** Made by Unix, so the external attributes below carry a file mode that unzip applies. */
const madeBy = (3 << 8) | versionZip64;
const regularFileMode = (0o100644 << 16) >>> 0;

interface Entry {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
}

const copyChunk = 1 << 20;

function dosDateTime(date: Date): { time: number; date: number } {
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((Math.max(1980, date.getFullYear()) - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

export class ZipWriter {
  private position = 0;
  private count = 0;
  private directorySize = 0;

  private constructor(
    private readonly file: FileHandle,
    private readonly directory: FileHandle,
    private readonly directoryPath: string,
    private readonly stamp: { time: number; date: number },
  ) {}

  static async create(path: string, modified: Date = new Date()): Promise<ZipWriter> {
    const directoryPath = `${path}.directory`;
    const file = await open(path, 'w');
    try {
      return new ZipWriter(file, await open(directoryPath, 'w+'), directoryPath, dosDateTime(modified));
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /**
   * Adds one file. Bytes already in memory go out in one write with their header; a stream is copied chunk by chunk
   * and its header patched afterwards. Calls must not overlap.
   */
  async add(name: string, chunks: AsyncIterable<Uint8Array> | readonly Uint8Array[]): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8');
    const offset = this.position;
    if (Array.isArray(chunks)) {
      const data = Buffer.concat(chunks as readonly Uint8Array[]);
      this.checkSize(name, data.length);
      const crc = crc32(data) >>> 0;
      await this.write(Buffer.concat([this.localHeader(nameBytes, crc, data.length), nameBytes, data]));
      await this.record({ name: nameBytes, crc, size: data.length, offset });
      return;
    }
    await this.write(Buffer.concat([this.localHeader(nameBytes, 0, 0), nameBytes]));
    let crc = 0;
    let size = 0;
    for await (const chunk of chunks as AsyncIterable<Uint8Array>) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      this.checkSize(name, size);
      await this.write(chunk);
    }
    const patch = Buffer.alloc(12);
    patch.writeUInt32LE(crc >>> 0, 0);
    patch.writeUInt32LE(size, 4);
    patch.writeUInt32LE(size, 8);
    await this.file.write(patch, 0, patch.length, offset + 14);
    await this.record({ name: nameBytes, crc: crc >>> 0, size, offset });
  }

  /** Writes the central directory and end records, and closes the file. */
  async close(): Promise<void> {
    const directoryOffset = this.position;
    const directorySize = this.directorySize;
    const count = this.count;
    const buffer = Buffer.alloc(copyChunk);
    for (let read = 0; read < directorySize; ) {
      const { bytesRead } = await this.directory.read(buffer, 0, Math.min(copyChunk, directorySize - read), read);
      await this.write(buffer.subarray(0, bytesRead));
      read += bytesRead;
    }
    await this.closeDirectory();
    const needsZip64 = count > u16Max || directoryOffset >= u32Max || directorySize >= u32Max;
    if (needsZip64) {
      const recordOffset = this.position;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE(madeBy, 12);
      record.writeUInt16LE(versionZip64, 14);
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(directorySize), 40);
      record.writeBigUInt64LE(BigInt(directoryOffset), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(recordOffset), 8);
      locator.writeUInt32LE(1, 16);
      await this.write(record);
      await this.write(locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(count, u16Max), 8);
    end.writeUInt16LE(Math.min(count, u16Max), 10);
    end.writeUInt32LE(Math.min(directorySize, u32Max), 12);
    end.writeUInt32LE(Math.min(directoryOffset, u32Max), 16);
    await this.write(end);
    await this.file.close();
  }

  /** Closes the file without finishing it, both handles whatever fails (each would keep its disk space taken); the caller removes it. */
  async abort(): Promise<void> {
    const closed = await Promise.allSettled([this.file.close(), this.closeDirectory()]);
    const failed = closed.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async closeDirectory(): Promise<void> {
    await this.directory.close();
    await rm(this.directoryPath, { force: true });
  }

  private async record(entry: Entry): Promise<void> {
    const record = this.directoryEntry(entry);
    await this.directory.write(record, 0, record.length, this.directorySize);
    this.directorySize += record.length;
    this.count++;
  }

  private checkSize(name: string, size: number): void {
    if (size >= u32Max) throw new StillframeError('invalid-input', `“${name}” is 4 GB or more, too large for one zip entry.`);
  }

  private localHeader(name: Buffer, crc: number, size: number): Buffer {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(versionStore, 4);
    header.writeUInt16LE(utf8NamesFlag, 6);
    header.writeUInt16LE(0, 8);
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(size, 18);
    header.writeUInt32LE(size, 22);
    header.writeUInt16LE(name.length, 26);
    return header;
  }

  private directoryEntry(entry: Entry): Buffer {
    const farOffset = entry.offset >= u32Max;
    const extra = Buffer.alloc(farOffset ? 12 : 0);
    if (farOffset) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(entry.offset), 4);
    }
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(madeBy, 4);
    header.writeUInt16LE(farOffset ? versionZip64 : versionStore, 6);
    header.writeUInt16LE(utf8NamesFlag, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(this.stamp.time, 12);
    header.writeUInt16LE(this.stamp.date, 14);
    header.writeUInt32LE(entry.crc, 16);
    header.writeUInt32LE(entry.size, 20);
    header.writeUInt32LE(entry.size, 24);
    header.writeUInt16LE(entry.name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(regularFileMode, 38);
    header.writeUInt32LE(farOffset ? u32Max : entry.offset, 42);
    return Buffer.concat([header, entry.name, extra]);
  }

  private async write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, written, bytes.length - written, this.position + written);
      written += bytesWritten;
    }
    this.position += bytes.length;
  }
}
