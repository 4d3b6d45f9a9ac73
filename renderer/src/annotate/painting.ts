import type { Label, Shape } from '../../../shared/annotations';
import type { Box } from './bitmap-cache';
import { textOnLabel } from './labels';
import { boundsOf } from './shape-geometry';
import type { Point } from './viewport';

/** Shapes without a label: light grey reads on most footage, dark or bright, and looks unfinished on purpose. */
export const unlabelledColor = '#d4d4d8';

/**
 * Sizes on screen, in CSS pixels, whatever the zoom: the painters divide them by the scale. An outline of one device
 * pixel is a hairline to Chromium's software rasteriser, which strokes 5,000 polygons of 20 points in a quarter of
 * the time a 1.5 px one takes (74 against 277 ms in 128 px tiles, Chromium 150); the selection stays thicker.
 */
const lineWidth = 1;
const selectedLineWidth = 2.5;
const pointRadius = 4;
export const handleSize = 8;

export function colorOf(labels: ReadonlyMap<string, Label>, labelId: string | null): string {
  return (labelId !== null ? labels.get(labelId)?.color : undefined) ?? unlabelledColor;
}

function rgba(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

/** The calls `trace` makes: a Path2D's, or a recorder's in tests. */
export type PathSink = Pick<CanvasPath, 'moveTo' | 'lineTo' | 'closePath'>;

/**
 * Adds the shape's outline to a path; rectangles and polygons close, polylines stay open, points add nothing. Made
 * with calls on a Path2D: the 5,000 polygons of 20 points of a 4K frame, in 128 px tiles, took 30-60 ms cold, where
 * writing them as SVG path text and parsing that took 100-240 ms (measured side by side in Chromium 156).
 */
export function trace(path: PathSink, shape: Pick<Shape, 'type' | 'points'>): void {
  const { points } = shape;
  if (shape.type === 'rectangle') {
    const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = points;
    path.moveTo(x1, y1);
    path.lineTo(x2, y1);
    path.lineTo(x2, y2);
    path.lineTo(x1, y2);
    path.closePath();
    return;
  }
  if (shape.type === 'point' || points.length < 2) return;
  path.moveTo(points[0] ?? 0, points[1] ?? 0);
  for (let i = 2; i + 1 < points.length; i += 2) path.lineTo(points[i] ?? 0, points[i + 1] ?? 0);
  if (shape.type === 'polygon') path.closePath();
}

/**
 * Whether two lists hold the same shapes, object for object, apart from those in `except`: when only the
 * selection changed (the end of a drag, a new label on it), the layer of the other shapes is still right.
 */
export function sameShapesExcept(a: readonly Shape[], b: readonly Shape[], except: ReadonlySet<string>): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && except.has(a[i]?.id ?? '')) i++;
    while (j < b.length && except.has(b[j]?.id ?? '')) j++;
    if (i === a.length || j === b.length) return i === a.length && j === b.length;
    if (a[i] !== b[j]) return false;
    i++;
    j++;
  }
}

/** One label colour's shapes, traced once into reusable paths. */
export interface PaintGroup {
  color: string;
  fill: string;
  areas: Path2D;
  lines: Path2D;
  points: number[];
}

/**
 * The shapes grouped by colour into a few paths built once per change (or a part of them, grouped in the
 * whole layer's order of `colors`), so drawing 1,000 shapes costs a few fills
 * and strokes instead of 1,000 of each, and panning repaints the same paths under a new transform.
 */
export function buildGroups(
  shapes: readonly Shape[],
  labels: ReadonlyMap<string, Label>,
  exclude: ReadonlySet<string>,
  colors: readonly string[] = [],
): PaintGroup[] {
  const groups = new Map<string, PaintGroup>();
  const group = (color: string): PaintGroup => ({ color, fill: rgba(color, 0.18), areas: new Path2D(), lines: new Path2D(), points: [] });
  // Groups are made in the order of the whole layer even for a part of it: colours overlap, and a part painted
  // in another order would not match the pixels around it.
  for (const color of colors) groups.set(color, group(color));
  for (const shape of shapes) {
    if (shape.hidden || exclude.has(shape.id)) continue;
    const color = colorOf(labels, shape.labelId);
    let into = groups.get(color);
    if (!into) {
      into = group(color);
      groups.set(color, into);
    }
    if (shape.type === 'point') into.points.push(shape.points[0] ?? 0, shape.points[1] ?? 0);
    else trace(shape.type === 'polyline' ? into.lines : into.areas, shape);
  }
  return [...groups.values()];
}

