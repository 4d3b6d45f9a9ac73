import type { Frame } from '../../../shared/domain';
import { formatTimestamp } from '../format';
import { notConnectedText, useConnection } from '../state/connection';
import { editorStore, useEditor } from './editor';
import { zoomTo } from './viewport';

interface TopBarProps {
  projectName: string;
  batchName: string;
  frame: Frame;
  position: number;
  total: number;
  onBack(): void;
}

/** The save state: never a Save button, only what is true right now about the person's last edits. */
function SaveState() {
  const pending = useEditor((state) => state.pending);
  const error = useEditor((state) => state.saveError);
  const connection = useConnection();
  // Edits the host cannot have yet are waiting, not saving: say so, and how many.
  const state = !connection.connected ? 'offline' : pending > 0 ? 'saving' : error ? 'error' : 'saved';
  return (
    <p className={`save-state save-${state}`} role="status" aria-label="Save state" title={error?.detail}>
      {state === 'offline'
        ? notConnectedText(connection.waiting)
        : state === 'saving'
          ? 'Saving…'
          : state === 'error'
            ? `Not saved: ${error?.message ?? ''}`
            : 'Saved'}
    </p>
  );
}

function Zoom() {
  const scale = useEditor((state) => state.viewport.scale);
  const zoom = (factor: number | null) => {
    const { viewport, viewSize, setViewport } = editorStore.getState();
    const centre = { x: viewSize.width / 2, y: viewSize.height / 2 };
    setViewport(zoomTo(viewport, factor === null ? 1 : viewport.scale * factor, centre));
  };
  return (
    <div className="zoom" role="group" aria-label="Zoom">
      <button type="button" aria-label="Zoom out" onClick={() => zoom(1 / 1.25)}>
        −
      </button>
      <output className="zoom-value" aria-label="Zoom level">
        {Math.round(scale * 100)}%
      </output>
      <button type="button" aria-label="Zoom in" onClick={() => zoom(1.25)}>
        +
      </button>
      <button type="button" aria-keyshortcuts="0" onClick={() => editorStore.getState().fit()}>
        Fit
      </button>
      <button type="button" aria-label="Actual size (100%)" onClick={() => zoom(null)}>
        100%
      </button>
    </div>
  );
}

export function TopBar({ projectName, batchName, frame, position, total, onBack }: TopBarProps) {
  return (
    <div className="annotator-bar">
      <button type="button" onClick={onBack}>
        Back to project
      </button>
      <nav aria-label="Frame location" className="annotator-crumbs">
        <button type="button" className="link" title={projectName} onClick={onBack}>
          {projectName}
        </button>
        <span aria-hidden="true">›</span>
        <span title={batchName}>{batchName}</span>
      </nav>
      {/* The video's name gives way (an ellipsis) before the frame's number and place do. */}
      <p className="frame-position">
        <span className="frame-video" title={frame.videoName}>
          {frame.videoName}
        </span>
        <span>
          {' '}
          · frame {frame.index} · {formatTimestamp(frame.timestampMs)} · {position} of {total}
        </span>
      </p>
      <Zoom />
      <SaveState />
      <button type="button" aria-label="Keyboard shortcuts" aria-keyshortcuts="?" onClick={() => editorStore.getState().setHelpOpen(true)}>
        ?
      </button>
    </div>
  );
}
