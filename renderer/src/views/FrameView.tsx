import { useEffect, useMemo } from 'react';
import { call, mediaUrl } from '../api';
import { formatTimestamp } from '../format';
import { useSelection } from '../state/selection';
import { useApp } from '../state/store';
import { useLiveQuery } from '../use-refresh';

interface FrameViewProps {
  projectId: string;
  batchId: string;
  frameId: string;
}

/** One frame at full size, with its place in the batch; D/→ and A/← step through the batch, Esc goes back. */
export function FrameView({ projectId, batchId, frameId }: FrameViewProps) {
  const navigate = useApp((state) => state.navigate);
  const frames = useLiveQuery(() => call('frames.list', { batchId, limit: 20_000 }), {}, [batchId]);
  const list = useMemo(() => frames.data?.frames ?? [], [frames.data]);
  const index = list.findIndex((frame) => frame.id === frameId);
  const frame = index >= 0 ? list[index] : undefined;

  useEffect(() => {
    const go = (offset: number) => {
      const next = list[Math.min(list.length - 1, Math.max(0, index + offset))];
      if (next && next.id !== frameId) {
        useSelection.getState().selectOnly(batchId, next.id);
        navigate({ name: 'frame', projectId, batchId, frameId: next.id });
      }
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
      const step = event.shiftKey ? 10 : 1;
      if (event.key === 'ArrowRight' || event.key === 'd' || event.key === 'D') go(step);
      else if (event.key === 'ArrowLeft' || event.key === 'a' || event.key === 'A') go(-step);
      else if (event.key === 'Escape') navigate({ name: 'project', projectId });
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [list, index, frameId, batchId, projectId, navigate]);

  if (!frame) return <p role="status">{frames.data ? 'This frame no longer exists.' : 'Loading…'}</p>;
  return (
    <section className="frame-view" aria-label="Frame">
      <div className="frame-view-bar">
        <button type="button" onClick={() => navigate({ name: 'project', projectId })}>
          Back to project
        </button>
        <span>
          {frame.videoName} · frame {frame.index} · {formatTimestamp(frame.timestampMs)} · {index + 1} of {list.length}
        </span>
      </div>
      <img className="frame-full" src={mediaUrl(frame.path)} alt={`Frame ${frame.index} of ${frame.videoName}`} width={frame.width} height={frame.height} />
    </section>
  );
}
