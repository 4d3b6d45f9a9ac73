import type { ImageSize } from '../../../shared/geometry';

export interface Point {
  x: number;
  y: number;
}

/**
 * How the image sits in the canvas: a screen point is `image * scale + (x, y)`. While `fit` holds, a resized
 * window fits the image again; the first zoom or pan ends it.
 */
export interface Viewport {
  scale: number;
  x: number;
  y: number;
  fit: boolean;
}

export const minScale = 0.02;
export const maxScale = 40;
const fitMargin = 12;

const clampScale = (scale: number) => Math.min(maxScale, Math.max(minScale, scale));

export function fitViewport(view: ImageSize, image: ImageSize): Viewport {
  if (view.width <= 0 || view.height <= 0 || image.width <= 0 || image.height <= 0) return { scale: 1, x: 0, y: 0, fit: true };
  const scale = clampScale(
    Math.min((view.width - fitMargin * 2) / image.width, (view.height - fitMargin * 2) / image.height),
  );
  return { scale, x: (view.width - image.width * scale) / 2, y: (view.height - image.height * scale) / 2, fit: true };
}

export function toImage(viewport: Viewport, screen: Point): Point {
  return { x: (screen.x - viewport.x) / viewport.scale, y: (screen.y - viewport.y) / viewport.scale };
}

export function toScreen(viewport: Viewport, image: Point): Point {
  return { x: image.x * viewport.scale + viewport.x, y: image.y * viewport.scale + viewport.y };
}

/** The image point under `anchor` stays under it, so the wheel zooms into what the pointer is on. */
export function zoomTo(viewport: Viewport, scale: number, anchor: Point): Viewport {
  const next = clampScale(scale);
  const under = toImage(viewport, anchor);
  return { scale: next, x: anchor.x - under.x * next, y: anchor.y - under.y * next, fit: false };
}

/** One wheel event: a notch of a mouse wheel (about 100 px of delta) zooms by about 16%. */
export function zoomByWheel(viewport: Viewport, deltaY: number, anchor: Point): Viewport {
  return zoomTo(viewport, viewport.scale * Math.exp(-deltaY * 0.0015), anchor);
}

export function panBy(viewport: Viewport, dx: number, dy: number): Viewport {
  return { ...viewport, x: viewport.x + dx, y: viewport.y + dy, fit: false };
}
