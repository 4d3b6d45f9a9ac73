import { useState } from 'react';
import type { DroppedFolder } from '../../../shared/bridge';
import type { IngestedVideo } from '../../../shared/contract';
import type { Batch, Project } from '../../../shared/domain';
import { StillframeError, toAppError } from '../../../shared/errors';
import { parseLoomLink } from '../../../shared/loom-links';
import { batchNameMaxLength, defaultBatchName } from '../../../shared/names';
import { hasVideoExtension } from '../../../shared/video-files';
import { samplingSchema, type Sampling } from '../../../shared/sampling';
import { ImportEstimate } from '../monitoring/ImportEstimate';
import { call, hostBridge } from '../api';
import { formatBytes, percent } from '../format';
import { DatasetImportDialog, useDatasetDetection } from './DatasetImport';
import { Dialog } from './Dialog';
import { NameField } from './NameField';
import { SelectionFields, type SelectionChoice } from './SelectionFields';
import type { ProcessOn } from '../../../shared/worker-contract';
import { useProjectSync } from './sync/sync-store';

export type ImportSource = { kind: 'files'; files: File[]; folder?: DroppedFolder } | { kind: 'paths'; paths: string[] } | { kind: 'links' };

type Mode = Sampling['mode'];

const modeLabels: Record<Mode, string> = {
  every: 'One frame every N seconds',
  nth: 'Every Nth frame',
  keyframes: 'Keyframes only',
  scene: 'Scene changes',
};

function samplingFrom(mode: Mode, value: string): Sampling | null {
  const number = Number(value);
  const candidate =
    mode === 'every' ? { mode, seconds: number } : mode === 'nth' ? { mode, n: number } : mode === 'scene' ? { mode, threshold: number } : { mode };
  const parsed = samplingSchema.safeParse(candidate);
  return parsed.success ? parsed.data : null;
}

/** A dropped file that is plainly not a video (notes.txt) is left out before anything is uploaded. */
function isVideoFile(file: File): boolean {
  return file.type.startsWith('video/') || hasVideoExtension(file.name);
}

function sourceNames(source: ImportSource): string[] {
  if (source.kind === 'links') return [];
  return source.kind === 'files' ? source.files.filter(isVideoFile).map((file) => file.name) : source.paths.map((p) => p.split(/[\\/]/).pop() ?? p);
}

/** The pasted text as links, one per line, each checked at once so a typo is shown before anything is fetched. */
function parseLinks(text: string): { links: string[]; problems: string[] } {
  const links = text.split(/\s+/).map((line) => line.trim()).filter((line) => line.length > 0);
  const problems: string[] = [];
  for (const link of links) {
    try {
      parseLoomLink(link);
    } catch (error) {
      problems.push(`${link}: ${toAppError(error).message}`);
    }
  }
  return { links, problems };
}

interface ImportDialogProps {
  project: Project;
  batches: Batch[];
  source: ImportSource;
  onClose(): void;
  onDone(): void;
}

