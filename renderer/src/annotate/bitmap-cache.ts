import type { ImageSize } from '../../../shared/geometry';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * One part of what a cache holds, painted under the transform the cache sets. A tiled cache paints it a tile at a
 * time, clipped to the tile, and gives the tile (in content pixels) as `area`: only what reaches into it is needed.
 */
export type Paint = (target: CanvasRenderingContext2D, area?: Box) => void;

export interface CachedArea {
  scale: number;
  e: number;
  f: number;
  region: Box;
}

/** How far past the visible canvas a cache reaches, as a share of the canvas, so a pan runs a while on one cache. */
const margin = 0.25;

/** A progressive cache's painting per display frame, in milliseconds: half a 60 Hz frame, the rest for the page. */
const frameBudgetMs = 8;

function intersect(a: Box, b: Box): Box | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

function sameBox(a: Box, b: Box): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

function onDevice(content: Box, scale: number, e: number, f: number): Box {
  return { x: e + content.x * scale, y: f + content.y * scale, width: content.width * scale, height: content.height * scale };
}

/** The content's visible part, in device pixels, under a transform of `scale` and offset (`e`, `f`). */
export function visibleArea(content: Box, scale: number, e: number, f: number, view: ImageSize): Box | null {
  return intersect(onDevice(content, scale, e, f), { x: 0, y: 0, ...view });
}

/** The whole-pixel area worth caching: the visible content and a margin around the view, clipped to the content. */
export function cacheRegion(content: Box, scale: number, e: number, f: number, view: ImageSize): Box | null {
  const grown = { x: -view.width * margin, y: -view.height * margin, width: view.width * (1 + 2 * margin), height: view.height * (1 + 2 * margin) };
  const area = intersect(onDevice(content, scale, e, f), grown);
  if (!area) return null;
  const x = Math.floor(area.x);
  const y = Math.floor(area.y);
  return { x, y, width: Math.ceil(area.x + area.width) - x, height: Math.ceil(area.y + area.height) - y };
}

/** Where the cached pixels land now, after the view moved by (`e`, `f`) without zooming: a whole-pixel shift. */
export function cachedPosition(cached: CachedArea, e: number, f: number): { x: number; y: number } {
  return { x: Math.round(cached.region.x + e - cached.e), y: Math.round(cached.region.y + f - cached.f) };
}

/**
 * Whether the cache, shifted by the pan since it was made, still holds every visible pixel. The shift is rounded to
 * whole pixels, so an edge may land up to a pixel inside the visible area: that pixel is the content's padding, and
 * asking for it made every sub-pixel pan of a fully visible frame paint everything again.
 */
export function cacheCovers(cached: CachedArea, scale: number, e: number, f: number, visible: Box): boolean {
  if (cached.scale !== scale) return false;
  const at = cachedPosition(cached, e, f);
  return (
    at.x <= visible.x + 1 &&
    at.y <= visible.y + 1 &&
    at.x + cached.region.width >= visible.x + visible.width - 1 &&
    at.y + cached.region.height >= visible.y + visible.height - 1
  );
}

/**
 * The transform that puts the cached pixels where the content is under a new zoom and offset: a pixel cached at
 * device point d under (`cached.scale`, `cached.e`, `cached.f`) shows content that now lands at
 * k * (d - cached.e) + e, with k the ratio of the zooms.
 */
export function heldTransform(cached: CachedArea, scale: number, e: number, f: number): { k: number; x: number; y: number } {
  const k = scale / cached.scale;
  return { k, x: e + k * (cached.region.x - cached.e), y: f + k * (cached.region.y - cached.f) };
}

/**
 * Konva's caching, made for a pan: content is painted once at the current zoom into a bitmap a little larger than
 * the view, and each pan frame copies that bitmap instead of painting again. New content goes straight into the
 * bitmap, so a pan right after an edit finds it ready.
 *
 * While the view moves (`hold`), a zoom or a pan past the bitmap's edge does not paint at all: the bitmap is drawn
 * scaled and shifted to where its content now is, since painting 5,000 polygons takes Chromium's software
 * rasteriser 150-350 ms, several display frames. `release` paints sharply once the view stands still, a step (a
 * label colour) per frame into a second bitmap while the first stays on screen.
 */
