import { describe, expect, it } from 'vitest';
import { readCoco, rleReasons } from './coco';
import { CvatWriter, readCvat, trackShapesOnFrame } from './cvat';
import { ShapeTally, type DatasetShape } from './dataset';
import { formatOfFile, formatOfFolder } from './detect';
import { labelStudioFileName, readLabelStudio } from './label-studio';
import { decodeRleString, parseRle, rasterise, traceMask } from './rle';
import { readVocAnnotation } from './voc';
import { readVott } from './vott';
import { parseXml } from './xml';
import { readDarknetData } from './yolo';

/** COCO's compressed RLE, written the way the COCO API writes it, so the tests can make masks of any shape. */
function encodeRle(counts: readonly number[]): string {
  let out = '';
  counts.forEach((count, i) => {
    let x = i > 2 ? count - (counts[i - 2] ?? 0) : count;
    for (let more = true; more; ) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  });
  return out;
}

/** Column-major runs of a mask given row by row as strings of . and #. */
function countsOf(rows: readonly string[]): { counts: number[]; size: [number, number] } {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const value = rows[y]?.[x] === '#' ? 1 : 0;
      if (value !== current) {
        counts.push(run);
        run = 0;
        current = value;
      }
      run++;
    }
  }
  counts.push(run);
  return { counts, size: [height, width] };
}

describe('the XML reader', () => {
  it('reads elements, attributes, text, entities and CDATA as written', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="utf-8"?>\n<!-- exported -->\n<a x="1 &amp; 2" y=\'&#x41;&#66;\'>\n  <b>caf&eacute;</b>\n</a>'.replace('&eacute;', 'é'),
      'a.xml',
    );
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1 & 2', y: 'AB' });
    expect(root.children[0]?.text).toBe('café');
    expect(parseXml('<a><![CDATA[<not a tag>]]></a>', 'c.xml').text).toBe('<not a tag>');
    expect(parseXml('<a v="x > y"/>', 'g.xml').attributes.v).toBe('x > y');
  });

  it('refuses a file cut short, tags that do not nest, and unknown entities, naming the line', () => {
    expect(() => parseXml('<annotations>\n  <image name="a.jpg">\n    <box label="car"', 'annotations.xml')).toThrow(
      '“annotations.xml” is not well-formed XML: the file ends inside a tag (line 3).',
    );
    expect(() => parseXml('<annotations>\n  <image name="a.jpg">\n  </image>\n', 'annotations.xml')).toThrow(
      'the file ends before </annotations> closes the element opened on line 1',
    );
    expect(() => parseXml('<a>\n<b></c></a>', 'x.xml')).toThrow('</c> closes <b>, opened on line 2 (line 2)');
    expect(() => parseXml('<a>&nbsp;</a>', 'x.xml')).toThrow('the unknown entity “&nbsp;”');
    expect(() => parseXml('<a x="1" x="2"/>', 'x.xml')).toThrow('has the attribute “x” twice');
    expect(() => parseXml('<a/><b/>', 'x.xml')).toThrow('content after the root element closes');
    expect(() => parseXml('', 'x.xml')).toThrow('the file is empty');
  });
});

