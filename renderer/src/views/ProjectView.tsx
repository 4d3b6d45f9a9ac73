import { useEffect, useRef, useState } from 'react';
import type { DroppedFolder } from '../../../shared/bridge';
import type { Frame, Project } from '../../../shared/domain';
import { videoAccept } from '../../../shared/video-files';
import { call, hostBridge } from '../api';
import { plural } from '../format';
import { useFrameUndo } from '../state/frame-undo';
import { useSelection } from '../state/selection';
import { attempt, useApp } from '../state/store';
import { openingBatchList } from '../place-prefetch';
import { afterFirstScreen } from '../first-screen';
import { useLiveQuery } from '../use-refresh';
import { ProjectStorage } from '../monitoring/StorageView';
import { BatchSection } from './BatchSection';
import { preloadAnnotator } from './FrameView';
import { ExportDialog } from './ExportDialog';
import { ProjectSyncBadge } from './sync/ProjectSyncBadge';
import { PeopleHere } from './sync/PeopleHere';
import { ShareButton } from './sync/ShareDialog';
import { useReadOnlyReason } from './sync/sync-store';
import { StillframeError } from '../../../shared/errors';
import { ImportDialog, type ImportSource } from './ImportDialog';

/** What was dropped: every file, and when it was one folder, that folder with each file's path inside it. */
async function readDrop(dataTransfer: DataTransfer): Promise<{ files: File[]; folder?: DroppedFolder }> {
  // The transfer's lists empty once the drop event returns: read them before the first await.
  const entries = Array.from(dataTransfer.items)
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => entry != null);
  const dropped = Array.from(dataTransfer.files);
  if (entries.length === 0) return { files: dropped };
  const files: { path: string; file: File }[] = [];
  const walk = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (entry.isFile) {
      files.push({ path, file: await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)) });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, path === '' ? child.name : `${path}/${child.name}`);
    }
  };
  const only = entries.length === 1 ? entries[0] : undefined;
  if (only?.isDirectory) {
    await walk(only, '');
    return { files: files.map((entry) => entry.file), folder: { name: only.name, item: dropped[0] ?? null, files } };
  }
  for (const entry of entries) await walk(entry, entry.name);
  return { files: files.map((entry) => entry.file) };
}

/** Whether a key press belongs to a text field or a dialog rather than to the page. */
function keyForPage(event: KeyboardEvent): boolean {
  const target = event.target;
  if (!(target instanceof Element)) return true;
  if (target.closest('dialog, .drawer')) return false;
  return !(target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || (target as HTMLElement).isContentEditable);
}

