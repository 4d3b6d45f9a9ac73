import { Suspense } from 'react';
import { lazyView } from '../lazy-view';

/**
 * The annotator (with Konva) is its own chunk: the project list and the grid never parse it. A project's page
 * fetches it while idle, so opening a frame does not wait for it, and once it is here it renders at once.
 */
const annotator = lazyView(async () => (await import('../annotate/Annotator')).Annotator);

export function preloadAnnotator(): void {
  if ('requestIdleCallback' in window) window.requestIdleCallback(() => annotator.preload(), { timeout: 2000 });
  else setTimeout(() => annotator.preload(), 500);
}

interface FrameViewProps {
  projectId: string;
  batchId: string;
  frameId: string;
  /** The zoom the address asks for; none means fit to the window. */
  zoom: number | undefined;
}

/** The frame route: one frame in the annotator, with its place in the batch. */
export function FrameView(props: FrameViewProps) {
  return (
    <Suspense fallback={<p role="status">Loading…</p>}>
      <annotator.View {...props} />
    </Suspense>
  );
}
