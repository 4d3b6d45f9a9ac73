import { shapeTypeSchema, type AttributeValue } from '../annotations';
import type { ImportShape } from './dataset';

/**
 * One image's shapes as an import holds them between reading and writing: their numbers in one Float64Array, their
 * labels once per image, and notes and attributes only where a shape has them. A 100,000-shape dataset held as
 * objects was 25–45 MB of the import's heap at once (every shape its own object, points array of boxed numbers, and
 * copies of its type and label strings), and V8 let the heap grow to two or three times what was alive before
 * collecting it; packed, the same shapes are about 8 MB. JSON text is no smaller: a pixel coordinate is 18 digits.
 * Here in shared/ because COCO's reader packs each annotation as it is read: a 100,000-shape COCO file's heap after
 * reading fell from 36 to 21 MB (heap snapshots of the dataset thread).
 */
/** A dataset's shape (ImportShape) with its label as the caller holds it: a name, or a planned label. */
export type PackableShape<L> = Omit<ImportShape, 'label'> & { label: L | null };

/** A packed shape read back: every optional part that a shape without it lacks, filled in. */
export type UnpackedShape<L> = Omit<PackableShape<L>, 'note' | 'attributes' | 'hidden' | 'locked'> & {
  note: string;
  attributes: Record<string, AttributeValue>;
  hidden: boolean;
  locked: boolean;
};

const types = shapeTypeSchema.options;
const hidden = 1;
const locked = 2;
const normalised = 4;
const hasZIndex = 8;
/** Per shape, before its points: type, label's place (-1: none), flags, z-index, number of points. */
const header = 5;

export class PackedShapes<L> {
  private count = 0;
  /** Numbers in use; the array may be longer while shapes are still being added. */
  private used = 0;
  private numbers: Float64Array<ArrayBuffer>;
  private labels: L[] = [];
  /** By shape: its note and attributes, for the few shapes that have either. */
  private extras: Map<number, { note: string; attributes: Record<string, AttributeValue> }> | null = null;

  constructor(shapes: readonly PackableShape<L>[] = []) {
    let size = 0;
    for (const shape of shapes) size += header + shape.points.length;
    this.numbers = new Float64Array(size);
    for (const shape of shapes) this.push(shape);
    this.trimLabels();
  }

  /** Adds a shape: a reader that learns an image's shapes one at a time (COCO's annotations) packs each as it comes. */
  push(shape: PackableShape<L>): void {
    const size = header + shape.points.length;
    if (this.used + size > this.numbers.length) this.resize(Math.max(this.used + size, this.numbers.length * 2, 64));
    let label = -1;
    if (shape.label !== null) {
      label = this.labels.indexOf(shape.label);
      if (label < 0) label = this.labels.push(shape.label) - 1;
    }
    const flags = (shape.hidden ? hidden : 0) | (shape.locked ? locked : 0) | (shape.normalised ? normalised : 0) | (shape.zIndex === undefined ? 0 : hasZIndex);
    this.numbers.set([types.indexOf(shape.type), label, flags, shape.zIndex ?? 0, shape.points.length], this.used);
    this.numbers.set(shape.points, this.used + header);
    this.used += size;
    const note = shape.note ?? '';
    const attributes = shape.attributes ?? {};
    if (note !== '' || Object.keys(attributes).length > 0) {
      this.extras ??= new Map();
      this.extras.set(this.count, { note, attributes });
    }
    this.count++;
  }

  /** Lets go of the room kept for shapes still to come, once none will. */
  trim(): void {
    if (this.numbers.length > this.used) this.resize(this.used);
    this.trimLabels();
  }

  /**
   * Moves the numbers into a buffer of the given length. A transfer hands the old buffer's memory over (realloc) and
   * detaches it, so it is freed now: a copy left it to the next full collection, since the packs of a dataset being
   * read live long enough to be promoted, and a 100,000-shape COCO read held twice its packs (grown, then trimmed).
   */
  private resize(length: number): void {
    this.numbers = new Float64Array(this.numbers.buffer.transfer(length * Float64Array.BYTES_PER_ELEMENT));
  }

  /** An array grown by push keeps room for 16 more; a pack per image of 10,000 images made that 1.5 MB of the heap. */
  private trimLabels(): void {
    this.labels = this.labels.slice();
  }

  /** Removes one attribute from the shape at `index` (its place in the order shapes were added). */
  dropAttribute(index: number, key: string): void {
    const extra = this.extras?.get(index);
    if (extra === undefined) return;
    delete extra.attributes[key];
    if (extra.note === '' && Object.keys(extra.attributes).length === 0) this.extras?.delete(index);
  }

  /** The attributes of the shapes that have any, with their labels, in the shapes' order. */
  *attributeRecords(): Generator<{ label: L | null; attributes: Record<string, AttributeValue> }> {
    if (this.extras === null) return;
    let at = 0;
    let next = 0;
    // Entries are made as shapes are added, so the map's order is theirs.
    for (const [index, extra] of this.extras) {
      for (; next < index; next++) at += header + (this.numbers[at + 4] ?? 0);
      if (Object.keys(extra.attributes).length > 0) yield { label: this.labels[this.numbers[at + 1] ?? -1] ?? null, attributes: extra.attributes };
    }
  }

  get length(): number {
    return this.count;
  }

  /** The shapes, once: the pack lets go of them, so memory falls as they are used. */
  unpack(): UnpackedShape<L>[] {
    const shapes: UnpackedShape<L>[] = [];
    let at = 0;
    for (let i = 0; i < this.length; i++) {
      const [type = 0, label = -1, flags = 0, zIndex = 0, count = 0] = this.numbers.subarray(at, at + header);
      const extra = this.extras?.get(i);
      shapes.push({
        type: types[type] ?? 'point',
        points: Array.from(this.numbers.subarray(at + header, at + header + count)),
        label: this.labels[label] ?? null,
        ...(flags & normalised ? { normalised: true } : {}),
        note: extra?.note ?? '',
        attributes: extra?.attributes ?? {},
        hidden: (flags & hidden) !== 0,
        locked: (flags & locked) !== 0,
        ...(flags & hasZIndex ? { zIndex } : {}),
      });
      at += header + count;
    }
    this.count = 0;
    this.used = 0;
    this.resize(0);
    this.labels = [];
    this.extras = null;
    return shapes;
  }
}
