import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CocoWriter, readCoco } from './coco';
import { csvField, csvRows } from './csv';
import { ShapeTally, type DatasetLabel, type DatasetShape } from './dataset';
import { datasetFileName, safeFileName, videoPrefixes } from './file-names';
import { polygonArea, shapeFromPolygon } from './shape-geometry';
import { planSplit } from './split';
import { escapeXml, vocAnnotationXml } from './voc';
import { namesFromDataYaml, readYoloLabels, yoloDataYaml, yoloLabelText } from './yolo';

const label = (index: number, name = `label ${index}`): DatasetLabel => ({ index, name });
const shape = (type: DatasetShape['type'], points: number[], on: DatasetLabel | null = label(0)): DatasetShape => ({
  type,
  points,
  label: on,
  note: '',
  attributes: {},
  hidden: false,
  locked: false,
  zIndex: 0,
});

describe('dataset formats', () => {
  it('quotes CSV fields as RFC 4180 says, and only when they need it', () => {
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('Ölflasche')).toBe('Ölflasche');
    const tally = new ShapeTally();
    const frame = { image: 'a.jpg', batch: 'B', video: 'v.mp4', index: 1, timestampMs: 0, width: 10, height: 10 };
    expect(csvRows(frame, [shape('point', [1, 2], null)], tally)).toBe('a.jpg,B,v.mp4,1,0,10,10,,point,1,2,1,2,1 2,,,false,false,0\r\n');
  });

  it('escapes XML and clamps VOC boxes to the image in its 1-based convention', () => {
    expect(escapeXml(`<a & "b" 'c'>`)).toBe('&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;');
    const xml = vocAnnotationXml({ fileName: 'x.jpg', path: null, width: 100, height: 50 }, [shape('rectangle', [0, 0, 100, 50], label(0, 'a<b'))], new ShapeTally());
    expect(xml).toContain('<name>a&lt;b</name>');
    expect(xml).toContain('<xmin>1</xmin>\n      <ymin>1</ymin>\n      <xmax>100</xmax>\n      <ymax>50</ymax>');
  });

  it('writes data.yaml that a YAML parser reads back with every name intact', () => {
    const names = ['car', 'key: value', '# not a comment', '- dash', 'quote " and \\ backslash', '交通 light', 'true', '0'];
    const parsed = parseYaml(yoloDataYaml(names, { test: false }, 'My "project"')) as { names: Record<number, string>; nc: number };
    expect(parsed.nc).toBe(names.length);
    expect(Object.values(parsed.names)).toEqual(names);
    expect(namesFromDataYaml(parsed, 'data.yaml')).toEqual(names);
  });

  it('reads class names from the shapes data.yaml takes: a list, a map, or a count', () => {
    expect(namesFromDataYaml({ names: ['a', 'b'] }, 'd')).toEqual(['a', 'b']);
    expect(namesFromDataYaml({ names: { 1: 'b', 0: 'a' } }, 'd')).toEqual(['a', 'b']);
    expect(namesFromDataYaml({ nc: 2 }, 'd')).toEqual(['class_0', 'class_1']);
    expect(() => namesFromDataYaml({ names: { 0: 'a', 2: 'c' } }, 'd')).toThrow('names skips an index');
    expect(() => namesFromDataYaml('just text', 'd')).toThrow('“d” is not a YOLO data.yaml: it holds no settings.');
  });

  it('writes YOLO lines normalised to six decimals and reads them back', () => {
    const tally = new ShapeTally();
    const text = yoloLabelText({ width: 200, height: 100 }, [shape('rectangle', [20, 10, 120, 60], label(1)), shape('polygon', [0, 0, 200, 0, 100, 100], label(0))], { segments: false }, tally);
    expect(text).toBe('1 0.350000 0.350000 0.500000 0.500000\n0 0.500000 0.500000 1.000000 1.000000\n');
    expect(tally.converted).toEqual([{ reason: 'polygons: written as their bounding boxes (YOLO detection)', count: 1 }]);
    const read = readYoloLabels(`${text}0 0.1 0.2 0.3 0.2 0.2 0.4\n\n1 0.5 0.5\n9 0.5 0.5 0.1 0.1\n`, ['a', 'b'], 'x.txt');
    const rounded = read.shapes.map((read) => ({ ...read, points: read.points.map((value) => Math.round(value * 1e6) / 1e6) }));
    expect(rounded).toEqual([
      { type: 'rectangle', points: [0.1, 0.1, 0.6, 0.6], label: 'b', normalised: true },
      { type: 'rectangle', points: [0, 0, 1, 1], label: 'a', normalised: true },
      { type: 'polygon', points: [0.1, 0.2, 0.3, 0.2, 0.2, 0.4], label: 'a', normalised: true },
    ]);
    expect(read.problems.map((problem) => problem.item)).toEqual(['x.txt, line 5', 'x.txt, line 6']);
  });

  it('groups points into COCO keypoints per label and image, padded to the category size, and reads them back', () => {
    const tally = new ShapeTally();
    const writer = new CocoWriter(new Map([[2, 3]]), tally);
    writer.opening({ description: 'd', dateCreated: new Date(0) }, [label(0), label(1), label(2)]);
    const written = writer.annotationsFor({ id: 4 }, [shape('point', [5, 6], label(2)), shape('point', [7, 8], label(2))]);
    const annotation = JSON.parse(written.slice(1)) as Record<string, unknown>;
    expect(annotation).toEqual({
      id: 1,
      image_id: 4,
      category_id: 3,
      bbox: [5, 6, 2, 2],
      area: 4,
      iscrowd: 0,
      segmentation: [],
      keypoints: [5, 6, 2, 7, 8, 2, 0, 0, 0],
      num_keypoints: 2,
    });
    const file = JSON.stringify({
      images: [{ id: 4, file_name: 'sub/x.jpg', width: 10, height: 10 }],
      categories: [{ id: 3, name: 'person' }],
      annotations: [
        annotation,
        { id: 2, image_id: 4, category_id: 3, bbox: [0, 0, 9, 9], keypoints: [1, 1, 2, 0, 0, 0, 3, 3, 1], segmentation: [[0, 0, 9, 0, 9, 9], [1, 1, 2, 1, 2, 2, 1, 2]] },
      ],
    });
    const coco = readCoco(file, 'f.json');
    expect(coco.problems).toEqual([]);
    // Two keypoint objects of one label on one image: each point says which object it belongs to.
    const first = { object: annotation.id };
    expect(coco.images[0]?.shapes.unpack()).toEqual(
      [
        { type: 'point', points: [5, 6], label: 'person', attributes: first },
        { type: 'point', points: [7, 8], label: 'person', attributes: first },
        { type: 'polygon', points: [0, 0, 9, 0, 9, 9], label: 'person' },
        { type: 'rectangle', points: [1, 1, 2, 2], label: 'person' },
        { type: 'point', points: [1, 1], label: 'person', attributes: { object: 2 } },
        { type: 'point', points: [3, 3], label: 'person', attributes: { object: 2 } },
      ].map((shape) => ({ note: '', attributes: {}, hidden: false, locked: false, ...shape })),
    );
    expect(coco.labels).toEqual([{ name: 'person', attributes: [{ key: 'object', name: 'Object', type: 'number' }] }]);
  });

  it('takes back a 4-corner polygon that is exactly its own box as a rectangle, and nothing else', () => {
    expect(shapeFromPolygon([10, 20, 30, 20, 30, 40, 10, 40])).toEqual({ type: 'rectangle', points: [10, 20, 30, 40] });
    expect(shapeFromPolygon([10, 20, 30, 20, 31, 40, 10, 40]).type).toBe('polygon');
    expect(shapeFromPolygon([10, 20, 30, 20, 30, 40]).type).toBe('polygon');
    expect(polygonArea([0, 0, 4, 0, 4, 3])).toBe(6);
  });

  it('splits frame by frame exactly by the ratios, the same way for the same seed', () => {
    const videos = new Uint32Array(1000).map((_, i) => Math.floor(i / 100));
    const request = { valRatio: 0.2, testRatio: 0.1, splitBy: 'frame', seed: 42 } as const;
    const a = planSplit(videos, request);
    expect(a.counts).toEqual({ train: 700, val: 200, test: 100 });
    expect(planSplit(videos, request).parts).toEqual(a.parts);
    expect(planSplit(videos, { ...request, seed: 43 }).parts).not.toEqual(a.parts);
    expect(a.sharedVideoImages.val).toBe(200);
  });

  it('splits by video so that no video feeds two splits, and says how close the ratios came', () => {
    // Twelve videos of uneven length: 30, 60, 90, … frames.
    const sizes = Array.from({ length: 12 }, (_, v) => 30 * (v + 1));
    const videos = new Uint32Array(sizes.flatMap((size, v) => Array.from({ length: size }, () => v)));
    const plan = planSplit(videos, { valRatio: 0.2, testRatio: 0.1, splitBy: 'video', seed: 7 });
    const partsOfVideo = new Map<number, Set<number>>();
    plan.parts.forEach((part, i) => partsOfVideo.set(videos[i] ?? 0, (partsOfVideo.get(videos[i] ?? 0) ?? new Set()).add(part)));
    expect([...partsOfVideo.values()].every((parts) => parts.size === 1)).toBe(true);
    expect(plan.sharedVideoImages).toEqual({ train: 0, val: 0, test: 0 });
    expect(plan.counts.val).toBeGreaterThan(0);
    expect(plan.counts.test).toBeGreaterThan(0);
    expect(Math.abs(plan.achieved.val - 0.2)).toBeLessThan(0.1);
    expect(plan.counts.train + plan.counts.val + plan.counts.test).toBe(videos.length);
  });

  it('names exported images after their video, unique ignoring case, safe on any file system', () => {
    const prefixes = videoPrefixes([
      { id: 'a', name: 'Clip.mp4' },
      { id: 'b', name: 'clip.mov' },
      { id: 'c', name: '../../etc/passwd' },
      { id: 'd', name: 'Ölfeld 2: Nacht.mkv' },
    ]);
    expect([...prefixes.values()]).toEqual(['Clip', 'clip-2', 'passwd', 'Ölfeld_2_Nacht']);
    expect(datasetFileName('Clip', 'frames/p/b/v/frame_000001.jpg')).toBe('Clip_frame_000001.jpg');
    expect(safeFileName('..%2e/x?.jpg')).toBe('2e_x_.jpg');
  });
});
