import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedProject } from '../datasets/test-fixture';
import { openTestServices, tempLibraryDir } from '../test-support/temp-library';
import { cli } from '../test-support/run-cli';

async function seededLibrary(): Promise<string> {
  const library = tempLibraryDir();
  await seedProject(openTestServices({ libraryDir: library }));
  return library;
}

describe('stillframe export and import', () => {
  it('exports with a JSON summary, and refuses a folder that is not empty unless --force', async () => {
    const library = await seededLibrary();
    const out = path.join(tempLibraryDir(), 'coco');
    const base = ['export', '--library', library, '--project', 'Street scenes', '--format', 'coco', '--out', out];
    const run = await cli([...base, '--json']);
    expect(run.code).toBe(0);
    const summary = (JSON.parse(run.out) as { export: Record<string, unknown> }).export;
    expect(summary).toMatchObject({ format: 'coco', outPath: out, images: 6, shapes: 10, imageFiles: { copied: 6 } });

    const refused = await cli([...base]);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `The folder “${out}” is not empty. Choose an empty folder, or write into it anyway (“Write into the folder even if it is not empty” in the app, --force on the command line): only the dataset's own files are replaced.`,
    );
    const forced = await cli([...base, '--force', '--batch', 'Shelf 1', '--skip-empty', '--images', 'link']);
    expect(forced.code).toBe(0);
    expect(forced.out.split('\n')).toEqual([
      `Exported 1 image(s) with 4 shape(s) as COCO to ${out}`,
      '  images: 1 hard-linked',
      '  1 frame(s) without shapes left out (--skip-empty)',
      '  converted: 2 points: written as COCO keypoints, one annotation per label and image',
      '  left out: 1 lines: COCO has no open shapes',
    ]);
  });

  it('exits 2 on usage mistakes, before writing anything', async () => {
    const library = await seededLibrary();
    const out = path.join(tempLibraryDir(), 'never');
    const base = ['export', '--library', library, '--project', 'Street scenes', '--out', out];
    expect(await cli([...base])).toMatchObject({ code: 2, err: '--format is required.' });
    expect(await cli([...base, '--format', 'tfrecord'])).toMatchObject({ code: 2, err: '--format must be one of: coco, yolo, voc, cvat, csv, stillframe.' });
    expect(await cli([...base, '--format', 'yolo', '--images', 'somewhere'])).toMatchObject({ code: 2 });
    expect(await cli([...base, '--format', 'yolo', '--val-ratio', 'half'])).toMatchObject({ code: 2 });
    expect((await cli([...base, '--format', 'yolo', '--images', 'none'])).err).toContain('must be copied or linked');
    expect((await cli([...base, '--format', 'voc', '--val-ratio', '0.2'])).err).toContain('applies to the YOLO and COCO formats only');
    expect((await cli([...base, '--format', 'coco', '--val-ratio', '0.2', '--split-by', 'sideways'])).code).toBe(2);
    expect((await cli([...base, '--format', 'coco', '--val-ratio', '0.6', '--test-ratio', '0.5'])).err).toContain('must leave some images for training');
    expect((await cli([...base, '--format', 'coco', '--bogus'])).code).toBe(2);
    expect(await cli(['export', '--library', library, '--project', 'Nope', '--format', 'coco', '--out', out])).toMatchObject({
      code: 1,
      err: 'There is no project named “Nope”.',
    });
    expect(existsSync(out)).toBe(false);
  });

  it('imports into a project it creates, dry run first, and exits 1 when something was left out', async () => {
    const library = await seededLibrary();
    const out = path.join(tempLibraryDir(), 'set');
    expect((await cli(['export', '--library', library, '--project', 'Street scenes', '--format', 'stillframe', '--out', out])).code).toBe(0);

    const target = tempLibraryDir();
    const dry = await cli(['import', '--library', target, '--project', 'Copy', '--format', 'stillframe', '--from', out, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject({ import: { dryRun: true, images: { added: 6 }, shapes: { added: 12 } } });
    expect((await cli(['projects', '--library', target, '--json'])).out).toBe('{"projects":[]}');

    const done = await cli(['import', '--library', target, '--project', 'Copy', '--format', 'stillframe', '--from', path.join(out, 'stillframe.json')]);
    expect(done.code).toBe(0);
    expect(done.out.split('\n').slice(0, 3)).toEqual([
      'Imported Stillframe JSON: 6 image(s): 0 matched to existing frames, 6 new, 0 left out',
      '  found: Stillframe JSON stillframe.json',
      '  shapes: 12 added, 0 already there, 0 clamped to their image, 0 left out',
    ]);
    const frames = await cli(['frames', '--library', target, '--project', 'Copy', '--json']);
    expect((JSON.parse(frames.out) as { frames: unknown[] }).frames).toHaveLength(6);

    const broken = path.join(tempLibraryDir(), 'broken');
    mkdirSync(path.join(broken, 'labels'), { recursive: true });
    mkdirSync(path.join(broken, 'images'));
    writeFileSync(path.join(broken, 'data.yaml'), 'names: [car]\n');
    writeFileSync(path.join(broken, 'images', 'a.jpg'), 'not a picture');
    const failed = await cli(['import', '--library', target, '--project', 'Copy', '--format', 'yolo', '--from', broken]);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('✗ images/a.jpg: its file is not an image Stillframe can read');
    expect(readdirSync(path.join(target, 'frames'))).toHaveLength(1);
  });

  it('imports a CVAT export found with --format auto, and takes the images from --images', async () => {
    const library = await seededLibrary();
    const out = path.join(tempLibraryDir(), 'cvat');
    expect((await cli(['export', '--library', library, '--project', 'Street scenes', '--format', 'cvat', '--out', out])).code).toBe(0);
    const annotations = path.join(tempLibraryDir(), 'annotations-only');
    mkdirSync(annotations);
    writeFileSync(path.join(annotations, 'annotations.xml'), readFileSync(path.join(out, 'annotations.xml')));

    const target = tempLibraryDir();
    const args = ['import', '--library', target, '--project', 'Copy', '--format', 'auto', '--from', annotations, '--dry-run'];
    const missing = await cli(args);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('Would import CVAT XML: 6 image(s): 0 matched to existing frames, 0 new, 6 left out');
    const found = await cli([...args, '--images', path.join(out, 'images'), '--json']);
    expect(found.code).toBe(0);
    expect(JSON.parse(found.out)).toMatchObject({ import: { format: 'cvat', found: 'CVAT for images 1.1 (annotations.xml)', images: { added: 6 }, shapes: { added: 11 } } });
    expect((await cli(['import', '--library', target, '--project', 'Copy', '--format', 'tfrecord', '--from', annotations])).err).toBe(
      '--format must be one of: coco, cvat, voc, yolo, vott, label-studio, stillframe, auto.',
    );
  });

  it('refuses an --images folder or --video that is not there, and a COCO file with two images under one id', async () => {
    const library = await seededLibrary();
    const out = path.join(tempLibraryDir(), 'coco');
    expect((await cli(['export', '--library', library, '--project', 'Street scenes', '--format', 'coco', '--out', out])).code).toBe(0);
    const target = tempLibraryDir();
    const base = ['import', '--library', target, '--project', 'Copy', '--format', 'auto', '--from', out];
    const nowhere = path.join(tempLibraryDir(), 'nowhere');
    for (const dryRun of [[], ['--dry-run']]) {
      expect(await cli([...base, ...dryRun, '--images', nowhere])).toMatchObject({ code: 1, err: `The images folder “${nowhere}” (--images) does not exist.` });
      expect(await cli([...base, ...dryRun, '--video', nowhere])).toMatchObject({ code: 1, err: `The video “${nowhere}” (--video) does not exist.` });
    }
    const file = path.join(out, 'annotations', 'instances.json');
    expect((await cli([...base, '--images', file])).err).toBe(`“${file}” (--images) is a file, not a folder of images.`);

    const coco = JSON.parse(readFileSync(file, 'utf8')) as { images: { id: number; file_name: string }[] };
    const [first, second] = coco.images;
    if (!first || !second) throw new Error('the seeded export has images');
    second.id = first.id;
    writeFileSync(file, JSON.stringify(coco));
    const duplicate = await cli(base);
    expect(duplicate).toMatchObject({
      code: 2,
      err: `Two images in the COCO file have the id ${first.id} (“${first.file_name}” and “${second.file_name}”), so it is not clear which image their annotations belong to. Give each image its own id.`,
    });
    const frames = await cli(['frames', '--library', target, '--project', 'Copy', '--json']);
    expect((JSON.parse(frames.out) as { frames: unknown[] }).frames).toHaveLength(0);
  });
});
