import { z } from 'zod';

/**
 * Which sampled frames are worth labelling. Each frame is described by a tiny picture of itself (the mean brightness
 * and colour of each of 8 × 8 regions) and a sharpness score, both computed from the thumbnail extraction already
 * makes; this module decides, with no I/O, which frames are kept and why the others are left out.
 */

/** Regions per side of the grid a frame is compared by. */
export const gridSide = 8;
const cells = gridSide * gridSide;

/**
 * Defaults chosen on labelled real footage (`npm run bench:select`): two pictures are near-duplicates when no region
 * changed by more than this many grey levels (0–255), once a change of the whole picture's brightness is set aside.
 * A person walking into the room changes some region by 100 or more; one standing at a table and shifting weight,
 * by 5 to 25.
 */
export const defaultDedupeThreshold = 28;
/** Variance of the Laplacian on the 128 × 128 thumbnail's brightness below which a frame counts as blurred. */
export const defaultMinSharpness = 20;
/** Frames further apart than this (same scale as the dedupe threshold) belong to different scenes for `pick`. */
export const sceneDistance = 64;
/** Colour differences count double: a red car on grey asphalt has the asphalt's brightness but not its colour. */
const colourWeight = 2;

export const selectionSchema = z
  .object({
    /** Leave out a frame this close to the last kept frame of its video; null: keep near-duplicates. */
    dedupe: z.number().min(0).max(255).nullable().default(null),
    /** Leave out a frame whose sharpness is below this; null: keep blurred frames. */
    minSharpness: z.number().min(0).max(1e9).nullable().default(null),
    /** Keep at most this many frames per video, the most diverse ones (at least one per scene); null: no limit. */
    pick: z.number().int().min(1).max(1_000_000).nullable().default(null),
  })
  .strict();
export type Selection = z.output<typeof selectionSchema>;

export function selectionIsActive(selection: Selection | null | undefined): selection is Selection {
  return selection != null && (selection.dedupe !== null || selection.minSharpness !== null || selection.pick !== null);
}

export const leftOutReasonSchema = z.enum(['duplicate', 'blurry', 'not-picked']);
export type LeftOutReason = z.infer<typeof leftOutReasonSchema>;

export interface FrameFeatures {
  /** Mean Y, then U, then V of each region (gridSide² each, row by row). */
  grid: Uint8Array;
  sharpness: number;
}

export type Decision = 'kept' | LeftOutReason;

function meanBrightness(grid: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < cells; i++) sum += grid[i] ?? 0;
  return sum / cells;
}

/**
 * How far apart two frames look: the largest change of any region, in grey levels (0–255). The brightness of the
 * whole picture is set aside first, so a camera adjusting its exposure does not make every frame new; colour counts
 * `colourWeight` times.
 */
export function frameDistance(a: FrameFeatures, b: FrameFeatures): number {
  const shift = meanBrightness(a.grid) - meanBrightness(b.grid);
  let largest = 0;
  for (let i = 0; i < cells; i++) {
    const brightness = Math.abs((a.grid[i] ?? 0) - (b.grid[i] ?? 0) - shift);
    const u = colourWeight * Math.abs((a.grid[cells + i] ?? 0) - (b.grid[cells + i] ?? 0));
    const v = colourWeight * Math.abs((a.grid[2 * cells + i] ?? 0) - (b.grid[2 * cells + i] ?? 0));
    largest = Math.max(largest, brightness, u, v);
  }
  return largest;
}

/**
 * Consecutive frames that stay within `threshold` of the sharpest frame of their run so far, the one the run would
 * keep. Measuring against that frame rather than the previous one keeps a slow pan from chaining a whole video into
 * one run; measuring against the sharpest rather than the first keeps a blurred opening from splitting a scene.
 */
export function runsOf(features: readonly FrameFeatures[], threshold: number): number[][] {
  const runs: number[][] = [];
  let current: number[] = [];
  let best: FrameFeatures | undefined;
  for (const [i, frame] of features.entries()) {
    if (best !== undefined && frameDistance(best, frame) <= threshold) {
      current.push(i);
      if (frame.sharpness > best.sharpness) best = frame;
      continue;
    }
    if (current.length > 0) runs.push(current);
    current = [i];
    best = frame;
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

function sharpest(features: readonly FrameFeatures[], indices: readonly number[]): number | undefined {
  let best: number | undefined;
  for (const i of indices) {
    if (best === undefined || (features[i]?.sharpness ?? 0) > (features[best]?.sharpness ?? 0)) best = i;
  }
  return best;
}

/**
 * Greedy farthest-point choice: starts from one frame per scene, then adds the frame farthest from everything chosen
 * until `count` are chosen. Returns the chosen indices into `candidates`.
 */
function mostDiverse(features: readonly FrameFeatures[], candidates: readonly number[], count: number): Set<number> {
  const scenes = runsOf(
    candidates.map((i) => features[i] as FrameFeatures),
    sceneDistance,
  );
  const chosen = new Set<number>();
  for (const scene of scenes) {
    const best = sharpest(features, scene.map((k) => candidates[k] ?? 0));
    if (best !== undefined) chosen.add(best);
  }
  const nearest = new Map<number, number>();
  for (const i of candidates) {
    if (chosen.has(i)) continue;
    let min = Number.POSITIVE_INFINITY;
    for (const c of chosen) min = Math.min(min, frameDistance(features[i] as FrameFeatures, features[c] as FrameFeatures));
    nearest.set(i, min);
  }
  while (chosen.size < count && nearest.size > 0) {
    let far = -1;
    let farDistance = -1;
    for (const [i, distance] of nearest) {
      if (distance > farDistance) {
        far = i;
        farDistance = distance;
      }
    }
    chosen.add(far);
    nearest.delete(far);
    const added = features[far] as FrameFeatures;
    for (const [i, distance] of nearest) nearest.set(i, Math.min(distance, frameDistance(features[i] as FrameFeatures, added)));
  }
  return chosen;
}

/**
 * Decides, for one video's frames in time order, which are kept. Within a run of near-duplicates the sharpest frame
 * that passes the sharpness bar is kept; the others are duplicates, or blurry when they fail the bar themselves.
 */
export function selectFrames(features: readonly FrameFeatures[], selection: Selection): Decision[] {
  const decisions: Decision[] = features.map(() => 'kept');
  const { dedupe, minSharpness, pick } = selection;
  const sharpEnough = (i: number): boolean => minSharpness === null || (features[i]?.sharpness ?? 0) >= minSharpness;
  const runs = dedupe === null ? features.map((_, i) => [i]) : runsOf(features, dedupe);
  for (const run of runs) {
    const keep = sharpest(features, run.filter(sharpEnough));
    for (const i of run) {
      if (i !== keep) decisions[i] = sharpEnough(i) ? 'duplicate' : 'blurry';
    }
  }
  if (pick !== null) {
    const kept = decisions.flatMap((decision, i) => (decision === 'kept' ? [i] : []));
    if (kept.length > pick) {
      const chosen = mostDiverse(features, kept, pick);
      for (const i of kept) if (!chosen.has(i)) decisions[i] = 'not-picked';
    }
  }
  return decisions;
}

export interface SelectionCounts {
  kept: number;
  duplicate: number;
  blurry: number;
  'not-picked': number;
}

export function countDecisions(decisions: readonly Decision[]): SelectionCounts {
  const counts: SelectionCounts = { kept: 0, duplicate: 0, blurry: 0, 'not-picked': 0 };
  for (const decision of decisions) counts[decision]++;
  return counts;
}
