import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { StillframeError } from '../../../shared/errors';
import type { ImportNote } from '../../../shared/formats/dataset';
import { baseName } from '../../../shared/formats/file-names';
import { stillframeDocumentSchema, stillframeFrameSchema } from '../../../shared/formats/stillframe';
import { PackedShapes } from '../../../shared/formats/shape-pack';
import type { DatasetSource, SourceImage } from '../sources';
import { findFile } from './files';
import { readJsonStream } from './json-stream';

const headSchema = stillframeDocumentSchema.omit({ frames: true });

/**
 * A Stillframe JSON file, read frame by frame (json-stream.ts): a 10,000-frame export is tens of megabytes, and
 * parsing it whole held it three times over (the text, the parse, the checked copy).
 */
export async function readStillframeSource(from: string, signal?: AbortSignal): Promise<DatasetSource> {
  const file = await findFile(from, ['stillframe.json'], ['.json'], 'Stillframe JSON file');
  const dir = path.dirname(file);
  const notA = (where: string) => new StillframeError('invalid-input', `“${path.basename(file)}” is not a Stillframe dataset file (${where}).`);
  const described = (issues: readonly z.core.$ZodIssue[], prefix: string) => {
    const issue = issues[0];
    return issue ? `${[prefix, ...issue.path].filter((part) => part !== '').join('.')}: ${issue.message}` : 'unexpected content';
  };
  const head: Record<string, unknown> = {};
  let sawFrames = false;
  const images: SourceImage[] = [];
  await readJsonStream(
    file,
    new Set(['frames']),
    {
      onMember(key, value) {
        if (key === 'frames') throw notA('frames: expected an array');
        head[key] = value;
      },
      onArray() {
        sawFrames = true;
      },
      onElement(_key, value, index) {
        const parsed = stillframeFrameSchema.safeParse(value);
        if (!parsed.success) throw notA(described(parsed.error.issues, `frames.${index}`));
        const frame = parsed.data;
        const full = path.resolve(dir, frame.file);
        images.push({
          item: frame.file,
          fileName: baseName(frame.file),
          file: existsSync(full) ? full : null,
          width: frame.width,
          height: frame.height,
          shapes: new PackedShapes(frame.shapes),
          placement: { batch: frame.batch, video: frame.video, index: frame.index, timestampMs: frame.timestampMs, name: frame.name },
          batch: null,
        });
      },
    },
    signal,
  );
  const parsedHead = headSchema.safeParse(head);
  if (!parsedHead.success) throw notA(described(parsedHead.error.issues, ''));
  if (!sawFrames) throw notA('frames: expected an array');
  const document = parsedHead.data;
  const problems: ImportNote[] = [];
  const videoKeys = new Set(document.videos.map((video) => video.key));
  // Frames may come before the videos they name, so they are checked against them once all is read.
  const known = images.filter((image) => {
    if (image.placement && videoKeys.has(image.placement.video)) return true;
    problems.push({ item: image.item, message: `its video ${image.placement?.video} is not listed in "videos"` });
    return false;
  });
  return {
    format: 'stillframe',
    found: `Stillframe JSON ${path.basename(file)}`,
    root: dir,
    labels: document.labels,
    images: known,
    problems,
    warnings: [],
    converted: [],
    layout: { batches: document.batches.map((batch) => batch.name), videos: document.videos },
  };
}