export class BitmapCache {
  private canvas: HTMLCanvasElement | null = null;
  private cached: (CachedArea & { key: unknown }) | null = null;
  /** With `progressive`, the tiles of the shown bitmap still to paint, in its pixels. */
  private unpainted: Box[] = [];
  private held = false;
  private stale = false;
  private next: (CachedArea & { key: unknown; canvas: HTMLCanvasElement; step: number }) | null = null;
  private frame: number | null = null;

  /**
   * `paintWhileHeld`: content cheap to paint at any zoom (the frame image, one drawImage) is painted directly while
   * held, sharp at every step, and cached once the view rests.
   *
   * `tile` (device pixels): the bitmap is painted in square tiles, each clipped and given only what reaches it, so
   * that `patch` can paint a few tiles again exactly as the whole paint painted them. Chromium rasterises a path
   * with few outlines differently at its edges than one with thousands, so a patch drawn with fewer shapes than the
   * whole paint differed from it by a shade along many edges.
   *
   * `progressive` (with `tile`): new content is painted a few tiles per frame, as many as fit in `frameBudgetMs`,
   * and the bitmap is shown as it fills in. Selecting all of 5,000 polygons took one frame of 330-390 ms of CPU to
   * trace and rasterise the selection (a Chromium trace); no frame may take more than 50 ms.
   */
  constructor(
    private readonly redraw: () => void,
    private readonly paintWhileHeld = false,
    private readonly tile: number | null = null,
    private readonly progressive = false,
  ) {}

  /** The view starts moving: until `release`, draws reuse the bitmap, however the view moves, instead of painting. */
  hold(): void {
    this.held = true;
  }

  /** The view stands still again: when a draw showed the bitmap off its zoom or edge, it is drawn sharply again. */
  release(): void {
    this.held = false;
    if (this.stale) {
      this.stale = false;
      this.redraw();
    }
  }

  /**
   * Paints what `steps` draw, in turn, inside `content` (image pixels) through the cache where that pays. Content
   * painted in several steps is painted sharply again a step per frame after a zoom, with the old bitmap on screen
   * until the new one is whole, so no frame waits for all of it.
   *
   * `standIn`: the bitmap of another key may stand in for this one until it is painted, because it shows nearly
   * the same (the same frame's shapes before a selection made mid-zoom): while the view moves it is shown moved and
   * scaled, and once the view rests it stays on screen while the new one is painted a step per frame. Repainting
   * 5,000 polygons at once took one frame of 150-430 ms.
   */
  draw(ctx: CanvasRenderingContext2D, key: unknown, content: Box, steps: readonly Paint[], standIn = false): void {
    const paint = (target: CanvasRenderingContext2D) => {
      for (const step of steps) step(target);
    };
    const m = ctx.getTransform();
    const view = { width: ctx.canvas.width, height: ctx.canvas.height };
    if (m.b !== 0 || m.c !== 0 || m.a !== m.d) {
      paint(ctx);
      return;
    }
    const visible = visibleArea(content, m.a, m.e, m.f, view);
    if (!visible) return;
    const cached = this.cached;
    if (cached && cached.key === key && this.canvas && cacheCovers(cached, m.a, m.e, m.f, visible)) {
      this.paintSome(steps, cached);
      this.blit(ctx, cachedPosition(cached, m.e, m.f));
      return;
    }
    const shown = cached !== null && this.canvas !== null && (cached.key === key || standIn);
    if (this.held && cached && shown) {
      this.stale = true;
      if (this.paintWhileHeld) paint(ctx);
      else this.blitHeld(ctx, heldTransform(cached, m.a, m.e, m.f));
      return;
    }
    const region = cacheRegion(content, m.a, m.e, m.f, view);
    if (!region) return;
    if (steps.length > 1 && cached && shown) {
      this.paintInSteps(ctx, { key, scale: m.a, e: m.e, f: m.f, region }, steps, cached);
      return;
    }
    const canvas = this.canvas ?? document.createElement('canvas');
    this.canvas = canvas;
    const resized = canvas.width !== region.width || canvas.height !== region.height;
    if (resized) {
      canvas.width = region.width;
      canvas.height = region.height;
    }
    const target = canvas.getContext('2d');
    if (!target) {
      paint(ctx);
      return;
    }
    // A pan keeps the bitmap's size: clearing it beats giving its memory back and asking for it again.
    if (!resized) {
      target.setTransform(1, 0, 0, 1, 0, 0);
      target.clearRect(0, 0, canvas.width, canvas.height);
    }
    target.imageSmoothingEnabled = ctx.imageSmoothingEnabled;
    const area = { scale: m.a, e: m.e, f: m.f, region };
    this.cached = { key, ...area };
    if (this.progressive && this.tile !== null) {
      this.unpainted = this.tiles(region);
      this.paintSome(steps, area);
    } else {
      this.unpainted = [];
      for (const step of steps) this.paintStep(target, step, area);
    }
    this.blit(ctx, { x: region.x, y: region.y });
  }

