import { lazy, Suspense } from 'react';

/**
 * The annotator (with Konva) is its own chunk: the project list and the grid never parse it. A project's page
 * fetches it while idle, so opening a frame does not wait for it.
 */
const loadAnnotator = () => import('../annotate/Annotator');
const Annotator = lazy(async () => ({ default: (await loadAnnotator()).Annotator }));

export function preloadAnnotator(): void {
  const load = () => void loadAnnotator();
  if ('requestIdleCallback' in window) window.requestIdleCallback(load, { timeout: 2000 });
  else setTimeout(load, 500);
}

interface FrameViewProps {
  projectId: string;
  batchId: string;
  frameId: string;
  /** The zoom the address asks for; none means fit to the window. */
  zoom: number | undefined;
}

/** The frame route: one frame in the annotator, with its place in the batch. */
export function FrameView({ projectId, batchId, frameId, zoom }: FrameViewProps) {
  return (
    <Suspense fallback={<p role="status">Loading…</p>}>
      <Annotator projectId={projectId} batchId={batchId} frameId={frameId} zoom={zoom} />
    </Suspense>
  );
}
