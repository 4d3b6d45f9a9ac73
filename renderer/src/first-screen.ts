/**
 * While a project page opens, the host hears first of what its first screen shows (the batches, the top batch's
 * first frames and their thumbnails); everything else the page asks for waits until those have come and the page
 * has had a moment to paint them. The host answers one call at a time, and on a project of twenty batches the
 * first screen's thumbnails used to queue behind the storage total, the labels and the lists of the sections below.
 */

/** However the first screen fares (a host that does not answer), the rest waits no longer than this. */
const holdAtMostMs = 1500;
/** After the first screen's answers, the page gets this long to paint them before the rest goes out. */
const paintWithinMs = 300;
/** A call held back waits this long at most for the one before it, so one that never answers holds up no other. */
const queueAtMostMs = 1000;
/** What can wait longest goes this long after the first screen, behind whatever the person does first. */
const settleMs = 1000;

let shown: Promise<void> = Promise.resolve();
/** When the last opening's first screen was up (performance.now()). */
let shownAt = Number.NEGATIVE_INFINITY;

function nextIdle(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout: paintWithinMs });
    else setTimeout(resolve, 0);
  });
}

/** A page is opening: what waits for its first screen waits for `firstScreen` (frames and thumbnails answered). */
export function openingFirstScreen(firstScreen: Promise<unknown>): void {
  const cap = new Promise<void>((resolve) => setTimeout(resolve, holdAtMostMs));
  shown = Promise.race([firstScreen.then(nextIdle, nextIdle), cap]).then(() => {
    shownAt = performance.now();
  });
}

/**
 * Settles once the opening page's first screen is up (at once when no page is opening). Taken a microtask late, so
 * what a page asks for while it mounts waits for the opening that the same mount starts.
 */
export function firstScreenShown(): Promise<void> {
  return Promise.resolve().then(() => shown);
}

/** The last call held back so far: each waits for the one before it. */
let last: Promise<unknown> = Promise.resolve();

/**
 * Calls the host with `load` once the opening page's first screen is up, one call at a time: sent all at once, what had
 * been held back stood ahead of whatever the person did next (End in a batch of 50,000 waited behind them).
 */
export function afterFirstScreen<T>(load: () => Promise<T>): Promise<T> {
  const before = last;
  const run = firstScreenShown()
    .then(() => Promise.race([before, new Promise((resolve) => setTimeout(resolve, queueAtMostMs))]))
    .then(load);
  last = run.catch(() => undefined);
  return run;
}

/**
 * As afterFirstScreen, for a call the page can do without longest and the host may take long over (the project's
 * storage total measures, once, any frames never measured, such as a fresh import's): it goes a second after the
 * first screen, so End or a scroll right after the first screen does not wait behind it.
 */
export function afterFirstScreenSettles<T>(load: () => Promise<T>): Promise<T> {
  return firstScreenShown()
    .then(() => new Promise((resolve) => setTimeout(resolve, Math.max(0, shownAt + settleMs - performance.now()))))
    .then(() => afterFirstScreen(load));
}