export function ProjectView({ project, batchId }: { project: Project; batchId?: string | undefined }) {
  const openedFor = useRef<string | null>(null);
  const batches = useLiveQuery(
    () => {
      // The first load takes the list asked for when the project was opened, with the first screen's frames on their way.
      if (openedFor.current === project.id) return call('batches.list', { projectId: project.id });
      openedFor.current = project.id;
      return openingBatchList({ projectId: project.id, batchId });
    },
    {
      'library.changed': (change) => change.projectId === project.id,
      'job.updated': (job) => job.projectId === project.id,
    },
    [project.id],
  );
  // Opening a frame from here should not wait for the annotator's code. It is fetched a moment after the batches have
  // come, when the first screen is up: compiled sooner, it held up the answers that screen was waiting for.
  const batchesHere = batches.data !== undefined;
  // The annotator's code is fetched once the batches are here, when the page is next idle: a fixed delay after them
  // (500 ms) let a frame opened at once wait for the chunk (802 ms against 486 ms in bench:annotate), and fetching in
  // idle time left the project's first paint and scrolling as they were (bench:browse).
  useEffect(() => {
    if (batchesHere) preloadAnnotator();
  }, [batchesHere]);
  const [importing, setImporting] = useState<ImportSource | null>(null);
  const [exporting, setExporting] = useState(false);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    const enter = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth.current++;
      setDragging(true);
    };
    const over = (event: DragEvent) => {
      if (hasFiles(event)) event.preventDefault();
    };
    const leave = () => {
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    };
    const drop = (event: DragEvent) => {
      if (!event.dataTransfer || !hasFiles(event)) return;
      event.preventDefault();
      depth.current = 0;
      setDragging(false);
      const transfer = event.dataTransfer;
      void readDrop(transfer).then(({ files, folder }) => {
        if (files.length > 0) setImporting({ kind: 'files', files, ...(folder ? { folder } : {}) });
      });
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);

  const [search, setSearch] = useState('');
  const [annotationFilter, setAnnotationFilter] = useState('all');
  const labels = useLiveQuery(() => afterFirstScreen(() => call('labels.list', { projectId: project.id })), { 'library.changed': (change) => change.projectId === project.id }, [project.id]);
  const undo = useFrameUndo((state) => state.pending);
  const [moveTarget, setMoveTarget] = useState('');
  const selection = useSelection();
  const navigate = useApp((state) => state.navigate);

  useEffect(() => () => useSelection.getState().clear(), [project.id]);

  /** Moving or reordering cannot be undone with the toast: the deletion before it becomes final. */
  const settleUndo = () => useFrameUndo.getState().settle();

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || !keyForPage(event)) return;
      if (event.key.toLowerCase() === 'z' && (event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey) {
        if (!useFrameUndo.getState().pending) return;
        event.preventDefault();
        void useFrameUndo.getState().undo();
      } else if (event.key === 'Escape' && useSelection.getState().selected.size > 0) {
        event.preventDefault();
        useSelection.getState().clear();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Coming back from a frame, the page opens at the batch the person was in.
  const scrolledTo = useRef<string | null>(null);
  useEffect(() => {
    if (!batchId || !batches.data || scrolledTo.current === batchId) return;
    scrolledTo.current = batchId;
    document.getElementById(`batch-${batchId}`)?.scrollIntoView({ block: 'start' });
  }, [batchId, batches.data]);

  const readOnly = useReadOnlyReason(project.id);
  const deleteFrames = (ids: string[]) => {
    if (readOnly) return useApp.getState().showError(new StillframeError('access-denied', readOnly));
    void useFrameUndo
      .getState()
      .remove(project.id, ids)
      .then(() => selection.clear());
  };

  const moveSelected = () => {
    settleUndo();
    const ids = [...selection.selected];
    void attempt(async () => {
      await call('frames.move', { ids, toBatchId: moveTarget });
      selection.clear();
    });
  };

  const reorder = (batchId: string, toIndex: number) => {
    settleUndo();
    const order = (batches.data ?? []).map((batch) => batch.id).filter((id) => id !== batchId);
    order.splice(toIndex, 0, batchId);
    void attempt(async () => {
      await call('batches.reorder', { projectId: project.id, orderedIds: order });
      batches.reload();
    });
  };

  const openFrame = (frame: Frame) => {
    // The pending deletion stays undoable: the toast is there again on the way back.
    navigate({ name: 'frame', projectId: project.id, batchId: frame.batchId, frameId: frame.id });
  };

  const selectionBatches = (batches.data ?? []).filter((batch) => batch.id !== selection.batchId);
  const selectedCount = selection.selected.size;

  const pick = async () => {
    const paths = await hostBridge().pickVideoPaths();
    if (paths === null) fileInput.current?.click();
    else if (paths.length > 0) setImporting({ kind: 'paths', paths });
  };

  return (
    <section className="project" aria-labelledby="project-heading">
      <div className="section-header">
        <div>
          <h1 id="project-heading">{project.name}</h1>
          <p className="project-counts">
            {plural(project.batchCount, 'batch', 'batches')} · {plural(project.videoCount, 'video')} · {plural(project.frameCount, 'frame')}
            <ProjectStorage projectId={project.id} />
          </p>
          <ProjectSyncBadge projectId={project.id} projectName={project.name} />
          {readOnly && (
            <p className="read-only-note" role="note">
              {readOnly}
            </p>
          )}
          <PeopleHere projectId={project.id} batchId={null} label="Who else is in this project" />
        </div>
        <div className="header-actions">
          <ShareButton projectId={project.id} projectName={project.name} />
          <button type="button" className="primary" disabled={readOnly !== null} title={readOnly ?? undefined} onClick={() => void pick()}>
            Import videos
          </button>
          <button type="button" disabled={readOnly !== null} title={readOnly ?? undefined} onClick={() => setImporting({ kind: 'links' })}>
            Import from Loom
          </button>
          <button type="button" onClick={() => setExporting(true)} aria-label={`Export project ${project.name}`}>
            Export…
          </button>
        </div>
        <input
          ref={fileInput}
          type="file"
          multiple
          accept={videoAccept}
          hidden
          aria-label="Video files to import"
          onChange={(event) => {
            const files = Array.from(event.target.files ?? []);
            event.target.value = '';
            if (files.length > 0) setImporting({ kind: 'files', files });
          }}
        />
      </div>
      <div className="toolbar" role="toolbar" aria-label="Filter frames">
        <label className="inline-field">
          <span>Search videos</span>
          <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
        </label>
        <label className="inline-field">
          <span>Show</span>
          <select value={annotationFilter} onChange={(event) => setAnnotationFilter(event.target.value)}>
            <option value="all">All frames</option>
            <option value="annotated">Annotated</option>
            <option value="not-annotated">Not annotated</option>
            {(labels.data ?? []).map((label) => (
              <option key={label.id} value={label.id}>
                Label: {label.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="selection-slot">
        {selectedCount > 0 ? (
          <div className="selection-actions" role="group" aria-label="Selected frames">
            <span>{plural(selectedCount, 'frame')} selected</span>
            <label className="inline-field">
              <span>Move to</span>
              <select value={moveTarget} onChange={(event) => setMoveTarget(event.target.value)}>
                <option value="">Choose a batch…</option>
                {selectionBatches.map((batch) => (
                  <option key={batch.id} value={batch.id}>
                    {batch.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={moveTarget === ''} onClick={moveSelected}>
              Move
            </button>
            <button type="button" disabled={readOnly !== null} title={readOnly ?? undefined} onClick={() => deleteFrames([...selection.selected])}>
              Delete selected
            </button>
            <button type="button" aria-keyshortcuts="Escape" onClick={() => selection.clear()}>
              Clear selection
            </button>
          </div>
        ) : (
          <p className="selection-hint">Click a frame to select it (Shift or Ctrl/Cmd for more), double-click or Enter to open it.</p>
        )}
      </div>
      {undo && undo.projectId === project.id && (
        <div className="undo-bar" role="status">
          <span>{plural(undo.ids.length, 'frame')} deleted.</span>
          <button type="button" aria-keyshortcuts="Control+Z Meta+Z" title="Undo (Ctrl/Cmd+Z)" onClick={() => void useFrameUndo.getState().undo()}>
            Undo
          </button>
        </div>
      )}
      {batches.data && batches.data.length === 0 && (
        <div className="empty-state">
          <p>No videos yet. Drop video files or folders anywhere on this window, or use Import videos.</p>
        </div>
      )}
      {(batches.data ?? []).map((batch, index, all) => (
        <BatchSection
          key={batch.id}
          batch={batch}
          position={index}
          total={all.length}
          videoFilter={search}
          annotationFilter={annotationFilter}
          onMove={reorder}
          onOpenFrame={openFrame}
          onDeleteFrames={deleteFrames}
        />
      ))}
      {dragging && (
        <div className="drop-target" role="region" aria-label="Drop target">
          <p>Drop videos to import them into “{project.name}”</p>
        </div>
      )}
      {exporting && <ExportDialog projectId={project.id} scope={`project “${project.name}”`} onClose={() => setExporting(false)} />}
      {importing && (
        <ImportDialog
          project={project}
          batches={batches.data ?? []}
          source={importing}
          onClose={() => setImporting(null)}
          onDone={() => {
            setImporting(null);
            batches.reload();
          }}
        />
      )}
    </section>
  );
}
