// Whether a grid is being flung (moved faster than anyone looks at it) or looked at, from its scroll positions.

/** Faster than this (about three grid heights a second) the grid is being flung, not looked at. */
export const flingPxPerMs = 2;
/**
 * The speed is taken over this long, not between two scroll events: a wheel turn's smooth scroll ends in steps of a few
 * pixels a frame, and those alone read as looking, which let a screen of thumbnails load between two turns of a fling.
 */
export const flingWindowMs = 150;
/** How long after the last scroll event a fling has ended, whatever its speed was, and thumbnails load again. */
export const flingSettleMs = 120;

/** Fed each scroll position with its time, says whether the grid is being flung. */
export function flingDetector(): (top: number, at: number) => boolean {
  const seen: { top: number; at: number }[] = [];
  return (top, at) => {
    seen.push({ top, at });
    // The oldest kept is the last one before the window, so the first event after a pause compares with the one before.
    while (seen.length > 2 && (seen[1]?.at ?? at) <= at - flingWindowMs) seen.shift();
    const from = seen[0] ?? { top, at };
    // The grid stood where that one left it until the next came, so the time is counted from the window's start at
    // most: counted over the whole pause, a fling that began after two seconds' rest read as looking for its first
    // 150 ms, and a screen of thumbnails loaded at the start of every fling.
    const since = Math.max(from.at, at - flingWindowMs);
    return Math.abs(top - from.top) / Math.max(1, at - since) > flingPxPerMs;
  };
}
