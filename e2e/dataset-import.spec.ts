import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { createFirstProject } from './actions';
import { expect, mediaDir, test } from './fixtures';

async function dropFile(page: Page, name: string, file: string) {
  const base64 = readFileSync(file).toString('base64');
  const dataTransfer = await page.evaluateHandle(
    ({ name: fileName, base64: data }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], fileName));
      return transfer;
    },
    { name, base64 },
  );
  await page.dispatchEvent('body', 'dragenter', { dataTransfer });
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

/**
 * Drops a folder as a file manager does. A page cannot make directory entries, so the drop's items answer
 * webkitGetAsEntry with entries built here that behave as Chromium's do (readEntries hands out its children, then
 * an empty list); the files in them are real Files with the folder's bytes.
 */
async function dropFolder(page: Page, folder: string) {
  const list = (dir: string, prefix: string): { path: string; base64: string }[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      return statSync(full).isDirectory() ? list(full, relative) : [{ path: relative, base64: readFileSync(full).toString('base64') }];
    });
  const dataTransfer = await page.evaluateHandle(
    ({ name: folderName, files }) => {
      type Node = { name: string; file?: File; children: Map<string, Node> };
      const root: Node = { name: folderName, children: new Map() };
      const transfer = new DataTransfer();
      for (const item of files) {
        const parts = item.path.split('/');
        let node = root;
        for (const part of parts.slice(0, -1)) {
          let child = node.children.get(part);
          if (!child) {
            child = { name: part, children: new Map() };
            node.children.set(part, child);
          }
          node = child;
        }
        const file = new File([Uint8Array.from(atob(item.base64), (c) => c.charCodeAt(0))], parts[parts.length - 1] ?? '');
        node.children.set(file.name, { name: file.name, file, children: new Map() });
        transfer.items.add(file);
      }
      const entry = (node: Node): object =>
        node.file
          ? { name: node.name, isFile: true, isDirectory: false, file: (done: (file: File) => void) => done(node.file as File) }
          : {
              name: node.name,
              isFile: false,
              isDirectory: true,
              createReader: () => {
                let given = false;
                return {
                  readEntries: (done: (entries: object[]) => void) => {
                    const batch = given ? [] : [...node.children.values()].map(entry);
                    given = true;
                    setTimeout(() => done(batch));
                  },
                };
              },
            };
      Object.defineProperty(transfer, 'items', { value: [{ kind: 'file', webkitGetAsEntry: () => entry(root) }] });
      return transfer;
    },
    { name: path.basename(folder), files: list(folder, '') },
  );
  await page.dispatchEvent('body', 'dragenter', { dataTransfer });
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

/** A CVAT for images 1.1 export as CVAT writes it: annotations.xml beside images/ (pictures made here with FFmpeg). */
function cvatExport(folder: string) {
  mkdirSync(path.join(folder, 'images'), { recursive: true });
  for (const name of ['aisle-1.jpg', 'aisle-2.jpg']) {
    execFileSync(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=olive:s=160x120', '-frames:v', '1', path.join(folder, 'images', name)]);
  }
  writeFileSync(
    path.join(folder, 'annotations.xml'),
    `<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version><meta><task><name>shelves</name><labels><label><name>bottle</name><attributes></attributes></label></labels></task></meta>
<image id="0" name="aisle-1.jpg" width="160" height="120"><box label="bottle" occluded="0" xtl="10" ytl="10" xbr="50" ybr="100" z_order="0"></box></image>
<image id="1" name="aisle-2.jpg" width="160" height="120"><polygon label="bottle" occluded="0" points="5,5;60,5;30,90" z_order="0"></polygon></image>
</annotations>`,
  );
}

async function importDetectedCvat(page: Page) {
  const dialog = page.getByRole('dialog', { name: 'Import a dataset into “Shelf audit”' });
  await expect(dialog.getByText('Found: CVAT for images 1.1 (annotations.xml)')).toBeVisible();
  await expect(dialog.getByRole('list', { name: 'What the import would add' })).toContainText('2 images: 0 already frames here, 2 new.');
  await expect(dialog.getByRole('list', { name: 'What the import would add' })).toContainText('2 shapes to add.');
  await dialog.getByRole('button', { name: 'Import dataset' }).click();

  const done = page.getByRole('dialog', { name: 'Dataset imported into “Shelf audit”' });
  await expect(done.getByRole('list', { name: 'What was imported' })).toContainText('New labels: bottle.');
  await done.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByText('1 batch · 1 video · 2 frames')).toBeVisible();
}

test('a person leaving CVAT drops its export zip and the import dialog says what it found and brings it in', async ({ app }, testInfo) => {
  const { page } = app;
  const folder = testInfo.outputPath('task_shelves');
  cvatExport(folder);
  const zip = testInfo.outputPath('task_shelves.zip');
  execFileSync('zip', ['-qr', zip, 'annotations.xml', 'images'], { cwd: folder });

  await createFirstProject(page, 'Shelf audit');
  await expect(page.getByText('No videos yet.')).toBeVisible();
  await dropFile(page, 'task_shelves.zip', zip);

  await importDetectedCvat(page);
});

test('a person leaving CVAT drops its export folder, unzipped, and it is found and brought in like the zip', async ({ app }, testInfo) => {
  const { page } = app;
  const folder = testInfo.outputPath('task_shelves');
  cvatExport(folder);

  await createFirstProject(page, 'Shelf audit');
  await expect(page.getByText('No videos yet.')).toBeVisible();
  await dropFolder(page, folder);
  await importDetectedCvat(page);
});

test('a dropped folder of videos with a note beside them is still imported as videos', async ({ app }, testInfo) => {
  const { page } = app;
  const folder = testInfo.outputPath('aisle-4');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'bottle-detection.mp4'), readFileSync(path.join(mediaDir, 'bottle-detection.mp4')));
  writeFileSync(path.join(folder, 'notes.txt'), 'filmed on the morning shift');

  await createFirstProject(page, 'Shelf audit');
  await dropFolder(page, folder);
  const dialog = page.getByRole('dialog', { name: 'Import 1 video into “Shelf audit”' });
  await expect(dialog).toContainText('Not videos, left out: notes.txt');
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByRole('region', { name: /^Batch / }).getByRole('listitem', { name: 'bottle-detection.mp4' })).toContainText('40 frames', { timeout: 90_000 });
});
