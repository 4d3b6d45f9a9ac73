import { thumbnailFailed, useThumbnail } from '../thumbnails';
import { useSync } from './sync/sync-store';

/**
 * A library thumbnail, or nothing while it loads, so the tile's placeholder shows through. One the host does not have
 * while a sync runs is a pulled frame's, still coming down: the placeholder says so, and the image replaces it when
 * it lands.
 */
export function Thumbnail({ path }: { path: string }) {
  const url = useThumbnail(path);
  const syncing = useSync((state) => state.status?.state === 'syncing');
  // Keyed by path: a recycled tile (row-slots.ts) never shows its last frame's image while the next one decodes.
  if (url) return <img key={path} src={url} alt="" decoding="async" draggable={false} onError={() => thumbnailFailed(path)} />;
  if (url === null && syncing) return <span className="thumbnail-coming" role="img" aria-label="Thumbnail on its way" />;
  return null;
}
