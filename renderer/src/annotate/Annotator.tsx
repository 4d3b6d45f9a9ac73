import { useCallback, useEffect, useMemo } from 'react';
import type { Frame } from '../../../shared/domain';
import { call, mediaUrl } from '../api';
import { useSelection } from '../state/selection';
import { useApp } from '../state/store';
import { useLiveQuery } from '../use-refresh';
import { AnnotationCanvas } from './AnnotationCanvas';
import { editorStore, useEditor } from './editor';
import { Filmstrip } from './Filmstrip';
import { loadFrameImage, useFrameImage } from './frame-image';
import { commandForKey, type Command } from './keys';
import { ShortcutsOverlay } from './ShortcutsOverlay';
import { SidePanel } from './SidePanel';
import { Toolbar } from './Toolbar';
import { TopBar } from './TopBar';
import { isTyping } from './typing';
import { fitViewport, zoomTo } from './viewport';
import { subscribe } from '../api';
import { PeopleHere } from '../views/sync/PeopleHere';
import { useReadOnlyReason } from '../views/sync/sync-store';

const pageSize = 20_000;
const noticeMs = 5000;
/** Wheel zooming changes the scale many times a second; the address follows once it rests. */
const zoomAddressDelayMs = 300;

const zoomPercent = (scale: number | undefined) => (scale === undefined ? undefined : Math.round(scale * 100));

/**
 * The address keeps the zoom: a reload or a pasted link opens the frame at the zoom it names, and every zoom after
 * that rewrites it in place (no new history entry: Back still returns to the grid).
 */
function useZoomAddress(frameId: string, zoom: number | undefined): void {
  useEffect(() => {
    let applied = zoom === undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const applyOnce = () => {
      const state = editorStore.getState();
      if (applied || state.frame?.id !== frameId || state.viewSize.width <= 0 || zoom === undefined) return;
      applied = true;
      if (zoomPercent(state.viewport.scale) === zoomPercent(zoom)) return;
      const centre = { x: state.viewSize.width / 2, y: state.viewSize.height / 2 };
      state.setViewport(zoomTo(fitViewport(state.viewSize, state.frame), zoom, centre));
    };
    applyOnce();
    const off = editorStore.subscribe((state, previous) => {
      applyOnce();
      if (state.viewport === previous.viewport || state.frame?.id !== frameId || !applied) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        const { viewport } = editorStore.getState();
        const { route, replaceRoute } = useApp.getState();
        if (route.name !== 'frame' || route.frameId !== frameId) return;
        const next = viewport.fit ? undefined : viewport.scale;
        if (zoomPercent(next) === zoomPercent(route.zoom)) return;
        const { projectId, batchId, frameId: id } = route;
        replaceRoute({ name: 'frame', projectId, batchId, frameId: id, ...(next === undefined ? {} : { zoom: next }) });
      }, zoomAddressDelayMs);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
    // The zoom in the address is read when the frame opens; later changes to it come from this hook itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [frameId]);
}

/** Every frame of the batch in order; a batch over one page arrives in several. */
async function allFrames(batchId: string): Promise<Frame[]> {
  const first = await call('frames.list', { batchId, offset: 0, limit: pageSize });
  let frames = first.frames;
  while (frames.length < first.total) {
    const page = await call('frames.list', { batchId, offset: frames.length, limit: pageSize });
    if (page.frames.length === 0) break;
    frames = frames.concat(page.frames);
  }
  return frames;
}

function Notice() {
  const notice = useEditor((state) => state.notice);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => editorStore.getState().setNotice(null), noticeMs);
    return () => clearTimeout(timer);
  }, [notice]);
  return (
    <p className="annotator-notice" role="status" aria-label="Annotator messages">
      {notice}
    </p>
  );
}

