import { useEffect, useState } from 'react';
import type { ImportSummary } from '../../../shared/dataset-contract';
import type { Project } from '../../../shared/domain';
import { toAppError } from '../../../shared/errors';
import { call, hostBridge } from '../api';
import { plural } from '../format';
import { Dialog } from './Dialog';
import type { ImportSource } from './ImportDialog';

/**
 * A dropped .zip or folder, or one dropped or picked path (a folder or an annotation file), may be a dataset another tool made
 * rather than videos. A dry run with format `auto` says which it is, so the import dialog can offer the right import.
 */

export type Detection = { kind: 'checking' } | { kind: 'videos' } | { kind: 'dataset'; path: string; preview: ImportSummary };

/**
 * Files the formats Stillframe reads keep their annotations in (CVAT and VOC XML, COCO, VoTT and Label Studio JSON,
 * YOLO's data.yaml and obj.names). A dropped folder without one is videos, and is never uploaded just to be looked at.
 */
const annotationFile = /\.(xml|json|ya?ml|names)$/i;

function candidate(source: ImportSource): boolean {
  if (source.kind === 'files' && source.folder) return source.folder.files.some(({ path }) => annotationFile.test(path));
  if (source.kind === 'files') return source.files.length === 1 && (source.files[0]?.name.toLowerCase().endsWith('.zip') ?? false);
  return source.kind === 'paths' && source.paths.length === 1;
}

export function useDatasetDetection(projectId: string, source: ImportSource): Detection {
  const [detection, setDetection] = useState<Detection>(() => (candidate(source) ? { kind: 'checking' } : { kind: 'videos' }));
  useEffect(() => {
    if (!candidate(source)) return;
    let current = true;
    void (async () => {
      try {
        const paths =
          source.kind === 'files' && source.folder
            ? [await hostBridge().folderToPath(source.folder)]
            : source.kind === 'files'
              ? await hostBridge().filesToPaths(source.files, () => undefined)
              : source.kind === 'paths'
                ? source.paths
                : [];
        const path = paths[0];
        if (path === undefined || path === '') throw new Error('nothing to read');
        const preview = await call('datasets.import', { projectId, format: 'auto', from: path, dryRun: true });
        if (current) setDetection({ kind: 'dataset', path, preview });
      } catch {
        // Not a dataset Stillframe knows: treat it as videos, whose import says what is wrong with them.
        if (current) setDetection({ kind: 'videos' });
      }
    })();
    return () => {
      current = false;
    };
  }, [projectId, source]);
  return detection;
}

function summaryLines(summary: ImportSummary): string[] {
  const { images, shapes } = summary;
  return [
    `${plural(images.total, 'image')}: ${images.matched} already frames here, ${images.added} new${images.skipped > 0 ? `, ${images.skipped} left out` : ''}.`,
    `${plural(shapes.added, 'shape')} to add${shapes.skipped > 0 ? `, ${shapes.skipped} left out` : ''}${shapes.clamped > 0 ? `, ${shapes.clamped} clamped to their image` : ''}.`,
    ...(summary.labels.created.length > 0 ? [`New labels: ${summary.labels.created.join(', ')}.`] : []),
    ...(summary.batches.length > 0 ? [`New frames go into: ${summary.batches.join(', ')}.`] : []),
    ...summary.converted.map((entry) => `${entry.count} ${entry.reason}.`),
  ];
}

/** Shows what importing the detected dataset would add and leave out, then imports it. */
export function DatasetImportDialog({ project, detected, onClose, onDone }: { project: Project; detected: { path: string; preview: ImportSummary }; onClose(): void; onDone(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<ImportSummary | null>(null);
  const shown = done ?? detected.preview;
  const notes = [...shown.problems, ...shown.warnings];

  const submit = async () => {
    if (done) {
      onDone();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setDone(await call('datasets.import', { projectId: project.id, format: detected.preview.format, from: detected.path, dryRun: false }));
    } catch (caught) {
      setError(toAppError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={done ? `Dataset imported into “${project.name}”` : `Import a dataset into “${project.name}”`}
      submitLabel={done ? 'Close' : 'Import dataset'}
      onClose={done ? onDone : onClose}
      onSubmit={() => void submit()}
      submitDisabled={busy}
      error={error}
    >
      <p>Found: {shown.found}</p>
      <ul aria-label={done ? 'What was imported' : 'What the import would add'}>
        {summaryLines(shown).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {notes.length > 0 && (
        <ul className="import-problems" aria-label={done ? 'What was left out or changed' : 'What would be left out or changed'}>
          {notes.slice(0, 20).map((note) => (
            <li key={`${note.item}: ${note.message}`}>
              <strong>{note.item}</strong>: {note.message}
            </li>
          ))}
          {notes.length > 20 && <li>… and {notes.length - 20 + shown.moreProblems + shown.moreWarnings} more</li>}
        </ul>
      )}
      {busy && <p role="status">Importing the dataset…</p>}
    </Dialog>
  );
}
