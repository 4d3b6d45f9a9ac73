import path from 'node:path';
import type { ParsedShapeInput } from '../../shared/annotations';
import type { ExportRequest } from '../../shared/dataset-contract';
import type { Frame } from '../../shared/domain';
import { baseName, datasetFileName, videoPrefixes } from '../../shared/formats/file-names';
import { uuidv7 } from '../../shared/ids';
import { ingestFiles } from '../ingest/ingest';
import { createLabel, listLabels, listShapes, restoreShapes } from '../library/annotations';
import { listProjectFrames } from '../library/frames';
import { createProject } from '../library/projects';
import type { Services } from '../services';
import { mediaDir } from '../test-support/temp-library';

/**
 * A project made the way a person makes one: two real clips ingested into two batches (2 frames of 640×480 from
 * milk.mkv, 4 of 768×432 from car-detection.mp4), labels with spaces, punctuation and non-ASCII letters, and shapes
 * of every type, including ones each format cannot hold; the second milk frame is left without shapes.
 */
export async function seedProject(services: Services, name = 'Street scenes') {
  const { db } = services;
  const project = createProject(db, name);
  for (const [batch, clip, seconds] of [['Shelf 1', 'milk.mkv', 1], ['Road, north', 'car-detection.mp4', 10]] as const) {
    const result = await ingestFiles(db, services.ingestSettings, {
      projectId: project.id,
      batch: { newName: batch },
      paths: [path.join(mediaDir, clip)],
      options: { sampling: { mode: 'every', seconds }, jpegQuality: 3 },
    });
    services.startQueue();
    services.queue.wake();
    await services.queue.waitFor(result.jobIds);
  }
  // Labels list in creation order, and ones made within one millisecond in random order: a pause keeps them apart.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 2));
  const car = createLabel(db, {
    projectId: project.id,
    name: 'car',
    color: '#1e90ff',
    hotkey: 1,
    attributes: [
      { key: 'make', name: 'Make', type: 'text' },
      { key: 'parked', name: 'Parked', type: 'checkbox' },
      { key: 'difficult', name: 'Difficult', type: 'checkbox' },
    ],
  });
  await pause();
  const light = createLabel(db, { projectId: project.id, name: 'traffic light', color: '#ff0000', hotkey: null, attributes: [] });
  await pause();
  const bottle = createLabel(db, { projectId: project.id, name: 'Ölflasche “groß”, 1 L', color: '#00aa00', hotkey: 3, attributes: [] });
  await pause();
  const person = createLabel(db, { projectId: project.id, name: 'person', color: '#ffaa00', hotkey: null, attributes: [] });

  const frames = listProjectFrames(db, project.id, null);
  const milk = frames.filter((frame) => frame.videoName === 'milk.mkv');
  const road = frames.filter((frame) => frame.videoName === 'car-detection.mp4');
  const shape = (frame: Frame, input: Omit<ParsedShapeInput, 'id' | 'frameId' | 'note' | 'attributes' | 'hidden' | 'locked'> & Partial<ParsedShapeInput>): ParsedShapeInput => ({
    id: uuidv7(),
    frameId: frame.id,
    note: '',
    attributes: {},
    hidden: false,
    locked: false,
    ...input,
  });
  const at = (list: readonly Frame[], i: number): Frame => {
    const frame = list[i];
    if (!frame) throw new Error(`The fixture expected frame ${i + 1} of ${list.length}.`);
    return frame;
  };
  const [milk1, milk2, road1, road2, road3, road4] = [at(milk, 0), at(milk, 1), at(road, 0), at(road, 1), at(road, 2), at(road, 3)];
  restoreShapes(db, [
    shape(milk1, { type: 'rectangle', points: [100.25, 50.5, 300.75, 250], labelId: bottle.id, zIndex: 0 }),
    shape(milk1, { type: 'polygon', points: [10, 10, 90, 12, 80, 70, 15, 60], labelId: bottle.id, zIndex: 1 }),
    shape(milk1, { type: 'polyline', points: [0, 0, 50, 50, 100, 20], labelId: light.id, zIndex: 2 }),
    shape(milk1, { type: 'point', points: [320, 240], labelId: person.id, zIndex: 3 }),
    shape(milk1, { type: 'point', points: [330.5, 250.5], labelId: person.id, zIndex: 4 }),
    shape(road1, {
      type: 'rectangle',
      points: [10, 20, 200, 120],
      labelId: car.id,
      zIndex: 0,
      attributes: { make: 'Ford, "Model T"', parked: true, difficult: true },
      note: 'first car,\nwith a "quoted" note',
    }),
    shape(road1, { type: 'rectangle', points: [400, 100, 768, 432], labelId: light.id, zIndex: 1, hidden: true, locked: true }),
    shape(road1, { type: 'point', points: [5, 5], labelId: person.id, zIndex: 2 }),
    shape(road2, { type: 'polygon', points: [100, 100, 200, 100, 220, 200, 90, 210], labelId: car.id, zIndex: 0 }),
    shape(road2, { type: 'rectangle', points: [1, 1, 50, 40], labelId: null, zIndex: 1 }),
    shape(road3, { type: 'polygon', points: [300.123, 10.456, 420.789, 30.5, 410, 200.25, 305.5, 190], labelId: car.id, zIndex: 0 }),
    shape(road4, { type: 'point', points: [700, 400], labelId: person.id, zIndex: 0 }),
  ]);
  return { project, labels: { car, light, bottle, person }, frames: { milk1, milk2, road1, road2, road3, road4 } };
}

/** An export request with every option at its default, for tests to override. */
export const exportRequest = (projectId: string, outDir: string, extra: Partial<ExportRequest> = {}): ExportRequest => ({
  projectId,
  format: 'coco',
  outDir,
  images: 'copy',
  zip: false,
  skipEmpty: false,
  yoloSegments: false,
  valRatio: 0,
  testRatio: 0,
  splitBy: 'video',
  seed: 0,
  force: false,
  ...extra,
});

export interface DrawnShape {
  type: string;
  label: string | null;
  points: number[];
  attributes: Record<string, unknown>;
}

/** Every frame's shapes by the frame's file name: its export name (`<video>_<file>`), or its own. */
export function drawnShapes(services: Services, projectId: string, key: 'exported' | 'own'): Map<string, DrawnShape[]> {
  const { db } = services;
  const labels = new Map(listLabels(db, projectId).map((label) => [label.id, label.name]));
  const videos = db.prepare('SELECT id, name FROM videos WHERE project_id = ? ORDER BY created_at, id').all(projectId);
  const prefixes = videoPrefixes(videos.map((row) => ({ id: String(row.id), name: String(row.name) })));
  const byFrame = new Map<string, DrawnShape[]>();
  for (const frame of listProjectFrames(db, projectId, null)) {
    const name = key === 'own' ? baseName(frame.path) : datasetFileName(prefixes.get(frame.videoId) ?? '', frame.path);
    byFrame.set(
      name,
      listShapes(db, frame.id).map((shape) => ({
        type: shape.type,
        label: shape.labelId === null ? null : (labels.get(shape.labelId) ?? null),
        points: shape.points,
        attributes: shape.attributes,
      })),
    );
  }
  return byFrame;
}