/** How to finish or cancel the shape being drawn, shown while a tool that draws point by point is in hand. */
function DrawHint() {
  const tool = useEditor((state) => state.tool);
  const draft = useEditor((state) => state.draft);
  const points = draft ? draft.points.length / 2 : 0;
  let hint: string | null = null;
  if (tool === 'polygon' || tool === 'polyline') {
    const finish =
      tool === 'polygon' ? 'Enter, a double-click or a click on the first point finishes it' : 'Enter or a double-click finishes it';
    hint = draft
      ? `${tool === 'polygon' ? 'Polygon' : 'Line'}: ${points} ${points === 1 ? 'point' : 'points'}. Click to add a point; ${finish}. Backspace takes the last point back, Esc cancels.`
      : `Click to place the first point of the ${tool === 'polygon' ? 'polygon' : 'line'}.`;
  } else if (tool === 'rectangle') {
    hint = 'Drag to draw a box. Drag a selected box’s handles to resize it.';
  }
  if (!hint) return null;
  return (
    <p className="draw-hint" role="status" aria-label="Drawing hint">
      {hint}
    </p>
  );
}

interface AnnotatorProps {
  projectId: string;
  batchId: string;
  frameId: string;
  zoom: number | undefined;
}

/**
 * The annotator: tools on the left, the canvas, the labels and shapes on the right, the filmstrip below and the
 * frame's place and save state on top. Every edit is written as it completes; nothing waits for a Save.
 */
