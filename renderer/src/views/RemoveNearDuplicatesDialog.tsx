import { useState } from 'react';
import { defaultDedupeThreshold, defaultMinSharpness, type LeftOutReason } from '../../../shared/frame-selection';
import { toAppError } from '../../../shared/errors';
import { call } from '../api';
import { formatTimestamp, plural } from '../format';
import { Dialog } from './Dialog';
import { Thumbnail } from './Thumbnail';

type Preview = { remove: { frameId: string; thumbPath: string; timestampMs: number; reason: LeftOutReason }[]; total: number };

/**
 * The import filters on a batch already in the library: first a preview of the frames that would go, then one
 * action removes them; Undo brings them back (frames.restore).
 */
export function RemoveNearDuplicatesDialog({ batchId, batchName, onClose }: { batchId: string; batchName: string; onClose(): void }) {
  const [threshold, setThreshold] = useState(String(defaultDedupeThreshold));
  const [blurred, setBlurred] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [removed, setRemoved] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const thresholdNumber = Number(threshold);
  const valid = threshold.trim() !== '' && thresholdNumber >= 0 && thresholdNumber <= 255;

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(toAppError(caught).message);
    } finally {
      setBusy(false);
    }
  };
  const look = () =>
    run(async () => {
      setRemoved(null);
      setPreview(
        await call('selection.previewBatch', {
          batchId,
          selection: { dedupe: thresholdNumber, minSharpness: blurred ? defaultMinSharpness : null, pick: null },
        }),
      );
    });
  const remove = () =>
    run(async () => {
      const ids = preview?.remove.map((item) => item.frameId) ?? [];
      if (ids.length > 0) await call('frames.delete', { ids });
      setRemoved(ids);
      setPreview(null);
    });
  const undo = () =>
    run(async () => {
      if (removed && removed.length > 0) await call('frames.restore', { ids: removed });
      setRemoved(null);
    });

  const count = preview?.remove.length ?? 0;
  return (
    <Dialog
      title={`Remove near-duplicates from “${batchName}”`}
      submitLabel={preview ? `Remove ${plural(count, 'frame')}` : 'Preview'}
      cancelLabel="Close"
      danger={preview !== null}
      submitDisabled={busy || !valid || (preview !== null && count === 0)}
      error={error}
      onClose={onClose}
      onSubmit={() => void (preview ? remove() : look())}
    >
      <label className="field">
        <span>Largest change still counted as the same picture (grey levels, 0–255)</span>
        <input
          type="number"
          min="0"
          max="255"
          step="any"
          value={threshold}
          aria-invalid={!valid}
          onChange={(event) => {
            setThreshold(event.target.value);
            setPreview(null);
          }}
        />
      </label>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={blurred}
          onChange={() => {
            setBlurred(!blurred);
            setPreview(null);
          }}
        />
        Remove blurred frames too
      </label>
      {busy && <p role="status">Looking at the frames…</p>}
      {preview && (
        <p role="status">
          {count === 0 ? 'Nothing to remove: ' : `${plural(count, 'frame')} of ${preview.total.toLocaleString()} would go; `}
          within each run of near-duplicates the sharpest frame stays.
        </p>
      )}
      {removed && (
        <p role="status">
          Removed {plural(removed.length, 'frame')}.{' '}
          <button type="button" onClick={() => void undo()}>
            Undo
          </button>
        </p>
      )}
      {preview && count > 0 && (
        <ul className="left-out-list" aria-label="Frames that would be removed">
          {preview.remove.map((item) => (
            <li key={item.frameId} className="left-out-frame" aria-label={`Frame at ${formatTimestamp(item.timestampMs)}`}>
              <Thumbnail path={item.thumbPath} />
              <span>
                {formatTimestamp(item.timestampMs)} · {item.reason === 'blurry' ? 'blurred' : 'near-duplicate'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
