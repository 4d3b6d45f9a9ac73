import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, mediaDir } from './fixtures';

/** Creates the library's first project from the empty projects screen, and opens it. */
export async function createFirstProject(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Create your first project' }).click();
  await page.getByLabel('Project name').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
}

/** Imports one sample clip through the Import videos file chooser into a new batch, every `seconds` seconds. */
export async function importClip(page: Page, clip: string, batch: string, seconds: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]);
  await chooser.setFiles(path.join(mediaDir, clip));
  const dialog = page.getByRole('dialog', { name: /^Import 1 video/ });
  await dialog.getByLabel('Batch name').fill(batch);
  await dialog.getByLabel('Seconds between frames').fill(seconds);
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(dialog).toBeHidden();
}

/** The start most specs share: a first project with one batch, "Cars", of the four frames of the car clip at one every 10 s. */
export async function projectWithFourCars(page: Page, name: string): Promise<void> {
  await createFirstProject(page, name);
  await importClip(page, 'car-detection.mp4', 'Cars', '10');
  await expect(page.getByRole('listbox', { name: 'Frames in Cars' }).getByRole('option')).toHaveCount(4);
}
