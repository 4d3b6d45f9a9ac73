import Konva from 'konva/lib/Core';
import { Rect } from 'konva/lib/shapes/Rect';
import { Transformer } from 'konva/lib/shapes/Transformer';
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type MouseEvent, type PointerEvent } from 'react';
import type { Label, Shape } from '../../../shared/annotations';
import { plural } from '../format';
import { BitmapCache, type Box, type Paint } from './bitmap-cache';
import { keepDecoded } from './decoded-frame';
import { changedArea, shapesIn, tagReaches, type Drawn, type TagBox } from './dirty-region';
import { editorStore, useEditor } from './editor';
import type { Editor } from './editor-store';
import {
  buildGroups,
  buildSelection,
  colorOf,
  handleSize,
  groupColors,
  noSelection,
  paintGroupSteps,
  paintOverlay,
  paintSelection,
  paintTags,
  sameShapesExcept,
  tagFont,
  tagHeightPx,
  tagText,
  tagWidthPx,
  type PaintGroup,
  type SelectionPaint,
} from './painting';
import {
  boundsOf,
  boundsOfShapes,
  clampOffset,
  commonShift,
  edgeAt,
  moveVertex,
  rectHandleAt,
  resizeRectangle,
  shapeAt,
  vertexAt,
  type Bounds,
  type RectHandle,
} from './shape-geometry';
import { maxTags, placeTags, type TagPlace } from './tag-layout';
import { isTyping } from './typing';
import { panBy, toImage, zoomByWheel, type Point, type Viewport } from './viewport';

/** How far (CSS px) the pointer must travel before a press becomes a drag, so a click never nudges a shape. */
const dragThreshold = 3;
/** How near (CSS px) the pointer must be to pick a handle, a vertex or a thin shape. */
const pickDistance = handleSize;
/** Above this zoom the pixels show as squares: annotators zoom in to see exact edges, not a blur. */
const sharpPixelsFrom = 2;
/** How long after the last wheel notch a zoom counts as over and the shapes are painted sharply at the new zoom. */
const wheelSettleMs = 150;

type Gesture =
  // A pan follows the pointer from where it last was, so a wheel zoom in the middle of it stays.
  | { kind: 'pan'; lastScreen: Point }
  // A move keeps only its offset while it lasts: the selection is painted from `originals` under it, and the moved
  // shapes are made once, on release.
  | { kind: 'move'; startScreen: Point; start: Point; originals: Shape[]; bounds: Bounds; offset: Point | null }
  | { kind: 'resize'; original: Shape; handle: RectHandle; preview: Shape | null }
  | { kind: 'vertex'; original: Shape; index: number; preview: Shape | null }
  | { kind: 'rectangle'; startScreen: Point; start: Point; end: Point; dragged: boolean };

const cursors: Record<RectHandle, string> = {
  nw: 'nwse-resize',
  se: 'nwse-resize',
  ne: 'nesw-resize',
  sw: 'nesw-resize',
  n: 'ns-resize',
  s: 'ns-resize',
  e: 'ew-resize',
  w: 'ew-resize',
};

const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

/** Konva's Transformer names its anchors; the geometry works with compass points. */
const anchorHandles: Record<string, RectHandle> = {
  'top-left': 'nw',
  'top-center': 'n',
  'top-right': 'ne',
  'middle-right': 'e',
  'bottom-right': 'se',
  'bottom-center': 's',
  'bottom-left': 'sw',
  'middle-left': 'w',
};

/**
 * The one selected shape, when it can be reshaped: with the select tool, or a rectangle just drawn with the
 * rectangle tool, whose handles resize it without going back to the select tool first.
 */
function editableSelection(state: Editor): Shape | null {
  if ((state.tool !== 'select' && state.tool !== 'rectangle') || state.selection.length !== 1) return null;
  const shape = state.shapes.find((candidate) => candidate.id === state.selection[0]);
  if (state.tool === 'rectangle' && shape?.type !== 'rectangle') return null;
  return shape && !shape.locked && !shape.hidden ? shape : null;
}

/** The selected rectangle's resize handles: Konva's Transformer around an invisible box that follows the shape. */
interface RectHandles {
  layer: Konva.Layer;
  box: Rect;
  transformer: Transformer;
}

/** The Transformer's box on these rectangle corners, unscaled. */
function placeBox(handles: RectHandles | null, points: readonly number[]): void {
  if (!handles) return;
  const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = points;
  handles.box.setAttrs({ x: x1, y: y1, width: x2 - x1, height: y2 - y1, scaleX: 1, scaleY: 1 });
  handles.transformer.forceUpdate();
}

