import { z } from 'zod';
import { StillframeError } from '../errors';
import type { ImportLabel, ImportNote, ImportShape } from './dataset';
import { shapeFromPolygon } from './shape-geometry';

/**
 * VoTT 2's JSON export (`<project>-export.json`): the project's `tags` and, keyed by asset id, each asset's `name`,
 * `path` and `size` with its `regions`: `type` RECTANGLE, SQUARE, POLYGON, POLYLINE or POINT, the region's `tags`,
 * its `boundingBox` {left, top, width, height} and its `points` [{x, y}], all in the asset's pixels. Video frames are
 * assets named "<video>#t=<seconds>".
 */

const regionSchema = z.object({
  type: z.string(),
  tags: z.array(z.string()).default([]),
  boundingBox: z.object({ left: z.number(), top: z.number(), width: z.number(), height: z.number() }).optional(),
  points: z.array(z.object({ x: z.number(), y: z.number() })).default([]),
});
const assetSchema = z.object({
  asset: z.object({
    name: z.string().min(1),
    path: z.string().default(''),
    size: z.object({ width: z.number(), height: z.number() }).optional(),
  }),
  regions: z.array(z.unknown()).default([]),
});
const exportSchema = z.object({
  tags: z.array(z.object({ name: z.string(), color: z.string().optional() })).default([]),
  assets: z.record(z.string(), z.unknown()),
});

export interface VottAsset {
  name: string;
  /** As VoTT wrote it: `file:` URL or path where the asset was when it was tagged. */
  path: string;
  width: number | null;
  height: number | null;
  shapes: ImportShape[];
}

export interface VottDataset {
  labels: ImportLabel[];
  assets: VottAsset[];
  problems: ImportNote[];
}

function issueOf(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'the file'}: ${issue.message}` : 'unexpected content';
}

export function readVott(json: unknown, source: string): VottDataset {
  const file = exportSchema.safeParse(json);
  if (!file.success) throw new StillframeError('invalid-input', `“${source}” is not a VoTT JSON export (${issueOf(file.error)}).`);
  const problems: ImportNote[] = [];
  const assets: VottAsset[] = [];
  for (const [id, raw] of Object.entries(file.data.assets)) {
    const parsed = assetSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push({ item: `asset ${id}`, message: issueOf(parsed.error) });
      continue;
    }
    const { asset } = parsed.data;
    const shapes: ImportShape[] = [];
    parsed.data.regions.forEach((rawRegion, i) => {
      const item = `${asset.name}, region ${i + 1}`;
      const region = regionSchema.safeParse(rawRegion);
      if (!region.success) {
        problems.push({ item, message: issueOf(region.error) });
        return;
      }
      const { type, tags, boundingBox, points } = region.data;
      const flat = points.flatMap((point) => [point.x, point.y]);
      let shape: Omit<ImportShape, 'label'> | null = null;
      if ((type === 'RECTANGLE' || type === 'SQUARE') && boundingBox) {
        shape = { type: 'rectangle', points: [boundingBox.left, boundingBox.top, boundingBox.left + boundingBox.width, boundingBox.top + boundingBox.height] };
      } else if (type === 'POLYGON' && flat.length >= 6) shape = shapeFromPolygon(flat);
      else if (type === 'POLYLINE' && flat.length >= 4) shape = { type: 'polyline', points: flat };
      else if (type === 'POINT' && flat.length >= 2) shape = { type: 'point', points: flat.slice(0, 2) };
      if (shape === null) {
        problems.push({ item, message: `a ${type.toLowerCase()} region without the points it needs; it was left out` });
        return;
      }
      // VoTT lets a region carry several tags; each becomes its own shape, as each is its own object to a model.
      for (const tag of tags.length > 0 ? tags : [null]) shapes.push({ ...shape, points: [...shape.points], label: tag });
    });
    assets.push({ name: asset.name, path: asset.path, width: asset.size?.width ?? null, height: asset.size?.height ?? null, shapes });
  }
  return { labels: file.data.tags.map((tag) => ({ name: tag.name, ...(tag.color ? { color: tag.color } : {}) })), assets, problems };
}
