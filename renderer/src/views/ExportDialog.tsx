import { useEffect, useRef, useState } from 'react';
import type { ExportProgress, ExportSummary, ImagesMode } from '../../../shared/dataset-contract';
import { toAppError } from '../../../shared/errors';
import { exportFormats, formatTitles, type ExportFormat } from '../../../shared/formats/dataset';
import { uuidv7 } from '../../../shared/ids';
import { call, subscribe } from '../api';
import { percent, plural } from '../format';
import { Dialog } from './Dialog';

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

function Summary({ summary }: { summary: ExportSummary }) {
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
      <p>
        Saved to <code>{summary.outPath}</code>
      </p>
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
  const [format, setFormat] = useState<ExportFormat>('coco');
  const [images, setImages] = useState<ImagesMode>('copy');
  const [zip, setZip] = useState(false);
  const [skipEmpty, setSkipEmpty] = useState(false);
  const [yoloSegments, setYoloSegments] = useState(false);
  const [valPercent, setValPercent] = useState('0');
  const [outDir, setOutDir] = useState('');
  const [force, setForce] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState<string | null>(null);
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const [summary, setSummary] = useState<ExportSummary | null>(null);
  const unsubscribe = useRef<(() => void) | null>(null);

  useEffect(() => () => unsubscribe.current?.(), []);

  const yolo = format === 'yolo';
  const valRatio = yolo ? Number(valPercent) / 100 : 0;
  const valid = outDir.trim() !== '' && Number.isFinite(valRatio) && valRatio >= 0 && valRatio <= 0.95 && !(yolo && images === 'none');

  if (summary) {
    return (
      <Dialog title={`Exported ${scope}`} submitLabel="Close" onClose={onClose} onSubmit={onClose}>
        <Summary summary={summary} />
      </Dialog>
    );
  }

  const start = async () => {
    const exportId = uuidv7();
    setRunning(exportId);
    setError(null);
    setProgress(null);
    unsubscribe.current = subscribe('export.progress', (event) => {
      if (event.exportId === exportId) setProgress(event);
    });
    try {
      setSummary(
        await call('datasets.export', {
          projectId,
          ...(batchId ? { batchId } : {}),
          format,
          outDir: outDir.trim(),
          images,
          zip,
          skipEmpty,
          yoloSegments: yolo && yoloSegments,
          valRatio,
          force,
          exportId,
        }),
      );
    } catch (caught) {
      const appError = toAppError(caught);
      setError(appError.code === 'cancelled' ? 'Export cancelled. Nothing was written.' : appError.message);
    } finally {
      unsubscribe.current?.();
      unsubscribe.current = null;
      setRunning(null);
    }
  };

  const cancel = () => {
    if (running) void call('datasets.cancelExport', { exportId: running });
    else onClose();
  };

  return (
    <Dialog error={error} title={`Export ${scope}`} submitLabel="Export" onClose={cancel} onSubmit={() => void start()} submitDisabled={running !== null || !valid}>
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
        <label className="radio">
          <input type="checkbox" checked={zip} onChange={(event) => setZip(event.target.checked)} />
          One .zip file
        </label>
      </fieldset>
      <fieldset disabled={running !== null}>
        <legend>Output</legend>
        <label className="field">
          <span>Folder</span>
          <input value={outDir} placeholder="/path/to/an/empty/folder" onChange={(event) => setOutDir(event.target.value)} />
        </label>
        <label className="radio">
          <input type="checkbox" checked={force} onChange={(event) => setForce(event.target.checked)} />
          Write into the folder even if it is not empty
        </label>
      </fieldset>
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