  /**
   * The next of the unpainted tiles, every step in each, until this frame's budget is spent; the rest wait for the
   * frames after. Each tile is rasterised before the clock is read again (reading a pixel makes Chromium paint the
   * canvas's drawing now), so the budget counts the rasteriser's work, which is most of it.
   */
  private paintSome(steps: readonly Paint[], area: CachedArea): void {
    const target = this.canvas?.getContext('2d');
    if (this.unpainted.length === 0 || !target) return;
    const until = performance.now() + frameBudgetMs;
    do {
      const tile = this.unpainted.shift();
      if (!tile) break;
      for (const step of steps) this.paintTile(target, step, area, tile);
      target.getImageData(tile.x, tile.y, 1, 1);
    } while (performance.now() < until);
    if (this.unpainted.length === 0) return;
    this.frame ??= requestAnimationFrame(() => {
      this.frame = null;
      this.redraw();
    });
  }

  /** The next step of a sharp paint into a bitmap of its own, swapped in for the shown one after the last step. */
  private paintInSteps(ctx: CanvasRenderingContext2D, area: CachedArea & { key: unknown }, steps: readonly Paint[], shown: CachedArea): void {
    let next = this.next;
    // The region too: a window that grows while the steps run keeps the zoom, offset and key, and a bitmap of the
    // smaller region, swapped in, left the rest of the frame without shapes until something else painted them.
    if (!next || next.key !== area.key || next.scale !== area.scale || next.e !== area.e || next.f !== area.f || !sameBox(next.region, area.region)) {
      const canvas = next?.canvas ?? document.createElement('canvas');
      // Setting the size clears it, also when it stays the same.
      canvas.width = area.region.width;
      canvas.height = area.region.height;
      next = { ...area, canvas, step: 0 };
      this.next = next;
    }
    const target = next.canvas.getContext('2d');
    if (!target) return;
    target.imageSmoothingEnabled = ctx.imageSmoothingEnabled;
    const step = steps[next.step];
    if (step) this.paintStep(target, step, area);
    next.step++;
    // Chromium paints a canvas's drawing when its pixels are needed: reading one pixel paints this step now, in
    // this frame, instead of every step at once when the finished bitmap is first drawn.
    target.getImageData(0, 0, 1, 1);
    if (next.step < steps.length) {
      this.blitHeld(ctx, heldTransform(shown, area.scale, area.e, area.f));
      this.frame ??= requestAnimationFrame(() => {
        this.frame = null;
        this.redraw();
      });
      return;
    }
    if (this.canvas) {
      this.canvas.width = 0;
      this.canvas.height = 0;
    }
    this.canvas = next.canvas;
    this.cached = area;
    this.next = null;
    this.blit(ctx, { x: area.region.x, y: area.region.y });
  }

