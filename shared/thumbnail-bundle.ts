import { z } from 'zod';

/**
 * Many thumbnails in one HTTP response, for the browser host. A screen of the frame grid shows about 70
 * thumbnails, and a browser opens at most six HTTP/1.1 connections to one host, so one request per thumbnail
 * queues for most of a second. They come back as data: URLs because Chromium paints those several times faster
 * than as many blob: URLs, each of which costs a round trip to its blob registry (measured: 72 thumbnails decoded
 * and painted in about 100 ms as data: URLs, 400–550 ms as blob: URLs, 550–950 ms as separate requests).
 *
 * The page POSTs this request to `thumbnailBundlePath` and reads the answer with `readThumbnailBundle` (host-wire.ts,
 * free of zod: the project list's covers are asked for as it first renders).
 */
export const thumbnailBundleRequestSchema = z
  .object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(256) })
  .strict();
export type ThumbnailBundleRequest = z.infer<typeof thumbnailBundleRequestSchema>;
