import path from 'node:path';
import {
  defaultDedupeThreshold,
  defaultMinSharpness,
  selectionIsActive,
  type Selection,
} from '../../shared/frame-selection';
import { StillframeError } from '../../shared/errors';
import { listBatches } from '../library/batches';
import { listLeftOutFrames } from '../library/left-out';
import type { Services } from '../services';

/** `--dedupe` and `--min-sharpness` may come without a value; node's parseArgs cannot say so, hence the rewrite. */
const optionalValueFlags = ['--dedupe', '--min-sharpness'];

export const selectionFlagOptions = {
  dedupe: { type: 'string' },
  'min-sharpness': { type: 'string' },
  pick: { type: 'string' },
} as const;

const looksLikeNumber = (text: string | undefined): boolean => text !== undefined && text.trim() !== '' && Number.isFinite(Number(text));

/** Gives a bare `--dedupe` or `--min-sharpness` an empty value (its default), leaving `--dedupe 4` as it is. */
export function withOptionalValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (optionalValueFlags.includes(arg)) {
      if (looksLikeNumber(args[i + 1])) {
        out.push(`${arg}=${args[i + 1]}`);
        i++;
      } else out.push(`${arg}=`);
    } else out.push(arg);
  }
  return out;
}

function numberOrDefault(value: string, flag: string, fallback: number, rule: (n: number) => boolean, words: string): number {
  if (value === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || !rule(number)) throw new StillframeError('invalid-input', `${flag} needs ${words}, not “${value}”.`);
  return number;
}

/** The selection the ingest flags ask for, or undefined when none was given. */
export function selectionFrom(values: { dedupe?: string; 'min-sharpness'?: string; pick?: string }): Selection | undefined {
  const selection: Selection = {
    dedupe:
      values.dedupe === undefined
        ? null
        : numberOrDefault(values.dedupe, '--dedupe', defaultDedupeThreshold, (n) => n >= 0 && n <= 255, 'a difference between 0 and 255, such as 28'),
    minSharpness:
      values['min-sharpness'] === undefined
        ? null
        : numberOrDefault(values['min-sharpness'], '--min-sharpness', defaultMinSharpness, (n) => n >= 0, 'a sharpness of 0 or more, such as 20'),
    pick:
      values.pick === undefined
        ? null
        : numberOrDefault(values.pick, '--pick', 0, (n) => Number.isInteger(n) && n >= 1, 'a whole number of frames, such as 100'),
  };
  if (values.pick === '') throw new StillframeError('invalid-input', '--pick needs the number of frames to keep per video, such as 100.');
  return selectionIsActive(selection) ? selection : undefined;
}

/** `stillframe frames --left-out`: the sampled frames that frame selection left out, and why. */
export function leftOutListing(services: Services, projectId: string, batchId: string | null) {
  const batches = listBatches(services.db, projectId);
  const names = new Map(batches.map((batch) => [batch.id, batch.name]));
  const ids = batchId === null ? batches.map((batch) => batch.id) : [batchId];
  return listLeftOutFrames(services.db, ids).map((frame) => ({
    id: frame.id,
    video_id: frame.videoId,
    batch: names.get(frame.batchId) ?? '',
    index: frame.index,
    timestamp_ms: frame.timestampMs,
    reason: frame.reason,
    thumb_path: path.join(services.paths.root, frame.thumbPath),
  }));
}

/** How many sampled frames of one video frame selection left out (and are not brought back). */
export function leftOutCount(services: Services, videoId: string): number {
  const row = services.db.prepare('SELECT batch_id FROM videos WHERE id = ?').get(videoId) as { batch_id?: string } | undefined;
  if (row?.batch_id === undefined) return 0;
  return listLeftOutFrames(services.db, [row.batch_id]).filter((frame) => frame.videoId === videoId).length;
}
