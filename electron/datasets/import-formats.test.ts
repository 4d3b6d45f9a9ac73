import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../shared/domain';
import type { ImportFormat } from '../../shared/formats/dataset';
import { listLabels } from '../library/annotations';
import { listBatches } from '../library/batches';
import { createProject } from '../library/projects';
import type { Services } from '../services';
import { mediaDir, openTestServices, tempLibraryDir } from '../test-support/temp-library';
import { exportDataset } from './export';
import { importDataset } from './import';
import { ZipWriter } from './zip';
import { drawnShapes, exportRequest, seedProject, type DrawnShape } from './test-fixture';

const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';

/** A small real image, made by FFmpeg, at `file` (its extension says JPEG or PNG). */
function image(file: string, width = 64, height = 48, color = 'teal'): void {
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync(ffmpeg, ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=${color}:s=${width}x${height}`, '-frames:v', '1', file]);
}

/** Writes files (relative path → text) under a new folder named `name`; returns the folder. */
function dataset(name: string, files: Record<string, string>, images: string[] = []): string {
  const root = path.join(tempLibraryDir(), name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  for (const file of images) image(path.join(root, file));
  return root;
}

async function zipFolder(folder: string, into: string): Promise<string> {
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const zip = await ZipWriter.create(into);
  const walk = async (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) await walk(full, `${prefix}${name}/`);
      else await zip.add(`${prefix}${name}`, [readFileSync(full)]);
    }
  };
  await walk(folder, `${path.basename(folder)}/`);
  await zip.close();
  return into;
}

const run = (services: Services, project: Project | null, format: ImportFormat, from: string, extra: { dryRun?: boolean; images?: string; video?: string } = {}) =>
  importDataset(services.db, services.paths, { project, format, from, dryRun: extra.dryRun ?? false, images: extra.images, video: extra.video });

function expectWithinAPixel(actual: readonly DrawnShape[], expected: readonly DrawnShape[]): void {
  const order = (list: readonly DrawnShape[]) => [...list].sort((a, b) => `${a.type}${a.label}${a.points[0]}${a.points[1]}`.localeCompare(`${b.type}${b.label}${b.points[0]}${b.points[1]}`));
  const got = order(actual);
  const want = order(expected);
  expect(got.map((shape) => [shape.type, shape.label, shape.attributes])).toEqual(want.map((shape) => [shape.type, shape.label, shape.attributes]));
  got.forEach((shape, i) => {
    const other = want[i]?.points ?? [];
    expect(shape.points).toHaveLength(other.length);
    shape.points.forEach((value, j) => expect(Math.abs(value - (other[j] ?? 0))).toBeLessThanOrEqual(1));
  });
}

describe('import from other tools', () => {
  it('round-trips CVAT for images: every shape, label and attribute back within a pixel, and CVAT reads its own zip', async () => {
    const source = openTestServices();
    const { project } = await seedProject(source);
    const out = path.join(tempLibraryDir(), 'cvat-set');
    const exported = await exportDataset(source.paths, exportRequest(project.id, out, { format: 'cvat' }));
    expect(exported).toMatchObject({ images: 6, shapes: 11, skipped: [{ reason: 'shapes without a label: CVAT needs a class for every object', count: 1 }] });

    const target = openTestServices();
    const copy = createProject(target.db, 'Copy');
    const summary = await run(target, copy, 'auto', out);
    expect(summary).toMatchObject({ format: 'cvat', found: 'CVAT for images 1.1 (annotations.xml)', images: { added: 6 }, shapes: { added: 11 }, problems: [], warnings: [] });
    const before = drawnShapes(source, project.id, 'exported');
    const after = drawnShapes(target, copy.id, 'own');
    for (const [name, shapes] of before) expectWithinAPixel(after.get(name) ?? [], shapes.filter((shape) => shape.label !== null));
    expect(listLabels(target.db, copy.id).find((label) => label.name === 'car')?.attributes.map((def) => [def.key, def.type])).toEqual([
      ['make', 'text'],
      ['parked', 'checkbox'],
      ['difficult', 'checkbox'],
    ]);

    const zipped = await zipFolder(out, path.join(tempLibraryDir(), 'cvat-set.zip'));
    const again = createProject(target.db, 'From zip');
    expect(await run(target, again, 'cvat', zipped)).toMatchObject({ images: { added: 6 }, shapes: { added: 11 }, batches: ['cvat-set'], problems: [] });
    const back = await run(source, project, 'cvat', path.join(out, 'annotations.xml'));
    expect(back).toMatchObject({ images: { matched: 6 }, shapes: { added: 0, unchanged: 11 } });
  });

  it('round-trips Pascal VOC: boxes within a pixel with their flags, polygons as their boxes', async () => {
    const source = openTestServices();
    const { project } = await seedProject(source);
    const out = path.join(tempLibraryDir(), 'voc-set');
    await exportDataset(source.paths, exportRequest(project.id, out, { format: 'voc' }));
    const target = openTestServices();
    const copy = createProject(target.db, 'Copy');
    const summary = await run(target, copy, 'auto', out);
    expect(summary).toMatchObject({ format: 'voc', images: { added: 6 }, shapes: { added: 6 }, batches: ['voc-set'], problems: [] });
    const after = drawnShapes(target, copy.id, 'own');
    const road1 = after.get('car-detection_frame_000001.jpg') ?? [];
    expect(road1.map((shape) => [shape.label, shape.points, shape.attributes])).toEqual([
      ['car', [10, 20, 200, 120], { difficult: true, truncated: false, occluded: false }],
      ['traffic light', [400, 100, 768, 432], { difficult: false, truncated: false, occluded: false }],
    ]);
  });

  it('finds COCO images in the official layout, in images/<subset>/, and in --images', async () => {
    const coco = (file: string) =>
      JSON.stringify({
        info: {},
        licenses: [],
        categories: [{ id: 1, name: 'bottle', supercategory: '' }],
        images: [{ id: 1, file_name: file, width: 64, height: 48 }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [2, 3, 10, 20], area: 200, iscrowd: 0, segmentation: [] }],
      });
    const services = openTestServices();
    const official = dataset('coco2017', { 'annotations/instances_val2017.json': coco('000000000139.jpg') }, ['val2017/000000000139.jpg']);
    const summary = await run(services, createProject(services.db, 'Official'), 'auto', official);
    expect(summary).toMatchObject({ format: 'coco', found: 'COCO annotations/instances_val2017.json, images in val2017/', images: { added: 1 }, shapes: { added: 1 }, problems: [] });

    const subset = dataset('cvat-coco', { 'annotations/instances_train.json': coco('street.jpg') }, ['images/train/street.jpg']);
    expect(await run(services, createProject(services.db, 'Subset'), 'coco', subset)).toMatchObject({ found: 'COCO annotations/instances_train.json, images in images/train/', images: { added: 1 } });

    const elsewhere = dataset('photos', {}, ['shop/street.jpg']);
    const bare = dataset('bare', { 'instances.json': coco('street.jpg') });
    const missing = await run(services, null, 'coco', bare, { dryRun: true });
    expect(missing).toMatchObject({ images: { skipped: 1 }, problems: [{ item: 'street.jpg', message: 'its image file was not found; the image and its 1 shape(s) were left out' }] });
    expect(await run(services, null, 'coco', bare, { dryRun: true, images: elsewhere })).toMatchObject({ found: 'COCO instances.json, images from --images', images: { added: 1 } });
  });

  it('reads CVAT for images with subsets into one batch each, images from images/<subset>/', async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version><meta><project><name>p</name><labels>
<label><name>car</name><attributes><attribute><name>Make</name><input_type>text</input_type><values></values></attribute></attributes></label>
</labels></project></meta>
<image id="0" name="a.jpg" subset="Train" width="64" height="48"><box label="car" occluded="1" xtl="1" ytl="2" xbr="30" ybr="40" z_order="0"><attribute name="Make">VW</attribute></box></image>
<image id="1" name="b.jpg" subset="Validation" width="64" height="48"><polygon label="car" occluded="0" points="1,1;20,1;20,20" z_order="0"/></image>
<image id="2" name="c.jpg" subset="Validation" width="64" height="48"><box label="car" occluded="0" xtl="-5" ytl="2" xbr="300" ybr="40" z_order="0"/></image>
</annotations>`;
    const root = dataset('cvat-project', { 'annotations.xml': xml }, ['images/Train/a.jpg', 'images/Validation/b.jpg', 'images/Validation/c.jpg']);
    const services = openTestServices();
    const project = createProject(services.db, 'P');
    const dry = await run(services, project, 'cvat', root, { dryRun: true });
    expect(dry).toMatchObject({ found: 'CVAT for images 1.1 (annotations.xml, subsets Train, Validation)', batches: ['Train', 'Validation'], images: { added: 3 }, shapes: { added: 3, clamped: 1 } });
    expect(listBatches(services.db, project.id)).toEqual([]);
    await run(services, project, 'cvat', root);
    expect(listBatches(services.db, project.id).map((batch) => batch.name)).toEqual(['Train', 'Validation']);
    const shapes = drawnShapes(services, project.id, 'own');
    expect(shapes.get('a.jpg')?.[0]).toMatchObject({ type: 'rectangle', attributes: { Make: 'VW', occluded: true } });
    expect(shapes.get('c.jpg')?.[0]?.points).toEqual([0, 2, 64, 40]);
  });

  it('reads CVAT for video tracks onto the frames in images/ and onto frames cut from --video', async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version><meta><task><name>milk</name><size>30</size><mode>interpolation</mode>
<labels><label><name>bottle</name><attributes></attributes></label></labels>
<original_size><width>640</width><height>480</height></original_size></task></meta>
<track id="3" label="bottle" source="manual">
  <box frame="0" keyframe="1" outside="0" occluded="0" xtl="10" ytl="10" xbr="110" ybr="210" z_order="0"/>
  <box frame="10" keyframe="1" outside="0" occluded="0" xtl="30" ytl="10" xbr="130" ybr="210" z_order="0"/>
  <box frame="20" keyframe="1" outside="1" occluded="0" xtl="30" ytl="10" xbr="130" ybr="210" z_order="0"/>
</track>
</annotations>`;
    const services = openTestServices();
    const root = dataset('milk-video', { 'annotations.xml': xml });
    for (const frame of [0, 5, 20]) image(path.join(root, 'images', `frame_${String(frame).padStart(6, '0')}.png`), 640, 480);
    const project = createProject(services.db, 'Video');
    const summary = await run(services, project, 'auto', root);
    expect(summary).toMatchObject({ format: 'cvat', found: 'CVAT for video 1.1 (1 tracks, frames from images/)', images: { added: 3 }, shapes: { added: 2 }, problems: [] });
    const shapes = drawnShapes(services, project.id, 'own');
    expect(shapes.get('frame_000005.png')).toEqual([{ type: 'rectangle', label: 'bottle', points: [20, 10, 120, 210], attributes: { track_id: 3 } }]);
    expect(shapes.get('frame_000020.png')).toEqual([]);

    const annotationsOnly = dataset('milk-annotations', { 'annotations.xml': xml });
    const cut = await run(services, createProject(services.db, 'Cut'), 'cvat', annotationsOnly, { video: path.join(mediaDir, 'milk.mkv') });
    expect(cut).toMatchObject({ found: 'CVAT for video 1.1 (1 tracks, frames cut from milk.mkv)', images: { added: 20 }, shapes: { added: 20 }, problems: [] });
    await expect(run(services, null, 'cvat', annotationsOnly, { dryRun: true })).rejects.toThrow('no frames came with it: put them in images/ or name the video with --video');
  });

  it('reads Pascal VOC image sets as batches, with difficult, truncated and occluded', async () => {
    const annotation = (name: string, object: string) =>
      `<annotation><folder>VOC2012</folder><filename>${name}.jpg</filename><size><width>64</width><height>48</height><depth>3</depth></size><segmented>0</segmented>${object}</annotation>`;
    const root = dataset(
      'VOC2012',
      {
        'Annotations/a.xml': annotation('a', '<object><name>dog</name><truncated>1</truncated><difficult>0</difficult><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>30</xmax><ymax>20</ymax></bndbox></object>'),
        'Annotations/b.xml': annotation('b', '<object><name>cat</name><occluded>1</occluded><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>10</xmax><ymax>10</ymax></bndbox></object>'),
        'ImageSets/Main/train.txt': 'a\n',
        'ImageSets/Main/val.txt': 'b\n',
        'ImageSets/Main/trainval.txt': 'a\nb\n',
        'ImageSets/Main/dog_train.txt': 'a  1\n',
      },
      ['JPEGImages/a.jpg', 'JPEGImages/b.jpg'],
    );
    const services = openTestServices();
    const project = createProject(services.db, 'VOC');
    expect(await run(services, project, 'auto', root)).toMatchObject({ format: 'voc', found: 'Pascal VOC (Annotations/, JPEGImages/, image sets train, val)', batches: ['train', 'val'], shapes: { added: 2 } });
    const shapes = drawnShapes(services, project.id, 'own');
    expect(shapes.get('a.jpg')).toEqual([{ type: 'rectangle', label: 'dog', points: [0, 0, 30, 20], attributes: { difficult: false, truncated: true } }]);
    expect(shapes.get('b.jpg')?.[0]?.attributes).toEqual({ occluded: true });
  });

  it('reads the Darknet layout CVAT’s YOLO 1.1 writes, segmentation lines as polygons', async () => {
    const root = dataset(
      'yolo11',
      {
        'obj.names': 'car\nperson\n',
        'obj.data': 'classes = 2\ntrain = data/train.txt\nnames = data/obj.names\nbackup = backup/\n',
        'train.txt': 'data/obj_train_data/a.jpg\ndata/obj_train_data/b.jpg\n',
        'obj_train_data/a.txt': '0 0.5 0.5 0.25 0.5\n',
        'obj_train_data/b.txt': '1 0.1 0.1 0.5 0.1 0.5 0.5\n7 0.5 0.5 0.1 0.1\n',
      },
      ['obj_train_data/a.jpg', 'obj_train_data/b.jpg'],
    );
    const services = openTestServices();
    const project = createProject(services.db, 'YOLO');
    const summary = await run(services, project, 'auto', root);
    expect(summary).toMatchObject({
      format: 'yolo',
      found: 'YOLO (Darknet layout: obj.names, obj.data, obj_*_data/)',
      shapes: { added: 2 },
      problems: [{ item: 'obj_train_data/b.txt, line 2', message: "class 7 is not in obj.names's names (0–1)" }],
    });
    const shapes = drawnShapes(services, project.id, 'own');
    expect(shapes.get('a.jpg')).toEqual([{ type: 'rectangle', label: 'car', points: [24, 12, 40, 36], attributes: {} }]);
    expect(shapes.get('b.jpg')).toEqual([{ type: 'polygon', label: 'person', points: [6.4, 4.8, 32, 4.8, 32, 24], attributes: {} }]);
  });

  it('reads a VoTT export with its assets beside it, and a Label Studio export with --images', async () => {
    const vott = {
      name: 'shop',
      securityToken: 'shop Token',
      tags: [{ name: 'bottle', color: '#5db300' }],
      assets: {
        abc: {
          asset: { format: 'jpg', id: 'abc', name: 'shelf.jpg', path: 'file:C:/Users/me/shelf.jpg', size: { width: 64, height: 48 }, state: 2, type: 1 },
          regions: [{ id: 'r', type: 'RECTANGLE', tags: ['bottle'], boundingBox: { height: 20, width: 10, left: 5, top: 6 }, points: [{ x: 5, y: 6 }, { x: 15, y: 6 }, { x: 15, y: 26 }, { x: 5, y: 26 }] }],
          version: '2.1.0',
        },
      },
      version: '2.1.0',
    };
    const services = openTestServices();
    const vottRoot = dataset('vott-json-export', { 'shop-export.json': JSON.stringify(vott) }, ['shelf.jpg']);
    const project = createProject(services.db, 'Shop');
    expect(await run(services, project, 'auto', vottRoot)).toMatchObject({ format: 'vott', found: 'VoTT JSON export (shop-export.json)', shapes: { added: 1 }, problems: [] });
    expect(drawnShapes(services, project.id, 'own').get('shelf.jpg')?.[0]?.points).toEqual([5, 6, 15, 26]);

    const studio = [
      {
        id: 1,
        data: { image: '/data/upload/2/9a8b7c6d-aisle.jpg' },
        annotations: [{ id: 1, result: [{ id: 'x', type: 'polygonlabels', from_name: 'label', to_name: 'image', original_width: 64, original_height: 48, value: { points: [[0, 0], [50, 0], [50, 50]], polygonlabels: ['shelf'] } }] }],
      },
    ];
    const file = path.join(dataset('ls', { 'project-1.json': JSON.stringify(studio) }), 'project-1.json');
    const images = dataset('ls-images', {}, ['aisle.jpg']);
    const into = createProject(services.db, 'Studio');
    expect(await run(services, into, 'auto', file, { images })).toMatchObject({ format: 'label-studio', images: { added: 1 }, shapes: { added: 1 }, problems: [] });
    expect(drawnShapes(services, into.id, 'own').get('aisle.jpg')?.[0]).toMatchObject({ type: 'polygon', label: 'shelf', points: [0, 0, 32, 0, 32, 24] });
  });

  it('imports nothing from a cut-short XML, and says which labels and images it could not use', async () => {
    const services = openTestServices();
    const project = createProject(services.db, 'Careful');
    const truncated = dataset('cut', {
      'annotations.xml': '<?xml version="1.0"?>\n<annotations>\n<version>1.1</version>\n<meta><task><labels><label><name>car</name></label></labels></task></meta>\n<image id="0" name="a.jpg" width="64" height="48">\n<box label="car" xtl="1" ytl="1" xbr="9" ybr="9"/>\n',
    }, ['images/a.jpg']);
    await expect(run(services, project, 'cvat', truncated)).rejects.toThrow('“annotations.xml” is not well-formed XML: the file ends before </image> closes the element opened on line 5');
    expect(listLabels(services.db, project.id)).toEqual([]);
    expect(listBatches(services.db, project.id)).toEqual([]);

    const unknown = dataset('unknown', {
      'annotations.xml': `<annotations><version>1.1</version><meta><task><labels><label><name>car</name></label></labels></task></meta>
<image id="0" name="a.jpg" width="64" height="48"><box label="tram" xtl="1" ytl="1" xbr="9" ybr="9"/><box label="car" xtl="1" ytl="1" xbr="90" ybr="9"/></image>
<image id="1" name="gone.jpg" width="64" height="48"><box label="car" xtl="1" ytl="1" xbr="9" ybr="9"/></image></annotations>`,
    }, ['images/a.jpg']);
    const summary = await run(services, project, 'cvat', unknown);
    expect(summary).toMatchObject({ images: { added: 1, skipped: 1 }, shapes: { added: 1, clamped: 1, skipped: 1 } });
    expect(summary.problems).toEqual([
      { item: 'a.jpg, box 1 (line 2)', message: 'its label “tram” is not among the labels in <meta>; it was left out' },
      { item: 'gone.jpg', message: 'its image file was not found; the image and its 1 shape(s) were left out' },
    ]);
    expect(summary.warnings).toEqual([{ item: 'a.jpg', message: '1 shape(s) reached outside the 64×48 image and were clamped to it' }]);

    const broken = path.join(tempLibraryDir(), 'broken.zip');
    writeFileSync(broken, 'PK\u0003\u0004 not really');
    await expect(run(services, project, 'auto', broken)).rejects.toThrow('“broken.zip” is not a zip archive Stillframe can read');
    await expect(run(services, project, 'auto', dataset('empty', { 'notes.txt': 'hello' }))).rejects.toThrow('Stillframe found no dataset it knows');
  });
});
