import { existsSync } from 'node:fs';
import path from 'node:path';
import { StillframeError } from '../../../shared/errors';
import type { ImportNote } from '../../../shared/formats/dataset';
import { baseName } from '../../../shared/formats/file-names';
import { stillframeDocumentSchema } from '../../../shared/formats/stillframe';
import type { DatasetSource, SourceImage } from '../sources';
import { findFile, parseJson, readText } from './files';

export async function readStillframeSource(from: string): Promise<DatasetSource> {
  const file = await findFile(from, ['stillframe.json'], ['.json'], 'Stillframe JSON file');
  const dir = path.dirname(file);
  const json = parseJson(await readText(file), file);
  const parsed = stillframeDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.')}: ${issue.message}` : 'unexpected content';
    throw new StillframeError('invalid-input', `“${path.basename(file)}” is not a Stillframe dataset file (${where}).`);
  }
  const document = parsed.data;
  const problems: ImportNote[] = [];
  const videoKeys = new Set(document.videos.map((video) => video.key));
  const images: SourceImage[] = [];
  for (const frame of document.frames) {
    const item = frame.file;
    if (!videoKeys.has(frame.video)) {
      problems.push({ item, message: `its video ${frame.video} is not listed in "videos"` });
      continue;
    }
    const full = path.resolve(dir, frame.file);
    images.push({
      item,
      fileName: baseName(frame.file),
      file: existsSync(full) ? full : null,
      width: frame.width,
      height: frame.height,
      shapes: frame.shapes,
      placement: { batch: frame.batch, video: frame.video, index: frame.index, timestampMs: frame.timestampMs, name: frame.name },
      batch: null,
    });
  }
  return {
    format: 'stillframe',
    found: `Stillframe JSON ${path.basename(file)}`,
    root: dir,
    labels: document.labels,
    images,
    problems,
    warnings: [],
    converted: [],
    layout: { batches: document.batches.map((batch) => batch.name), videos: document.videos },
  };
}
