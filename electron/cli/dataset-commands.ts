import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ExportProgress, ExportSummary, ImagesMode, ImportSummary } from '../../shared/dataset-contract';
import { StillframeError } from '../../shared/errors';
import { exportFormats, formatTitles, importFormats, type ExportFormat, type ImportFormat } from '../../shared/formats/dataset';
import { exportDataset, isEmptyFolder } from '../datasets/export';
import { importDataset } from '../datasets/import';
import { findBatchByName } from '../library/batches';
import { createProject, findProjectByName } from '../library/projects';
import type { Services } from '../services';
import type { CliIO } from './cli';

/** Usage mistakes are invalid input, which the CLI reports with exit code 2. */
function usageError(message: string): StillframeError {
  return new StillframeError('invalid-input', message);
}

function parse<O extends ParseArgsConfig['options']>(args: string[], options: O) {
  try {
    return parseArgs({
      args,
      options: { library: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw usageError(`${flag} is required.`);
  return value;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw usageError(`${flag} must be one of: ${allowed.join(', ')}.`);
  return value as T;
}

function numberFlag(value: string | undefined, flag: string, check: (n: number) => boolean, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === '' || !check(number)) throw usageError(`${flag} needs ${what}, not “${value}”.`);
  return number;
}

/** Runs `work` with a signal that Ctrl+C aborts, so an interrupted export or import cleans up after itself. */
async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', interrupt);
  }
}

function counted(list: readonly { reason: string; count: number }[]): string {
  return list.map((entry) => `${entry.count} ${entry.reason}`).join('; ');
}

function exportText(summary: ExportSummary): string[] {
  const files = summary.imageFiles;
  const placed = [
    files.copied > 0 ? `${files.copied} copied` : '',
    files.linked > 0 ? `${files.linked} hard-linked` : '',
    files.referenced > 0 ? `${files.referenced} referenced by path` : '',
  ].filter(Boolean);
  return [
    `Exported ${summary.images} image(s) with ${summary.shapes} shape(s) as ${formatTitles[summary.format]} to ${summary.outPath}`,
    ...(placed.length > 0 ? [`  images: ${placed.join(', ')}`] : []),
    ...(summary.emptyImages > 0 ? [`  ${summary.emptyImages} image(s) have no shapes`] : []),
    ...(summary.skippedEmpty > 0 ? [`  ${summary.skippedEmpty} frame(s) without shapes left out (--skip-empty)`] : []),
    ...(summary.split ? [`  split: ${summary.split.train} train, ${summary.split.val} val`] : []),
    ...(summary.converted.length > 0 ? [`  converted: ${counted(summary.converted)}`] : []),
    ...(summary.skipped.length > 0 ? [`  left out: ${counted(summary.skipped)}`] : []),
    ...summary.missingImages.map((file) => `  missing image, frame left out: ${file}`),
    ...(summary.moreMissingImages > 0 ? [`  … and ${summary.moreMissingImages} more missing images`] : []),
  ];
}

/** `stillframe export`: writes a project, or one of its batches, as a dataset. */
export async function exportCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values } = parse(args, {
    project: { type: 'string' },
    batch: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    images: { type: 'string' },
    zip: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    'skip-empty': { type: 'boolean', default: false },
    'yolo-segments': { type: 'boolean', default: false },
    'val-ratio': { type: 'string' },
    seed: { type: 'string' },
  });
  const projectName = required(values.project, '--project');
  const format: ExportFormat = oneOf(required(values.format, '--format'), exportFormats, '--format');
  const outDir = required(values.out, '--out');
  const images: ImagesMode = oneOf(values.images ?? 'copy', ['copy', 'link', 'none'], '--images');
  const valRatio = numberFlag(values['val-ratio'], '--val-ratio', (n) => n >= 0 && n <= 0.95, 0, 'a share between 0 and 0.95, such as 0.2');
  const seed = numberFlag(values.seed, '--seed', (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff, 0, 'a whole number from 0');
  const project = findProjectByName(services.db, projectName);
  if (!project) throw new StillframeError('not-found', `There is no project named “${projectName}”.`);
  let batchId: string | undefined;
  if (values.batch !== undefined) {
    const batch = findBatchByName(services.db, project.id, values.batch);
    if (!batch) throw new StillframeError('not-found', `“${project.name}” has no batch named “${values.batch}”.`);
    batchId = batch.id;
  }

  const resolvedOut = path.resolve(outDir);
  if (!values.force && (await isEmptyFolder(resolvedOut)) === false) {
    throw new StillframeError('conflict', `The folder “${resolvedOut}” is not empty. Choose an empty folder, or pass --force to write into it (only the dataset's own files are replaced).`);
  }

  let lastTenth = -1;
  const onProgress = (progress: Omit<ExportProgress, 'exportId' | 'projectId'>) => {
    const tenth = progress.total === 0 ? 10 : Math.floor((10 * progress.done) / progress.total);
    if (values.json || tenth === lastTenth) return;
    lastTenth = tenth;
    io.err(`${progress.phase}: ${progress.done}/${progress.total}`);
  };
  const request = {
    projectId: project.id,
    batchId,
    format,
    outDir,
    images,
    zip: values.zip,
    skipEmpty: values['skip-empty'],
    yoloSegments: values['yolo-segments'],
    valRatio,
    seed,
    force: values.force,
  };
  const summary = await untilInterrupted((signal) => exportDataset(services.paths, request, { signal, onProgress }));
  if (values.json) io.out(JSON.stringify({ export: summary }));
  else io.out(exportText(summary).join('\n'));
  return 0;
}