describe('COCO run-length masks', () => {
  it('decodes compressed counts, deltas and negative groups included, as the COCO API encodes them', () => {
    const counts = [3, 70, 2, 1000, 5, 1, 40000, 12];
    expect(decodeRleString(encodeRle(counts))).toEqual(counts);
    expect(decodeRleString('abc')).toBeNull();
  });

  it('traces a region along its pixel edges, so a box comes back as its own corners', () => {
    const mask = parseRle(countsOf(['......', '.###..', '.###..', '......']));
    const pixels = mask && rasterise(mask);
    expect(pixels).not.toBeNull();
    const traced = traceMask(pixels ?? new Uint8Array(), 6, 4);
    expect(traced).toEqual({ outlines: [[1, 1, 4, 1, 4, 3, 1, 3]], holes: false });
  });

  it('gives each separate region its own outline, and says when holes were filled', () => {
    const rows = ['#####....', '#...#..##', '#####..##'];
    const mask = parseRle({ ...countsOf(rows), counts: encodeRle(countsOf(rows).counts) });
    const traced = traceMask(rasterise(mask ?? { width: 0, height: 0, counts: [] }) ?? new Uint8Array(), 9, 3);
    expect(traced.holes).toBe(true);
    expect(traced.outlines).toEqual([
      [0, 0, 5, 0, 5, 3, 0, 3],
      [7, 1, 9, 1, 9, 3, 7, 3],
    ]);
  });

  it('imports a crowd mask as traced polygons and counts it; an undecodable one as its box', () => {
    const rle = countsOf(['....', '.##.', '.##.', '....']);
    const coco = readCoco(
      JSON.stringify({
        images: [{ id: 1, file_name: 'a.jpg', width: 4, height: 4 }],
        categories: [{ id: 1, name: 'crowd' }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, iscrowd: 1, bbox: [1, 1, 2, 2], segmentation: { counts: encodeRle(rle.counts), size: rle.size } },
          { id: 2, image_id: 1, category_id: 1, iscrowd: 1, bbox: [0, 0, 3, 3], segmentation: { counts: [1, 2], size: [4, 4] } },
        ],
      }),
      'a.json',
    );
    expect(coco.images[0]?.shapes.unpack()).toEqual(
      [
        { type: 'rectangle', points: [1, 1, 3, 3], label: 'crowd' },
        { type: 'rectangle', points: [0, 0, 3, 3], label: 'crowd' },
      ].map((shape) => ({ note: '', attributes: {}, hidden: false, locked: false, ...shape })),
    );
    expect([...coco.converted]).toEqual([
      [rleReasons.traced, 1],
      [rleReasons.boxed, 1],
    ]);
  });

  it('keeps the attributes CVAT and Roboflow put on COCO annotations, with definitions for their labels', () => {
    const coco = readCoco(
      JSON.stringify({
        images: [{ id: 1, file_name: 'a.jpg', width: 10, height: 10 }],
        categories: [{ id: 1, name: 'car' }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2], attributes: { occluded: true, 'Car make': 'VW', seats: 5 } }],
      }),
      'a.json',
    );
    expect(coco.images[0]?.shapes.unpack()[0]?.attributes).toEqual({ occluded: true, Car_make: 'VW', seats: 5 });
    expect(coco.labels[0]?.attributes).toEqual([
      { key: 'occluded', name: 'occluded', type: 'checkbox' },
      { key: 'Car_make', name: 'Car_make', type: 'text' },
      { key: 'seats', name: 'seats', type: 'number' },
    ]);
  });
});

const cvatImages = `<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <project>
      <name>Streets</name>
      <labels>
        <label>
          <name>car</name>
          <color>#fa3253</color>
          <attributes>
            <attribute><name>make</name><mutable>False</mutable><input_type>select</input_type><default_value>VW</default_value><values>VW
Ford</values></attribute>
            <attribute><name>parked</name><input_type>checkbox</input_type><values>false</values></attribute>
          </attributes>
        </label>
        <label><name>lane</name><attributes></attributes></label>
      </labels>
    </project>
  </meta>
  <image id="0" name="a.jpg" subset="train" width="64" height="48">
    <box label="car" source="manual" occluded="1" xtl="1.50" ytl="2.00" xbr="30.25" ybr="40.00" z_order="2">
      <attribute name="make">Ford</attribute>
      <attribute name="parked">true</attribute>
    </box>
    <polygon label="car" occluded="0" points="1.00,1.00;10.00,1.00;10.00,10.00" z_order="0"/>
    <polyline label="lane" occluded="0" points="0,47;63,0" z_order="1"/>
    <points label="lane" occluded="0" points="5,5;6,6" z_order="0"/>
    <ellipse label="car" cx="5" cy="5" rx="2" ry="2"/>
    <box label="bus" xtl="0" ytl="0" xbr="1" ybr="1"/>
  </image>
  <image id="1" name="b.jpg" subset="default" width="64" height="48"/>
</annotations>
`;