function paintPoints(ctx: CanvasRenderingContext2D, points: readonly number[], color: string, scale: number, radius = pointRadius): void {
  if (points.length === 0) return;
  const r = radius / scale;
  ctx.beginPath();
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i] ?? 0;
    const y = points[i + 1] ?? 0;
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, Math.PI * 2);
  }
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = 1 / scale;
  ctx.strokeStyle = '#000000';
  ctx.stroke();
}

/** One colour's areas and lines. */
function paintGroupOutlines(ctx: CanvasRenderingContext2D, group: PaintGroup, scale: number): void {
  // Mitred joins: round ones cost Chromium's software rasteriser about four times as much on a thousand outlines.
  ctx.lineJoin = 'miter';
  ctx.lineWidth = lineWidth / scale;
  ctx.fillStyle = group.fill;
  ctx.fill(group.areas);
  ctx.strokeStyle = group.color;
  // Shapes without a label are dashed: they read as unfinished on any footage, whatever the label colours.
  ctx.setLineDash(group.color === unlabelledColor ? [6 / scale, 4 / scale] : []);
  ctx.stroke(group.areas);
  ctx.stroke(group.lines);
  ctx.setLineDash([]);
}

/**
 * The groups painted a colour at a time, points last, so that a sharp paint of thousands of shapes can be spread
 * over several frames. The `count` groups (of the shapes reaching
 * `area`, for a tile) are asked for only when a step runs: tracing them is itself work that a frame showing the
 * cached bitmap need not do.
 */
export function paintGroupSteps(
  count: number,
  groups: (area: Box | undefined) => readonly PaintGroup[],
  scale: number,
): ((ctx: CanvasRenderingContext2D, area?: Box) => void)[] {
  return [
    ...Array.from({ length: count }, (_, i) => (ctx: CanvasRenderingContext2D, area?: Box) => {
      const group = groups(area)[i];
      if (group) paintGroupOutlines(ctx, group, scale);
    }),
    (ctx: CanvasRenderingContext2D, area?: Box) => {
      for (const group of groups(area)) paintPoints(ctx, group.points, group.color, scale);
    },
  ];
}

/** The label colours of the shapes `buildGroups` would group, in its order, without tracing any outline. */
export function groupColors(shapes: readonly Shape[], labels: ReadonlyMap<string, Label>, exclude: ReadonlySet<string>): string[] {
  const colors = new Set<string>();
  for (const shape of shapes) if (!shape.hidden && !exclude.has(shape.id)) colors.add(colorOf(labels, shape.labelId));
  return [...colors];
}

export interface Overlay {
  scale: number;
  labels: ReadonlyMap<string, Label>;
  /** The selection, with a resize's or vertex drag's geometry in place of the stored one while it lasts. */
  selected: readonly Shape[];
  /** `selected` as `buildSelection` traced it. */
  selection: SelectionPaint;
  /** How far a drag has moved the whole selection so far, in image pixels. */
  offset: Point;
  /** Handles of the one selected shape, when it can be edited. */
  handles: boolean;
  vertex: number | null;
  /** A rectangle being dragged out, corner to corner. */
  rectangle: readonly number[] | null;
  draft: { type: 'polygon' | 'polyline'; points: readonly number[] } | null;
  pointer: Point | null;
  drawColor: string;
  /** Where the one selected shape's tag goes, when a drag is not moving it: its place among the other tags. */
  tagAt: Point | null;
  /** A tag text's width in CSS pixels at `tagFont`, measured once per text. */
  measure: (text: string) => number;
}

