import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, mediaDir, test } from './fixtures';

async function dropFiles(page: Page, files: { name: string; file: string }[]) {
  const payload = files.map(({ name, file }) => ({ name, base64: readFileSync(file).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const transfer = new DataTransfer();
    for (const item of items) {
      const bytes = Uint8Array.from(atob(item.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], item.name));
    }
    return transfer;
  }, payload);
  // A drag is only seen by the project's page: it must be there before the files arrive over it.
  await expect(page.getByRole('heading', { name: 'Shelf audit', level: 1 })).toBeVisible();
  await page.dispatchEvent('body', 'dragenter', { dataTransfer });
  await expect(page.getByRole('region', { name: 'Drop target' })).toContainText('Drop videos to import them into “Shelf audit”');
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

test('a person drops three real videos and a fake one onto a project and watches them become frames', async ({ app }, testInfo) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Create your first project' }).click();
  await page.getByRole('dialog', { name: 'New project' }).getByLabel('Project name').fill('Shelf audit');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByText('No videos yet.')).toBeVisible();

  const fake = testInfo.outputPath('notes.mp4');
  writeFileSync(fake, 'these are my notes, not a video');
  await dropFiles(page, [
    { name: 'bottle-detection.mp4', file: path.join(mediaDir, 'bottle-detection.mp4') },
    { name: 'car-detection.mp4', file: path.join(mediaDir, 'car-detection.mp4') },
    { name: 'milk.mkv', file: path.join(mediaDir, 'milk.mkv') },
    { name: 'notes.mp4', file: fake },
  ]);

  const dialog = page.getByRole('dialog', { name: 'Import 4 videos into “Shelf audit”' });
  await expect(dialog.getByLabel('Batch name')).toHaveValue(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} import$/);
  await dialog.getByLabel('Batch name').fill('Aisle 4, morning');
  await expect(dialog.getByLabel('Frames to extract')).toHaveValue('every');
  await expect(dialog.getByLabel('Seconds between frames')).toHaveValue('1');
  await dialog.getByRole('button', { name: 'Import' }).click();

  const problems = page.getByRole('dialog', { name: 'Import finished with problems' });
  await expect(problems.getByRole('list', { name: 'Import problems' })).toContainText('notes.mp4: This file is not a video that FFmpeg can read.');
  await problems.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: /^Queue/ }).click();
  const drawer = page.getByRole('complementary', { name: 'Processing queue' });
  await expect(drawer).toBeVisible();

  const batch = page.getByRole('region', { name: 'Batch Aisle 4, morning' });
  const videos = batch.getByRole('list', { name: 'Videos in Aisle 4, morning' });
  await expect(videos.getByRole('listitem', { name: 'notes.mp4' })).toContainText('failed');
  for (const [name, frames] of [['bottle-detection.mp4', 40], ['car-detection.mp4', 31], ['milk.mkv', 2]] as const) {
    await expect(videos.getByRole('listitem', { name })).toContainText(`${frames} frames`, { timeout: 90_000 });
    await expect(videos.getByRole('listitem', { name })).toContainText('done');
  }
  await expect(batch).toContainText('4 videos · 73 frames · 1 failed');
  await expect(drawer.getByRole('region', { name: 'Running' })).toHaveCount(0);
  await expect(drawer.getByText('Gave up', { exact: true })).toBeVisible();

  const grid = batch.getByRole('listbox', { name: 'Frames in Aisle 4, morning' });
  const second = grid.getByRole('option', { name: 'Frame 2 of car-detection.mp4 at 0:01.040' });
  await second.scrollIntoViewIfNeeded();
  await expect.poll(() => second.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);

  await app.restart();
  await page.getByRole('button', { name: /^Shelf audit/ }).click();
  await expect(page.getByRole('region', { name: 'Batch Aisle 4, morning' })).toContainText('4 videos · 73 frames · 1 failed');

  const chooser = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]).then(([c]) => c);
  await chooser.setFiles([path.join(mediaDir, 'milk.mkv')]);
  const again = page.getByRole('dialog', { name: 'Import 1 video into “Shelf audit”' });
  await again.getByRole('radio', { name: 'Add to an existing batch' }).check();
  await again.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByRole('dialog', { name: 'Import finished with problems' })).toContainText('already in this batch');
});

test('what is not a video is refused before a batch is made, and a failed video can be removed', async ({ app }, testInfo) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Create your first project' }).click();
  await page.getByRole('dialog', { name: 'New project' }).getByLabel('Project name').fill('Shelf audit');
  await page.getByRole('button', { name: 'Create project' }).click();

  const text = testInfo.outputPath('notes.txt');
  writeFileSync(text, 'these are my notes');
  await dropFiles(page, [{ name: 'notes.txt', file: text }]);
  const none = page.getByRole('dialog', { name: 'None of these is a video' });
  // Nothing to import: no size of nothing before the files left out.
  await expect(none.getByText('Not videos, left out')).toHaveText('Not videos, left out: notes.txt');
  await expect(none.getByRole('button', { name: 'Import' })).toBeDisabled();
  await none.getByRole('button', { name: 'Cancel' }).click();

  const renamed = testInfo.outputPath('notes.mp4');
  writeFileSync(renamed, 'these are my notes, not a video');
  await dropFiles(page, [{ name: 'notes.mp4', file: renamed }]);
  const dialog = page.getByRole('dialog', { name: 'Import 1 video into “Shelf audit”' });
  await dialog.getByLabel('Batch name').fill('Oops');
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Nothing was imported: “notes.mp4”: This file is not a video that FFmpeg can read.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('region', { name: 'Batch Oops' })).toHaveCount(0);

  await dropFiles(page, [
    { name: 'notes.mp4', file: renamed },
    { name: 'milk.mkv', file: path.join(mediaDir, 'milk.mkv') },
  ]);
  const mixed = page.getByRole('dialog', { name: 'Import 2 videos into “Shelf audit”' });
  await mixed.getByLabel('Batch name').fill('Mixed');
  await mixed.getByRole('button', { name: 'Import' }).click();
  await page.getByRole('dialog', { name: 'Import finished with problems' }).getByRole('button', { name: 'Close' }).click();
  const videos = page.getByRole('region', { name: 'Batch Mixed' }).getByRole('list', { name: 'Videos in Mixed' });
  await expect(videos.getByRole('listitem', { name: 'notes.mp4' })).toContainText('failed');
  await videos.getByRole('button', { name: 'Remove notes.mp4' }).click();
  await expect(videos.getByRole('listitem', { name: 'notes.mp4' })).toHaveCount(0);
  await expect(videos.getByRole('listitem', { name: 'milk.mkv' })).toContainText('done', { timeout: 60_000 });
});
