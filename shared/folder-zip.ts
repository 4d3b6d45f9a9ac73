import type { DroppedFolder } from './bridge';
import { StillframeError } from './errors';

/**
 * A dropped folder as one stored (uncompressed) ZIP, so the browser host can upload it through the route a dropped
 * .zip takes. The Blob is made of the dropped Files themselves plus small headers: the browser streams it from
 * disk as it uploads, and only each file's checksum is read here, one file at a time.
 */

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

async function crc32(file: File): Promise<number> {
  let crc = 0xffffffff;
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (let i = 0; i < value.length; i++) crc = (crcTable[(crc ^ (value[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// Beyond these the plain ZIP fields overflow; a dataset folder that large is imported from the CLI instead.
const maxZipBytes = 0xffffffff;
const maxEntries = 0xffff;

function header(size: number, fill: (view: DataView) => void, name: Uint8Array, at: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size + name.length);
  fill(new DataView(bytes.buffer));
  bytes.set(name, at);
  return bytes;
}

export async function zipFolder(folder: DroppedFolder): Promise<File> {
  if (folder.files.length > maxEntries) throw new StillframeError('invalid-input', `“${folder.name}” holds more than ${maxEntries} files; import it with the stillframe CLI instead.`);
  const encoder = new TextEncoder();
  const parts: (Uint8Array<ArrayBuffer> | File)[] = [];
  const central: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  for (const { path, file } of folder.files) {
    const name = encoder.encode(path);
    const crc = await crc32(file);
    if (offset + 30 + name.length + file.size > maxZipBytes) {
      throw new StillframeError('invalid-input', `“${folder.name}” is larger than 4 GB; zip it or import it with the stillframe CLI instead.`);
    }
    const fields = (view: DataView, start: number) => {
      view.setUint16(start, 20, true); // version needed
      view.setUint16(start + 2, 0x0800, true); // names are UTF-8
      view.setUint16(start + 4, 0, true); // stored
      view.setUint16(start + 8, 0x21, true); // 1 January 1980, the earliest date a ZIP can say
      view.setUint32(start + 10, crc, true);
      view.setUint32(start + 14, file.size, true);
      view.setUint32(start + 18, file.size, true);
      view.setUint16(start + 22, name.length, true);
    };
    parts.push(
      header(30, (view) => {
        view.setUint32(0, 0x04034b50, true);
        fields(view, 4);
      }, name, 30),
      file,
    );
    central.push(
      header(46, (view) => {
        view.setUint32(0, 0x02014b50, true);
        view.setUint16(4, 20, true); // version made by
        fields(view, 6);
        view.setUint32(42, offset, true);
      }, name, 46),
    );
    offset += 30 + name.length + file.size;
  }
  const centralSize = central.reduce((sum, entry) => sum + entry.length, 0);
  const end = new Uint8Array(22);
  const view = new DataView(end.buffer);
  view.setUint32(0, 0x06054b50, true);
  view.setUint16(8, central.length, true);
  view.setUint16(10, central.length, true);
  view.setUint32(12, centralSize, true);
  view.setUint32(16, offset, true);
  return new File([...parts, ...central, end], `${folder.name}.zip`, { type: 'application/zip' });
}
