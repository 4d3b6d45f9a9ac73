import { useLayoutEffect, useState } from 'react';
import { hostBridge, subscribe } from './api';

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

/** Misses remembered at most; past that the oldest is asked for again at its next showing. */
const keepMissed = 20_000;

type Listener = (url: string | null) => void;

/** Library path → URL, least recently shown first; a hit moves to the end. */
const loaded = new Map<string, { url: string; bytes: number }>();
let loadedBytes = 0;
/**
 * Thumbnails the host did not have when asked (a pulled frame's, still coming down): not asked again at every showing,
 * only once the host says it arrived or a sync run ends.
 */
const missed = new Set<string>();
/** Tiles on screen, per path: the ones to tell when a missing thumbnail arrives. */
const shown = new Map<string, Set<Listener>>();
const waiting = new Map<string, Set<Listener>>();
/** Asked for and not yet requested; the rest of `waiting` is in flight. */
const queued = new Set<string>();
/** In flight when the host said they arrived: an answer of "missing" for them is already out of date. */
const arrivedInFlight = new Set<string>();
let lastFlushAt = Number.NEGATIVE_INFINITY;
let flushPending = false;
let held = false;

/** Cached thumbnails still held as data URLs, to become Blobs when the page is next idle. */
const toBlobs = new Set<string>();
let blobsPending = false;
/** Preloaded for a first screen: shown as the host sent them. */
const showAsSent = new Set<string>();

/**
 * How long one answer, or one idle slice, may spend turning thumbnails into Blobs before the rest wait (an answer's
 * show as sent and turn when the page is idle): a bundle of a hundred arriving during a scroll took 94 ms in one task,
 * a frame the scroll missed.
 */
const convertBudgetMs = 4;

/**
 * The browser host sends thumbnails as data URLs. Kept as such, every one is a 13 KB string on the JS heap (400 of
 * them were 5 MB of it); as a Blob it lives outside the heap under a short object URL that is revoked when it leaves
 * the cache. A first screen's tiles show the data: URLs as they came, because Chromium paints a screen of them several
 * times sooner than as many blob: URLs, each a round trip to its blob registry (a project's first screen painted about
 * 80 ms sooner); the cache's copies of those become Blobs once the page is idle. Every other tile (scrolling, 240 in
 * the DOM at most) shows a Blob at once, so the heap holds no screenful of strings.
 */
function keepAsBlobsWhenIdle(path: string): void {
  toBlobs.add(path);
  if (blobsPending) return;
  blobsPending = true;
  if (typeof requestIdleCallback === 'function') requestIdleCallback(keepAsBlobs);
  else setTimeout(keepAsBlobs, 0);
}

function keepAsBlobs(deadline?: IdleDeadline): void {
  blobsPending = false;
  // Not to the deadline's end: an idle period runs up to 50 ms, and a wheel turn coming in it waits for the whole of it
  // (Blob and createObjectURL cost about 0.3 ms a thumbnail; a fling's profile had this busy for 30–60 ms at a time).
  const until = performance.now() + convertBudgetMs;
  for (const path of toBlobs) {
    if ((deadline && deadline.timeRemaining() < 1) || performance.now() > until) return keepAsBlobsWhenIdle(path);
    toBlobs.delete(path);
    const entry = loaded.get(path);
    if (!entry?.url.startsWith('data:')) continue;
    const blob = toObjectUrl(entry.url);
    // In place, so the cache's order (least recently shown first) stays.
    loaded.set(path, blob);
    loadedBytes += blob.bytes - entry.bytes;
  }
}

function toObjectUrl(url: string): { url: string; bytes: number } {
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
  if (entry.url.startsWith('blob:')) URL.revokeObjectURL(entry.url);
}

