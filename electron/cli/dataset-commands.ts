import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { CallInput } from '../../shared/contract';
import type { ExportSummary, ImportSummary } from '../../shared/dataset-contract';
import { formatTitles, importFormats } from '../../shared/formats/dataset';
import { runDatasetJob } from '../datasets/dataset-jobs';
import type { Services } from '../services';
import { batchNamed, cliApi, projectNamed, sameName } from './api';
import type { CliIO } from './cli';
import { oneOf, parseFlags, required } from './flags';

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

function splitText(split: NonNullable<ExportSummary['split']>): string[] {
  const share = (n: number): string => `${Math.round(n * 1000) / 10}%`;
  const parts = (['train', 'val', 'test'] as const).filter((part) => part !== 'test' || split.requested.test > 0 || split.test > 0);
  return [
    `  split by ${split.splitBy}: ` +
      parts.map((part) => `${split[part]} ${part} (${share(split.achieved[part])}, asked ${share(split.requested[part])})`).join(', '),
    `  frames from videos that also feed another split: ` + parts.map((part) => `${split.sharedVideoImages[part]} ${part}`).join(', '),
  ];
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
    ...(summary.split ? splitText(summary.split) : []),
    ...(summary.converted.length > 0 ? [`  converted: ${counted(summary.converted)}`] : []),
    ...(summary.skipped.length > 0 ? [`  left out: ${counted(summary.skipped)}`] : []),
    ...summary.missingImages.map((file) => `  missing image, frame left out: ${file}`),
    ...(summary.moreMissingImages > 0 ? [`  … and ${summary.moreMissingImages} more missing images`] : []),
  ];
}

/** `stillframe export`: writes a project, or one of its batches, as a dataset, through the app's export call. */
export async function exportCommand(services: Services, args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, {
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
    'test-ratio': { type: 'string' },
    'split-by': { type: 'string' },
    seed: { type: 'string' },
  });
  const api = cliApi(services);
  const projectName = required(values.project, '--project');
  const format = required(values.format, '--format');
  const outDir = required(values.out, '--out');
  const project = await projectNamed(api, projectName);
  const batchId = values.batch === undefined ? undefined : (await batchNamed(api, project, values.batch)).id;

  let lastTenth = -1;
  const exportId = randomUUID();
  const offProgress = services.events.on('export.progress', (progress) => {
    if (progress.exportId !== exportId) return;
    const tenth = progress.total === 0 ? 10 : Math.floor((10 * progress.done) / progress.total);
    if (values.json || tenth === lastTenth) return;
    lastTenth = tenth;
    io.err(`${progress.phase}: ${progress.done}/${progress.total}`);
  });
  // Ctrl+C cancels the export the way the app's Cancel does: what it had written is removed.
  const interrupt = () => void api.invoke('datasets.cancelExport', { exportId });
  process.once('SIGINT', interrupt);
  try {
    const summary = await api.invoke(
      'datasets.export',
      {
        projectId: project.id,
        ...(batchId === undefined ? {} : { batchId }),
        // The schema is told what was typed; a mistyped number stays one the schema refuses.
        format: format as CallInput<'datasets.export'>['format'],
        // Relative to the folder the person typed it in, not to wherever the library's host runs.
        outDir: path.resolve(outDir),
        ...(values.images === undefined ? {} : { images: values.images as CallInput<'datasets.export'>['images'] }),
        zip: values.zip,
        skipEmpty: values['skip-empty'],
        yoloSegments: values['yolo-segments'],
        ...(values['val-ratio'] === undefined ? {} : { valRatio: numeric(values['val-ratio']) }),
        ...(values['test-ratio'] === undefined ? {} : { testRatio: numeric(values['test-ratio']) }),
        ...(values['split-by'] === undefined ? {} : { splitBy: values['split-by'] as CallInput<'datasets.export'>['splitBy'] }),
        ...(values.seed === undefined ? {} : { seed: numeric(values.seed) }),
        force: values.force,
        exportId,
      },
      { format: '--format', images: '--images', valRatio: '--val-ratio', testRatio: '--test-ratio', splitBy: '--split-by', seed: '--seed', outDir: '--out' },
    );
    if (values.json) io.out(JSON.stringify({ export: summary }));
    else io.out(exportText(summary).join('\n'));
    return 0;
  } finally {
    process.off('SIGINT', interrupt);
    offProgress();
  }
}

/** A flag's text as a number, or NaN (which every number schema refuses) for text that is not one. */
function numeric(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
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
  const { values } = parseFlags(args, {
    project: { type: 'string' },
    format: { type: 'string' },
    from: { type: 'string' },
    images: { type: 'string' },
    video: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  });
  const api = cliApi(services);
  const projectName = required(values.project, '--project');
  const format = required(values.format, '--format') as CallInput<'datasets.import'>['format'];
  // Relative to the folder the person typed it in.
  const from = path.resolve(required(values.from, '--from'));
  const dryRun = values['dry-run'];
  const existing = (await api.invoke('projects.list', {})).find((project) => sameName(project.name, projectName));
  let summary: ImportSummary;
  if (existing === undefined && dryRun) {
    // A dry run into a project that does not exist yet creates nothing, not even the project, so there is no
    // project for the call to name: the import reads the dataset against an empty project.
    const known = oneOf(format, importFormats, '--format');
    const options = { project: null, format: known, from, dryRun, images: values.images === undefined ? undefined : path.resolve(values.images), video: values.video === undefined ? undefined : path.resolve(values.video) };
    summary = await untilInterrupted((signal) => runDatasetJob(services, { kind: 'import', options }, { signal }));
  } else {
    const project = existing ?? (await api.invoke('projects.create', { name: projectName }));
    const importId = randomUUID();
    const interrupt = () => void api.invoke('datasets.cancelImport', { importId });
    process.once('SIGINT', interrupt);
    try {
      summary = await api.invoke(
        'datasets.import',
        {
          projectId: project.id,
          format,
          from,
          dryRun,
          importId,
          ...(values.images === undefined ? {} : { images: path.resolve(values.images) }),
          ...(values.video === undefined ? {} : { video: path.resolve(values.video) }),
        },
        { format: '--format', from: '--from', images: '--images', video: '--video' },
      );
    } finally {
      process.off('SIGINT', interrupt);
    }
  }
  // The import is done once its rows are in; the thumbnails are made after, timed on their own. A command run ends
  // with them made, as the app's pass would make them in the background (a kill here leaves them to the next start).
  if (!dryRun && !values.json) io.out(importText(summary).join('\n'));
  const thumbnails = dryRun ? null : await services.thumbnails.run();
  if (values.json) io.out(JSON.stringify({ import: summary, ...(thumbnails ? { thumbnails } : {}) }));
  else if (dryRun) io.out(importText(summary).join('\n'));
  else if (thumbnails && thumbnails.made + thumbnails.failed > 0) {
    const failed = thumbnails.failed > 0 ? `; ${thumbnails.failed} image(s) FFmpeg could not read keep their full image` : '';
    io.out(`  thumbnails: ${thumbnails.made} made in ${(thumbnails.durationMs / 1000).toFixed(1)} s${failed}`);
  }
  return summary.problems.length + summary.moreProblems > 0 ? 1 : 0;
}
