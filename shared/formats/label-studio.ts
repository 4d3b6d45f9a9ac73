import { z } from 'zod';
import type { AttributeValue } from '../annotations';
import { StillframeError } from '../errors';
import { attributeKey, inferAttributeDefs, type ImportLabel, type ImportNote, type ImportShape } from './dataset';

/**
 * Label Studio's JSON export: a list of tasks, each with `data` naming its image (an upload path such as
 * /data/upload/3/1f2e3d4c-street.jpg, a local-files URL, or a web address) and `annotations`, each with a `result`
 * list. Regions are `rectanglelabels` (x, y, width, height), `polygonlabels` (points [[x, y]…]) and
 * `keypointlabels` (x, y), all in percent of the image's width and height; `choices`, `textarea` and `number` results
 * that share a region's id are that region's attributes.
 */

const resultSchema = z.object({
  id: z.string().optional(),
  type: z.string(),
  from_name: z.string().default(''),
  original_width: z.number().optional(),
  original_height: z.number().optional(),
  value: z.record(z.string(), z.unknown()),
});
const taskSchema = z.object({
  id: z.union([z.number(), z.string()]).optional(),
  data: z.record(z.string(), z.unknown()),
  annotations: z.array(z.object({ result: z.array(z.unknown()).default([]), was_cancelled: z.boolean().optional() })).default([]),
});

export interface LabelStudioTask {
  /** The image as `data` names it. */
  image: string;
  width: number | null;
  height: number | null;
  shapes: ImportShape[];
}

export interface LabelStudioDataset {
  labels: ImportLabel[];
  tasks: LabelStudioTask[];
  problems: ImportNote[];
  warnings: ImportNote[];
}

const regionTypes = ['rectanglelabels', 'polygonlabels', 'keypointlabels'] as const;

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN;
}

/** The file name Label Studio's image reference ends in, upload prefix (8 hex digits and a dash) removed. */
export function labelStudioFileName(reference: string): string {
  const query = reference.indexOf('?d=');
  const pathPart = query >= 0 ? decodeURIComponent(reference.slice(query + 3)) : reference.split('?')[0] ?? reference;
  const name = pathPart.split(/[\\/]/).pop() ?? pathPart;
  return name.replace(/^[0-9a-f]{8}-/, '');
}

export function readLabelStudio(json: unknown, source: string): LabelStudioDataset {
  if (!Array.isArray(json)) throw new StillframeError('invalid-input', `“${source}” is not a Label Studio JSON export: it should be a list of tasks.`);
  const problems: ImportNote[] = [];
  const warnings: ImportNote[] = [];
  const tasks: LabelStudioTask[] = [];
  const labels = new Map<string, Record<string, AttributeValue>[]>();
  json.forEach((raw, i) => {
    const parsed = taskSchema.safeParse(raw);
    const item = `task ${parsed.success && parsed.data.id !== undefined ? parsed.data.id : i + 1}`;
    if (!parsed.success) {
      problems.push({ item, message: 'it is not a Label Studio task (no "data")' });
      return;
    }
    const image = Object.values(parsed.data.data).find((value): value is string => typeof value === 'string');
    if (image === undefined) {
      problems.push({ item, message: 'its "data" names no image' });
      return;
    }
    const annotations = parsed.data.annotations.filter((annotation) => annotation.was_cancelled !== true);
    if (annotations.length > 1) warnings.push({ item, message: `it has ${annotations.length} annotations; the first was imported` });
    const results = (annotations[0]?.result ?? []).flatMap((result) => {
      const checked = resultSchema.safeParse(result);
      return checked.success ? [checked.data] : [];
    });
    const task: LabelStudioTask = { image, width: null, height: null, shapes: [] };
    const byRegion = new Map<string, ImportShape[]>();
    for (const result of results) {
      if (result.original_width && result.original_height) {
        task.width = result.original_width;
        task.height = result.original_height;
      }
      const type = result.type as (typeof regionTypes)[number];
      if (!regionTypes.includes(type)) continue;
      const names = Array.isArray(result.value[type]) ? (result.value[type] as unknown[]).map(String) : [];
      if (names.length === 0) {
        problems.push({ item, message: `a ${type} region has no label; it was left out` });
        continue;
      }
      const v = result.value;
      let shape: Omit<ImportShape, 'label'>;
      if (type === 'rectanglelabels') {
        const [x, y, w, h] = [numberOf(v.x), numberOf(v.y), numberOf(v.width), numberOf(v.height)];
        if (Math.abs(numberOf(v.rotation) || 0) > 0.01) warnings.push({ item, message: 'a rotated rectangle was imported without its rotation' });
        shape = { type: 'rectangle', points: [x, y, x + w, y + h].map((p) => p / 100), normalised: true };
      } else if (type === 'polygonlabels') {
        const points = Array.isArray(v.points) ? (v.points as unknown[]).flatMap((pair) => (Array.isArray(pair) ? pair.slice(0, 2).map(numberOf) : [Number.NaN, Number.NaN])) : [];
        shape = { type: 'polygon', points: points.map((p) => p / 100), normalised: true };
      } else {
        shape = { type: 'point', points: [numberOf(v.x) / 100, numberOf(v.y) / 100], normalised: true };
      }
      const shapes = names.map((name): ImportShape => ({ ...shape, points: [...shape.points], label: name, attributes: {} }));
      task.shapes.push(...shapes);
      if (result.id !== undefined) byRegion.set(result.id, (byRegion.get(result.id) ?? []).concat(shapes));
    }
    for (const result of results) {
      const owners = result.id === undefined ? undefined : byRegion.get(result.id);
      if (owners === undefined || regionTypes.includes(result.type as (typeof regionTypes)[number])) continue;
      const key = attributeKey(result.from_name || result.type);
      const raw = result.value[result.type];
      const value: AttributeValue | null = Array.isArray(raw) ? raw.map(String).join(', ') : typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'boolean' ? raw : null;
      if (value === null) continue;
      for (const shape of owners) shape.attributes = { ...shape.attributes, [key]: value };
    }
    for (const shape of task.shapes) {
      if (shape.label === null) continue;
      const seen = labels.get(shape.label) ?? [];
      seen.push(shape.attributes ?? {});
      labels.set(shape.label, seen);
    }
    tasks.push(task);
  });
  return {
    labels: [...labels].map(([name, values]) => {
      const attributes = inferAttributeDefs(values);
      return attributes.length > 0 ? { name, attributes } : { name };
    }),
    tasks,
    problems,
    warnings,
  };
}