function paintHandle(ctx: CanvasRenderingContext2D, p: Point, scale: number, active: boolean): void {
  const r = handleSize / 2 / scale;
  ctx.beginPath();
  ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
  ctx.fillStyle = active ? '#f59e0b' : '#ffffff';
  ctx.fill();
  ctx.lineWidth = 1 / scale;
  ctx.strokeStyle = '#111111';
  ctx.stroke();
}

/** A label tag's text size and padding on screen, in CSS pixels. */
const tagFontPx = 12;
const tagPadPx = 3;
export const tagHeightPx = tagFontPx + tagPadPx * 2;
export const tagFont = `600 ${tagFontPx}px system-ui, sans-serif`;

/** The text of a shape's tag: its label's name, or a plain warning where it has none. */
export const tagText = (label: Label | undefined) => label?.name ?? 'No label';

/** Width on screen, in CSS pixels, of a tag with this text. */
export function tagWidthPx(measure: (text: string) => number, text: string): number {
  return measure(text) + tagPadPx * 2;
}

/** One tag to paint: its text, colour and box (in image pixels), as the tag layout placed it. */
export interface PaintedTag {
  text: string;
  color: string;
  unlabelled: boolean;
  x: number;
  y: number;
  width: number;
}

/**
 * Label tags; a shape without a label gets a dark, dashed tag that reads as unfinished. The font is set once for all
 * of them and their widths come from the layout, so a few hundred tags cost no text measuring while painting.
 */
export function paintTags(ctx: CanvasRenderingContext2D, tags: readonly PaintedTag[], scale: number): void {
  if (tags.length === 0) return;
  const size = tagFontPx / scale;
  const pad = tagPadPx / scale;
  const height = size + pad * 2;
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const tag of tags) {
    ctx.fillStyle = tag.unlabelled ? 'rgba(17, 17, 17, 0.85)' : tag.color;
    ctx.fillRect(tag.x, tag.y, tag.width, height);
    if (tag.unlabelled) {
      ctx.setLineDash([3 / scale, 2 / scale]);
      ctx.lineWidth = 1 / scale;
      ctx.strokeStyle = tag.color;
      ctx.strokeRect(tag.x, tag.y, tag.width, height);
      ctx.setLineDash([]);
    }
    ctx.fillStyle = tag.unlabelled ? '#ffffff' : textOnLabel(tag.color);
    ctx.fillText(tag.text, tag.x + pad, tag.y + pad);
  }
}

/**
 * The one selected shape's tag, which may be mid-drag, away from where the layout put it. Its width comes from the
 * measure at the screen size: measuring at the zoomed font size on every frame of a wheel zoom cost more than the
 * rest of the frame.
 */
function paintTag(ctx: CanvasRenderingContext2D, tag: Omit<PaintedTag, 'width'>, measure: (text: string) => number, scale: number): void {
  paintTags(ctx, [{ ...tag, width: tagWidthPx(measure, tag.text) / scale }], scale);
}

/** The selection traced once into a path per colour and style, and its points per colour. */
export interface SelectionPaint {
  groups: { color: string; fill: string | null; dashed: boolean; path: Path2D }[];
  points: Map<string, number[]>;
}

export const noSelection: SelectionPaint = { groups: [], points: new Map() };

/**
 * Built once per selection (not per frame): a drag of 5,000 selected polygons then repaints a few paths under a
 * moving transform, where tracing every shape on every frame cost a quarter of a second.
 */
export function buildSelection(selected: readonly Shape[], labels: ReadonlyMap<string, Label>): SelectionPaint {
  const groups = new Map<string, SelectionPaint['groups'][number]>();
  const points = new Map<string, number[]>();
  for (const shape of selected) {
    const color = colorOf(labels, shape.labelId);
    if (shape.type === 'point') {
      const list = points.get(color) ?? [];
      list.push(...shape.points);
      points.set(color, list);
      continue;
    }
    const filled = shape.type !== 'polyline' && !shape.hidden;
    const key = `${color} ${filled} ${shape.hidden}`;
    let group = groups.get(key);
    if (!group) {
      group = { color, fill: filled ? rgba(color, 0.32) : null, dashed: shape.hidden, path: new Path2D() };
      groups.set(key, group);
    }
    trace(group.path, shape);
  }
  return { groups: [...groups.values()], points };
}