function importText(summary: ImportSummary): string[] {
  const { images, shapes, labels } = summary;
  const verb = summary.dryRun ? 'Would import' : 'Imported';
  return [
    `${verb} ${formatTitles[summary.format]}: ${images.total} image(s): ${images.matched} matched to existing frames, ${images.added} new, ${images.skipped} left out`,
    `  found: ${summary.found}`,
    `  shapes: ${shapes.added} added, ${shapes.unchanged} already there, ${shapes.clamped} clamped to their image, ${shapes.skipped} left out`,
    ...(labels.created.length > 0 ? [`  new labels: ${labels.created.join(', ')}`] : []),
    ...(labels.existing.length > 0 ? [`  existing labels: ${labels.existing.join(', ')}`] : []),
    ...(summary.batches.length > 0 ? [`  new frames in: ${summary.batches.join(', ')}`] : []),
    ...(summary.converted.length > 0 ? [`  converted: ${counted(summary.converted)}`] : []),
    ...summary.problems.map((note) => `  ✗ ${note.item}: ${note.message}`),
    ...(summary.moreProblems > 0 ? [`  ✗ … and ${summary.moreProblems} more`] : []),
    ...summary.warnings.map((note) => `  ! ${note.item}: ${note.message}`),
    ...(summary.moreWarnings > 0 ? [`  ! … and ${summary.moreWarnings} more`] : []),
  ];
}

/** `stillframe import`: reads a dataset into a project, created if it does not exist yet; exits 1 if anything was left out. */
export async function importCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values } = parse(args, {
    project: { type: 'string' },
    format: { type: 'string' },
    from: { type: 'string' },
    images: { type: 'string' },
    video: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  });
  const projectName = required(values.project, '--project');
  const format: ImportFormat = oneOf(required(values.format, '--format'), importFormats, '--format');
  const from = required(values.from, '--from');
  const dryRun = values['dry-run'];
  const { db } = services;
  const project = findProjectByName(db, projectName) ?? (dryRun ? null : createProject(db, projectName));
  const summary = await untilInterrupted((signal) =>
    importDataset(db, services.paths, { project, format, from, dryRun, images: values.images, video: values.video, signal }),
  );
  if (values.json) io.out(JSON.stringify({ import: summary }));
  else io.out(importText(summary).join('\n'));
  return summary.problems.length + summary.moreProblems > 0 ? 1 : 0;
}
