import { useState } from 'react';
import type { LeftOutReason } from '../../../shared/frame-selection';
import { toAppError } from '../../../shared/errors';
import type { LeftOutCounts } from '../../../shared/selection-contract';
import { call } from '../api';
import { formatTimestamp, plural } from '../format';
import { useLiveQuery } from '../use-refresh';
import { Dialog } from './Dialog';
import { Thumbnail } from './Thumbnail';

const reasonWords: Record<LeftOutReason, string> = {
  duplicate: 'near-duplicate',
  blurry: 'blurred',
  'not-picked': 'not among the most diverse',
};

/** "12 left out: 9 near-duplicates, 3 blurred"; null when nothing was left out. */
export function leftOutSummary(counts: LeftOutCounts): string | null {
  const parts = [
    counts.duplicate > 0 ? plural(counts.duplicate, 'near-duplicate') : '',
    counts.blurry > 0 ? `${counts.blurry.toLocaleString()} blurred` : '',
    counts['not-picked'] > 0 ? `${counts['not-picked'].toLocaleString()} not among the most diverse` : '',
  ].filter(Boolean);
  const total = counts.duplicate + counts.blurry + counts['not-picked'];
  return total === 0 ? null : `${total.toLocaleString()} left out: ${parts.join(', ')}`;
}

/** The frames frame selection left out of a batch, with why; any can be brought back (extracted now), with Undo. */
export function LeftOutFramesDialog({ batchId, batchName, onClose }: { batchId: string; batchName: string; onClose(): void }) {
  const listed = useLiveQuery(() => call('leftOut.list', { batchId }), { 'library.changed': (change) => change.batchId === batchId }, [batchId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [broughtBack, setBroughtBack] = useState<string[] | null>(null);
  const frames = listed.data?.frames ?? [];

  const bringBack = async (ids: string[]) => {
    setBusy(true);
    setError(null);
    try {
      const { frameIds } = await call('leftOut.bringBack', { ids });
      setBroughtBack(frameIds);
      listed.reload();
    } catch (caught) {
      setError(toAppError(caught).message);
    } finally {
      setBusy(false);
    }
  };
  const undo = async () => {
    if (!broughtBack) return;
    await call('frames.delete', { ids: broughtBack });
    setBroughtBack(null);
    listed.reload();
  };

  return (
    <Dialog
      title={`Left-out frames of “${batchName}”`}
      submitLabel={`Bring back all ${frames.length}`}
      cancelLabel="Close"
      submitDisabled={busy || frames.length === 0}
      error={error}
      onClose={onClose}
      onSubmit={() => void bringBack(frames.map((frame) => frame.id))}
    >
      {listed.data && <p>{leftOutSummary(listed.data.counts) ?? 'Nothing was left out of this batch.'}</p>}
      {broughtBack && (
        <p role="status">
          Brought back {plural(broughtBack.length, 'frame')}.{' '}
          <button type="button" onClick={() => void undo()}>
            Undo
          </button>
        </p>
      )}
      {busy && <p role="status">Extracting…</p>}
      <ul className="left-out-list" aria-label="Left-out frames">
        {frames.map((frame) => {
          const name = `${frame.videoName} at ${formatTimestamp(frame.timestampMs)}`;
          return (
            <li key={frame.id} className="left-out-frame" aria-label={name}>
              <Thumbnail path={frame.thumbPath} />
              <span>
                {name} · {reasonWords[frame.reason]}
              </span>
              <button type="button" disabled={busy} onClick={() => void bringBack([frame.id])} aria-label={`Bring back ${name}`}>
                Bring back
              </button>
            </li>
          );
        })}
      </ul>
    </Dialog>
  );
}
