import { useEffect, useRef, useState } from 'react';
import type { ExportPreview, ExportProgress, ExportRequest, ExportSummary, ImagesMode } from '../../../shared/dataset-contract';
import { toAppError } from '../../../shared/errors';
import { exportFormats, formatTitles, skipReasons, splitFormats, type ExportFormat } from '../../../shared/formats/dataset';
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

type SplitBy = ExportRequest['splitBy'];

/** What is wrong with the shares asked for, in the person's words; null when they can be exported. */
function splitError(valRatio: number, testRatio: number): string | null {
  if (!Number.isFinite(valRatio) || !Number.isFinite(testRatio) || valRatio < 0 || testRatio < 0) return 'Give each share as a number from 0 to 95.';
  if (valRatio > 0.95 || testRatio > 0.95) return 'Each share can be at most 95%.';
  if (valRatio + testRatio >= 1) return 'The validation and test shares must leave some images for training.';
  return null;
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

const splitByTitles: Record<SplitBy, string> = {
  video: 'Whole videos (no video in two splits)',
  frame: 'Single frames (frames of one video may land in two splits)',
};

/** The split's lines: images per split beside the shares asked for, and how many images leak across splits. */
function splitLines(split: NonNullable<ExportSummary['split']>): string[] {
  const parts = (['train', 'val', 'test'] as const).filter((part) => part !== 'test' || split.requested.test > 0 || split.test > 0);
  const shared = parts.reduce((sum, part) => sum + split.sharedVideoImages[part], 0);
  return [
    `Split by ${split.splitBy}: ${parts.map((part) => `${split[part].toLocaleString()} ${part}`).join(', ')} ` +
      `(${parts.map((part) => percent(split.achieved[part])).join(' / ')} of images; asked for ${parts.map((part) => percent(split.requested[part])).join(' / ')}).`,
    shared === 0
      ? 'No video feeds more than one split.'
      : `${plural(shared, 'image')} (${parts.map((part) => `${split.sharedVideoImages[part]} ${part}`).join(', ')}) come from videos that feed more than one split.`,
  ];
}

function Summary({ summary, downloaded }: { summary: ExportSummary; downloaded: { fileName: string; bytes: number } | null }) {
  const lines = [
    `${plural(summary.images, 'image')} and ${plural(summary.shapes, 'shape')} written as ${formatTitles[summary.format]}.`,
    ...(summary.emptyImages > 0 ? [`${plural(summary.emptyImages, 'image')} without shapes.`] : []),
    ...(summary.skippedEmpty > 0 ? [`${plural(summary.skippedEmpty, 'frame')} without shapes left out.`] : []),
    ...(summary.split ? splitLines(summary.split) : []),
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
  const [testPercent, setTestPercent] = useState(initial.testPercent);
  const [splitBy, setSplitBy] = useState<SplitBy>(initial.splitBy);
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
  const splits = splitFormats.includes(format);
  const valRatio = splits ? Number(valPercent) / 100 : 0;
  const testRatio = splits ? Number(testPercent) / 100 : 0;
  const ratioError = splitError(valRatio, testRatio);
  const valid = (download || outDir.trim() !== '') && ratioError === null && !(yolo && images === 'none');

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
    saveExportChoices(projectId, { format, images, zip, skipEmpty, yoloSegments, valPercent, testPercent, splitBy, outDir: outDir.trim() });
    unsubscribe.current = subscribe('export.progress', (event) => {
      if (event.exportId === exportId) setProgress(event);
    });
    const common = { projectId, ...(batchId ? { batchId } : {}), format, images, skipEmpty, yoloSegments: yolo && yoloSegments, valRatio, testRatio, splitBy, exportId };
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
          <label className="radio">
            <input type="checkbox" checked={yoloSegments} onChange={(event) => setYoloSegments(event.target.checked)} />
            Polygons as segmentation outlines (instead of their boxes)
          </label>
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
      {splits && (
        <fieldset disabled={running !== null}>
          <legend>Train / val / test split</legend>
          <div className="split-row">
            <label className="field">
              <span>Validation, % of images</span>
              <input type="number" min="0" max="95" step="1" value={valPercent} aria-invalid={ratioError !== null} onChange={(event) => setValPercent(event.target.value)} />
            </label>
            <label className="field">
              <span>Test, % of images</span>
              <input type="number" min="0" max="95" step="1" value={testPercent} aria-invalid={ratioError !== null} onChange={(event) => setTestPercent(event.target.value)} />
            </label>
          </div>
          <label className="field">
            <span>Split by</span>
            <select value={splitBy} onChange={(event) => setSplitBy(event.target.value as SplitBy)}>
              {(Object.keys(splitByTitles) as SplitBy[]).map((key) => (
                <option key={key} value={key}>
                  {splitByTitles[key]}
                </option>
              ))}
            </select>
          </label>
          {ratioError ? (
            <p className="field-error">{ratioError}</p>
          ) : (
            <p className="field-hint">
              {valRatio + testRatio === 0
                ? 'No split: every image goes into one set. Give a share to validation or test to split.'
                : `About ${percent(1 - valRatio - testRatio)} train, ${percent(valRatio)} val${testRatio > 0 ? `, ${percent(testRatio)} test` : ''}.`}
            </p>
          )}
        </fieldset>
      )}
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
