import { open, rm } from 'node:fs/promises';
import { gridSide, type FrameFeatures } from '../../shared/frame-selection';

/**
 * Side of the small picture FFmpeg hands over for each sampled frame, cut from the thumbnail branch of the same decode:
 * large enough for the Laplacian to tell a blurred frame from a sharp one, small enough (48 KB) to cost nothing. Its
 * colour planes matter: a red car on grey asphalt has the asphalt's brightness.
 */
export const featureSide = 128;
const planeBytes = featureSide * featureSide;
export const featureBytes = planeBytes * 3;
export const featurePixelFormat = 'yuv444p';

/** The filter that turns the thumbnail branch's pictures into the pictures features are computed from. */
export const featureFilter = `scale=${featureSide}:${featureSide}:flags=area,format=${featurePixelFormat}`;

function blockMeans(plane: Uint8Array, side: number, into: Uint8Array, at: number): void {
  const block = side / gridSide;
  const sums = new Uint32Array(gridSide * gridSide);
  for (let y = 0; y < side; y++) {
    const row = y * side;
    const gridRow = Math.floor(y / block) * gridSide;
    for (let x = 0; x < side; x++) {
      const cell = gridRow + Math.floor(x / block);
      sums[cell] = (sums[cell] ?? 0) + (plane[row + x] ?? 0);
    }
  }
  const cell = block * block;
  for (let i = 0; i < sums.length; i++) into[at + i] = Math.round((sums[i] ?? 0) / cell);
}

/** Variance of the 4-neighbour Laplacian of the brightness plane: low when the picture is blurred. */
function laplacianVariance(luma: Uint8Array, side: number): number {
  let sum = 0;
  let sumSquares = 0;
  for (let y = 1; y < side - 1; y++) {
    const row = y * side;
    for (let x = 1; x < side - 1; x++) {
      const i = row + x;
      const laplacian = (luma[i - 1] ?? 0) + (luma[i + 1] ?? 0) + (luma[i - side] ?? 0) + (luma[i + side] ?? 0) - 4 * (luma[i] ?? 0);
      sum += laplacian;
      sumSquares += laplacian * laplacian;
    }
  }
  const inner = (side - 2) * (side - 2);
  const mean = sum / inner;
  return sumSquares / inner - mean * mean;
}

/** A frame's grids (block means of Y, U and V) and its sharpness, from one planar YUV 4:4:4 picture. */
export function computeFeatures(picture: Uint8Array, side = featureSide): FrameFeatures {
  const plane = side * side;
  const cells = gridSide * gridSide;
  const grid = new Uint8Array(cells * 3);
  for (let p = 0; p < 3; p++) blockMeans(picture.subarray(p * plane, (p + 1) * plane), side, grid, p * cells);
  return { grid, sharpness: laplacianVariance(picture.subarray(0, plane), side) };
}

/**
 * Reads the pictures FFmpeg wrote one after another into `file` (rawvideo), a chunk at a time so that a long
 * video never sits in memory whole, and removes the file.
 */
export async function readFeatureFile(file: string, count: number): Promise<FrameFeatures[]> {
  const handle = await open(file, 'r');
  const features: FrameFeatures[] = [];
  try {
    const perChunk = 64;
    const buffer = Buffer.alloc(featureBytes * perChunk);
    while (features.length < count) {
      const wanted = Math.min(perChunk, count - features.length);
      const { bytesRead } = await handle.read(buffer, 0, wanted * featureBytes, features.length * featureBytes);
      const whole = Math.floor(bytesRead / featureBytes);
      if (whole === 0) break;
      for (let i = 0; i < whole; i++) {
        features.push(computeFeatures(new Uint8Array(buffer.buffer, buffer.byteOffset + i * featureBytes, featureBytes)));
      }
    }
  } finally {
    await handle.close();
    await rm(file, { force: true });
  }
  return features;
}
