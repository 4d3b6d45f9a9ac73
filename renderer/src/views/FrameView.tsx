import { Annotator } from '../annotate/Annotator';

interface FrameViewProps {
  projectId: string;
  batchId: string;
  frameId: string;
  /** The zoom the address asks for; none means fit to the window. */
  zoom: number | undefined;
}

/** The frame route: one frame in the annotator, with its place in the batch. */
export function FrameView({ projectId, batchId, frameId, zoom }: FrameViewProps) {
  return <Annotator projectId={projectId} batchId={batchId} frameId={frameId} zoom={zoom} />;
}