/** Names the import as a batch and chooses the sampling, then hands the files to the host's queue. */
export function ImportDialog({ project, batches, source, onClose, onDone }: ImportDialogProps) {
  const [target, setTarget] = useState<'new' | 'existing'>('new');
  const [batchName, setBatchName] = useState(() => defaultBatchName(new Date()));
  const [existingId, setExistingId] = useState(batches[0]?.id ?? '');
  const [mode, setMode] = useState<Mode>('every');
  const [value, setValue] = useState('1');
  const [maxFrames, setMaxFrames] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [transfer, setTransfer] = useState<{ file: string; fraction: number } | null>(null);
  const [problems, setProblems] = useState<IngestedVideo[] | null>(null);
  const [linkText, setLinkText] = useState('');
  const detection = useDatasetDetection(project.id, source);
  const pasted = parseLinks(linkText);
  const [selection, setSelection] = useState<SelectionChoice>({ selection: undefined, valid: true });
  const firstVideo = source.kind === 'paths' && source.paths[0] ? { path: source.paths[0] } : source.kind === 'files' && source.files[0] ? { file: source.files[0] } : null;
  // Only a synced project's videos can go to the team's workers: they see nothing but what is in Supabase.
  const synced = (useProjectSync(project.id)?.state ?? 'local') !== 'local';
  const [processOn, setProcessOn] = useState<ProcessOn>('this-computer');

  const sampling = samplingFrom(mode, value);
  const maxFramesNumber = maxFrames.trim() === '' ? undefined : Number(maxFrames);
  const maxFramesValid = maxFramesNumber === undefined || (Number.isInteger(maxFramesNumber) && maxFramesNumber > 0);
  const names = sourceNames(source);

  if (detection.kind === 'checking') {
    return (
      <Dialog title={`Import into “${project.name}”`} submitLabel="Import" submitDisabled onClose={onClose} onSubmit={() => undefined}>
        <p role="status">Looking at {names[0] ?? 'what was dropped'}…</p>
      </Dialog>
    );
  }
  if (detection.kind === 'dataset') return <DatasetImportDialog project={project} detected={detection} onClose={onClose} onDone={onDone} />;

  if (problems) {
    return (
      <Dialog title="Import finished with problems" submitLabel="Close" cancelLabel={null} onClose={onDone} onSubmit={onDone}>
        <ul className="import-problems" aria-label="Import problems">
          {problems.map((item) => (
            <li key={item.file}>
              <strong>{item.video?.name ?? (/^https?:/.test(item.file) ? item.file : item.file.split(/[\\/]/).pop())}</strong>:{' '}
              {item.duplicateOf ? 'already in this batch, so it was not added again.' : item.error?.message}
            </li>
          ))}
        </ul>
      </Dialog>
    );
  }

  const submit = async () => {
    if (!sampling || !maxFramesValid || !selection.valid) return;
    setBusy(true);
    setError(null);
    const batch = target === 'new' ? { newName: batchName } : { existingId };
    try {
      // Files the host would refuse are never uploaded: it checks the batch choice and each file first.
      let refused: IngestedVideo[] = [];
      // What is not a video by its name is already listed as left out; the host checks the rest.
      const candidates = source.kind === 'files' ? source.files.filter(isVideoFile) : [];
      let files = candidates;
      if (source.kind === 'files') {
        const checked = await call('ingest.check', {
          projectId: project.id,
          batch,
          files: candidates.map((file) => ({ name: file.name, sizeBytes: file.size })),
        });
        refused = checked.files.flatMap(({ name, error }) => (error ? [{ file: name, video: null, duplicateOf: null, error }] : []));
        files = candidates.filter((_, index) => !checked.files[index]?.error);
        if (files.length === 0) throw new StillframeError(refused[0]?.error?.code ?? 'invalid-input', refused.map((item) => item.error?.message).join(' '));
      }
      const paths =
        source.kind === 'links'
          ? []
          : source.kind === 'paths'
          ? source.paths
          : await hostBridge().filesToPaths(files, (progress) =>
              setTransfer({ file: progress.file, fraction: progress.totalBytes > 0 ? progress.loadedBytes / progress.totalBytes : 0 }),
            );
      setTransfer(null);
      const result = await call('ingest.start', {
        projectId: project.id,
        batch,
        paths,
        links: source.kind === 'links' ? pasted.links : [],
        options: {
          sampling,
          jpegQuality: 3,
          ...(maxFramesNumber ? { maxFrames: maxFramesNumber } : {}),
          ...(selection.selection ? { selection: selection.selection } : {}),
        },
        processOn: synced ? processOn : 'this-computer',
      });
      const failed = [...refused, ...result.videos.filter((item) => item.error || item.duplicateOf)];
      if (failed.length > 0) setProblems(failed);
      else onDone();
    } catch (caught) {
      setError(toAppError(caught).message);
      setBusy(false);
      setTransfer(null);
    }
  };

  const totalBytes = source.kind === 'files' ? source.files.filter(isVideoFile).reduce((sum, file) => sum + file.size, 0) : null;
  const leftOut = source.kind === 'files' ? source.files.filter((file) => !isVideoFile(file)).map((file) => file.name) : [];

  return (
    <Dialog
      error={error}
      title={
        source.kind === 'links'
          ? `Import Loom videos into “${project.name}”`
          : names.length === 0
            ? 'None of these is a video'
            : `Import ${names.length === 1 ? '1 video' : `${names.length} videos`} into “${project.name}”`
      }
      submitLabel="Import"
      onClose={onClose}
      onSubmit={() => void submit()}
      submitDisabled={
        busy || !sampling || !maxFramesValid || !selection.valid || (target === 'existing' && !existingId) ||
        (source.kind === 'links' && (pasted.links.length === 0 || pasted.problems.length > 0)) ||
        (source.kind === 'files' && names.length === 0)
      }
    >
      {source.kind === 'links' ? (
        <>
          <label className="field">
            <span>Loom links, one per line (share or folder links)</span>
            <textarea rows={4} value={linkText} onChange={(event) => setLinkText(event.target.value)} aria-invalid={pasted.problems.length > 0} />
          </label>
          {pasted.problems.length > 0 && (
            <ul className="field-error" role="alert" aria-label="Link problems">
              {pasted.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p className="import-files">
          {names.slice(0, 5).join(', ')}
          {names.length > 5 && ` and ${names.length - 5} more`}
          {totalBytes !== null && names.length > 0 && ` (${formatBytes(totalBytes)})`}
          {leftOut.length > 0 && `${names.length > 0 ? ' · ' : ''}Not videos, left out: ${leftOut.join(', ')}`}
        </p>
      )}
      <fieldset>
        <legend>Batch</legend>
        <label className="radio">
          <input type="radio" name="batch-target" checked={target === 'new'} onChange={() => setTarget('new')} />
          New batch
        </label>
        {target === 'new' && (
          <NameField label="Batch name" value={batchName} max={batchNameMaxLength} onChange={setBatchName} />
        )}
        <label className="radio">
          <input type="radio" name="batch-target" checked={target === 'existing'} disabled={batches.length === 0} onChange={() => setTarget('existing')} />
          Add to an existing batch
        </label>
        {target === 'existing' && (
          <label className="field">
            <span>Existing batch</span>
            <select value={existingId} onChange={(event) => setExistingId(event.target.value)}>
              {batches.map((batch) => (
                <option key={batch.id} value={batch.id}>
                  {batch.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </fieldset>
      <fieldset>
        <legend>Sampling</legend>
        <label className="field">
          <span>Frames to extract</span>
          <select
            value={mode}
            onChange={(event) => {
              const next = event.target.value as Mode;
              setMode(next);
              setValue(next === 'every' ? '1' : next === 'nth' ? '30' : next === 'scene' ? '0.3' : '');
            }}
          >
            {(Object.keys(modeLabels) as Mode[]).map((key) => (
              <option key={key} value={key}>
                {modeLabels[key]}
              </option>
            ))}
          </select>
        </label>
        {mode !== 'keyframes' && (
          <label className="field">
            <span>{mode === 'every' ? 'Seconds between frames' : mode === 'nth' ? 'Take every Nth frame' : 'Scene threshold (0 to 1)'}</span>
            <input type="number" step="any" min="0" value={value} onChange={(event) => setValue(event.target.value)} aria-invalid={!sampling} />
          </label>
        )}
        <label className="field">
          <span>Maximum frames per video (optional)</span>
          <input type="number" min="1" step="1" value={maxFrames} onChange={(event) => setMaxFrames(event.target.value)} aria-invalid={!maxFramesValid} />
        </label>
      </fieldset>
      <SelectionFields sampling={sampling} maxFrames={maxFramesNumber} firstVideo={firstVideo} onChange={setSelection} />
      {source.kind !== 'links' && (
        <ImportEstimate sizes={source.kind === 'files' ? source.files.map((file) => file.size) : []} paths={source.kind === 'paths' ? source.paths : []} sampling={sampling} />
      )}
      {synced && (
        <fieldset>
          <legend>Processing</legend>
          <label className="radio">
            <input type="radio" name="process-on" checked={processOn === 'this-computer'} onChange={() => setProcessOn('this-computer')} />
            Process on this computer
          </label>
          <label className="radio">
            <input type="radio" name="process-on" checked={processOn === 'team-workers'} onChange={() => setProcessOn('team-workers')} />
            Process on team workers
          </label>
          {processOn === 'team-workers' && (
            <p className="field-hint">The videos are uploaded to your Supabase project, then the team’s workers extract the frames; they appear here as each video is done.</p>
          )}
        </fieldset>
      )}
      {transfer && (
        <p role="status">
          Copying {transfer.file} to the library… {percent(transfer.fraction)}
        </p>
      )}
      {busy && !transfer && <p role="status">{source.kind === 'links' ? 'Asking Loom about the videos…' : 'Checking the videos…'}</p>}
    </Dialog>
  );
}
