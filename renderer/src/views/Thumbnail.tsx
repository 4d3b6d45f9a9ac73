import { useThumbnail } from '../thumbnails';

/** A library thumbnail, or nothing while it loads, so the tile's placeholder shows through. */
export function Thumbnail({ path }: { path: string }) {
  const url = useThumbnail(path);
  return url ? <img src={url} alt="" decoding="async" draggable={false} /> : null;
}
