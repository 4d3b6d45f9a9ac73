import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { exportDataset } from './export';
import { exportRequest, seedProject } from './test-fixture';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';
import type { Services } from '../services';

async function seeded(): Promise<{ services: Services; seed: Awaited<ReturnType<typeof seedProject>>; out: string }> {
  const services = openTestServices();
  const seed = await seedProject(services);
  return { services, seed, out: path.join(tempLibraryDir(), 'dataset') };
}

const byReason = (list: readonly { reason: string; count: number }[]) => [...list].sort((a, b) => a.reason.localeCompare(b.reason));

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();

interface CocoFile {
  info: Record<string, unknown>;
  licenses: unknown[];
  categories: { id: number; name: string; supercategory: string; keypoints?: string[]; skeleton?: unknown[] }[];
  images: { id: number; file_name: string; width: number; height: number; video: string; timestamp_ms: number; frame_index: number }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: number[];
    area: number;
    iscrowd: number;
    segmentation: number[][];
    keypoints?: number[];
    num_keypoints?: number;
  }[];
}

describe('dataset export', () => {
  it('writes COCO instances as the format defines them: images, categories, boxes, polygons and keypoints', async () => {
    const { services, seed, out } = await seeded();
    const summary = await exportDataset(services.paths, exportRequest(seed.project.id, out));
    const coco = JSON.parse(readFileSync(path.join(out, 'annotations/instances.json'), 'utf8')) as CocoFile;

    expect(Object.keys(coco)).toEqual(['info', 'licenses', 'categories', 'images', 'annotations']);
    expect(coco.categories).toEqual([
      { id: 1, name: 'car', supercategory: '' },
      { id: 2, name: 'traffic light', supercategory: '' },
      { id: 3, name: 'Ölflasche “groß”, 1 L', supercategory: '' },
      { id: 4, name: 'person', supercategory: '', keypoints: ['1', '2'], skeleton: [] },
    ]);
    // Batches as listed (newest first), frames in order; every frame, with or without shapes, is an image.
    expect(coco.images.map((image) => [image.id, image.file_name, image.width, image.height])).toEqual([
      [1, 'car-detection_frame_000001.jpg', 768, 432],
      [2, 'car-detection_frame_000002.jpg', 768, 432],
      [3, 'car-detection_frame_000003.jpg', 768, 432],
      [4, 'car-detection_frame_000004.jpg', 768, 432],
      [5, 'milk_frame_000001.jpg', 640, 480],
      [6, 'milk_frame_000002.jpg', 640, 480],
    ]);
    for (const image of coco.images) expect(existsSync(path.join(out, 'images', image.file_name))).toBe(true);
    // Each image says where in which video it was taken, as the CSV's columns do.
    expect(coco.images.map((image) => [image.video, image.frame_index])).toEqual([
      ['car-detection.mp4', 1],
      ['car-detection.mp4', 2],
      ['car-detection.mp4', 3],
      ['car-detection.mp4', 4],
      ['milk.mkv', 1],
      ['milk.mkv', 2],
    ]);
    for (const image of coco.images) expect(Number.isInteger(image.timestamp_ms) && image.timestamp_ms >= 0).toBe(true);
    for (const annotation of coco.annotations) {
      expect(Number.isInteger(annotation.id) && Number.isInteger(annotation.image_id) && Number.isInteger(annotation.category_id)).toBe(true);
      expect(annotation.iscrowd).toBe(0);
      expect(annotation.bbox).toHaveLength(4);
    }
    expect(new Set(coco.annotations.map((a) => a.id)).size).toBe(coco.annotations.length);

    const of = (imageId: number) => coco.annotations.filter((a) => a.image_id === imageId);
    // Rectangle: bbox [x, y, w, h] from the top-left corner, its corners as the polygon, area w × h.
    expect(of(1)[0]).toEqual({
      id: 1,
      image_id: 1,
      category_id: 1,
      bbox: [10, 20, 190, 100],
      area: 19000,
      iscrowd: 0,
      segmentation: [[10, 20, 200, 20, 200, 120, 10, 120]],
    });
    // Hidden shapes are annotations too; a lone point is a keypoint annotation padded to the category's k = 2.
    expect(of(1)[1]).toMatchObject({ category_id: 2, bbox: [400, 100, 368, 332] });
    expect(of(1)[2]).toMatchObject({ category_id: 4, keypoints: [5, 5, 2, 0, 0, 0], num_keypoints: 1, segmentation: [], bbox: [5, 5, 0, 0], area: 0 });
    // Polygons: their points, the enclosing box, and the shoelace area.
    expect(of(3)[0]).toMatchObject({ category_id: 1, segmentation: [[300.12, 10.46, 420.79, 30.5, 410, 200.25, 305.5, 190]], bbox: [300.12, 10.46, 120.67, 189.79] });
    expect(of(3)[0]?.area).toBe(19_703.27);
    // Two points of one label on one image: one annotation, in drawing order.
    expect(of(5).map((a) => a.category_id)).toEqual([3, 3, 4]);
    expect(of(5)[2]).toMatchObject({ keypoints: [320, 240, 2, 330.5, 250.5, 2], num_keypoints: 2, bbox: [320, 240, 10.5, 10.5] });
    expect(of(6)).toEqual([]);

    expect(summary).toMatchObject({
      format: 'coco',
      outPath: out,
      images: 6,
      emptyImages: 1,
      skippedEmpty: 0,
      imageFiles: { copied: 6, linked: 0, referenced: 0 },
      missingImages: [],
      split: null,
    });
    expect(byReason(summary.skipped)).toEqual([
      { reason: 'lines: COCO has no open shapes', count: 1 },
      { reason: 'shapes without a label: COCO needs a class for every object', count: 1 },
    ]);
    expect(summary.converted).toEqual([{ reason: 'points: written as COCO keypoints, one annotation per label and image', count: 4 }]);
    expect(summary.shapes).toBe(10);
    expect(readdirSync(out).sort()).toEqual(['annotations', 'images']);
  });

  it('writes YOLO detection and segmentation labels with data.yaml, and splits train/val by a seed', async () => {
    const { services, seed, out } = await seeded();
    const detect = await exportDataset(services.paths, exportRequest(seed.project.id, out, { format: 'yolo', images: 'link' }));
    const yaml = parseYaml(readFileSync(path.join(out, 'data.yaml'), 'utf8')) as Record<string, unknown>;
    expect(yaml).toEqual({ train: 'images', val: 'images', nc: 4, names: { 0: 'car', 1: 'traffic light', 2: 'Ölflasche “groß”, 1 L', 3: 'person' } });
    expect(listFiles(out).filter((file) => file.startsWith('labels/'))).toHaveLength(6);
    // Rectangle (10, 20)–(200, 120) on 768×432: centre and size divided by the image's, six decimals.
    expect(readFileSync(path.join(out, 'labels/car-detection_frame_000001.txt'), 'utf8')).toBe(
      '0 0.136719 0.162037 0.247396 0.231481\n1 0.760417 0.615741 0.479167 0.768519\n',
    );
    expect(readFileSync(path.join(out, 'labels/milk_frame_000002.txt'), 'utf8')).toBe('');
    for (const file of listFiles(path.join(out, 'labels'))) {
      for (const line of readFileSync(path.join(out, 'labels', file), 'utf8').split('\n').filter(Boolean)) {
        const [klass, ...values] = line.split(' ');
        expect(Number.isInteger(Number(klass))).toBe(true);
        for (const value of values) {
          expect(value).toMatch(/^[01]\.\d{6}$/);
          expect(Number(value)).toBeLessThanOrEqual(1);
        }
      }
    }
    expect(statSync(path.join(out, 'images/milk_frame_000001.jpg')).nlink).toBeGreaterThan(1);
    expect(detect.imageFiles).toEqual({ copied: 0, linked: 6, referenced: 0 });
    expect(byReason(detect.skipped)).toEqual([
      { reason: 'lines: YOLO has no open shapes', count: 1 },
      { reason: 'points: YOLO detection and segmentation holds no single points', count: 4 },
      { reason: 'shapes without a label: YOLO needs a class for every object', count: 1 },
    ]);
    expect(detect.converted).toEqual([{ reason: 'polygons: written as their bounding boxes (YOLO detection)', count: 3 }]);

    const segmentsOut = path.join(tempLibraryDir(), 'segments');
    const split = { format: 'yolo', yoloSegments: true, valRatio: 0.34, seed: 7 } as const;
    const segments = await exportDataset(services.paths, exportRequest(seed.project.id, segmentsOut, split));
    expect(segments.split).toMatchObject({ train: 4, val: 2, test: 0, splitBy: 'video', sharedVideoImages: { train: 0, val: 0, test: 0 } });
    const trainYaml = parseYaml(readFileSync(path.join(segmentsOut, 'data.yaml'), 'utf8')) as Record<string, unknown>;
    expect(trainYaml).toMatchObject({ train: 'images/train', val: 'images/val' });
    const labelled = listFiles(segmentsOut).filter((file) => file.startsWith('labels/'));
    expect(labelled.filter((file) => file.startsWith('labels/val/'))).toHaveLength(2);
    for (const file of labelled) expect(existsSync(path.join(segmentsOut, file.replace(/^labels/, 'images').replace(/\.txt$/, '.jpg')))).toBe(true);
    const road1 = labelled.find((file) => file.endsWith('car-detection_frame_000001.txt')) ?? '';
    expect(readFileSync(path.join(segmentsOut, road1), 'utf8').split('\n')[0]).toBe(
      '0 0.013021 0.046296 0.260417 0.046296 0.260417 0.277778 0.013021 0.277778',
    );
    expect(segments.converted).toEqual([{ reason: 'rectangles: written as 4-corner polygons (YOLO segmentation)', count: 3 }]);

    // The same seed picks the same images.
    const again = path.join(tempLibraryDir(), 'again');
    await exportDataset(services.paths, exportRequest(seed.project.id, again, split));
    expect(listFiles(again).filter((file) => file.startsWith('labels/'))).toEqual(labelled);
  });

  it('splits COCO into one file per split by video, so no video feeds two splits, unless asked to split by frame', async () => {
    const { services, seed, out } = await seeded();
    const byVideo = await exportDataset(services.paths, exportRequest(seed.project.id, out, { format: 'coco', valRatio: 0.34, seed: 7 }));
    expect(byVideo.split).toMatchObject({ train: 4, val: 2, test: 0, sharedVideoImages: { train: 0, val: 0, test: 0 } });
    const videoOf = (fileName: string) => fileName.replace(/^\w+\//, '').replace(/_frame_\d+\.jpg$/, '');
    const namesIn = (dir: string, part: string) =>
      (JSON.parse(readFileSync(path.join(dir, `annotations/instances_${part}.json`), 'utf8')) as { images: { file_name: string }[] }).images.map(
        (image) => image.file_name,
      );
    const train = namesIn(out, 'train');
    const val = namesIn(out, 'val');
    expect(train).toHaveLength(4);
    expect(val).toHaveLength(2);
    expect(train.map(videoOf).filter((video) => val.map(videoOf).includes(video))).toEqual([]);
    for (const name of [...train, ...val]) expect(existsSync(path.join(out, 'images', name))).toBe(true);
    expect(existsSync(path.join(out, 'annotations/instances.json'))).toBe(false);

    const framesOut = path.join(tempLibraryDir(), 'by-frame');
    const byFrame = await exportDataset(
      services.paths,
      exportRequest(seed.project.id, framesOut, { format: 'yolo', valRatio: 0.34, testRatio: 0.17, splitBy: 'frame', seed: 7 }),
    );
    expect(byFrame.split).toMatchObject({ train: 3, val: 2, test: 1, splitBy: 'frame' });
    const parts = ['train', 'val', 'test'] as const;
    const videosOf = (part: string) => listFiles(framesOut).filter((file) => file.startsWith(`images/${part}/`)).map((file) => videoOf(file.replace(`images/${part}/`, '')));
    const leaking = (part: (typeof parts)[number]) =>
      videosOf(part).filter((video) => parts.some((other) => other !== part && videosOf(other).includes(video))).length;
    expect(byFrame.split?.sharedVideoImages).toEqual({ train: leaking('train'), val: leaking('val'), test: leaking('test') });
    expect(parseYaml(readFileSync(path.join(framesOut, 'data.yaml'), 'utf8'))).toMatchObject({ test: 'images/test' });
  });

  it('writes Pascal VOC XML with 1-based inclusive boxes, and counts what VOC cannot hold', async () => {
    const { services, seed, out } = await seeded();
    const summary = await exportDataset(services.paths, exportRequest(seed.project.id, out, { format: 'voc' }));
    const xml = readFileSync(path.join(out, 'Annotations/car-detection_frame_000001.xml'), 'utf8');
    expect(xml).toContain('<filename>car-detection_frame_000001.jpg</filename>');
    expect(xml).toContain('<size>\n    <width>768</width>\n    <height>432</height>\n    <depth>3</depth>\n  </size>');
    // (10, 20)–(200, 120) in continuous 0-based pixels covers pixels 11…200 and 21…120 counted from 1.
    expect(xml).toContain('<bndbox>\n      <xmin>11</xmin>\n      <ymin>21</ymin>\n      <xmax>200</xmax>\n      <ymax>120</ymax>\n    </bndbox>');
    expect(xml).toContain('<difficult>1</difficult>');
    expect(xml.match(/<object>/g)).toHaveLength(2);
    const milk = readFileSync(path.join(out, 'Annotations/milk_frame_000001.xml'), 'utf8');
    expect(milk).toContain('<name>Ölflasche “groß”, 1 L</name>');
    expect(readFileSync(path.join(out, 'ImageSets/Main/default.txt'), 'utf8').split('\n').filter(Boolean)).toHaveLength(6);
    expect(existsSync(path.join(out, 'JPEGImages/milk_frame_000002.jpg'))).toBe(true);
    expect(byReason(summary.skipped)).toEqual([
      { reason: 'lines: Pascal VOC (boxes only) has no open shapes', count: 1 },
      { reason: 'points: Pascal VOC (boxes only) holds no single points', count: 4 },
      { reason: 'shapes without a label: Pascal VOC needs a class for every object', count: 1 },
    ]);
    expect(summary.converted).toEqual([{ reason: 'polygons: written as their bounding boxes (Pascal VOC)', count: 3 }]);

    const referenced = path.join(tempLibraryDir(), 'referenced');
    await exportDataset(services.paths, exportRequest(seed.project.id, referenced, { format: 'voc', images: 'none' }));
    const withPath = readFileSync(path.join(referenced, 'Annotations/milk_frame_000001.xml'), 'utf8');
    expect(withPath).toContain(`<path>${path.join(services.paths.root, seed.frames.milk1.path)}</path>`);
    expect(existsSync(path.join(referenced, 'JPEGImages'))).toBe(false);
  });

  it('writes CSV with one row per shape, quoted where a field needs it, and frames without shapes as bare rows', async () => {
    const { services, seed, out } = await seeded();
    const summary = await exportDataset(services.paths, exportRequest(seed.project.id, out, { format: 'csv', images: 'none' }));
    const text = readFileSync(path.join(out, 'annotations.csv'), 'utf8');
    const rows = text.split('\r\n');
    expect(rows[0]).toBe(
      'image,batch,video,frame_index,timestamp_ms,image_width,image_height,label,type,xmin,ymin,xmax,ymax,points,attributes,note,hidden,locked,z_index',
    );
    const road1 = path.join(services.paths.root, seed.frames.road1.path);
    expect(text).toContain(
      `${road1},"Road, north",car-detection.mp4,1,0,768,432,car,rectangle,10,20,200,120,10 20 200 120,` +
        `"{""make"":""Ford, \\""Model T\\"""",""parked"":true,""difficult"":true}","first car,\nwith a ""quoted"" note",false,false,0\r\n`,
    );
    expect(text).toContain(`${path.join(services.paths.root, seed.frames.milk2.path)},Shelf 1,milk.mkv,2,1000,640,480,,,,,,,,,,,,\r\n`);
    expect(text).toContain(',"Ölflasche “groß”, 1 L",polygon,');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(summary.shapes).toBe(12);
    expect(summary.skipped).toEqual([]);
  });

  it('leaves out frames without shapes when asked, and exports one batch alone', async () => {
    const { services, seed, out } = await seeded();
    const shelf = (await import('../library/batches')).findBatchByName(services.db, seed.project.id, 'Shelf 1');
    const summary = await exportDataset(services.paths, exportRequest(seed.project.id, out, { batchId: shelf?.id, skipEmpty: true }));
    expect(summary).toMatchObject({ images: 1, emptyImages: 0, skippedEmpty: 1 });
    const coco = JSON.parse(readFileSync(path.join(out, 'annotations/instances.json'), 'utf8')) as CocoFile;
    expect(coco.images.map((image) => image.file_name)).toEqual(['milk_frame_000001.jpg']);
  });

  it('leaves out a frame whose image file is gone from the library, and lists it', async () => {
    const { services, seed, out } = await seeded();
    const gone = path.join(services.paths.root, seed.frames.road2.path);
    rmSync(gone);
    const summary = await exportDataset(services.paths, exportRequest(seed.project.id, out, { format: 'yolo' }));
    expect(summary).toMatchObject({ images: 5, missingImages: [gone], moreMissingImages: 0 });
    expect(existsSync(path.join(out, 'labels/car-detection_frame_000002.txt'))).toBe(false);
  });

  it('refuses a folder that is not empty unless forced, and then replaces only its own files', async () => {
    const { services, seed, out } = await seeded();
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    await expect(exportDataset(services.paths, exportRequest(seed.project.id, out))).rejects.toThrow(`The folder “${out}” is not empty.`);
    await exportDataset(services.paths, exportRequest(seed.project.id, out, { force: true }));
    await exportDataset(services.paths, exportRequest(seed.project.id, out, { force: true, format: 'csv' }));
    expect(readdirSync(out).sort()).toEqual(['annotations', 'annotations.csv', 'images', 'notes.txt']);
  });

  it('removes everything it wrote when cancelled, and reports progress until then', async () => {
    const { services, seed, out } = await seeded();
    const controller = new AbortController();
    const phases: string[] = [];
    const run = exportDataset(services.paths, exportRequest(seed.project.id, out), {
      signal: controller.signal,
      onProgress: (progress) => {
        phases.push(`${progress.phase} ${progress.done}/${progress.total}`);
        if (progress.phase === 'annotations') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(phases[0]).toBe('images 1/6');
    expect(existsSync(out)).toBe(false);
  });

  it('writes one store-only zip that unzip tests clean, with UTF-8 names', async () => {
    const { services, seed, out } = await seeded();
    const summary = await exportDataset(services.paths, exportRequest(seed.project.id, out, { format: 'yolo', zip: true }));
    expect(summary.outPath).toBe(path.join(out, 'street-scenes-yolo.zip'));
    expect(readdirSync(out)).toEqual(['street-scenes-yolo.zip']);
    const tested = spawnSync('unzip', ['-t', summary.outPath], { encoding: 'utf8' });
    expect(tested.stdout).toContain('No errors detected');
    const listed = spawnSync('unzip', ['-Z1', summary.outPath], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort();
    expect(listed).toEqual(
      [
        'data.yaml',
        ...['car-detection_frame_000001', 'car-detection_frame_000002', 'car-detection_frame_000003', 'car-detection_frame_000004', 'milk_frame_000001', 'milk_frame_000002'].flatMap(
          (stem) => [`images/${stem}.jpg`, `labels/${stem}.txt`],
        ),
      ].sort(),
    );
    const yaml = spawnSync('unzip', ['-p', summary.outPath, 'data.yaml'], { encoding: 'utf8' }).stdout;
    expect(yaml).toContain('2: "Ölflasche “groß”, 1 L"');
  });
});