function remember(path: string, entry: { url: string; bytes: number }): void {
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

function rememberMiss(path: string): void {
  missed.delete(path);
  missed.add(path);
  for (const old of missed) {
    if (missed.size <= keepMissed) break;
    missed.delete(old);
  }
}

/** Without urls the request failed: the tiles keep their placeholders, and the next showing asks again. */
function settle(paths: string[], urls: (string | null)[] | null): void {
  const convertUntil = performance.now() + convertBudgetMs;
  paths.forEach((path, i) => {
    const sent = urls?.[i] ?? null;
    const listeners = waiting.get(path) ?? new Set<Listener>();
    waiting.delete(path);
    const stale = arrivedInFlight.delete(path);
    const firstScreen = showAsSent.delete(path);
    if (sent === null) {
      if (urls && stale) {
        for (const listener of listeners) request(path, listener);
        return;
      }
      if (urls) rememberMiss(path);
      for (const listener of listeners) listener(null);
      return;
    }
    const asSent = firstScreen || !sent.startsWith('data:') || performance.now() > convertUntil;
    const entry = asSent ? { url: sent, bytes: sent.length } : toObjectUrl(sent);
    remember(path, entry);
    if (entry.url.startsWith('data:')) keepAsBlobsWhenIdle(path);
    for (const listener of listeners) listener(entry.url);
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

function request(path: string, resolve: Listener): void {
  let set = waiting.get(path);
  if (!set) {
    set = new Set();
    waiting.set(path, set);
    queued.add(path);
    scheduleFlush();
  }
  set.add(resolve);
}

/** A tile that left before its answer: a thumbnail nobody waits for any more is not requested. */
function stopWaiting(path: string, resolve: Listener): void {
  const set = waiting.get(path);
  if (!set) return;
  set.delete(resolve);
  if (set.size === 0 && queued.delete(path)) waiting.delete(path);
}

/**
 * Starts loading thumbnails before any tile asks, e.g. for the first screen of a batch while its grid renders;
 * tiles that ask later share the same request. Settles once every one of them is answered (or has failed).
 */
export function preloadThumbnails(paths: readonly string[]): Promise<void> {
  const answers = paths
    .filter((path) => !loaded.has(path) && !missed.has(path))
    .map((path) => {
      showAsSent.add(path);
      return new Promise<void>((resolve) => request(path, () => resolve()));
    });
  return Promise.all(answers).then(() => undefined);
}

/** The host says these thumbnails are here now: the tiles that found them missing ask again, in one request. */
export function thumbnailsArrived(paths: Iterable<string>): void {
  for (const path of paths) {
    if (waiting.has(path) && !queued.has(path)) arrivedInFlight.add(path);
    if (!missed.delete(path)) continue;
    for (const listener of shown.get(path) ?? []) request(path, listener);
  }
}

/** A sync run ended: whatever it brought, missing thumbnails on screen are asked for once more, the rest forgotten. */
function syncRunEnded(): void {
  thumbnailsArrived([...missed]);
  missed.clear();
}

/** The URL the host gave could not be shown (Electron's media scheme answers for any path): the tile shows a miss. */
export function thumbnailFailed(path: string): void {
  forget(path);
  rememberMiss(path);
  for (const listener of shown.get(path) ?? []) listener(null);
}

let listening = false;
let syncing = false;

/** The host's news about thumbnails, heard once for the whole window. */
function listen(): void {
  if (listening) return;
  listening = true;
  subscribe('thumbnails.arrived', ({ thumbPaths }) => thumbnailsArrived(thumbPaths));
  subscribe('sync.status', ({ state }) => {
    const wasSyncing = syncing;
    syncing = state === 'syncing';
    if (wasSyncing && !syncing) syncRunEnded();
  });
}

/**
 * Follows one library thumbnail for a tile: `listener` hears its URL when a request answers, null when the host does
 * not have it (yet), and the URL again when it arrives later. Returns the unfollow.
 */
export function watchThumbnail(path: string, listener: Listener): () => void {
  listen();
  let tiles = shown.get(path);
  if (!tiles) {
    tiles = new Set();
    shown.set(path, tiles);
  }
  tiles.add(listener);
  const known = loaded.get(path);
  if (known) remember(path, known);
  if (!known && !missed.has(path)) request(path, listener);
  return () => {
    stopWaiting(path, listener);
    tiles.delete(listener);
    if (tiles.size === 0) shown.delete(path);
  };
}

/** What is known of a thumbnail now: its URL, null for a miss, undefined when not asked for or not answered yet. */
export function knownThumbnail(path: string): string | null | undefined {
  return loaded.get(path)?.url ?? (missed.has(path) ? null : undefined);
}

/**
 * The URL of a library thumbnail: at once when it was loaded before, otherwise undefined until the batched
 * request answers; null while the host does not have it, so the tile keeps its placeholder until it arrives.
 */
export function useThumbnail(path: string): string | null | undefined {
  const [answer, setAnswer] = useState<{ path: string; url: string | null }>();

  // Before paint, so the request for a new screen of thumbnails leaves while the browser lays out the tiles.
  useLayoutEffect(() => watchThumbnail(path, (url) => setAnswer({ path, url })), [path]);

  return answer?.path === path ? answer.url : knownThumbnail(path);
}
