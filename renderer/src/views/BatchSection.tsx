import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { Batch, Frame, Video } from '../../../shared/domain';
import { toAppError } from '../../../shared/errors';
import { batchNameMaxLength } from '../../../shared/names';
import { call } from '../api';
import { formatDateTime, formatDuration, percent, plural } from '../format';
import { useSelection } from '../state/selection';
import { attempt } from '../state/store';
import { useBatchFrames } from '../use-batch-frames';
import { useLiveQuery } from '../use-refresh';
import { Dialog } from './Dialog';
import { ExportDialog } from './ExportDialog';
import { estimatedGridHeight } from '../grid-geometry';
import { afterFirstScreen, firstScreenShown } from '../first-screen';
import { FrameGrid } from './FrameGrid';
import { JobNotice } from './JobNotice';
import { NameField } from './NameField';
import { LeftOutFramesDialog, leftOutSummary } from './LeftOutFrames';
import { RemoveNearDuplicatesDialog } from './RemoveNearDuplicatesDialog';
import { PeopleHere } from './sync/PeopleHere';
import { useReadOnlyReason } from './sync/sync-store';

export function ProgressBar({ label, value }: { label: string; value: number }) {
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value * 100)}>
      <div className="progress-fill" style={{ width: percent(value) }} />
    </div>
  );
}

function VideoRow({ video }: { video: Video }) {
  const active = video.status === 'processing' || video.status === 'pending';
  return (
    <li className={`video-row status-${video.status}`} aria-label={video.name}>
      <span className="video-name" title={video.sourcePath}>
        {video.name}
      </span>
      <span className="video-meta">
        {video.durationMs !== null && formatDuration(video.durationMs)}
        {video.width !== null && ` · ${video.width}×${video.height}`}
        {video.frameCount > 0 && ` · ${plural(video.frameCount, 'frame')}`}
      </span>
      <span className="video-status">{video.retry ? `retrying (${video.retry.attempt} of ${video.retry.of})` : video.status}</span>
      {active && <ProgressBar label={`${video.name} progress`} value={video.progress} />}
      {active && <JobNotice notice={video.notice} />}
      {video.team?.jobId && (video.team.jobStatus === 'dead' || video.team.jobStatus === 'cancelled') && (
        <>
          <button type="button" onClick={() => void attempt(() => call('team.retry', { jobId: video.team?.jobId ?? '' }))} aria-label={`Retry ${video.name} on team workers`}>
            Retry
          </button>
          {video.team.jobStatus === 'dead' && (
            <button type="button" onClick={() => void attempt(() => call('team.discard', { jobId: video.team?.jobId ?? '' }))} aria-label={`Discard ${video.name} from the team queue`}>
              Discard
            </button>
          )}
        </>
      )}
      {(video.status === 'failed' || video.status === 'cancelled') && video.jobId && (
        <button type="button" onClick={() => void attempt(() => call('jobs.retry', { id: video.jobId ?? '' }))} aria-label={`Retry ${video.name}`}>
          Retry
        </button>
      )}
      {(video.status === 'failed' || video.status === 'cancelled') && video.frameCount === 0 && (
        <button type="button" onClick={() => void attempt(() => call('videos.delete', { id: video.id }))} aria-label={`Remove ${video.name}`}>
          Remove
        </button>
      )}
      {video.error && (
        <span className="video-error" role="note">
          {video.error.message}
        </span>
      )}
    </li>
  );
}

function RenameBatchDialog({ batch, onClose }: { batch: Batch; onClose(): void }) {
  const [name, setName] = useState(batch.name);
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog
      error={error}
      title={`Rename batch “${batch.name}”`}
      submitLabel="Rename"
      onClose={onClose}
      onSubmit={() =>
        void call('batches.rename', { id: batch.id, name }).then(onClose, (caught: unknown) => setError(toAppError(caught).message))
      }
    >
      <NameField label="Batch name" value={name} max={batchNameMaxLength} invalid={error !== null} onChange={setName} />
    </Dialog>
  );
}

function DeleteBatchDialog({ batch, onClose }: { batch: Batch; onClose(): void }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog
      error={error}
      title={`Delete batch “${batch.name}”?`}
      submitLabel="Delete batch"
      danger
      onClose={onClose}
      onSubmit={() => void call('batches.delete', { id: batch.id }).then(onClose, (caught: unknown) => setError(toAppError(caught).message))}
    >
      <p>
        This deletes {plural(batch.videoCount, 'video')} and {plural(batch.frameCount, 'frame')} with their images. It cannot be
        undone.
      </p>
    </Dialog>
  );
}

