import type { annotationCalls } from '../../shared/annotation-contract';
import {
  batchesOfFrames,
  copyShapesFromFrame,
  createLabel,
  deleteLabel,
  deleteShapes,
  frameAnnotationSummaries,
  getLabel,
  listLabels,
  listShapes,
  moveShapes,
  pasteShapes,
  restoreShapes,
  saveShape,
  updateLabel,
} from '../library/annotations';
import type { Services } from '../services';
import type { Handlers } from './handlers';

export type AnnotationHandlers = Pick<Handlers, keyof typeof annotationCalls>;

/** The annotation calls over the services; createHandlers spreads them into the contract's implementation. */
export function createAnnotationHandlers(services: Services): AnnotationHandlers {
  const { db, events } = services;
  // The events name no label or shape entity: labels and shapes are what a project's frames show, so views of
  // those frames re-read. A label reaches every batch of its project, hence no batch.
  const labelsChanged = (projectId: string) => events.emit('library.changed', { entity: 'frame', projectId, batchId: null });
  const framesChanged = (frameIds: Iterable<string>) => {
    for (const { projectId, batchId } of batchesOfFrames(db, frameIds)) {
      events.emit('library.changed', { entity: 'frame', projectId, batchId });
    }
  };

  return {
    'labels.list': ({ projectId }) => listLabels(db, projectId),
    'labels.create': (input) => {
      const label = createLabel(db, input);
      labelsChanged(label.projectId);
      return label;
    },
    'labels.update': ({ id, ...patch }) => {
      const label = updateLabel(db, id, patch);
      labelsChanged(label.projectId);
      return label;
    },
    'labels.delete': ({ id, reassignTo, deleteShapes }) => {
      const { projectId } = getLabel(db, id);
      const result = deleteLabel(db, id, { reassignTo, deleteShapes });
      labelsChanged(projectId);
      return result;
    },
    'shapes.list': ({ frameId }) => listShapes(db, frameId),
    'shapes.save': ({ shape }) => {
      const saved = saveShape(db, shape);
      framesChanged([saved.frameId]);
      return saved;
    },
    'shapes.delete': ({ ids }) => {
      const deleted = deleteShapes(db, ids);
      framesChanged(deleted.map((shape) => shape.frameId));
      return deleted;
    },
    'shapes.restore': ({ shapes }) => {
      const restored = restoreShapes(db, shapes);
      framesChanged(restored.map((shape) => shape.frameId));
      return restored;
    },
    'shapes.move': (input) => {
      const moved = moveShapes(db, input);
      framesChanged([input.frameId]);
      return moved;
    },
    'shapes.paste': ({ toFrameId, shapes }) => {
      const pasted = pasteShapes(db, toFrameId, shapes);
      framesChanged([toFrameId]);
      return pasted;
    },
    'shapes.copyFromFrame': ({ fromFrameId, toFrameId }) => {
      const copied = copyShapesFromFrame(db, fromFrameId, toFrameId);
      framesChanged([toFrameId]);
      return copied;
    },
    'frames.annotationCounts': ({ batchId }) => frameAnnotationSummaries(db, batchId),
  };
}