  /**
   * Paints the tiles of the bitmap that `boxes` (content pixels) reach again, when it shows `from`; it then shows
   * `key`. A new selection or a moved shape changes a few shapes' worth of pixels, where painting the whole bitmap
   * again took Chromium's software rasteriser 150-430 ms for 5,000 polygons. Only at the bitmap's own zoom: what
   * `steps` paint is laid out (tags) for the zoom on `ctx`.
   */
  patch(ctx: CanvasRenderingContext2D, from: unknown, key: unknown, boxes: readonly Box[], steps: readonly Paint[]): boolean {
    const cached = this.cached;
    const canvas = this.canvas;
    if (this.tile === null || !cached || cached.key !== from || !canvas || ctx.getTransform().a !== cached.scale) return false;
    const target = canvas.getContext('2d');
    if (!target) return false;
    const { scale, e, f, region } = cached;
    const onBitmap = boxes.map((box) => ({ x: e + box.x * scale - region.x, y: f + box.y * scale - region.y, width: box.width * scale, height: box.height * scale }));
    this.cached = { ...cached, key };
    for (const tile of this.tiles(region)) {
      if (!onBitmap.some((box) => intersect(box, tile))) continue;
      target.save();
      target.setTransform(1, 0, 0, 1, 0, 0);
      target.clearRect(tile.x, tile.y, tile.width, tile.height);
      target.restore();
      for (const step of steps) this.paintTile(target, step, cached, tile);
    }
    return true;
  }

  /** The tiles of a bitmap of this region, in its pixels; one tile, the whole bitmap, when the cache is not tiled. */
  private tiles(region: Box): Box[] {
    const size = this.tile;
    if (size === null) return [{ x: 0, y: 0, width: region.width, height: region.height }];
    const tiles: Box[] = [];
    for (let y = 0; y < region.height; y += size) {
      for (let x = 0; x < region.width; x += size) tiles.push({ x, y, width: Math.min(size, region.width - x), height: Math.min(size, region.height - y) });
    }
    return tiles;
  }

  private paintStep(target: CanvasRenderingContext2D, step: Paint, area: CachedArea): void {
    if (this.tile === null) {
      target.setTransform(area.scale, 0, 0, area.scale, area.e - area.region.x, area.f - area.region.y);
      step(target);
      return;
    }
    for (const tile of this.tiles(area.region)) this.paintTile(target, step, area, tile);
  }

  /** One step inside one tile: clipped to it on whole pixels, and told the tile's place in content pixels. */
  private paintTile(target: CanvasRenderingContext2D, step: Paint, area: CachedArea, tile: Box): void {
    const { scale, e, f, region } = area;
    target.save();
    target.setTransform(1, 0, 0, 1, 0, 0);
    target.beginPath();
    target.rect(tile.x, tile.y, tile.width, tile.height);
    target.clip();
    target.setTransform(scale, 0, 0, scale, e - region.x, f - region.y);
    step(target, { x: (tile.x + region.x - e) / scale, y: (tile.y + region.y - f) / scale, width: tile.width / scale, height: tile.height / scale });
    target.restore();
  }

  /** Lets the bitmaps' memory go; the next draw paints a new one. */
  clear(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    if (this.next) {
      this.next.canvas.width = 0;
      this.next.canvas.height = 0;
    }
    this.next = null;
    if (this.canvas) {
      this.canvas.width = 0;
      this.canvas.height = 0;
    }
    this.canvas = null;
    this.cached = null;
    this.unpainted = [];
    this.stale = false;
  }

  private blit(ctx: CanvasRenderingContext2D, at: { x: number; y: number }): void {
    if (!this.canvas) return;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.canvas, at.x, at.y);
    ctx.restore();
  }

  private blitHeld(ctx: CanvasRenderingContext2D, at: { k: number; x: number; y: number }): void {
    if (!this.canvas) return;
    ctx.save();
    ctx.setTransform(at.k, 0, 0, at.k, at.x, at.y);
    ctx.imageSmoothingEnabled = at.k !== 1;
    ctx.drawImage(this.canvas, 0, 0);
    ctx.restore();
  }
}
