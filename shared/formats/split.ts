/**
 * A small seeded generator (32-bit state, a Weyl step then an integer hash): the same seed gives the same split on
 * every machine and every run, which Math.random cannot promise.
 */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  };
}

export const splitParts = ['train', 'val', 'test'] as const;
export type SplitPart = (typeof splitParts)[number];
export type SplitBy = 'video' | 'frame';

export interface SplitRequest {
  valRatio: number;
  testRatio: number;
  splitBy: SplitBy;
  seed: number;
}

export type PartCounts = Record<SplitPart, number>;

export interface SplitPlan {
  /** Per image in export order: 0 train, 1 val, 2 test. One byte per image, so a million frames cost a megabyte. */
  parts: Uint8Array;
  /** Images per split, as planned (before any image is found missing). */
  counts: PartCounts;
  /** The share of images each split got, to set beside the ratios asked for. */
  achieved: PartCounts;
  /** Per split, how many of its images come from a video that also feeds another split: the leakage. */
  sharedVideoImages: PartCounts;
}

function shuffled(count: number, seed: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const random = seededRandom(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = swap;
  }
  return order;
}

export function splitRequested(request: Pick<SplitRequest, 'valRatio' | 'testRatio'>): boolean {
  return request.valRatio > 0 || request.testRatio > 0;
}

/**
 * Splits images (given by the video each comes from, in export order) into train, val and test. By video (the
 * default), whole videos go to one split each, so frames a few seconds apart never sit on both sides of the
 * evaluation.
 * By frame, exactly round(total × ratio) images go to val and to test, by a seeded shuffle.
 */
export function planSplit(videoOfImage: Uint32Array, request: SplitRequest): SplitPlan {
  const total = videoOfImage.length;
  const parts = new Uint8Array(total);
  const targets = [total * (1 - request.valRatio - request.testRatio), total * request.valRatio, total * request.testRatio];
  if (request.splitBy === 'frame') {
    const order = shuffled(total, request.seed);
    const val = Math.min(total, Math.round(targets[1] ?? 0));
    const test = Math.min(total - val, Math.round(targets[2] ?? 0));
    for (let i = 0; i < val + test; i++) parts[order[i] ?? 0] = i < val ? 1 : 2;
  } else {
    let videos = 0;
    for (const video of videoOfImage) videos = Math.max(videos, video + 1);
    const sizes = new Uint32Array(videos);
    for (const video of videoOfImage) sizes[video] = (sizes[video] ?? 0) + 1;
    const partOfVideo = new Uint8Array(videos);
    const filled = [0, 0, 0];
    // Largest videos first (the seed orders videos of equal length), each where it brings the splits closest to
    // their targets: the usual way to pack uneven pieces close to given sizes.
    const order = [...shuffled(videos, request.seed)].sort((a, b) => (sizes[b] ?? 0) - (sizes[a] ?? 0));
    const missAfter = (part: number, size: number): number =>
      targets.reduce((sum, target, p) => sum + Math.abs((filled[p] ?? 0) + (p === part ? size : 0) - target), 0);
    for (const video of order) {
      const size = sizes[video] ?? 0;
      let part = 0;
      for (let p = 1; p < 3; p++) if ((targets[p] ?? 0) > 0 && missAfter(p, size) < missAfter(part, size)) part = p;
      partOfVideo[video] = part;
      filled[part] = (filled[part] ?? 0) + (sizes[video] ?? 0);
    }
    for (let i = 0; i < total; i++) parts[i] = partOfVideo[videoOfImage[i] ?? 0] ?? 0;
  }
  return { parts, ...splitFigures(videoOfImage, parts) };
}

function splitFigures(videoOfImage: Uint32Array, parts: Uint8Array): Omit<SplitPlan, 'parts'> {
  const counts: PartCounts = { train: 0, val: 0, test: 0 };
  const partsOfVideo = new Map<number, number>();
  parts.forEach((part, i) => {
    counts[splitParts[part] ?? 'train']++;
    const video = videoOfImage[i] ?? 0;
    partsOfVideo.set(video, (partsOfVideo.get(video) ?? 0) | (1 << part));
  });
  const sharedVideoImages: PartCounts = { train: 0, val: 0, test: 0 };
  parts.forEach((part, i) => {
    const mask = partsOfVideo.get(videoOfImage[i] ?? 0) ?? 0;
    if ((mask & (mask - 1)) !== 0) sharedVideoImages[splitParts[part] ?? 'train']++;
  });
  const total = parts.length || 1;
  const achieved: PartCounts = { train: counts.train / total, val: counts.val / total, test: counts.test / total };
  return { counts, achieved, sharedVideoImages };
}
