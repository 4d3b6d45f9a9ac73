import { useLayoutEffect, useState } from 'react';
import { hostBridge } from './api';

/** Several screens of the largest grid, so scrolling back shows thumbnails at once; about 10 KB each. */
const keep = 600;
const perRequest = 256;

/** Library path → URL, oldest first; a hit moves to the end. */
const loaded = new Map<string, string | null>();
const waiting = new Map<string, Set<(url: string | null) => void>>();
let queued: string[] = [];

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

/** One request for every thumbnail asked for while React commits a render, instead of one request each. */
function flush(): void {
  const paths = queued;
  queued = [];
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

function request(path: string, resolve: (url: string | null) => void): () => void {
  let set = waiting.get(path);
  if (!set) {
    set = new Set();
    waiting.set(path, set);
    if (queued.length === 0) queueMicrotask(flush);
    queued.push(path);
  }
  set.add(resolve);
  return () => set.delete(resolve);
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
