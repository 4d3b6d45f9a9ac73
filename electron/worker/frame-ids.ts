import { createHash } from 'node:crypto';

/** A fixed namespace for frame ids, so every worker and every rerun names the same frame alike. */
const frameNamespace = 'stillframe:frame:';

/**
 * The id of a video's frame at `index`, the same on every run (a UUIDv5-style hash of the video and the position):
 * a worker killed mid-job and its rerun write the same rows, so the rerun's upserts are plain updates, never a second
 * frame at the same position.
 */
export function frameIdFor(videoId: string, index: number): string {
  const bytes = createHash('sha1').update(`${frameNamespace}${videoId}:${index}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `<project>/<batch_slug>/<video>/frame_000001.jpg` and its thumbnail under `<project>/thumbs/`: as the desktop names them. */
export function frameObjectPaths(projectId: string, batchSlug: string, videoId: string, fileName: string): { image: string; thumb: string } {
  return {
    image: `${projectId}/${batchSlug}/${videoId}/${fileName}`,
    thumb: `${projectId}/thumbs/${batchSlug}/${videoId}/${fileName}`,
  };
}