/** Handles around the selected rectangle when it can be reshaped, none otherwise; left alone mid-resize. */
function syncHandles(handles: RectHandles | null, resizing: boolean): void {
  if (!handles || resizing) return;
  const editing = editableSelection(editorStore.getState());
  if (editing?.type === 'rectangle') {
    placeBox(handles, editing.points);
    if (handles.transformer.nodes()[0] !== handles.box) handles.transformer.nodes([handles.box]);
  } else if (handles.transformer.nodes().length > 0) {
    handles.transformer.nodes([]);
  }
  handles.layer.batchDraw();
}

let measuring: CanvasRenderingContext2D | null = null;
const textWidths = new Map<string, number>();
/** Tag text widths at the tag's font, measured once per text. */
function measureTag(text: string): number {
  let width = textWidths.get(text);
  if (width === undefined) {
    measuring ??= document.createElement('canvas').getContext('2d');
    if (measuring) measuring.font = tagFont;
    width = measuring?.measureText(text).width ?? text.length * 7;
    textWidths.set(text, width);
  }
  return width;
}

/**
 * The canvas: the frame, its shapes and the editing overlay on three Konva layers, none of which listens for
 * events. Pointer input is read from the container and hit-tested in image pixels against the store, so the
 * 1,000-shape layer never needs a hit canvas; a drag redraws only the overlay layer and writes at its end.
 */
