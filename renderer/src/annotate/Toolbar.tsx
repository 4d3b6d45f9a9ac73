import type { Frame } from '../../../shared/domain';
import { canRedo, canUndo } from '../../../shared/annotation-history';
import { editorStore, useEditor } from './editor';
import { Icon } from './icons';
import { textOnLabel } from './labels';
import { tools } from './keys';

/** Clicking a tool hands the keys back to the canvas, so Space pans and letters switch tools at once. */
function refocusCanvas(): void {
  document.querySelector<HTMLElement>('.annotation-canvas')?.focus({ preventScroll: true });
}

export function Toolbar({ previous }: { previous: Frame | undefined }) {
  const tool = useEditor((state) => state.tool);
  const frameId = useEditor((state) => state.frame?.id ?? '');
  const undoable = useEditor((state) => canUndo(state.history, frameId));
  const redoable = useEditor((state) => canRedo(state.history, frameId));
  const selected = useEditor((state) => state.selection.length > 0);
  const active = useEditor((state) => state.labels.find((label) => label.id === state.nextLabelId));
  const run = (action: () => void) => () => {
    action();
    refocusCanvas();
  };
  const editor = () => editorStore.getState();
  return (
    <div className="annotator-tools" role="toolbar" aria-label="Tools" aria-orientation="vertical">
      {tools.map(({ tool: value, name, key }) => (
        <button
          key={value}
          type="button"
          className="tool"
          aria-label={name}
          aria-pressed={tool === value}
          aria-keyshortcuts={key}
          title={`${name} (${key})`}
          onClick={run(() => editor().setTool(value))}
        >
          <Icon name={value} />
          <span className="tool-key" aria-hidden="true">
            {key}
          </span>
        </button>
      ))}
      <hr />
      <button type="button" className="tool" aria-label="Undo" aria-keyshortcuts="Control+Z" title="Undo (Ctrl/Cmd+Z)" disabled={!undoable} onClick={run(() => editor().undo())}>
        <Icon name="undo" />
      </button>
      <button type="button" className="tool" aria-label="Redo" aria-keyshortcuts="Control+Shift+Z" title="Redo (Ctrl/Cmd+Shift+Z)" disabled={!redoable} onClick={run(() => editor().redo())}>
        <Icon name="redo" />
      </button>
      <button type="button" className="tool" aria-label="Delete selection" aria-keyshortcuts="Delete" title="Delete (Delete)" disabled={!selected} onClick={run(() => editor().deleteSelection())}>
        <Icon name="delete" />
      </button>
      <button
        type="button"
        className="tool"
        aria-label="Copy shapes from previous frame"
        title="Copy every shape of the previous frame onto this one"
        disabled={!previous}
        onClick={run(() => previous && editor().copyFromFrame(previous.id))}
      >
        <Icon name="copyPrevious" />
      </button>
      <hr />
      <p
        className="active-label-chip"
        role="status"
        aria-label={active ? `Active label: ${active.name}` : 'Active label: none'}
        title={active ? `New shapes get “${active.name}”` : 'No labels yet: name the first one in the panel on the right'}
        style={active ? { background: active.color, color: textOnLabel(active.color) } : undefined}
      >
        {active ? (active.hotkey ?? active.name.slice(0, 1).toUpperCase()) : '?'}
      </p>
    </div>
  );
}
