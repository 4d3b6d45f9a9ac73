import { useEffect, useRef, useState } from 'react';
import type { Batch, Project, Video } from '../../../shared/domain';
import { call, hostBridge, mediaUrl } from '../api';
import { formatDuration, formatTimestamp, percent, plural } from '../format';
import { useLiveQuery } from '../use-refresh';
import { ImportDialog, type ImportSource } from './ImportDialog';

async function filesFromDrop(dataTransfer: DataTransfer): Promise<File[]> {
  const entries = Array.from(dataTransfer.items)
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => entry != null);
  if (entries.length === 0) return Array.from(dataTransfer.files);
  const files: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      files.push(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)));
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child);
    }
  };
  for (const entry of entries) await walk(entry);
  return files;
}

function ProgressBar({ label, value }: { label: string; value: number }) {
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value * 100)}>
      <div className="progress-fill" style={{ width: percent(value) }} />
    </div>
  );
}

function VideoRow({ video }: { video: Video }) {
  return (
    <li className={`video-row status-${video.status}`} aria-label={video.name}>
      <span className="video-name">{video.name}</span>
      <span className="video-meta">
        {video.durationMs !== null && formatDuration(video.durationMs)}
        {video.width !== null && ` · ${video.width}×${video.height}`}
        {video.frameCount > 0 && ` · ${plural(video.frameCount, 'frame')}`}
      </span>
      <span className="video-status">{video.status}</span>
      {(video.status === 'processing' || video.status === 'pending') && <ProgressBar label={`${video.name} progress`} value={video.progress} />}
      {video.error && (
        <span className="video-error" role="note">
          {video.error.message}
        </span>
      )}
    </li>
  );
}

function BatchSection({ batch }: { batch: Batch }) {
  const [open, setOpen] = useState(true);
  const affectsBatch = { 'job.updated': (job: { batchId: string }) => job.batchId === batch.id };
  const videos = useLiveQuery(() => call('videos.list', { batchId: batch.id }), affectsBatch, [batch.id]);
  const frames = useLiveQuery(
    () => call('frames.list', { batchId: batch.id }),
    { 'job.updated': (job) => job.batchId === batch.id && job.status === 'done' },
    [batch.id],
    500,
  );
  const names = new Map((videos.data ?? []).map((video) => [video.id, video.name]));
  const bodyId = `batch-body-${batch.id}`;

  return (
    <section className="batch" aria-label={`Batch ${batch.name}`}>
      <header className="batch-header">
        <button type="button" className="batch-toggle" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen(!open)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> {batch.name}
        </button>
        <span className="batch-meta">
          {new Date(batch.createdAt).toLocaleString()} · {plural(batch.videoCount, 'video')} · {plural(batch.frameCount, 'frame')}
          {batch.failedCount > 0 && ` · ${batch.failedCount} failed`}
        </span>
        {batch.progress !== null && <ProgressBar label={`Batch ${batch.name} progress`} value={batch.progress} />}
      </header>
      {open && (
        <div id={bodyId} className="batch-body">
          <ul className="video-list" aria-label={`Videos in ${batch.name}`}>
            {(videos.data ?? []).map((video) => (
              <VideoRow key={video.id} video={video} />
            ))}
          </ul>
          <ul className="frame-grid" aria-label={`Frames in ${batch.name}`}>
            {(frames.data?.frames ?? []).map((frame) => (
              <li key={frame.id} className="frame-tile">
                <img
                  src={mediaUrl(frame.thumbPath)}
                  alt={`Frame ${frame.index} of ${names.get(frame.videoId) ?? 'video'} at ${formatTimestamp(frame.timestampMs)}`}
                  loading="lazy"
                  style={{ aspectRatio: `${frame.width} / ${frame.height}` }}
                />
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

export function ProjectView({ project }: { project: Project }) {
  const batches = useLiveQuery(
    () => call('batches.list', { projectId: project.id }),
    {
      'library.changed': (change) => change.projectId === project.id,
      'job.updated': (job) => job.projectId === project.id,
    },
    [project.id],
  );
  const [importing, setImporting] = useState<ImportSource | null>(null);
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
      void filesFromDrop(transfer).then((files) => {
        if (files.length > 0) setImporting({ kind: 'files', files });
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
          </p>
        </div>
        <button type="button" className="primary" onClick={() => void pick()}>
          Import videos
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          accept="video/*,.mkv,.ts,.mts"
          hidden
          aria-label="Video files to import"
          onChange={(event) => {
            const files = Array.from(event.target.files ?? []);
            event.target.value = '';
            if (files.length > 0) setImporting({ kind: 'files', files });
          }}
        />
      </div>
      {batches.data && batches.data.length === 0 && (
        <div className="empty-state">
          <p>No videos yet. Drop video files or folders anywhere on this window, or use Import videos.</p>
        </div>
      )}
      {(batches.data ?? []).map((batch) => (
        <BatchSection key={batch.id} batch={batch} />
      ))}
      {dragging && (
        <div className="drop-target" role="region" aria-label="Drop target">
          <p>Drop videos to import them into “{project.name}”</p>
        </div>
      )}
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