describe('CVAT XML', () => {
  it('reads CVAT for images: every shape kind, attributes by their declared types, occluded, z_order and subsets', () => {
    const cvat = readCvat(cvatImages, 'annotations.xml');
    expect(cvat.mode).toBe('images');
    expect(cvat.images.map((image) => [image.name, image.subset, image.width])).toEqual([
      ['a.jpg', 'train', 64],
      ['b.jpg', null, 64],
    ]);
    expect(cvat.images[0]?.shapes).toEqual([
      { type: 'rectangle', points: [1.5, 2, 30.25, 40], label: 'car', attributes: { make: 'Ford', parked: true, occluded: true }, zIndex: 2 },
      { type: 'polygon', points: [1, 1, 10, 1, 10, 10], label: 'car', attributes: {}, zIndex: 0 },
      { type: 'polyline', points: [0, 47, 63, 0], label: 'lane', attributes: {}, zIndex: 1 },
      { type: 'point', points: [5, 5], label: 'lane', attributes: {}, zIndex: 0 },
      { type: 'point', points: [6, 6], label: 'lane', attributes: {}, zIndex: 0 },
    ]);
    expect(cvat.labels[0]).toEqual({
      name: 'car',
      color: '#fa3253',
      attributes: [
        { key: 'make', name: 'make', type: 'choice', options: ['VW', 'Ford'] },
        { key: 'parked', name: 'parked', type: 'checkbox' },
        { key: 'occluded', name: 'Occluded', type: 'checkbox' },
      ],
    });
    expect(cvat.problems).toEqual([
      { item: 'a.jpg, box 6 (line 30)', message: 'its label “bus” is not among the labels in <meta>; it was left out' },
      { item: '<ellipse>', message: '1 ellipse annotation(s) were left out: Stillframe has no such shape' },
    ]);
  });

  it('moves a video track between its keyframes, leaves it out while outside, and keeps its id', () => {
    const xml = `<annotations><version>1.1</version><meta><task><mode>interpolation</mode>
      <labels><label><name>car</name></label></labels><original_size><width>640</width><height>480</height></original_size></task></meta>
      <track id="7" label="car" source="manual">
        <box frame="0" keyframe="1" outside="0" occluded="0" xtl="0" ytl="0" xbr="10" ybr="10" z_order="0"/>
        <box frame="10" keyframe="1" outside="0" occluded="0" xtl="100" ytl="50" xbr="110" ybr="60" z_order="0"/>
        <box frame="20" keyframe="1" outside="1" occluded="0" xtl="100" ytl="50" xbr="110" ybr="60" z_order="0"/>
        <box frame="30" keyframe="1" outside="0" occluded="0" xtl="1" ytl="2" xbr="3" ybr="4" z_order="0"/>
      </track>
      <track id="8" label="car"><polygon frame="5" keyframe="1" outside="0" points="0,0;4,0;4,4"/>
        <polygon frame="6" keyframe="1" outside="1" points="0,0;4,0;4,4"/></track>
    </annotations>`;
    const cvat = readCvat(xml, 'annotations.xml');
    expect(cvat.mode).toBe('video');
    expect(cvat.frameSize).toEqual({ width: 640, height: 480 });
    expect(cvat.labels[0]?.attributes).toEqual([{ key: 'track_id', name: 'Track', type: 'number' }]);
    const on = (frame: number) => trackShapesOnFrame(cvat.tracks, frame).map((shape) => [shape.type, shape.points, shape.attributes?.track_id]);
    expect(on(0)).toEqual([['rectangle', [0, 0, 10, 10], 7]]);
    expect(on(5)).toEqual([
      ['rectangle', [50, 25, 60, 35], 7],
      ['polygon', [0, 0, 4, 0, 4, 4], 8],
    ]);
    expect(on(15)).toEqual([['rectangle', [100, 50, 110, 60], 7]]);
    expect(on(25)).toEqual([]);
    expect(on(99)).toEqual([['rectangle', [1, 2, 3, 4], 7]]);
  });

  it('writes CVAT for images that reads back with the same shapes, labels and attributes', () => {
    const car = { index: 0, name: 'car & "co"', color: '#ff0000', attributes: [{ key: 'make', name: 'Make', type: 'text' as const }, { key: 'occluded', name: 'Occluded', type: 'checkbox' as const }] };
    const shape = (type: DatasetShape['type'], points: number[], attributes: DatasetShape['attributes'] = {}): DatasetShape => ({
      type,
      points,
      label: car,
      note: '',
      attributes,
      hidden: false,
      locked: false,
      zIndex: 3,
    });
    const tally = new ShapeTally();
    const writer = new CvatWriter(tally);
    const xml =
      writer.opening('Task <1>', 1, [car], new Date(0)) +
      writer.image({ id: 1, fileName: 'x.jpg', width: 100, height: 80 }, [
        shape('rectangle', [1.123, 2, 50, 60.5], { make: 'Ford <T>', occluded: true }),
        shape('polygon', [0, 0, 10, 0, 10, 10]),
        shape('polyline', [0, 0, 5, 5]),
        shape('point', [7, 8]),
        { ...shape('point', [1, 1]), label: null },
      ]) +
      writer.closing;
    expect(tally.written).toBe(4);
    const back = readCvat(xml, 'annotations.xml');
    expect(back.problems).toEqual([]);
    expect(back.labels.map((label) => [label.name, label.color, label.attributes?.map((def) => def.key)])).toEqual([['car & "co"', '#ff0000', ['make', 'occluded']]]);
    expect(back.images[0]?.shapes.map((one) => [one.type, one.points, one.attributes, one.zIndex])).toEqual([
      ['rectangle', [1.12, 2, 50, 60.5], { make: 'Ford <T>', occluded: true }, 3],
      ['polygon', [0, 0, 10, 0, 10, 10], {}, 3],
      ['polyline', [0, 0, 5, 5], {}, 3],
      ['point', [7, 8], {}, 3],
    ]);
  });
});

