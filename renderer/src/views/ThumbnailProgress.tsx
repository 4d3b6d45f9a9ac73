import { useEffect, useState } from 'react';
import type { ThumbnailProgress as Progress } from '../../../shared/dataset-contract';
import { call, subscribe } from '../api';

/**
 * The thumbnail pass after an import, while it runs: the imported frames are browsable already (their tiles show the
 * full image), and this says that their thumbnails are still being made, and how far that is.
 */
export function ThumbnailProgress() {
  const [progress, setProgress] = useState<Progress | null>(null);
  useEffect(() => {
    const read = () => void call('datasets.thumbnails', {}).then(setProgress, () => undefined);
    read();
    // An import starts the pass: its first progress event comes only after the first few hundred thumbnails.
    const offs = [subscribe('thumbnails.progress', setProgress), subscribe('library.changed', read)];
    return () => offs.forEach((off) => off());
  }, []);
  if (progress === null || progress.remaining === 0) return null;
  const total = progress.made + progress.failed + progress.remaining;
  return (
    <div className="thumbnail-progress" role="status" aria-label="Thumbnails of imported frames">
      <label>
        Making thumbnails of imported frames: {(progress.made + progress.failed).toLocaleString()} of {total.toLocaleString()}
        <progress max={total} value={progress.made + progress.failed} />
      </label>
    </div>
  );
}
