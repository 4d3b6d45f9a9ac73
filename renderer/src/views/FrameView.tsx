import { lazy, Suspense } from 'react';
// Types only: erased from the build, so this module does not pull the chunk in.
import type { Annotator } from '../annotate/Annotator';

interface AnnotatorModule {
  Annotator: typeof Annotator;
}

/**
 * The annotator (with Konva) is its own chunk: the project list and the grid never parse it. A project's page
 * fetches it while idle, so opening a frame does not wait for it.
 */
let loaded: AnnotatorModule | null = null;
let loading: Promise<AnnotatorModule> | null = null;
function loadAnnotator(): Promise<AnnotatorModule> {
  loading ??= import('../annotate/Annotator').then(
    (module) => (loaded = module),
    (error: unknown) => {
      // A failed fetch (the host restarting) is tried again on the next open.
      loading = null;
      throw error;
    },
  );
  return loading;
}
const LazyAnnotator = lazy(async () => ({ default: (await loadAnnotator()).Annotator }));

export function preloadAnnotator(): void {
  const load = () => void loadAnnotator().catch(() => undefined);
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

/**
 * The frame route: one frame in the annotator, with its place in the batch. Once the chunk is here the annotator
 * is rendered directly: going through `lazy` would suspend on the first render even so, and React holds back
 * content that replaces a Suspense fallback for 300 ms, which the first open of a frame would then wait out.
 */
export function FrameView({ projectId, batchId, frameId, zoom }: FrameViewProps) {
  if (loaded) return <loaded.Annotator projectId={projectId} batchId={batchId} frameId={frameId} zoom={zoom} />;
  return (
    <Suspense fallback={<p role="status">Loading…</p>}>
      <LazyAnnotator projectId={projectId} batchId={batchId} frameId={frameId} zoom={zoom} />
    </Suspense>
  );
}
