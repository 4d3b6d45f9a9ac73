import { useEffect, useRef, useState } from 'react';
import type { ExportPreview, ExportProgress, ExportSummary, ImagesMode } from '../../../shared/dataset-contract';
import { toAppError } from '../../../shared/errors';
import { exportFormats, formatTitles, skipReasons, type ExportFormat } from '../../../shared/formats/dataset';
import { uuidv7 } from '../../../shared/ids';
import { call, hostBridge, subscribe } from '../api';
import { formatBytes, percent, plural } from '../format';
import { Dialog } from './Dialog';
import { loadExportChoices, saveExportChoices } from './export-choices';

const imageModes: Record<ImagesMode, string> = {
  copy: 'Copy',
  link: 'Hard-link (copy where not possible)',
  none: 'Refer to them by path',
};

const phaseLabels: Record<ExportProgress['phase'], string> = {
  images: 'Writing images',
  annotations: 'Writing annotations',
  finishing: 'Finishing',
};

interface ExportDialogProps {
  projectId: string;
  /** Omitted: the whole project. */
  batchId?: string;
  /** What is exported, for the title: “project “Street”” or “batch “Morning””. */
  scope: string;
  onClose(): void;
}

/** Formats that need a class for every object, and so leave out shapes without a label. */
const needsLabels: readonly ExportFormat[] = ['coco', 'yolo', 'voc'];

/** What the export will leave out, said before it starts rather than in its summary. */
function LeftOut({ preview, format }: { preview: ExportPreview | null; format: ExportFormat }) {
  if (!preview || preview.unlabelled === 0 || !needsLabels.includes(format)) return null;
  return (
    <p className="export-warning" role="note" aria-label="Left out of this export">
      {plural(preview.unlabelled, 'shape')} of {preview.shapes.toLocaleString()} will be left out, {skipReasons.unlabelled(formatTitles[format])}.
      Give {preview.unlabelled === 1 ? 'it a label' : 'them labels'} first, or export as CSV or Stillframe JSON to keep {preview.unlabelled === 1 ? 'it' : 'them'}.
    </p>
  );
}