interface BatchSectionProps {
  batch: Batch;
  position: number;
  total: number;
  videoFilter: string;
  /** 'all', 'annotated', 'not-annotated', or a label id: frames with at least one shape of that label. */
  annotationFilter: string;
  onMove(batchId: string, toIndex: number): void;
  onOpenFrame(frame: Frame): void;
  onDeleteFrames(ids: string[]): void;
}

/**
 * True from the first time the element comes within a screen's height of the window, and from then on; `atFirst` for
 * a section known to be on the first screen (the top one), so it does not wait a frame for the observer to say so.
 * The others start looking once the page's first screen is up: the sections just below it asked the host for their
 * frames, videos and counts ahead of that screen's thumbnails.
 */
function useNearScreen(element: RefObject<HTMLElement | null>, atFirst: boolean): boolean {
  const [near, setNear] = useState(atFirst);
  useEffect(() => {
    const target = element.current;
    if (near || !target) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) setNear(true);
    }, { rootMargin: '100% 0px' });
    let gone = false;
    void firstScreenShown().then(() => {
      if (!gone) observer.observe(target);
    });
    return () => {
      gone = true;
      observer.disconnect();
    };
  }, [element, near]);
  return near;
}

export function BatchSection({ batch, position, total, videoFilter, annotationFilter, onMove, onOpenFrame, onDeleteFrames }: BatchSectionProps) {
  const [open, setOpen] = useState(true);
  const [editing, setEditing] = useState<'rename' | 'delete' | 'export' | 'left-out' | 'dedupe' | null>(null);
  // A viewer of a shared project sees every batch and may export it, but changes none (the server refuses it too).
  const readOnly = useReadOnlyReason(batch.projectId);
  const changes = { disabled: readOnly !== null, title: readOnly ?? undefined };
  const section = useRef<HTMLElement>(null);
  const nearScreen = useNearScreen(section, position === 0);
  // A section far from the screen asks the host nothing: opening a project of twenty batches asked for sixty lists
  // at once, and the first screen's frames waited behind them.
  const whenNear = <T,>(load: () => Promise<T>) => (): Promise<T | undefined> => (nearScreen ? load() : Promise.resolve(undefined));
  // The left-out count and the annotation badges follow the first screen's thumbnails to the host; the videos, above the
  // grid, do not, so the grid does not move down once its thumbnails show.
  const leftOut = useLiveQuery(
    whenNear(() => afterFirstScreen(() => call('leftOut.list', { batchId: batch.id }))),
    { 'library.changed': (change) => change.batchId === batch.id },
    [batch.id, nearScreen],
  );
  const leftOutText = leftOut.data ? leftOutSummary(leftOut.data.counts) : null;
  const [dragOver, setDragOver] = useState(false);
  // Frames deleted, restored or moved change a video's frame count as much as its extraction does.
  const videos = useLiveQuery(
    whenNear(() => call('videos.list', { batchId: batch.id })),
    { 'job.updated': (job) => job.batchId === batch.id, 'team.updated': (update) => update.batchId === batch.id, 'library.changed': (change) => change.batchId === batch.id || (change.batchId === null && change.projectId === batch.projectId) },
    [batch.id, nearScreen],
  );
  const query = videoFilter.trim().toLowerCase();
  const filtered = query !== '' || annotationFilter !== 'all';
  // Select all needs every frame of the batch, for as long as the selection is in this batch.
  const [needAll, setNeedAll] = useState(false);
  const selectionHere = useSelection((state) => state.batchId === batch.id);
  useEffect(() => {
    if (!selectionHere) setNeedAll(false);
  }, [selectionHere]);
  const needAllFrames = useCallback(() => setNeedAll(true), []);
  // A filter cannot know which frames match until it has seen them all.
  const { frames, complete, show } = useBatchFrames(batch.id, batch.frameCount, nearScreen, filtered || needAll);
  const counts = useLiveQuery(
    whenNear(() => afterFirstScreen(() => call('frames.annotationCounts', { batchId: batch.id }))),
    { 'library.changed': (change) => change.batchId === batch.id || (change.batchId === null && change.projectId === batch.projectId) },
    [batch.id, nearScreen],
  );
  const annotations = useMemo(() => new Map((counts.data ?? []).map((entry) => [entry.frameId, entry])), [counts.data]);
  const annotationCounts = useMemo(() => new Map([...annotations].map(([id, entry]) => [id, entry.count])), [annotations]);
  const frameFilter = (frame: Frame) => {
    const entry = annotations.get(frame.id);
    if (annotationFilter === 'all') return true;
    if (annotationFilter === 'annotated') return entry !== undefined;
    if (annotationFilter === 'not-annotated') return entry === undefined;
    return entry?.labelIds.includes(annotationFilter) ?? false;
  };
  const shownVideos = (videos.data ?? []).filter((video) => video.name.toLowerCase().includes(query));
  // Unfiltered, the grid keeps places for frames still loading (before its first page, as many as its batch says it
  // has, so sections further down stay off screen and unloaded); filtered, it cannot know how many will match.
  const shownFrames = filtered
    ? frames.filter((frame) => frame !== undefined && frame.videoName.toLowerCase().includes(query) && frameFilter(frame))
    : frames;
  const bodyId = `batch-body-${batch.id}`;

  return (
    <section
      ref={section}
      id={`batch-${batch.id}`}
      className={`batch${dragOver ? ' drag-over' : ''}`}
      aria-label={`Batch ${batch.name}`}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('application/x-stillframe-batch')) return;
        event.preventDefault();
        setDragOver(true);
      }}
      onDragLeave={() => setDragOver(false)}
      onDrop={(event) => {
        const dragged = event.dataTransfer.getData('application/x-stillframe-batch');
        setDragOver(false);
        if (!dragged) return;
        event.preventDefault();
        event.stopPropagation();
        onMove(dragged, position);
      }}
    >
      <header className="batch-header">
        <span
          className="drag-handle"
          draggable
          aria-hidden="true"
          title="Drag to reorder"
          onDragStart={(event) => {
            event.dataTransfer.setData('application/x-stillframe-batch', batch.id);
            event.dataTransfer.effectAllowed = 'move';
          }}
        >
          ⠿
        </span>
        <button type="button" className="batch-toggle" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen(!open)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> {batch.name}
        </button>
        <span className="batch-meta">
          Imported {formatDateTime(batch.createdAt)} · {plural(batch.videoCount, 'video')} · {plural(batch.frameCount, 'frame')}
          {batch.failedCount > 0 && ` · ${batch.failedCount} failed`}
          {leftOutText && ` · ${leftOutText}`}
        </span>
        {batch.progress !== null && <ProgressBar label={`Batch ${batch.name} progress`} value={batch.progress} />}
        <PeopleHere projectId={batch.projectId} batchId={batch.id} label={`Who else is in ${batch.name}`} />
        <span className="batch-actions">
          <button type="button" disabled={position === 0 || changes.disabled} title={changes.title} onClick={() => onMove(batch.id, position - 1)} aria-label={`Move ${batch.name} up`}>
            ↑
          </button>
          <button type="button" disabled={position === total - 1 || changes.disabled} title={changes.title} onClick={() => onMove(batch.id, position + 1)} aria-label={`Move ${batch.name} down`}>
            ↓
          </button>
          {leftOutText && (
            <button type="button" onClick={() => setEditing('left-out')} aria-label={`Show left-out frames of ${batch.name}`}>
              Show left-out frames
            </button>
          )}
          <button type="button" {...changes} onClick={() => setEditing('dedupe')} aria-label={`Remove near-duplicates from ${batch.name}`}>
            Remove near-duplicates…
          </button>
          <button type="button" onClick={() => setEditing('export')} aria-label={`Export batch ${batch.name}`}>
            Export…
          </button>
          <button type="button" {...changes} onClick={() => setEditing('rename')} aria-label={`Rename batch ${batch.name}`}>
            Rename
          </button>
          <button type="button" {...changes} onClick={() => setEditing('delete')} aria-label={`Delete batch ${batch.name}`}>
            Delete
          </button>
        </span>
      </header>
      {open && (
        <div id={bodyId} className="batch-body">
          <ul className="video-list" aria-label={`Videos in ${batch.name}`}>
            {shownVideos.map((video) => (
              <VideoRow key={video.id} video={video} />
            ))}
          </ul>
          {nearScreen ? (
            <FrameGrid
              batchId={batch.id}
              batchName={batch.name}
              frames={shownFrames}
              complete={complete}
              annotationCounts={annotationCounts}
              onOpen={onOpenFrame}
              onDelete={onDeleteFrames}
              onShow={show}
              onNeedAll={needAllFrames}
            />
          ) : (
            <div className="frame-grid-unloaded" aria-hidden="true" style={{ height: estimatedGridHeight(shownFrames.length) }} />
          )}
        </div>
      )}
      {editing === 'rename' && <RenameBatchDialog batch={batch} onClose={() => setEditing(null)} />}
      {editing === 'delete' && <DeleteBatchDialog batch={batch} onClose={() => setEditing(null)} />}
      {editing === 'left-out' && <LeftOutFramesDialog batchId={batch.id} batchName={batch.name} onClose={() => setEditing(null)} />}
      {editing === 'dedupe' && <RemoveNearDuplicatesDialog batchId={batch.id} batchName={batch.name} onClose={() => setEditing(null)} />}
      {editing === 'export' && (
        <ExportDialog projectId={batch.projectId} batchId={batch.id} scope={`batch “${batch.name}”`} onClose={() => setEditing(null)} />
      )}
    </section>
  );
}
