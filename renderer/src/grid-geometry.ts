// The frame grid's geometry from the window's size alone: what the grid draws, and what is asked for before it is drawn.

/** The space between tiles, and between rows. */
export const gap = 6;

/** Tiles grow with the window: 150 px up to about 1,800 px wide, then a twelfth of it, up to 280 px on a 4K screen. */
export function minTileWidth(windowWidth: number): number {
  return Math.max(150, Math.min(280, Math.round(windowWidth / 12)));
}
/** The grid's height as a share of the window, so the batch headers around it stay in view. */
export const heightShare = 0.7;

/** About how many tiles a grid shows before any scrolling, from the window's size alone. */
export function tilesOnFirstScreen(): number {
  const tile = minTileWidth(window.innerWidth);
  const columns = Math.max(1, Math.floor((window.innerWidth + gap) / (tile + gap)));
  const rows = Math.ceil((window.innerHeight * heightShare) / ((tile * 9) / 16 + gap));
  return columns * rows;
}
/**
 * About how tall a grid of this many places is in a section as wide as the window, for a section not drawn yet: a
 * section far from the screen keeps its grid's place without its rows, so opening a project of twenty batches lays out
 * one grid rather than twenty.
 */
export function estimatedGridHeight(places: number): number {
  const tile = minTileWidth(window.innerWidth);
  const columns = Math.max(1, Math.floor((window.innerWidth + gap) / (tile + gap)));
  const rowHeight = Math.round((tile * 9) / 16) + gap;
  return Math.min(Math.ceil(places / columns) * rowHeight, Math.round(window.innerHeight * heightShare));
}
