import { useLayoutEffect, useState } from 'react';
import { hostBridge } from './api';

/** Several screens of the largest grid, so scrolling back shows thumbnails at once. */
const keep = 400;
/** And at most this many bytes of them, whatever their size (about 10 KB each at 320×180). */
const keepBytes = 8 * 1024 * 1024;
const perRequest = 256;
/**
 * At most one request this often. The first screen goes at once; while the grid scrolls fast, tiles that have
 * already left the screen by the next request are never fetched, decoded or painted.
 */
const requestGapMs = 100;

/** Library path → URL, least recently shown first; a hit moves to the end. */
const loaded = new Map<string, { url: string | null; bytes: number }>();
let loadedBytes = 0;
const waiting = new Map<string, Set<(url: string | null) => void>>();
/** Asked for and not yet requested; the rest of `waiting` is in flight. */
const queued = new Set<string>();
let lastFlushAt = Number.NEGATIVE_INFINITY;
let flushPending = false;
let held = false;

/**
 * The browser host sends thumbnails as data URLs. Kept as such, every cached one is a 13 KB string on the JS heap
 * (400 of them were 5 MB of it); as a Blob it lives outside the heap under a short object URL that is revoked
 * when it leaves the cache.
 */
function toObjectUrl(url: string): { url: string; bytes: number } {
  if (!url.startsWith('data:')) return { url, bytes: url.length };
  const comma = url.indexOf(',');
  const type = url.slice(5, comma).replace(/;base64$/, '');
  const binary = atob(url.slice(comma + 1));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return { url: URL.createObjectURL(new Blob([bytes], { type })), bytes: bytes.length };
}

function forget(path: string): void {
  const entry = loaded.get(path);
  if (!entry) return;
  loaded.delete(path);
  loadedBytes -= entry.bytes;
  if (entry.url?.startsWith('blob:')) URL.revokeObjectURL(entry.url);
}

function remember(path: string, entry: { url: string | null; bytes: number }): void {
  if (loaded.get(path) === entry) {
    loaded.delete(path);
    loaded.set(path, entry);
    return;
  }
  forget(path);
  loaded.set(path, entry);
  loadedBytes += entry.bytes;
  for (const old of loaded.keys()) {
    if ((loaded.size <= keep && loadedBytes <= keepBytes) || old === path) break;
    forget(old);
  }
}

/** Without urls the request failed: the tiles keep their placeholders, and the next showing asks again. */
function settle(paths: string[], urls: (string | null)[] | null): void {
  paths.forEach((path, i) => {
    const sent = urls?.[i] ?? null;
    const entry = sent === null ? { url: null, bytes: 0 } : toObjectUrl(sent);
    if (urls) remember(path, entry);
    for (const resolve of waiting.get(path) ?? []) resolve(entry.url);
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
    const known = loaded.get(path);
    if (known) {
      remember(path, known);
      return;
    }
    return request(path, (url) => setAnswer({ path, url }));
  }, [path]);

  return answer?.path === path ? answer.url : loaded.get(path)?.url;
}
