/** How long the page may stay busy before the frame's pixels are kept anyway, in milliseconds. */
const idleTimeoutMs = 1_000;

/**
 * Keeps the shown frame's decoded pixels as an ImageBitmap, made once the page is idle so the frame's opening does
 * not wait for it. Chromium lets a drawn image's decoded pixels go after a while; the next zoom or pan, which paints
 * the frame directly at each step, then decoded the 4K JPEG again in one 46-74 ms frame (a Chromium trace of the
 * bench). An ImageBitmap's pixels stay until it is closed: one frame's worth (33 MB at 4K), closed when the frame
 * changes. Returns the function that lets it go.
 */
export function keepDecoded(image: HTMLImageElement, onReady: (bitmap: ImageBitmap) => void): () => void {
  let live = true;
  let kept: ImageBitmap | null = null;
  const idle = requestIdleCallback(
    () => {
      createImageBitmap(image).then(
        (bitmap) => {
          if (!live) return bitmap.close();
          kept = bitmap;
          onReady(bitmap);
        },
        // The image element stays the source: drawing it works as it did, decoding when Chromium has to.
        () => undefined,
      );
    },
    { timeout: idleTimeoutMs },
  );
  return () => {
    live = false;
    cancelIdleCallback(idle);
    kept?.close();
  };
}