export function AnnotationCanvas({ image }: { image: HTMLImageElement | null }) {
  const container = useRef<HTMLDivElement>(null);
  const host = useRef<HTMLDivElement>(null);
  const stage = useRef<Konva.Stage>(null);
  const imageLayer = useRef<Konva.Layer>(null);
  const frameImage = useRef<HTMLImageElement | null>(image);
  // The same pixels, kept decoded (see keepDecoded): drawn in the image's place once made.
  const frameBitmap = useRef<ImageBitmap | null>(null);
  const shapesLayer = useRef<Konva.Layer>(null);
  const [caches] = useState(() => ({
    image: new BitmapCache(() => imageLayer.current?.batchDraw(), true),
    // In tiles of 128 device pixels: a new selection or a moved shape paints again only the tiles it reaches.
    shapes: new BitmapCache(() => shapesLayer.current?.batchDraw(), false, 128),
    // Several selected shapes: a drag, its end, its undo and redo only move them, so they are one bitmap, shifted.
    // Traced and painted a few tiles per frame: selecting all 5,000 shapes fills in over several frames, none long.
    moving: new BitmapCache(() => overlayLayer.current?.batchDraw(), false, 128, true),
  }));
  const overlayLayer = useRef<Konva.Layer>(null);
  const handles = useRef<RectHandles | null>(null);
  const gesture = useRef<Gesture | null>(null);
  const pointer = useRef<Point | null>(null);
  const space = useRef(false);
  const inside = useRef(false);
  // What the shapes layer shows, traced into paths only when a whole paint needs them (`value` stays null until then).
  const groups = useRef<{ frame: string | null; shapes: Shape[] | null; labels: Label[] | null; selection: string[] | null; value: PaintGroup[] | null; colors: string[] | null; tiles: { scale: number; value: Map<string, PaintGroup[]> }; drawn: Drawn }>({
    frame: null,
    shapes: null,
    labels: null,
    selection: null,
    value: null,
    colors: null,
    tiles: { scale: 0, value: new Map() },
    drawn: { shapes: [], selection: [], tags: [] },
  });
  const labelMap = useRef<{ labels: Label[] | null; value: Map<string, Label> }>({ labels: null, value: new Map() });
  const tagLayout = useRef<{ shapes: Shape[] | null; labels: Label[] | null; scale: number; value: Map<string, TagPlace> }>({
    shapes: null,
    labels: null,
    scale: 0,
    value: new Map(),
  });
  const selectedList = useRef<{ shapes: Shape[] | null; selection: string[] | null; value: Shape[] }>({ shapes: null, selection: null, value: [] });
  // `traced.shapes` is the selection where it was `shift` ago: a move, its undo and redo only shift it. `traced` is a
  // new object at each new trace, the key of the bitmap of several shapes; `paint` traces it whole, made only for a
  // selection painted directly, since the bitmap traces its shapes a tile at a time.
  const selectionPaint = useRef<{
    selected: readonly Shape[] | null;
    labels: ReadonlyMap<string, Label> | null;
    traced: { shapes: readonly Shape[] };
    paint: SelectionPaint | null;
    shift: Point;
  }>({
    selected: null,
    labels: null,
    traced: { shapes: [] },
    paint: null,
    shift: { x: 0, y: 0 },
  });
  const hintId = useId();

  const viewSize = useEditor((state) => state.viewSize);
  const frame = useEditor((state) => state.frame);
  const ready = useEditor((state) => state.shapesReady);
  const shapeCount = useEditor((state) => state.shapes.length);

  const labelsById = useCallback((labels: Label[]) => {
    if (labelMap.current.labels !== labels) labelMap.current = { labels, value: new Map(labels.map((label) => [label.id, label])) };
    return labelMap.current.value;
  }, []);

  /** The selected shapes, bottom to top; the same list while neither the shapes nor the selection change. */
  const selectedShapes = useCallback((shapes: Shape[], selection: string[]): Shape[] => {
    const cached = selectedList.current;
    if (cached.shapes !== shapes || cached.selection !== selection) {
      const ids = new Set(selection);
      selectedList.current = { shapes, selection, value: shapes.filter((shape) => ids.has(shape.id)) };
    }
    return selectedList.current.value;
  }, []);

  /** Every visible shape's tag place, laid out together so that tags of shapes close to each other never overlap. */
  const tagsOf = useCallback(
    (state: Editor): Map<string, TagPlace> => {
      const cached = tagLayout.current;
      const scale = state.viewport.scale;
      if (cached.shapes === state.shapes && cached.labels === state.labels && cached.scale === scale) return cached.value;
      const labels = labelsById(state.labels);
      // Tags keep clear of the corner handles, which a selected shape shows.
      const clearance = (handleSize / 2 + 2) / scale;
      const visible = state.shapes.filter((shape) => !shape.hidden);
      const requests = (visible.length > maxTags ? [] : visible).map((shape) => {
        const b = boundsOf(shape.points);
        const text = tagText(shape.labelId !== null ? labels.get(shape.labelId) : undefined);
        return {
          id: shape.id,
          bounds: { minX: b.minX - clearance, minY: b.minY - clearance, maxX: b.maxX + clearance, maxY: b.maxY + clearance },
          width: tagWidthPx(measureTag, text) / scale,
          height: tagHeightPx / scale,
        };
      });
      const frameSize = state.frame ?? { width: 0, height: 0 };
      const value = placeTags(requests, frameSize);
      tagLayout.current = { shapes: state.shapes, labels: state.labels, scale, value };
      return value;
    },
    [labelsById],
  );

  const paintImage = useCallback(
    (context: Konva.Context) => {
      const { frame: size, viewport } = editorStore.getState();
      const source = frameImage.current;
      if (!size || !source) return;
      caches.image.draw(context._context, source, { x: 0, y: 0, ...size }, [
        (ctx) => {
          ctx.imageSmoothingEnabled = viewport.scale < sharpPixelsFrom;
          ctx.drawImage(frameBitmap.current ?? source, 0, 0, size.width, size.height);
        },
      ]);
    },
    [caches],
  );

  /** The tags the shapes layer paints: every visible shape's but the selected ones', which the overlay paints. */
  const baseTags = useCallback(
    (state: Editor, labels: ReadonlyMap<string, Label>, selected: ReadonlySet<string>): TagBox[] => {
      const tags = tagsOf(state);
      if (tags.size === 0) return [];
      const scale = state.viewport.scale;
      const painted: TagBox[] = [];
      for (const shape of state.shapes) {
        const at = tags.get(shape.id);
        if (!at || shape.hidden || selected.has(shape.id)) continue;
        const text = tagText(shape.labelId !== null ? labels.get(shape.labelId) : undefined);
        painted.push({ id: shape.id, text, color: colorOf(labels, shape.labelId), unlabelled: shape.labelId === null, x: at.x, y: at.y, width: tagWidthPx(measureTag, text) / scale, height: tagHeightPx / scale });
      }
      return painted;
    },
    [tagsOf],
  );

  const paintShapes = useCallback(
    (context: Konva.Context) => {
      const state = editorStore.getState();
      const cache = groups.current;
      const { frame: size, viewport } = state;
      const labels = labelsById(state.labels);
      const selected = new Set(state.selection);
      const scale = viewport.scale;
      if (cache.labels === state.labels && cache.selection === state.selection && cache.shapes !== state.shapes) {
        if (cache.shapes && sameShapesExcept(cache.shapes, state.shapes, selected)) cache.shapes = state.shapes;
      }
      const changed = cache.shapes !== state.shapes || cache.labels !== state.labels || cache.selection !== state.selection;
      const before = cache;
      if (changed) {
        groups.current = { frame: state.frame?.id ?? null, shapes: state.shapes, labels: state.labels, selection: state.selection, value: null, colors: null, tiles: { scale: 0, value: new Map() }, drawn: cache.drawn };
      }
      const current = groups.current;
      if (!size) return;
      // Strokes and points reach a few pixels past the frame's edge; the cache must hold them too.
      const pad = (handleSize * 2) / scale;
      const content = { x: -pad, y: -pad, width: size.width + pad * 2, height: size.height + pad * 2 };
      // A stroke's mitred corner reaches out to 7.5 px past its outline, a point's dot 4.5 px, plus a pixel of edge.
      const reach = (handleSize * 1.5) / scale;
      // Each pan past the bitmap's edge paints tiles at new places: the traced tiles of older places are let go.
      if (current.tiles.scale !== scale || current.tiles.value.size > 512) current.tiles = { scale, value: new Map() };
      const tiles = current.tiles.value;
      /** The shapes reaching a tile, grouped by colour in the whole layer's order; all of them with no tile. */
      const groupsIn = (area: Box | undefined): PaintGroup[] => {
        if (!area) return (current.value ??= buildGroups(state.shapes, labels, selected));
        const at = `${area.x} ${area.y} ${area.width} ${area.height}`;
        let value = tiles.get(at);
        if (!value) {
          value = buildGroups(shapesIn(state.shapes, area, reach), labels, selected, colors());
          tiles.set(at, value);
        }
        return value;
      };
      const colors = () => (current.colors ??= groupColors(state.shapes, labels, selected));
      const tags = () => baseTags(state, labels, selected);
      // A colour at a time, then the tags: after a zoom, one step per frame while the old bitmap stays on screen.
      const steps: Paint[] = [
        ...paintGroupSteps(colors().length, groupsIn, scale),
        (ctx, area) => {
          // Laid out only when painted: a zoom that shows the cached bitmap needs no tag places at its new scale.
          const painted = tags();
          current.drawn = { shapes: state.shapes, selection: state.selection, tags: painted };
          paintTags(ctx, area ? painted.filter((tag) => tagReaches(tag, [area], reach)) : painted, scale);
        },
      ];
      if (changed && before.labels === state.labels && before.shapes) {
        const drawn: Drawn = { shapes: state.shapes, selection: state.selection, tags: tags() };
        if (caches.shapes.patch(context._context, before, current, changedArea(before.drawn, drawn, reach), steps)) current.drawn = drawn;
      }
      // The bitmap of this frame's shapes before a selection or an edit made while the view moves stands in until the
      // view rests, and then while the change is painted a step per frame, as after any zoom. Another frame's never,
      // nor an empty one (the frame's shapes still loading). Nor one of other label colours: painted in steps, a few
      // pixels of tags came out a shade off a fresh paint's, so a new colour is still painted whole, in one frame.
      const standIn = before.frame === current.frame && before.labels === current.labels && (before.shapes?.length ?? 0) > 0;
      caches.shapes.draw(context._context, current, content, steps, standIn);
    },
    [caches, labelsById, baseTags],
  );

  const paintEdits = useCallback(
    (context: Konva.Context) => {
      const state = editorStore.getState();
      const active = gesture.current;
      const moving = active?.kind === 'move' && active.offset !== null ? active : null;
      const dragging = moving !== null || ((active?.kind === 'resize' || active?.kind === 'vertex') && active.preview !== null);
      let selected = moving ? moving.originals : selectedShapes(state.shapes, state.selection);
      if ((active?.kind === 'resize' || active?.kind === 'vertex') && active.preview) selected = [active.preview];
      const only = selected.length === 1 ? selected[0] : undefined;
      const labels = labelsById(state.labels);
      const last = selectionPaint.current;
      if (last.selected !== selected || last.labels !== labels) {
        const shift = selected.length > 1 && last.selected && last.labels === labels ? commonShift(last.selected, selected) : null;
        selectionPaint.current = shift
          ? { ...last, selected, shift: { x: last.shift.x + shift.x, y: last.shift.y + shift.y } }
          : { selected, labels, traced: { shapes: selected }, paint: null, shift: { x: 0, y: 0 } };
      }
      const current = selectionPaint.current;
      const { traced, shift } = current;
      const { frame: size, viewport } = state;
      // Several selected shapes go through a bitmap, which a drag, the move's end, its undo and redo only shift.
      const throughCache = selected.length > 1 && size !== null;
      if (throughCache) {
        const ctx = context._context;
        const pad = (handleSize * 2) / viewport.scale;
        // As for the shapes layer: how far past its outline a selected shape's stroke and dots reach.
        const reach = (handleSize * 1.5) / viewport.scale;
        ctx.save();
        ctx.translate(shift.x + (moving?.offset?.x ?? 0), shift.y + (moving?.offset?.y ?? 0));
        ctx.lineJoin = 'round';
        caches.moving.draw(ctx, traced, { x: -pad, y: -pad, width: size.width + pad * 2, height: size.height + pad * 2 }, [
          (target, area) => {
            const part = area ? shapesIn(traced.shapes, area, reach) : traced.shapes;
            if (part.length === 0) return;
            target.lineJoin = 'round';
            paintSelection(target, buildSelection(part, labels), viewport.scale);
          },
        ]);
        ctx.restore();
      } else {
        caches.moving.clear();
      }
      paintOverlay(context._context, {
        scale: viewport.scale,
        labels,
        selected,
        selection: throughCache ? noSelection : (current.paint ??= buildSelection(selected, labels)),
        offset: moving?.offset ?? { x: 0, y: 0 },
        handles: editableSelection(state) !== null,
        vertex: state.vertex,
        rectangle: active?.kind === 'rectangle' && active.dragged ? [active.start.x, active.start.y, active.end.x, active.end.y] : null,
        draft: state.draft,
        pointer: pointer.current,
        drawColor: colorOf(labels, state.nextLabelId),
        tagAt: only && !dragging ? (tagsOf(state).get(only.id) ?? null) : null,
        measure: measureTag,
      });
    },
    [caches, labelsById, selectedShapes, tagsOf],
  );

  const redrawOverlay = () => overlayLayer.current?.batchDraw();

  /**
   * A pan or zoom under way: the shapes layer shows its bitmap moved and scaled instead of painting 5,000 shapes on
   * every frame, and the frame image is painted without building its bitmap at every zoom step; letting go paints
   * the shapes sharply, and caches both, at the zoom the view came to rest at.
   */
  const holdView = useCallback(() => {
    caches.image.hold();
    caches.shapes.hold();
    caches.moving.hold();
  }, [caches]);
  const releaseView = useCallback(() => {
    caches.image.release();
    caches.shapes.release();
    caches.moving.release();
  }, [caches]);



  useLayoutEffect(() => {
    const element = host.current;
    if (!element) return;
    // Three layers, each its own canvas: the frame, which only a zoom or pan redraws; every shape not being
    // edited; and the selection with its handles and the shape being drawn, the one layer a drag redraws.
    // Only the handles' layer listens: the shapes are hit-tested against the store, never through Konva.
    const node = new Konva.Stage({ container: element, width: element.clientWidth, height: element.clientHeight });
    const frameLayer = new Konva.Layer({ listening: false });
    frameLayer.add(new Konva.Shape({ sceneFunc: paintImage, listening: false, perfectDrawEnabled: false }));
    const shapes = new Konva.Layer({ listening: false });
    shapes.add(new Konva.Shape({ sceneFunc: paintShapes, listening: false, perfectDrawEnabled: false }));
    const overlay = new Konva.Layer({ listening: false });
    overlay.add(new Konva.Shape({ sceneFunc: paintEdits, listening: false, perfectDrawEnabled: false }));
    const handleLayer = new Konva.Layer();
    const box = new Rect({ listening: false, fillEnabled: false, strokeEnabled: false, perfectDrawEnabled: false });
    const transformer = new Transformer({
      rotateEnabled: false,
      flipEnabled: false,
      keepRatio: false,
      ignoreStroke: true,
      borderEnabled: false,
      anchorSize: handleSize,
      anchorFill: '#ffffff',
      anchorStroke: '#111111',
      anchorStrokeWidth: 1,
      anchorCornerRadius: 0,
    });
    handleLayer.add(box, transformer);
    // The Transformer only reports which handle moves where; the store's geometry (clamped to the frame, flipped
    // past the other side) decides the rectangle, and the box is put back on it at every step.
    transformer.on('transformstart', () => {
      const editing = editableSelection(editorStore.getState());
      const handle = anchorHandles[transformer.getActiveAnchor() ?? ''];
      gesture.current = editing?.type === 'rectangle' && handle ? { kind: 'resize', original: editing, handle, preview: null } : null;
    });
    transformer.on('transform', () => {
      const active = gesture.current;
      const frame = editorStore.getState().frame;
      const p = node.getRelativePointerPosition();
      if (active?.kind !== 'resize' || !frame || !p) return;
      active.preview = { ...active.original, points: resizeRectangle(active.original.points, active.handle, p, frame) };
      placeBox(handles.current, active.preview.points);
      overlay.batchDraw();
    });
    transformer.on('transformend', () => {
      const active = gesture.current;
      gesture.current = null;
      if (active?.kind === 'resize' && active.preview) editorStore.getState().updateShapes([active.preview]);
      syncHandles(handles.current, false);
      overlay.batchDraw();
    });
    node.add(frameLayer, shapes, overlay, handleLayer);
    handles.current = { layer: handleLayer, box, transformer };
    syncHandles(handles.current, false);
    stage.current = node;
    imageLayer.current = frameLayer;
    shapesLayer.current = shapes;
    overlayLayer.current = overlay;
    return () => {
      node.destroy();
      handles.current = null;
      stage.current = null;
      caches.image.clear();
      caches.shapes.clear();
      caches.moving.clear();
    };
  }, [caches, paintImage, paintShapes, paintEdits]);

  useLayoutEffect(() => {
    stage.current?.size(viewSize);
  }, [viewSize]);

  useLayoutEffect(() => {
    frameImage.current = image;
    imageLayer.current?.batchDraw();
    if (!image) return;
    const letGo = keepDecoded(image, (bitmap) => (frameBitmap.current = bitmap));
    return () => {
      frameBitmap.current = null;
      letGo();
    };
  }, [image, frame]);

  useLayoutEffect(() => {
    const apply = (viewport: Viewport) => {
      const node = stage.current;
      if (!node) return;
      node.scale({ x: viewport.scale, y: viewport.scale });
      node.position({ x: viewport.x, y: viewport.y });
      handles.current?.transformer.forceUpdate();
      node.batchDraw();
    };
    apply(editorStore.getState().viewport);
    return editorStore.subscribe((state, previous) => {
      // A drag begun on one frame must not land on the next one.
      if (state.frame !== previous.frame) {
        if (gesture.current?.kind === 'pan') releaseView();
        gesture.current = null;
      }
      if (state.shapes !== previous.shapes || state.selection !== previous.selection || state.tool !== previous.tool || state.frame !== previous.frame) {
        syncHandles(handles.current, gesture.current?.kind === 'resize');
      }
      if (state.viewport !== previous.viewport) {
        apply(state.viewport);
        return;
      }
      if (
        state.labels !== previous.labels ||
        state.selection !== previous.selection ||
        !sameShapesExcept(previous.shapes, state.shapes, new Set(state.selection))
      ) {
        shapesLayer.current?.batchDraw();
      }
      if (
        state.shapes !== previous.shapes ||
        state.labels !== previous.labels ||
        state.selection !== previous.selection ||
        state.vertex !== previous.vertex ||
        state.draft !== previous.draft ||
        state.tool !== previous.tool ||
        state.nextLabelId !== previous.nextLabelId
      ) {
        redrawOverlay();
      }
    });
  }, [releaseView]);

  useLayoutEffect(() => {
    const element = container.current;
    if (!element) return;
    // Keys go to the canvas from the start: the person came here to draw.
    element.focus({ preventScroll: true });
    const measure = () => editorStore.getState().setViewSize({ width: element.clientWidth, height: element.clientHeight });
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    measure();
    return () => observer.disconnect();
  }, []);

  const screenPoint = (event: { clientX: number; clientY: number }): Point => {
    const bounds = container.current?.getBoundingClientRect();
    return { x: event.clientX - (bounds?.left ?? 0), y: event.clientY - (bounds?.top ?? 0) };
  };

  const setCursor = (cursor: string) => {
    const element = container.current;
    if (element && element.style.cursor !== cursor) element.style.cursor = cursor;
  };

  const hoverCursor = (p: Point): string => {
    const state = editorStore.getState();
    if (space.current) return 'grab';
    const tolerance = pickDistance / state.viewport.scale;
    const editing = editableSelection(state);
    if (state.tool !== 'select') {
      const handle = editing?.type === 'rectangle' ? rectHandleAt(editing.points, p, tolerance) : null;
      return handle ? cursors[handle] : 'crosshair';
    }
    if (editing?.type === 'rectangle') {
      const handle = rectHandleAt(editing.points, p, tolerance);
      if (handle) return cursors[handle];
    } else if (editing && vertexAt(editing.points, p, tolerance) >= 0) {
      return 'pointer';
    }
    return shapeAt(state.shapes, p, tolerance) ? 'move' : 'default';
  };

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    // Wheel notches come faster than frames on a trackpad: they add up and zoom once per frame.
    let wheel: { delta: number; anchor: Point; frame: number } | null = null;
    let settle: ReturnType<typeof setTimeout> | null = null;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const lines = event.deltaMode === WheelEvent.DOM_DELTA_LINE ? 16 : event.deltaMode === WheelEvent.DOM_DELTA_PAGE ? 400 : 1;
      holdView();
      if (settle !== null) clearTimeout(settle);
      settle = setTimeout(() => {
        settle = null;
        if (gesture.current?.kind !== 'pan') releaseView();
      }, wheelSettleMs);
      const anchor = screenPoint(event);
      if (wheel) {
        wheel.delta += event.deltaY * lines;
        wheel.anchor = anchor;
        return;
      }
      wheel = {
        delta: event.deltaY * lines,
        anchor,
        frame: requestAnimationFrame(() => {
          const state = editorStore.getState();
          if (wheel) state.setViewport(zoomByWheel(state.viewport, wheel.delta, wheel.anchor));
          wheel = null;
        }),
      };
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && gesture.current) {
        // A drag in progress is the first thing Esc takes back; the store's own Esc waits for the next press.
        event.preventDefault();
        event.stopImmediatePropagation();
        if (gesture.current.kind === 'pan') releaseView();
        gesture.current = null;
        redrawOverlay();
        return;
      }
      if (event.key === ' ' && !isTyping(event.target) && (inside.current || event.target === element || event.target === document.body)) {
        event.preventDefault();
        space.current = true;
        if (!gesture.current) setCursor('grab');
      }
    };
    const onKeyUp = (event: KeyboardEvent) => {
      if (event.key !== ' ') return;
      if (space.current) event.preventDefault();
      space.current = false;
      if (!gesture.current) setCursor(pointer.current ? hoverCursor(pointer.current) : 'default');
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    window.addEventListener('keydown', onKeyDown, true);
    window.addEventListener('keyup', onKeyUp, true);
    return () => {
      if (wheel) cancelAnimationFrame(wheel.frame);
      if (settle !== null) clearTimeout(settle);
      element.removeEventListener('wheel', onWheel);
      window.removeEventListener('keydown', onKeyDown, true);
      window.removeEventListener('keyup', onKeyUp, true);
    };
  }, [holdView, releaseView]);

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    const element = container.current;
    if (!element) return;
    element.focus({ preventScroll: true });
    const state = editorStore.getState();
    const screen = screenPoint(event);
    const p = toImage(state.viewport, screen);
    const tolerance = pickDistance / state.viewport.scale;
    if (event.button === 1 || (event.button === 0 && space.current)) {
      event.preventDefault();
      element.setPointerCapture(event.pointerId);
      gesture.current = { kind: 'pan', lastScreen: screen };
      holdView();
      setCursor('grabbing');
      return;
    }
    if (event.button !== 0 || !state.frame || !state.shapesReady) return;
    // A press on a resize handle belongs to the Transformer.
    if (handles.current?.layer.getIntersection(screen)) return;
    element.setPointerCapture(event.pointerId);
    const frame = state.frame;
    switch (state.tool) {
      case 'rectangle': {
        const start = { x: Math.min(Math.max(p.x, 0), frame.width), y: Math.min(Math.max(p.y, 0), frame.height) };
        gesture.current = { kind: 'rectangle', startScreen: screen, start, end: start, dragged: false };
        return;
      }
      case 'polygon':
      case 'polyline':
        pointer.current = p;
        state.addDraftPoint(p, tolerance);
        return;
      case 'point':
        if (p.x >= -tolerance && p.y >= -tolerance && p.x <= frame.width + tolerance && p.y <= frame.height + tolerance) {
          state.createShape('point', [p.x, p.y]);
        }
        return;
      case 'select':
        break;
    }
    const editing = editableSelection(state);
    if (editing && editing.type !== 'rectangle' && editing.type !== 'point') {
      const index = vertexAt(editing.points, p, tolerance);
      if (index >= 0) {
        if (event.altKey) {
          state.deleteVertex(editing.id, index);
        } else {
          state.setVertex(index);
          gesture.current = { kind: 'vertex', original: editing, index, preview: null };
        }
        return;
      }
    }
    const hit = shapeAt(state.shapes, p, tolerance);
    if (!hit) {
      if (!event.shiftKey) state.select([]);
      return;
    }
    if (event.shiftKey) {
      state.toggleSelected(hit.id);
      return;
    }
    const ids = state.selection.includes(hit.id) ? state.selection : [hit.id];
    if (ids !== state.selection) state.select(ids);
    const moving = new Set(ids);
    const originals = state.shapes.filter((shape) => moving.has(shape.id) && !shape.locked);
    if (originals.length > 0) gesture.current = { kind: 'move', startScreen: screen, start: p, originals, bounds: boundsOfShapes(originals), offset: null };
  };

  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const state = editorStore.getState();
    const screen = screenPoint(event);
    const p = toImage(state.viewport, screen);
    pointer.current = p;
    const active = gesture.current;
    const frame = state.frame;
    if (!active || !frame) {
      setCursor(hoverCursor(p));
      if (state.draft) redrawOverlay();
      return;
    }
    switch (active.kind) {
      case 'pan':
        state.setViewport(panBy(state.viewport, screen.x - active.lastScreen.x, screen.y - active.lastScreen.y));
        active.lastScreen = screen;
        return;
      case 'move':
        if (!active.offset && distance(screen, active.startScreen) < dragThreshold) return;
        active.offset = clampOffset(active.bounds, p.x - active.start.x, p.y - active.start.y, frame);
        break;
      case 'resize':
        // The Transformer's own events move it, also when the pointer leaves the canvas.
        return;
      case 'vertex':
        active.preview = { ...active.original, points: moveVertex(active.original.points, active.index, p, frame) };
        break;
      case 'rectangle':
        active.end = { x: Math.min(Math.max(p.x, 0), frame.width), y: Math.min(Math.max(p.y, 0), frame.height) };
        active.dragged ||= distance(screen, active.startScreen) >= dragThreshold;
        break;
    }
    redrawOverlay();
  };

  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    const active = gesture.current;
    if (active?.kind === 'resize') return;
    gesture.current = null;
    if (container.current?.hasPointerCapture(event.pointerId)) container.current.releasePointerCapture(event.pointerId);
    if (!active) return;
    const state = editorStore.getState();
    switch (active.kind) {
      case 'pan':
        releaseView();
        setCursor(space.current ? 'grab' : 'default');
        return;
      case 'move':
        if (active.offset) state.moveShapes(active.originals, active.offset);
        break;
      case 'vertex':
        if (active.preview) state.updateShapes([active.preview]);
        break;
      case 'rectangle':
        if (active.dragged) {
          state.createShape('rectangle', [active.start.x, active.start.y, active.end.x, active.end.y]);
        } else {
          const hit = shapeAt(state.shapes, active.start, pickDistance / state.viewport.scale);
          state.select(hit ? [hit.id] : []);
        }
        break;
    }
    redrawOverlay();
  };

  const onPointerCancel = () => {
    if (gesture.current?.kind === 'pan') releaseView();
    gesture.current = null;
    redrawOverlay();
  };

  const onDoubleClick = (event: MouseEvent<HTMLDivElement>) => {
    const state = editorStore.getState();
    const editing = editableSelection(state);
    if (!editing || (editing.type !== 'polygon' && editing.type !== 'polyline')) return;
    const p = toImage(state.viewport, screenPoint(event));
    const tolerance = pickDistance / state.viewport.scale;
    if (vertexAt(editing.points, p, tolerance) >= 0) return;
    const edge = edgeAt(editing.points, editing.type === 'polygon', p, tolerance);
    if (edge) state.addVertex(editing.id, edge.afterIndex, edge.at);
  };

  const busy = !image || !ready;

  return (
    <div
      ref={container}
      className="annotation-canvas"
      role="application"
      aria-label="Annotation canvas"
      aria-describedby={hintId}
      aria-busy={busy}
      tabIndex={0}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerCancel}
      onPointerEnter={() => (inside.current = true)}
      onPointerLeave={() => {
        inside.current = false;
        pointer.current = null;
        if (editorStore.getState().draft) redrawOverlay();
      }}
      onDoubleClick={onDoubleClick}
      onMouseDown={(event) => {
        if (event.button === 1) event.preventDefault();
      }}
      onContextMenu={(event) => event.preventDefault()}
    >
      <p id={hintId} className="visually-hidden">
        {ready ? `${plural(shapeCount, 'shape')} on this frame.` : 'Loading shapes.'} The shapes list next to the canvas reaches each shape by
        keyboard; press ? for every key.
      </p>
      <div ref={host} className="canvas-host" />
    </div>
  );
}
