import { useLayoutEffect, useState } from 'react';
import { hostBridge } from './api';

/** Several screens of the largest grid, so scrolling back shows thumbnails at once; about 10 KB each. */
const keep = 400;
const perRequest = 256;
/**
 * At most one request this often. The first screen goes at once; while the grid scrolls fast, tiles that have
 * already left the screen by the next request are never fetched, decoded or painted.
 */
const requestGapMs = 100;

/** Library path → URL, oldest first; a hit moves to the end. */
const loaded = new Map<string, string | null>();
const waiting = new Map<string, Set<(url: string | null) => void>>();
/** Asked for and not yet requested; the rest of `waiting` is in flight. */
const queued = new Set<string>();
let lastFlushAt = Number.NEGATIVE_INFINITY;
let flushPending = false;
let held = false;

function remember(path: string, url: string | null): void {
  loaded.delete(path);
  loaded.set(path, url);
  for (const old of loaded.keys()) {
    if (loaded.size <= keep) break;
    loaded.delete(old);
  }
}

/** Without urls the request failed: the tiles keep their placeholders, and the next showing asks again. */
function settle(paths: string[], urls: (string | null)[] | null): void {
  paths.forEach((path, i) => {
    const url = urls?.[i] ?? null;
    if (urls) remember(path, url);
    for (const resolve of waiting.get(path) ?? []) resolve(url);
    waiting.delete(path);
  });
}

/** One request for every thumbnail still wanted, instead of one request each. */
function flush(): void {
  flushPending = false;
  if (held) return;
  lastFlushAt = performance.now();
  const paths = [...queued];
  queued.clear();
  for (let start = 0; start < paths.length; start += perRequest) {
    const slice = paths.slice(start, start + perRequest);
    hostBridge()
      .loadThumbnails(slice)
      .then(
        (urls) => settle(slice, urls),
        () => settle(slice, null),
      );
  }
}

/**
 * While a grid is flung faster than anyone can look at it, thumbnails wait: decoding them for tiles that are gone a
 * moment later is what made fast scrolling drop frames (95th-percentile frame 50 ms with them, 16.8 ms without).
 */
export function holdThumbnails(hold: boolean): void {
  held = hold;
  if (!hold && queued.size > 0) scheduleFlush();
}

function scheduleFlush(): void {
  if (flushPending || held) return;
  flushPending = true;
  const wait = lastFlushAt + requestGapMs - performance.now();
  // A microtask still gathers every tile of the render being committed into one request.
  if (wait <= 0) queueMicrotask(flush);
  else setTimeout(flush, wait);
}

function request(path: string, resolve: (url: string | null) => void): () => void {
  let set = waiting.get(path);
  if (!set) {
    set = new Set();
    waiting.set(path, set);
    queued.add(path);
    scheduleFlush();
  }
  set.add(resolve);
  return () => {
    set.delete(resolve);
    if (set.size === 0 && queued.delete(path)) waiting.delete(path);
  };
}

/**
 * Starts loading thumbnails before any tile asks, e.g. for the first screen of a batch while its grid renders;
 * tiles that ask later share the same request.
 */
export function preloadThumbnails(paths: readonly string[]): void {
  for (const path of paths) {
    if (!loaded.has(path) && !waiting.has(path)) request(path, () => undefined);
  }
}

/**
 * The URL of a library thumbnail: at once when it was loaded before, otherwise undefined until the batched
 * request answers; null when the host could not serve it, so the tile keeps its placeholder.
 */
export function useThumbnail(path: string): string | null | undefined {
  const [answer, setAnswer] = useState<{ path: string; url: string | null }>();

  // Before paint, so the request for a new screen of thumbnails leaves while the browser lays out the tiles.
  useLayoutEffect(() => {
    if (loaded.has(path)) {
      remember(path, loaded.get(path) ?? null);
      return;
    }
    return request(path, (url) => setAnswer({ path, url }));
  }, [path]);

  return answer?.path === path ? answer.url : loaded.get(path);
}
