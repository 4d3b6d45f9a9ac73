/** A frame's width in the strip with the gap after it (`.film-frame` and `.filmstrip ol` in styles.css). */
const framePitchPx = 134;
/** Before the strip is measured: what a 1280 px window holds. */
const unmeasuredCount = 11;

/**
 * Which frames the strip shows: as many as its width holds and one more, so it always scrolls a little, centred on
 * the current frame where the batch allows; near either end the window stays full rather than half empty.
 */
export function filmstripWindow(total: number, index: number, widthPx: number | null): { start: number; end: number } {
  const count = Math.min(total, widthPx === null ? unmeasuredCount : Math.max(1, Math.ceil(widthPx / framePitchPx)) + 1);
  const start = Math.min(Math.max(0, index - Math.floor(count / 2)), total - count);
  return { start, end: start + count };
}