/** Fills first, then a dark outline under each colour's line, so the selection reads on light and dark footage. */
export function paintSelection(ctx: CanvasRenderingContext2D, paint: SelectionPaint, scale: number): void {
  for (const group of paint.groups) {
    if (group.fill === null) continue;
    ctx.fillStyle = group.fill;
    ctx.fill(group.path);
  }
  for (const [lineWidth, dark] of [[selectedLineWidth + 2, true], [selectedLineWidth, false]] as const) {
    ctx.lineWidth = lineWidth / scale;
    for (const group of paint.groups) {
      ctx.setLineDash(group.dashed ? [6 / scale, 4 / scale] : []);
      ctx.strokeStyle = dark ? '#000000' : group.color;
      ctx.stroke(group.path);
    }
  }
  ctx.setLineDash([]);
  for (const [color, points] of paint.points) paintPoints(ctx, points, color, scale, pointRadius + 2);
}

/** The selection, its handles and the shape being drawn: the few things that change under the pointer. */
export function paintOverlay(ctx: CanvasRenderingContext2D, overlay: Overlay): void {
  const { scale } = overlay;
  ctx.lineJoin = 'round';
  ctx.save();
  ctx.translate(overlay.offset.x, overlay.offset.y);
  paintSelection(ctx, overlay.selection, scale);
  const only = overlay.selected.length === 1 ? overlay.selected[0] : undefined;
  if (only) {
    const b = boundsOf(only.points);
    const label = only.labelId !== null ? overlay.labels.get(only.labelId) : undefined;
    // Clear of the corner handle, so the handle never covers the label's first letters.
    const lift = (tagHeightPx + (overlay.handles ? handleSize / 2 + 2 : 0) + (only.type === 'point' ? pointRadius : 0)) / scale;
    const at = overlay.tagAt ?? { x: b.minX, y: Math.max(0, b.minY - lift) };
    paintTag(ctx, { text: tagText(label), color: colorOf(overlay.labels, only.labelId), unlabelled: only.labelId === null, ...at }, overlay.measure, scale);
    if (overlay.handles) {
      // A rectangle's handles are Konva's Transformer, on a layer of its own; these are the vertices of the rest.
      if (only.type !== 'rectangle' && only.type !== 'point') {
        for (let i = 0; i * 2 + 1 < only.points.length; i++) {
          paintHandle(ctx, { x: only.points[i * 2] ?? 0, y: only.points[i * 2 + 1] ?? 0 }, scale, overlay.vertex === i);
        }
      }
    }
  }
  ctx.restore();
  ctx.lineWidth = selectedLineWidth / scale;
  ctx.strokeStyle = overlay.drawColor;
  if (overlay.rectangle) {
    const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = overlay.rectangle;
    ctx.setLineDash([6 / scale, 4 / scale]);
    ctx.strokeRect(Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1));
    ctx.setLineDash([]);
  }
  const { draft, pointer } = overlay;
  if (draft) {
    const { points } = draft;
    ctx.beginPath();
    ctx.moveTo(points[0] ?? 0, points[1] ?? 0);
    for (let i = 2; i + 1 < points.length; i += 2) ctx.lineTo(points[i] ?? 0, points[i + 1] ?? 0);
    if (pointer) ctx.lineTo(pointer.x, pointer.y);
    ctx.stroke();
    for (let i = 0; i * 2 + 1 < points.length; i++) {
      const closable = i === 0 && draft.type === 'polygon' && points.length >= 6;
      paintHandle(ctx, { x: points[i * 2] ?? 0, y: points[i * 2 + 1] ?? 0 }, scale, closable);
    }
  }
}