function Summary({ summary, downloaded }: { summary: ExportSummary; downloaded: { fileName: string; bytes: number } | null }) {
  const lines = [
    `${plural(summary.images, 'image')} and ${plural(summary.shapes, 'shape')} written as ${formatTitles[summary.format]}.`,
    ...(summary.emptyImages > 0 ? [`${plural(summary.emptyImages, 'image')} without shapes.`] : []),
    ...(summary.skippedEmpty > 0 ? [`${plural(summary.skippedEmpty, 'frame')} without shapes left out.`] : []),
    ...(summary.split
      ? [
          `Split by ${summary.split.splitBy}: ${summary.split.train} train, ${summary.split.val} val` +
            `${summary.split.test > 0 ? `, ${summary.split.test} test` : ''}; ` +
            `${plural(summary.split.sharedVideoImages.train + summary.split.sharedVideoImages.val + summary.split.sharedVideoImages.test, 'frame')} ` +
            'from videos that feed more than one split.',
        ]
      : []),
    ...summary.converted.map((entry) => `Converted ${entry.count} ${entry.reason}.`),
    ...summary.skipped.map((entry) => `Left out ${entry.count} ${entry.reason}.`),
    ...summary.missingImages.map((file) => `Image missing from the library, frame left out: ${file}`),
    ...(summary.moreMissingImages > 0 ? [`… and ${plural(summary.moreMissingImages, 'more missing image')}.`] : []),
  ];
  return (
    <div role="status">
      {downloaded ? (
        <p>
          Your browser is saving <code>{downloaded.fileName}</code> ({formatBytes(downloaded.bytes)}) into its downloads folder.
        </p>
      ) : (
        <p>
          Saved to <code>{summary.outPath}</code>
        </p>
      )}
      <ul aria-label="Export summary">
        {lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </div>
  );
}

/** Chooses a format and where to write it, then shows the export's progress (with a way to cancel) and its summary. */
export function ExportDialog({ projectId, batchId, scope, onClose }: ExportDialogProps) {
  const target = hostBridge().exportTarget;
  const [initial] = useState(() => loadExportChoices(projectId));
  const [format, setFormat] = useState<ExportFormat>(initial.format);
  const [images, setImages] = useState<ImagesMode>(initial.images);
  const [zip, setZip] = useState(initial.zip);
  const [skipEmpty, setSkipEmpty] = useState(initial.skipEmpty);
  const [yoloSegments, setYoloSegments] = useState(initial.yoloSegments);
  const [valPercent, setValPercent] = useState(initial.valPercent);
  const [outDir, setOutDir] = useState(initial.outDir);
  const [force, setForce] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState<string | null>(null);
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const [summary, setSummary] = useState<ExportSummary | null>(null);
  const [downloaded, setDownloaded] = useState<{ fileName: string; bytes: number } | null>(null);
  const [preview, setPreview] = useState<ExportPreview | null>(null);
  const unsubscribe = useRef<(() => void) | null>(null);

  useEffect(() => () => unsubscribe.current?.(), []);
  useEffect(() => {
    call('datasets.preview', { projectId, ...(batchId ? { batchId } : {}) }).then(setPreview, () => setPreview(null));
  }, [projectId, batchId]);

  const download = target.kind === 'download';
  const yolo = format === 'yolo';
  const valRatio = yolo ? Number(valPercent) / 100 : 0;
  const valid = (download || outDir.trim() !== '') && Number.isFinite(valRatio) && valRatio >= 0 && valRatio <= 0.95 && !(yolo && images === 'none');

  if (summary) {
    return (
      <Dialog title={`Exported ${scope}`} submitLabel="Close" onClose={onClose} onSubmit={onClose}>
        <Summary summary={summary} downloaded={downloaded} />
      </Dialog>
    );
  }

  const start = async () => {
    const exportId = uuidv7();
    setRunning(exportId);
    setError(null);
    setProgress(null);
    saveExportChoices(projectId, { format, images, zip, skipEmpty, yoloSegments, valPercent, outDir: outDir.trim() });
    unsubscribe.current = subscribe('export.progress', (event) => {
      if (event.exportId === exportId) setProgress(event);
    });
    const common = { projectId, ...(batchId ? { batchId } : {}), format, images, skipEmpty, yoloSegments: yolo && yoloSegments, valRatio, exportId };
    try {
      if (target.kind === 'download') {
        const prepared = await call('datasets.prepareDownload', common);
        // A plain link: the browser streams the file to disk with its own progress, never into this page's memory.
        const link = document.createElement('a');
        link.href = target.url(prepared.downloadId);
        link.download = prepared.fileName;
        document.body.append(link);
        link.click();
        link.remove();
        setDownloaded({ fileName: prepared.fileName, bytes: prepared.bytes });
        setSummary(prepared.summary);
      } else {
        setSummary(await call('datasets.export', { ...common, outDir: outDir.trim(), zip, force }));
      }
    } catch (caught) {
      const appError = toAppError(caught);
      setError(appError.code === 'cancelled' ? 'Export cancelled. Nothing was written.' : appError.message);
    } finally {
      unsubscribe.current?.();
      unsubscribe.current = null;
      setRunning(null);
    }
  };

  const choose = async () => {
    if (target.kind !== 'folder') return;
    const folder = await target.pick();
    if (folder !== null) setOutDir(folder);
  };

  const cancel = () => {
    if (running) void call('datasets.cancelExport', { exportId: running });
    else onClose();
  };

  return (
    <Dialog
      error={error}
      title={`Export ${scope}`}
      submitLabel={download ? 'Download .zip' : 'Export'}
      onClose={cancel}
      onSubmit={() => void start()}
      submitDisabled={running !== null || !valid}
    >
      <fieldset disabled={running !== null}>
        <legend>Dataset</legend>
        <label className="field">
          <span>Format</span>
          <select value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)}>
            {exportFormats.map((key) => (
              <option key={key} value={key}>
                {formatTitles[key]}
              </option>
            ))}
          </select>
        </label>
        <LeftOut preview={preview} format={format} />
        <label className="field">
          <span>Images</span>
          <select value={images} onChange={(event) => setImages(event.target.value as ImagesMode)} aria-invalid={yolo && images === 'none'}>
            {(Object.keys(imageModes) as ImagesMode[]).map((key) => (
              <option key={key} value={key}>
                {imageModes[key]}
              </option>
            ))}
          </select>
        </label>
        {yolo && images === 'none' && <p className="field-error">YOLO needs its images beside their labels: copy or link them.</p>}
        {yolo && (
          <>
            <label className="radio">
              <input type="checkbox" checked={yoloSegments} onChange={(event) => setYoloSegments(event.target.checked)} />
              Polygons as segmentation outlines (instead of their boxes)
            </label>
            <label className="field">
              <span>Validation split, % of images (0 for none)</span>
              <input type="number" min="0" max="95" step="1" value={valPercent} onChange={(event) => setValPercent(event.target.value)} />
            </label>
          </>
        )}
        <label className="radio">
          <input type="checkbox" checked={skipEmpty} onChange={(event) => setSkipEmpty(event.target.checked)} />
          Leave out frames without shapes
        </label>
        {!download && (
          <label className="radio">
            <input type="checkbox" checked={zip} onChange={(event) => setZip(event.target.checked)} />
            One .zip file
          </label>
        )}
      </fieldset>
      {download ? (
        <p className="field-hint">The dataset arrives as one .zip file in your browser’s downloads.</p>
      ) : (
        <fieldset disabled={running !== null}>
          <legend>Output</legend>
          <div className="field">
            <label htmlFor="export-folder">Folder</label>
            <div className="folder-row">
              <input id="export-folder" value={outDir} placeholder="Choose a folder" onChange={(event) => setOutDir(event.target.value)} />
              <button type="button" onClick={() => void choose()}>
                Choose folder…
              </button>
            </div>
          </div>
          <label className="radio">
            <input type="checkbox" checked={force} onChange={(event) => setForce(event.target.checked)} />
            Write into the folder even if it is not empty
          </label>
        </fieldset>
      )}
      {running && (
        <div role="status">
          <p>
            {progress ? `${phaseLabels[progress.phase]}: ${progress.done} of ${progress.total}` : 'Starting…'}
            {progress && progress.total > 0 && ` (${percent(progress.done / progress.total)})`}
          </p>
          <div
            className="progress"
            role="progressbar"
            aria-label="Export progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0}
          >
            <div className="progress-fill" style={{ width: percent(progress && progress.total > 0 ? progress.done / progress.total : 0) }} />
          </div>
        </div>
      )}
    </Dialog>
  );
}