describe('the other tools’ formats', () => {
  it('reads a Pascal VOC annotation back into 0-based boxes with its flags', () => {
    const record = readVocAnnotation(
      `<annotation><folder>VOC2012</folder><filename>2007_000027.jpg</filename><size><width>486</width><height>500</height><depth>3</depth></size>
      <object><name>person</name><pose>Unspecified</pose><truncated>1</truncated><difficult>0</difficult><bndbox><xmin>174</xmin><ymin>101</ymin><xmax>349</xmax><ymax>351</ymax></bndbox></object>
      <object><name>dog</name><bndbox><xmin>a</xmin></bndbox></object></annotation>`,
      'Annotations/2007_000027.xml',
    );
    expect(record).toMatchObject({ fileName: '2007_000027.jpg', width: 486, height: 500 });
    expect(record.shapes).toEqual([{ type: 'rectangle', points: [173, 100, 349, 351], label: 'person', attributes: { truncated: true, difficult: false } }]);
    expect(record.problems).toEqual([{ item: 'Annotations/2007_000027.xml, object 2', message: 'its <bndbox> needs numeric xmin, ymin, xmax and ymax' }]);
  });

  it('reads a VoTT export: boxes, polygons, points, one shape per tag', () => {
    const vott = readVott(
      {
        name: 'p',
        securityToken: 'p Token',
        tags: [{ name: 'car', color: '#5db300' }, { name: 'red' }],
        assets: {
          a1: {
            asset: { format: 'jpg', id: 'a1', name: 'street.jpg', path: 'file:/home/me/street.jpg', size: { width: 640, height: 480 }, state: 2, type: 1 },
            regions: [
              { id: 'r1', type: 'RECTANGLE', tags: ['car', 'red'], boundingBox: { left: 10, top: 20, width: 30, height: 40 }, points: [] },
              { id: 'r2', type: 'POLYGON', tags: ['car'], points: [{ x: 1, y: 1 }, { x: 9, y: 1 }, { x: 5, y: 9 }] },
              { id: 'r3', type: 'POINT', tags: ['red'], points: [{ x: 3, y: 4 }] },
              { id: 'r4', type: 'POLYGON', tags: ['car'], points: [] },
            ],
          },
        },
      },
      'p-export.json',
    );
    expect(vott.labels).toEqual([{ name: 'car', color: '#5db300' }, { name: 'red' }]);
    expect(vott.assets[0]?.shapes).toEqual([
      { type: 'rectangle', points: [10, 20, 40, 60], label: 'car' },
      { type: 'rectangle', points: [10, 20, 40, 60], label: 'red' },
      { type: 'polygon', points: [1, 1, 9, 1, 5, 9], label: 'car' },
      { type: 'point', points: [3, 4], label: 'red' },
    ]);
    expect(vott.problems).toEqual([{ item: 'street.jpg, region 4', message: 'a polygon region without the points it needs; it was left out' }]);
  });

  it('reads a Label Studio export in percent of the image, with per-region choices as attributes', () => {
    const studio = readLabelStudio(
      [
        {
          id: 3,
          data: { image: '/data/upload/1/1f2e3d4c-street.jpg' },
          annotations: [
            {
              result: [
                { id: 'r', type: 'rectanglelabels', from_name: 'label', to_name: 'image', original_width: 200, original_height: 100, value: { x: 10, y: 20, width: 50, height: 30, rotation: 0, rectanglelabels: ['car'] } },
                { id: 'r', type: 'choices', from_name: 'colour', to_name: 'image', value: { choices: ['red'] } },
                { id: 'p', type: 'polygonlabels', value: { points: [[0, 0], [50, 0], [50, 50]], polygonlabels: ['road'] } },
                { id: 'k', type: 'keypointlabels', value: { x: 25, y: 75, width: 1, keypointlabels: ['nose'] } },
              ],
            },
          ],
        },
      ],
      'export.json',
    );
    expect(studio.tasks[0]).toMatchObject({ image: '/data/upload/1/1f2e3d4c-street.jpg', width: 200, height: 100 });
    expect(studio.tasks[0]?.shapes).toEqual([
      { type: 'rectangle', points: [0.1, 0.2, 0.6, 0.5], normalised: true, label: 'car', attributes: { colour: 'red' } },
      { type: 'polygon', points: [0, 0, 0.5, 0, 0.5, 0.5], normalised: true, label: 'road', attributes: {} },
      { type: 'point', points: [0.25, 0.75], normalised: true, label: 'nose', attributes: {} },
    ]);
    expect(studio.labels[0]).toEqual({ name: 'car', attributes: [{ key: 'colour', name: 'colour', type: 'text' }] });
    expect(labelStudioFileName('/data/upload/1/1f2e3d4c-street.jpg')).toBe('street.jpg');
    expect(labelStudioFileName('/data/local-files/?d=photos%2Fshop%2Fshelf.png')).toBe('shelf.png');
    expect(() => readLabelStudio({}, 'x.json')).toThrow('should be a list of tasks');
  });

  it('reads obj.data settings', () => {
    expect([...readDarknetData('classes = 2\nnames = data/obj.names\ntrain = data/train.txt\n# comment = no\n')]).toEqual([
      ['classes', '2'],
      ['names', 'data/obj.names'],
      ['train', 'data/train.txt'],
    ]);
  });

  it('tells the formats apart by file name and first bytes, and folders by what they hold', () => {
    expect(formatOfFile('annotations.xml', '<?xml version="1.0"?>\n<annotations><version>1.1</version>')).toBe('cvat');
    expect(formatOfFile('a.xml', '<annotation><folder>')).toBe('voc');
    expect(formatOfFile('export.json', '[{"id": 1, "data": {}}]')).toBe('label-studio');
    expect(formatOfFile('p-export.json', '{"name": "p"}')).toBe('vott');
    expect(formatOfFile('x.json', '{"name":"p","securityToken":"t","tags":[],"assets":{}}')).toBe('vott');
    expect(formatOfFile('instances_val2017.json', '{"info": {}, "images": []}')).toBe('coco');
    expect(formatOfFile('stillframe.json', '{"stillframe": 1}')).toBe('stillframe');
    expect(formatOfFile('notes.json', '{"hello": 1}')).toBeNull();
    expect(formatOfFolder(['Annotations/', 'JPEGImages/', 'ImageSets/'])).toBe('voc');
    expect(formatOfFolder(['obj.names', 'obj.data', 'obj_train_data/'])).toBe('yolo');
    expect(formatOfFolder(['annotations/', 'val2017/'])).toBeNull();
  });
});
