import type { DatasetShape, ShapeTally } from './dataset';
import { bounds } from './shape-geometry';

/**
 * One row per shape (and one with empty shape columns for a frame without any, when such frames are exported),
 * quoted as RFC 4180 says: a field holding a comma, a quote or a line break is put in quotes, its quotes doubled;
 * rows end with CRLF.
 */

const csvColumns = [
  'image',
  'batch',
  'video',
  'frame_index',
  'timestamp_ms',
  'image_width',
  'image_height',
  'label',
  'type',
  'xmin',
  'ymin',
  'xmax',
  'ymax',
  'points',
  'attributes',
  'note',
  'hidden',
  'locked',
  'z_index',
] as const;

export function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function row(fields: readonly (string | number | boolean)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export function csvHeader(): string {
  return row(csvColumns);
}

export interface CsvFrame {
  image: string;
  batch: string;
  video: string;
  index: number;
  timestampMs: number;
  width: number;
  height: number;
}

export function csvRows(frame: CsvFrame, shapes: readonly DatasetShape[], tally: ShapeTally): string {
  const lead = [frame.image, frame.batch, frame.video, frame.index, frame.timestampMs, frame.width, frame.height];
  if (shapes.length === 0) return row([...lead, ...Array.from({ length: csvColumns.length - lead.length }, () => '')]);
  return shapes
    .map((shape) => {
      tally.written++;
      const box = bounds(shape.points);
      return row([
        ...lead,
        shape.label?.name ?? '',
        shape.type,
        box.minX,
        box.minY,
        box.maxX,
        box.maxY,
        shape.points.join(' '),
        Object.keys(shape.attributes).length === 0 ? '' : JSON.stringify(shape.attributes),
        shape.note,
        shape.hidden,
        shape.locked,
        shape.zIndex,
      ]);
    })
    .join('');
}
