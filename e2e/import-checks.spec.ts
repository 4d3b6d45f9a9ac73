import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { uploadPath } from '../shared/host-protocol';
import { createFirstProject, importClip } from './actions';
import { expect, mediaDir, test } from './fixtures';

async function chooseFiles(page: Page, files: string[]) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]);
  await chooser.setFiles(files);
}

test('an import the host would refuse uploads nothing, and deleting a batch leaves no upload behind', async ({ app }, testInfo) => {
  const { page, libraryDir } = app;
  // Only the browser host uploads: Electron hands the host the files' own paths.
  const uploads = () => (existsSync(path.join(libraryDir, 'imports')) ? readdirSync(path.join(libraryDir, 'imports')) : []);
  const uploadRequests: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === uploadPath) uploadRequests.push(request.url());
  });
  await createFirstProject(page, 'Dairy');
  await importClip(page, 'milk.mkv', 'Milk', '1');
  const batch = page.getByRole('region', { name: 'Batch Milk' });
  await expect(batch.getByRole('list', { name: 'Videos in Milk' }).getByRole('listitem', { name: 'milk.mkv' })).toContainText('done', { timeout: 60_000 });
  const afterFirst = uploads();
  const sentFirst = uploadRequests.length;

  // A batch name the project already has: refused before anything is uploaded.
  await chooseFiles(page, [path.join(mediaDir, 'bottle-detection.mp4')]);
  const dialog = page.getByRole('dialog', { name: 'Import 1 video into “Dairy”' });
  await dialog.getByLabel('Batch name').fill('milk');
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('This project already has a batch named “milk”. Choose another name.');
  await dialog.getByLabel('Batch name').fill('   ');
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Batch name is required.');
  expect(uploads()).toEqual(afterFirst);
  expect(uploadRequests).toHaveLength(sentFirst);
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // A file that is not a video is refused by its name before anything is offered, and not uploaded.
  const notes = testInfo.outputPath('notes.txt');
  writeFileSync(notes, 'not a video');
  await chooseFiles(page, [notes]);
  const notesDialog = page.getByRole('dialog', { name: 'None of these is a video' });
  await expect(notesDialog).toContainText('Not videos, left out: notes.txt');
  await expect(notesDialog.getByRole('button', { name: 'Import' })).toBeDisabled();
  expect(uploads()).toEqual(afterFirst);
  expect(uploadRequests).toHaveLength(sentFirst);
  await notesDialog.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'Delete batch Milk' }).click();
  await page.getByRole('dialog', { name: 'Delete batch “Milk”?' }).getByRole('button', { name: 'Delete batch' }).click();
  await expect(batch).toHaveCount(0);
  if (app.host) await expect.poll(uploads).toEqual([]);
});
