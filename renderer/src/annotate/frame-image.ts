import { useEffect, useState } from 'react';

const kept = 12;
const images = new Map<string, Promise<HTMLImageElement>>();

/**
 * Loads and decodes a frame image once, keeping the last few: stepping back and forth between neighbours, and
 * the neighbours preloaded before the person gets there, then cost nothing.
 */
export function loadFrameImage(url: string): Promise<HTMLImageElement> {
  const known = images.get(url);
  if (known) {
    images.delete(url);
    images.set(url, known);
    return known;
  }
  const image = new Image();
  image.decoding = 'async';
  image.src = url;
  const loading = image.decode().then(() => image);
  loading.catch(() => images.delete(url));
  images.set(url, loading);
  for (const old of images.keys()) {
    if (images.size <= kept) break;
    images.delete(old);
  }
  return loading;
}

/** The decoded image for `url`, null while it loads; `error` says why it could not be shown. */
export function useFrameImage(url: string | null): { image: HTMLImageElement | null; error: string | null } {
  const [loaded, setLoaded] = useState<{ url: string; image: HTMLImageElement | null; error: string | null } | null>(null);
  useEffect(() => {
    if (!url) return;
    let live = true;
    loadFrameImage(url).then(
      (image) => live && setLoaded({ url, image, error: null }),
      () => live && setLoaded({ url, image: null, error: 'This frame’s image could not be loaded. Its file may have been moved or deleted.' }),
    );
    return () => {
      live = false;
    };
  }, [url]);
  return loaded?.url === url ? { image: loaded.image, error: loaded.error } : { image: null, error: null };
}
