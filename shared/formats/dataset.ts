import type { AttributeValue, LabelAttributeDef, ShapeType } from '../annotations';

export const exportFormats = ['coco', 'yolo', 'voc', 'cvat', 'csv', 'stillframe'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** Formats whose datasets can be split into train, val and test: YOLO in folders, COCO in one file per split. */
export const splitFormats: readonly ExportFormat[] = ['yolo', 'coco'];

/** The formats a dataset can be read from; `auto` is a request only: the import says which one it found. */
export const datasetFormats = ['coco', 'cvat', 'voc', 'yolo', 'vott', 'label-studio', 'stillframe'] as const;
export type DatasetFormat = (typeof datasetFormats)[number];
export const importFormats = [...datasetFormats, 'auto'] as const;
export type ImportFormat = (typeof importFormats)[number];

export const formatTitles: Record<ExportFormat | DatasetFormat, string> = {
  coco: 'COCO',
  yolo: 'YOLO',
  voc: 'Pascal VOC',
  cvat: 'CVAT XML',
  csv: 'CSV',
  vott: 'VoTT',
  'label-studio': 'Label Studio',
  stillframe: 'Stillframe JSON',
};

/** A label as a dataset declares it: its name, and what else the format carries. */
export interface ImportLabel {
  name: string;
  color?: string;
  hotkey?: number | null;
  attributes?: LabelAttributeDef[];
}

/**
 * The attribute key for a name another tool gives an attribute: letters, digits and _ only, starting with a letter,
 * at most 40 (what Stillframe's keys allow); a name that already is such a key stays as it is.
 */
export function attributeKey(name: string): string {
  const cleaned = name.normalize('NFKD').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  const key = /^[A-Za-z]/.test(cleaned) ? cleaned : `a_${cleaned}`;
  return key.slice(0, 40).replace(/_+$/, '') || 'attribute';
}

/** Attribute definitions for values a format carries without declaring them: checkbox, number or text by the values seen. */
export function inferAttributeDefs(values: Iterable<Record<string, AttributeValue>>, known: readonly LabelAttributeDef[] = []): LabelAttributeDef[] {
  const defs = [...known];
  for (const record of values) {
    for (const [key, value] of Object.entries(record)) {
      const type = typeof value === 'boolean' ? 'checkbox' : typeof value === 'number' ? 'number' : 'text';
      const existing = defs.find((def) => def.key === key);
      if (existing === undefined) defs.push({ key, name: key, type });
      else if (existing.type !== type && existing.type !== 'choice') existing.type = 'text';
    }
  }
  return defs;
}

/** A project label as the writers see it; `index` is its 0-based place among the project's labels. */
export interface DatasetLabel {
  index: number;
  name: string;
}

/** One frame as written into a dataset. */
export interface DatasetImage {
  /** 1-based position in the export: COCO's image id. */
  id: number;
  /** The image as the dataset names it: a file name beside the annotations, or an absolute path when not copied. */
  fileName: string;
  width: number;
  height: number;
  /** Where the frame came from; formats that allow extra fields (COCO) record it beside the image, as the CSV does. */
  source?: FrameSource;
}

/** A frame's place in its video: the video's file name, the frame's timestamp and its 1-based index. */
export interface FrameSource {
  video: string;
  timestampMs: number;
  frameIndex: number;
}

export interface DatasetShape {
  type: ShapeType;
  /** Flat x, y pairs in the image's own pixels. */
  points: readonly number[];
  label: DatasetLabel | null;
  note: string;
  attributes: Readonly<Record<string, AttributeValue>>;
  hidden: boolean;
  locked: boolean;
  zIndex: number;
}

export interface ReasonCount {
  reason: string;
  count: number;
}

/**
 * What a writer did with the shapes it was given. A shape a format cannot hold is counted under a reason a person
 * can read, and one it holds only in another form is counted as converted, so nothing goes missing without a word.
 */
export class ShapeTally {
  written = 0;
  private readonly skippedBy = new Map<string, number>();
  private readonly convertedBy = new Map<string, number>();

  skip(reason: string, count = 1): void {
    this.skippedBy.set(reason, (this.skippedBy.get(reason) ?? 0) + count);
  }

  convert(reason: string, count = 1): void {
    this.convertedBy.set(reason, (this.convertedBy.get(reason) ?? 0) + count);
  }

  get skipped(): ReasonCount[] {
    return [...this.skippedBy].map(([reason, count]) => ({ reason, count }));
  }

  get converted(): ReasonCount[] {
    return [...this.convertedBy].map(([reason, count]) => ({ reason, count }));
  }
}

/** The reasons a format leaves a shape out, worded once so that every writer says the same. */
export const skipReasons = {
  unlabelled: (format: string) => `shapes without a label: ${format} needs a class for every object`,
  polyline: (format: string) => `lines: ${format} has no open shapes`,
  point: (format: string) => `points: ${format} holds no single points`,
} as const;

/** Joins the items of a JSON array that is written piece by piece, one item per line. */
export class ArrayJoiner {
  private first = true;

  next(json: string): string {
    const separator = this.first ? '\n' : ',\n';
    this.first = false;
    return separator + json;
  }

  get close(): string {
    return this.first ? ']' : '\n]';
  }
}

/** Something in a dataset that could not be imported as it was; `item` names the file, image or line. */
export interface ImportNote {
  item: string;
  message: string;
}

/** A shape read from a dataset, in pixels unless `normalised` (YOLO's 0–1 coordinates, scaled once the size is known). */
export interface ImportShape {
  type: ShapeType;
  points: number[];
  label: string | null;
  normalised?: boolean;
  note?: string;
  attributes?: Record<string, AttributeValue>;
  hidden?: boolean;
  locked?: boolean;
  zIndex?: number;
}
