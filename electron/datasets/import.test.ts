import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExportRequest } from '../../shared/dataset-contract';
import type { Project } from '../../shared/domain';
import { listLabels, listShapes } from '../library/annotations';
import { listBatches } from '../library/batches';
import { listProjectFrames } from '../library/frames';
import { createProject, findProjectByName, listProjects } from '../library/projects';
import type { Services } from '../services';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';
import { exportDataset } from './export';
import { importDataset } from './import';
import { drawnShapes, exportRequest, seedProject, type DrawnShape } from './test-fixture';

const exportTo = (services: Services, projectId: string, outDir: string, extra: Partial<ExportRequest> = {}) =>
  exportDataset(services.paths, exportRequest(projectId, outDir, extra));

type Drawn = Pick<DrawnShape, 'type' | 'label' | 'points'>;

function expectSameShapes(actual: readonly Drawn[], expected: readonly Drawn[]): void {
  const order = (list: readonly Drawn[]) => [...list].sort((a, b) => `${a.type}${a.label}${a.points[0]}${a.points[1]}`.localeCompare(`${b.type}${b.label}${b.points[0]}${b.points[1]}`));
  const got = order(actual);
  const want = order(expected);
  expect(got.map((shape) => [shape.type, shape.label])).toEqual(want.map((shape) => [shape.type, shape.label]));
  got.forEach((shape, i) => {
    const other = want[i]?.points ?? [];
    expect(shape.points).toHaveLength(other.length);
    shape.points.forEach((value, j) => expect(Math.abs(value - (other[j] ?? 0))).toBeLessThanOrEqual(1));
  });
}

async function importInto(services: Services, project: Project, format: 'coco' | 'yolo' | 'stillframe', from: string, dryRun = false) {
  return importDataset(services.db, services.paths, { project, format, from, dryRun });
}

