import { open, rm } from 'node:fs/promises';
import { gridSide, type FrameFeatures } from '../../shared/frame-selection';

/**
 * Side of the grey picture FFmpeg hands over for each sampled frame, cut from the thumbnail branch of the same decode:
 * large enough for the Laplacian to tell a blurred frame from a sharp one, small enough (16 KB) to cost nothing.
 */
export const featureSide = 128;
export const featureBytes = featureSide * featureSide;

/** The filter that turns the thumbnail branch's pictures into the grey pictures features are computed from. */
export const featureFilter = `scale=${featureSide}:${featureSide}:flags=area,format=gray`;

/** A frame's grey grid (block means) and its sharpness (variance of the 4-neighbour Laplacian). */
export function computeFeatures(grey: Uint8Array, side = featureSide): FrameFeatures {
  const block = side / gridSide;
  const sums = new Uint32Array(gridSide * gridSide);
  let sum = 0;
  let sumSquares = 0;
  for (let y = 0; y < side; y++) {
    const row = y * side;
    const gridRow = Math.floor(y / block) * gridSide;
    for (let x = 0; x < side; x++) {
      const value = grey[row + x] ?? 0;
      const cell = gridRow + Math.floor(x / block);
      sums[cell] = (sums[cell] ?? 0) + value;
      if (y === 0 || x === 0 || y === side - 1 || x === side - 1) continue;
      const laplacian =
        (grey[row + x - 1] ?? 0) + (grey[row + x + 1] ?? 0) + (grey[row - side + x] ?? 0) + (grey[row + side + x] ?? 0) - 4 * value;
      sum += laplacian;
      sumSquares += laplacian * laplacian;
    }
  }
  const inner = (side - 2) * (side - 2);
  const mean = sum / inner;
  const grid = new Uint8Array(gridSide * gridSide);
  const cell = block * block;
  for (let i = 0; i < grid.length; i++) grid[i] = Math.round((sums[i] ?? 0) / cell);
  return { grid, sharpness: sumSquares / inner - mean * mean };
}

/**
 * Reads the grey pictures FFmpeg wrote one after another into `file` (rawvideo), a chunk at a time so that a long
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
