import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { createFirstProject } from './actions';
import { expect, test } from './fixtures';

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

test('a person leaving CVAT drops its export zip and the import dialog says what it found and brings it in', async ({ app }, testInfo) => {
  const { page } = app;
  // A CVAT for images 1.1 export as CVAT zips it: annotations.xml beside images/ (made here with FFmpeg).
  const folder = testInfo.outputPath('task_shelves');
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
  const zip = testInfo.outputPath('task_shelves.zip');
  execFileSync('zip', ['-qr', zip, 'annotations.xml', 'images'], { cwd: folder });

  await createFirstProject(page, 'Shelf audit');
  await expect(page.getByText('No videos yet.')).toBeVisible();
  await dropFile(page, 'task_shelves.zip', zip);

  const dialog = page.getByRole('dialog', { name: 'Import a dataset into “Shelf audit”' });
  await expect(dialog.getByText('Found: CVAT for images 1.1 (annotations.xml)')).toBeVisible();
  await expect(dialog.getByRole('list', { name: 'What the import would add' })).toContainText('2 images: 0 already frames here, 2 new.');
  await expect(dialog.getByRole('list', { name: 'What the import would add' })).toContainText('2 shapes to add.');
  await dialog.getByRole('button', { name: 'Import dataset' }).click();

  const done = page.getByRole('dialog', { name: 'Dataset imported into “Shelf audit”' });
  await expect(done.getByRole('list', { name: 'What was imported' })).toContainText('New labels: bottle.');
  await done.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByText('1 batch · 1 video · 2 frames')).toBeVisible();
});