describe('dataset import', () => {
  it('gives the same project back from Stillframe JSON: export, import into an empty library, export again is identical', async () => {
    const source = openTestServices();
    const { project } = await seedProject(source);
    const first = path.join(tempLibraryDir(), 'first');
    await exportTo(source, project.id, first, { format: 'stillframe' });

    const target = openTestServices();
    const copy = createProject(target.db, 'Street scenes');
    const summary = await importInto(target, copy, 'stillframe', first);
    expect(summary).toMatchObject({
      images: { total: 6, matched: 0, added: 6, skipped: 0 },
      batches: ['Road, north', 'Shelf 1'],
      labels: { created: ['car', 'traffic light', 'Ölflasche “groß”, 1 L', 'person'], existing: [] },
      shapes: { added: 12, unchanged: 0, clamped: 0, skipped: 0 },
      problems: [],
      warnings: [],
    });
    for (const frame of listProjectFrames(target.db, copy.id, null)) {
      expect(existsSync(path.join(target.paths.root, frame.path))).toBe(true);
      expect(existsSync(path.join(target.paths.root, frame.thumbPath))).toBe(true);
    }

    const second = path.join(tempLibraryDir(), 'second');
    await exportTo(target, copy.id, second, { format: 'stillframe' });
    expect(readFileSync(path.join(second, 'stillframe.json'), 'utf8')).toBe(readFileSync(path.join(first, 'stillframe.json'), 'utf8'));
    expect(readdirSync(path.join(second, 'images')).sort()).toEqual(readdirSync(path.join(first, 'images')).sort());
    expect(listLabels(target.db, copy.id).map((label) => [label.name, label.color, label.hotkey, label.attributes.length])).toEqual(
      listLabels(source.db, project.id).map((label) => [label.name, label.color, label.hotkey, label.attributes.length]),
    );

    // Importing the same file again changes nothing: every frame matches, every shape is already there.
    const again = await importInto(target, copy, 'stillframe', first);
    expect(again).toMatchObject({ images: { matched: 6, added: 0 }, shapes: { added: 0, unchanged: 12 }, batches: [] });
  });

  it('round-trips COCO into an empty library with the same shapes within a pixel', async () => {
    const source = openTestServices();
    const { project } = await seedProject(source);
    const out = path.join(tempLibraryDir(), 'coco-set');
    await exportTo(source, project.id, out);

    const target = openTestServices();
    const copy = createProject(target.db, 'Copy');
    const summary = await importInto(target, copy, 'coco', out);
    expect(summary).toMatchObject({ images: { total: 6, added: 6 }, batches: ['coco-set'], shapes: { added: 10, clamped: 0 }, problems: [] });

    const before = drawnShapes(source, project.id, 'exported');
    const after = drawnShapes(target, copy.id, 'own');
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, shapes] of before) {
      // COCO has no lines, and no object without a class.
      expectSameShapes(after.get(name) ?? [], shapes.filter((shape) => shape.type !== 'polyline' && shape.label !== null));
    }

    // Into the project it came from, every image is a known frame and every shape already there.
    const back = await importInto(source, project, 'coco', path.join(out, 'annotations', 'instances.json'));
    expect(back).toMatchObject({ images: { matched: 6, added: 0 }, shapes: { added: 0, unchanged: 10 }, labels: { created: [] } });
  });

  it('round-trips YOLO (segmentation lines and data.yaml) into an empty library within a pixel', async () => {
    const source = openTestServices();
    const { project } = await seedProject(source);
    const out = path.join(tempLibraryDir(), 'yolo-set');
    await exportTo(source, project.id, out, { format: 'yolo', yoloSegments: true, valRatio: 0.5, seed: 3 });

    const target = openTestServices();
    const copy = createProject(target.db, 'Copy');
    const summary = await importInto(target, copy, 'yolo', path.join(out, 'data.yaml'));
    expect(summary).toMatchObject({ images: { total: 6, added: 6 }, shapes: { added: 6 }, problems: [] });
    expect(listLabels(target.db, copy.id).map((label) => label.name)).toEqual(['car', 'traffic light', 'Ölflasche “groß”, 1 L', 'person']);

    const before = drawnShapes(source, project.id, 'exported');
    const after = drawnShapes(target, copy.id, 'own');
    for (const [name, shapes] of before) {
      expectSameShapes(after.get(name) ?? [], shapes.filter((shape) => shape.type !== 'polyline' && shape.type !== 'point' && shape.label !== null));
    }
  });

  it('reports what a dry run would change and writes nothing', async () => {
    const source = openTestServices();
    const { project } = await seedProject(source);
    const out = path.join(tempLibraryDir(), 'set');
    await exportTo(source, project.id, out, { format: 'stillframe' });

    const target = openTestServices();
    const dry = await importDataset(target.db, target.paths, { project: null, format: 'stillframe', from: out, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, images: { added: 6 }, shapes: { added: 12 }, labels: { created: ['car', 'traffic light', 'Ölflasche “groß”, 1 L', 'person'] } });
    expect(listProjects(target.db)).toEqual([]);
    expect(readdirSync(target.paths.frames)).toEqual([]);

    const empty = createProject(target.db, 'Empty');
    await importInto(target, empty, 'stillframe', out, true);
    expect(listBatches(target.db, empty.id)).toEqual([]);
    expect(listLabels(target.db, empty.id)).toEqual([]);
  });

  it('says plainly when a file is not JSON or not YAML', async () => {
    const services = openTestServices();
    const project = createProject(services.db, 'P');
    const dir = tempLibraryDir();
    writeFileSync(path.join(dir, 'broken.json'), '{"images": [');
    await expect(importInto(services, project, 'coco', path.join(dir, 'broken.json'))).rejects.toThrow('“broken.json” is not valid JSON');
    await expect(importInto(services, project, 'stillframe', path.join(dir, 'broken.json'))).rejects.toThrow('“broken.json” is not valid JSON');
    writeFileSync(path.join(dir, 'data.yaml'), 'names: [car, "unclosed\n  - x: : y');
    await expect(importInto(services, project, 'yolo', path.join(dir, 'data.yaml'))).rejects.toThrow('“data.yaml” is not valid YAML');
    writeFileSync(path.join(dir, 'other.json'), '{"hello": 1}');
    await expect(importInto(services, project, 'coco', path.join(dir, 'other.json'))).rejects.toThrow('“other.json” is not a COCO instances file');
    await expect(importInto(services, project, 'coco', path.join(dir, 'nowhere'))).rejects.toThrow('does not exist');
  });

  it('imports what it can from a flawed COCO file: reports missing images and categories, clamps what reaches outside', async () => {
    const source = openTestServices();
    const { project } = await seedProject(source);
    const out = path.join(tempLibraryDir(), 'flawed');
    await exportTo(source, project.id, out);
    const file = path.join(out, 'annotations', 'instances.json');
    const coco = JSON.parse(readFileSync(file, 'utf8')) as { images: { id: number; file_name: string }[]; annotations: Record<string, unknown>[] };
    coco.annotations.push(
      { id: 900, image_id: 99, category_id: 1, bbox: [1, 1, 5, 5], iscrowd: 0 },
      { id: 901, image_id: 1, category_id: 42, bbox: [1, 1, 5, 5], iscrowd: 0 },
      { id: 902, image_id: 6, category_id: 1, bbox: [600, 400, 100, 200], iscrowd: 0, segmentation: [] },
      { id: 903, image_id: 6, category_id: 2, bbox: [-10, 5, 50, 20], iscrowd: 1, segmentation: { counts: 'abc', size: [480, 640] } },
    );
    coco.images.push({ id: 7, file_name: 'gone.jpg' });
    writeFileSync(file, JSON.stringify(coco));

    const target = openTestServices();
    const copy = createProject(target.db, 'Copy');
    const summary = await importInto(target, copy, 'coco', file);
    expect(summary.problems).toEqual([
      { item: 'annotation 900', message: 'its image 99 is not listed in "images"' },
      { item: 'annotation 901', message: 'its category 42 is not listed in "categories"' },
      { item: 'gone.jpg', message: 'its image file was not found; the image and its 0 shape(s) were left out' },
    ]);
    expect(summary.warnings).toEqual([{ item: 'milk_frame_000002.jpg', message: '2 shape(s) reached outside the 640×480 image and were clamped to it' }]);
    expect(summary.converted).toEqual([{ reason: 'RLE masks that could not be traced: imported as their bounding boxes', count: 1 }]);
    expect(summary).toMatchObject({ images: { total: 7, added: 6, skipped: 1 }, shapes: { added: 12, clamped: 2 } });
    const milk2 = drawnShapes(target, copy.id, 'own').get('milk_frame_000002.jpg') ?? [];
    expect(milk2).toEqual([
      { type: 'rectangle', label: 'car', points: [600, 400, 640, 480], attributes: {} },
      { type: 'rectangle', label: 'traffic light', points: [0, 5, 40, 25], attributes: {} },
    ]);
  });

  it('matches images to frames by file name and creates only the labels it lacks', async () => {
    const services = openTestServices();
    const { project, frames } = await seedProject(services);
    const dir = path.join(tempLibraryDir(), 'labels-only');
    mkdirSync(path.join(dir, 'labels'), { recursive: true });
    writeFileSync(path.join(dir, 'data.yaml'), 'names:\n  - car\n  - bus stop\n');
    // The frame's own file name is shared by both videos' first frames, so only the export name matches.
    writeFileSync(path.join(dir, 'labels', 'car-detection_frame_000004.txt'), '1 0.5 0.5 0.25 0.25\n0 0.1 0.1 0.1 0.1\n7 0.5 0.5 0.1 0.1\n');
    mkdirSync(path.join(dir, 'images'));
    writeFileSync(path.join(dir, 'images', 'car-detection_frame_000004.jpg'), '');
    const summary = await importInto(services, project, 'yolo', dir);
    expect(summary).toMatchObject({
      images: { total: 1, matched: 1, added: 0 },
      labels: { created: ['bus stop'], existing: ['car'] },
      shapes: { added: 2 },
      problems: [{ item: 'labels/car-detection_frame_000004.txt, line 3', message: "class 7 is not in data.yaml's names (0–1)" }],
    });
    const shapes = listShapes(services.db, frames.road4.id);
    expect(shapes.map((shape) => [shape.type, shape.points])).toEqual([
      ['point', [700, 400]],
      ['rectangle', [288, 162, 480, 270]],
      ['rectangle', [38.4, 21.6, 115.2, 64.8]],
    ]);
    expect(findProjectByName(services.db, 'Street scenes')?.frameCount).toBe(6);
  });
});