export function Annotator({ projectId, batchId, frameId, zoom }: AnnotatorProps) {
  const navigate = useApp((state) => state.navigate);
  const replaceRoute = useApp((state) => state.replaceRoute);
  useZoomAddress(frameId, zoom);
  const projectName = useApp((state) => state.projects.find((project) => project.id === projectId)?.name ?? '');
  // A pull (a teammate's work) changes the project as a whole: the filmstrip and the shapes are read again.
  const pulled = (change: { entity: string; projectId: string | null }) => change.entity === 'project' && change.projectId === projectId;
  const frames = useLiveQuery(() => allFrames(batchId), { 'library.changed': pulled }, [batchId]);
  const batches = useLiveQuery(() => call('batches.list', { projectId }), {}, [projectId]);
  const counts = useLiveQuery(
    () => call('frames.annotationCounts', { batchId }),
    { 'library.changed': (change) => change.batchId === batchId },
    [batchId],
    500,
  );
  const helpOpen = useEditor((state) => state.helpOpen);
  const list = useMemo(() => frames.data ?? [], [frames.data]);
  // The frame itself is fetched on its own, so its image and shapes load without waiting for a large batch's list.
  const current = useLiveQuery(() => call('frames.get', { id: frameId }), {}, [frameId]);
  const index = list.findIndex((frame) => frame.id === frameId);
  const frame = index >= 0 ? list[index] : current.data?.id === frameId ? current.data : undefined;
  const previous = index > 0 ? list[index - 1] : undefined;
  const batchName = batches.data?.find((batch) => batch.id === batchId)?.name ?? '';
  const countMap = useMemo(() => new Map((counts.data ?? []).map((entry) => [entry.frameId, entry.count])), [counts.data]);
  // The image waits for frames.get, which first downloads it when the frame was synced from another machine.
  const { image, error: imageError } = useFrameImage(current.data?.id === frameId ? mediaUrl(current.data.path) : null);

  useEffect(() => editorStore.getState().openProject(projectId), [projectId]);
  // Asked for with the project's labels, before the frame's size comes: the shapes are most of what opening waits for.
  useEffect(() => editorStore.getState().expectFrame(frameId), [frameId]);
  const readOnly = useReadOnlyReason(projectId);
  useEffect(() => editorStore.getState().setReadOnly(readOnly), [readOnly]);
  useEffect(
    () =>
      subscribe('library.changed', (change) => {
        if (change.entity === 'project' && change.projectId === projectId) editorStore.getState().refreshShapes();
      }),
    [projectId],
  );

  useEffect(() => {
    if (frame) editorStore.getState().openFrame({ id: frame.id, width: frame.width, height: frame.height });
  }, [frame]);

  useEffect(() => {
    // The neighbours are where the person goes next: have them decoded before they get there.
    for (const neighbour of [list[index + 1], list[index - 1]]) {
      if (neighbour) loadFrameImage(mediaUrl(neighbour.path)).catch(() => undefined);
    }
  }, [list, index]);

  useEffect(() => () => editorStore.getState().closeFrame(), []);

  const openFrame = useCallback(
    (target: Frame) => {
      // The grid then shows this frame selected when the person goes back to it.
      useSelection.getState().selectOnly(batchId, target.id);
      // Frame to frame replaces the address rather than adding to the history: Back goes to the grid, not
      // through every frame seen on the way.
      const { viewport } = editorStore.getState();
      replaceRoute({ name: 'frame', projectId, batchId, frameId: target.id, ...(viewport.fit ? {} : { zoom: viewport.scale }) });
    },
    [batchId, projectId, replaceRoute],
  );

  useEffect(() => {
    const go = (step: number) => {
      const target = list[Math.min(list.length - 1, Math.max(0, index + step))];
      if (target && target.id !== frameId) openFrame(target);
    };
    const run = (command: Command) => {
      const editor = editorStore.getState();
      switch (command.kind) {
        case 'tool':
          return editor.setTool(command.tool);
        case 'frame':
          return go(command.step);
        case 'nudge':
          return editor.nudge(command.dx, command.dy);
        case 'label':
          return editor.labelByHotkey(command.hotkey);
        case 'delete':
          return editor.deleteKey();
        case 'undo':
          return editor.undo();
        case 'redo':
          return editor.redo();
        case 'copy':
          return editor.copy();
        case 'paste':
          return editor.paste();
        case 'duplicate':
          return editor.duplicate();
        case 'selectAll':
          return editor.selectAll();
        case 'cancel':
          if (editor.cancel() === 'nothing') navigate({ name: 'project', projectId, batchId });
          return;
        case 'finish':
          return editor.finishDraft();
        case 'hide':
          return editor.toggleHidden();
        case 'fit':
          return editor.fit();
        case 'help':
          return editor.setHelpOpen(!editor.helpOpen);
      }
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTyping(event.target)) return;
      if (event.target instanceof Element && event.target.closest('dialog')) return;
      const editor = editorStore.getState();
      const command = commandForKey(event, { hasSelection: editor.selection.length > 0 });
      if (!command) return;
      // Enter on a focused button presses the button; it finishes a drawing only from the canvas.
      if (command.kind === 'finish' && event.target instanceof HTMLButtonElement) return;
      event.preventDefault();
      run(command);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [list, index, frameId, projectId, batchId, navigate, openFrame]);

  if (!frame) {
    return (
      <section className="annotator" aria-label="Frame">
        <p role="status">{frames.data ? 'This frame no longer exists.' : 'Loading…'}</p>
      </section>
    );
  }

  return (
    <section className="annotator" aria-label="Frame">
      <TopBar
        projectName={projectName}
        batchName={batchName}
        frame={frame}
        position={index + 1}
        total={list.length}
        onBack={() => navigate({ name: 'project', projectId, batchId })}
      />
      <PeopleHere projectId={projectId} batchId={batchId} label="Who else is in this batch" />
      <div className="annotator-body">
        <fieldset className="read-only-tools" disabled={readOnly !== null} title={readOnly ?? undefined}>
          <Toolbar previous={previous} />
        </fieldset>
        <div className="annotator-stage">
          <AnnotationCanvas image={image} />
          {imageError && (
            <p className="canvas-message" role="alert">
              {imageError}
            </p>
          )}
          <DrawHint />
          <Notice />
          {readOnly && (
            <p className="read-only-note" role="note">
              {readOnly}
            </p>
          )}
        </div>
        <SidePanel projectId={projectId} />
      </div>
      <Filmstrip frames={list} index={index} counts={countMap} onOpen={openFrame} />
      {helpOpen && <ShortcutsOverlay onClose={() => editorStore.getState().setHelpOpen(false)} />}
    </section>
  );
}
