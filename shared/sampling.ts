import { z } from 'zod';
import { selectionSchema } from './frame-selection';

/** How frames are picked from a video. Timestamps are always the source frame's real pts, never index × rate. */
export const samplingSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('every'), seconds: z.number().positive().max(86_400) }),
  z.object({ mode: z.literal('nth'), n: z.number().int().min(1).max(1_000_000) }),
  z.object({ mode: z.literal('keyframes') }),
  z.object({ mode: z.literal('scene'), threshold: z.number().gt(0).lt(1) }),
]);
export type Sampling = z.infer<typeof samplingSchema>;

export const extractionOptionsSchema = z.object({
  sampling: samplingSchema,
  maxFrames: z.number().int().positive().max(1_000_000).optional(),
  /** JPEG quality as FFmpeg's -q:v scale, 2 (best) to 31 (worst). */
  jpegQuality: z.number().int().min(2).max(31).default(3),
  /** Which of the sampled frames are kept (near-duplicates, blur, the N most diverse); omitted: all of them. */
  selection: selectionSchema.optional(),
});
export type ExtractionOptions = z.infer<typeof extractionOptionsSchema>;

export const defaultSampling: Sampling = { mode: 'every', seconds: 1 };

/** 1 → "1st", 2 → "2nd", 3 → "3rd", 11 → "11th", 22 → "22nd". */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n.toLocaleString('en')}${suffix}`;
}

function secondsText(seconds: number): string {
  return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
}

export function describeSampling(sampling: Sampling): string {
  switch (sampling.mode) {
    case 'every':
      return sampling.seconds === 1 ? 'one frame per second' : `one frame every ${secondsText(sampling.seconds)}`;
    case 'nth':
      return sampling.n === 1 ? 'every frame' : `every ${ordinal(sampling.n)} frame`;
    case 'keyframes':
      return 'keyframes only';
    case 'scene':
      return `scene changes (threshold ${sampling.threshold})`;
  }
}
