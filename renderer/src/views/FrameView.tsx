import { Annotator } from '../annotate/Annotator';

interface FrameViewProps {
  projectId: string;
  batchId: string;
  frameId: string;
}

/** The frame route: one frame in the annotator, with its place in the batch. */
export function FrameView({ projectId, batchId, frameId }: FrameViewProps) {
  return <Annotator projectId={projectId} batchId={batchId} frameId={frameId} />;
}
