import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { createFirstProject, importClip, projectWithFourCars } from './actions';
import { expect, launcher, test } from './fixtures';

const canvas = (page: Page) => page.getByRole('application', { name: 'Annotation canvas' });
const shapes = (page: Page) => page.getByRole('listbox', { name: 'Shapes on this frame' }).getByRole('option');

async function drawBox(page: Page, dx: number, dy: number) {
  const box = await canvas(page).boundingBox();
  if (!box) throw new Error('The canvas is not on screen.');
  const x = box.x + box.width / 2 + dx;
  const y = box.y + box.height / 2 + dy;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 100, y + 80, { steps: 6 });
  await page.mouse.up();
}

// These tests take the dataset as a browser download, which only the browser host (`stillframe serve`, what CI
// runs) offers. Under Electron the same dialog writes into a folder chosen with the system's folder dialog, which
// Playwright cannot drive; the writing itself is the same handler, covered by electron/datasets/export.test.ts.
const electronWritesToFolder = 'Electron writes into a folder picked with its own dialog instead of downloading.';

interface CocoImage {
  id: number;
  file_name: string;
  video: string;
  timestamp_ms: number;
  frame_index: number;
}

test('the browser host downloads a .zip whose COCO lists every frame with its video and timestamp, and says first what it leaves out', async ({ app }) => {
  test.skip(launcher.name !== 'browser-host', electronWritesToFolder);
  const { page } = app;
  const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-download-'));
  try {
    await createFirstProject(page, 'Export');
    await importClip(page, 'car-detection.mp4', 'Cars', '10');
    const grid = page.getByRole('listbox', { name: 'Frames in Cars' });
    await expect(grid.getByRole('option')).toHaveCount(4);
    await grid.getByRole('option', { name: /^Frame 2 of car-detection/ }).dblclick();
    await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
    await page.getByLabel('Name the first label; new shapes get it').fill('Car');
    await page.getByRole('button', { name: 'Add label' }).click();
    await expect(page.getByRole('status', { name: 'Active label: Car' })).toBeVisible();
    await page.keyboard.press('r');
    await drawBox(page, -240, -160);
    await drawBox(page, 40, 40);
    await expect(shapes(page)).toHaveText(['1. Car rectangle', '2. Car rectangle']);
    await page.getByRole('combobox', { name: /^Label/ }).selectOption({ label: 'No label' });
    await expect(page.getByRole('status', { name: 'Save state' })).toHaveText('Saved');
    await page.getByRole('button', { name: 'Back to project' }).click();

    await page.getByRole('button', { name: 'Export project Export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export project “Export”' });
    await expect(dialog.getByRole('note', { name: 'Left out of this export' })).toContainText(
      '1 shape of 2 will be left out, shapes without a label: COCO needs a class for every object.',
    );
    // CSV keeps shapes without a label: nothing to warn about.
    await dialog.getByLabel('Format').selectOption({ label: 'CSV' });
    await expect(dialog.getByRole('note', { name: 'Left out of this export' })).toHaveCount(0);
    await dialog.getByLabel('Format').selectOption({ label: 'COCO' });

    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download .zip' }).click()]);
    expect(download.suggestedFilename()).toBe('export-coco.zip');
    const zip = path.join(dir, download.suggestedFilename());
    await download.saveAs(zip);
    await expect(page.getByRole('dialog', { name: 'Exported project “Export”' })).toContainText('Your browser is saving export-coco.zip');

    const listed = spawnSync('unzip', ['-p', zip, 'annotations/instances.json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(listed.status, listed.stderr).toBe(0);
    const coco = JSON.parse(listed.stdout) as { images: CocoImage[]; annotations: { image_id: number }[] };
    expect(coco.images.map((image) => [image.video, image.frame_index])).toEqual([
      ['car-detection.mp4', 1],
      ['car-detection.mp4', 2],
      ['car-detection.mp4', 3],
      ['car-detection.mp4', 4],
    ]);
    expect(coco.images.map((image) => image.timestamp_ms)).toEqual([...coco.images.map((image) => image.timestamp_ms)].sort((a, b) => a - b));
    expect(coco.images[1]?.timestamp_ms).toBeGreaterThan(9000);
    expect(coco.annotations.map((annotation) => annotation.image_id)).toEqual([2]);
    const files = spawnSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(files.filter((name) => name.startsWith('images/'))).toHaveLength(4);

    // The dialog remembers the last format for this project.
    await page.getByRole('dialog', { name: 'Exported project “Export”' }).getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Export project Export' }).click();
    await expect(page.getByRole('dialog', { name: 'Export project “Export”' }).getByLabel('Format')).toHaveValue('coco');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a test share gives a .zip with one COCO file per split, and the summary says how the split came out and what leaks', async ({ app }) => {
  test.skip(launcher.name !== 'browser-host', electronWritesToFolder);
  const { page } = app;
  const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-split-'));
  try {
    await projectWithFourCars(page, 'Splits');

    await page.getByRole('button', { name: 'Export project Splits' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export project “Splits”' });
    await dialog.getByLabel('Format').selectOption({ label: 'COCO' });
    const split = dialog.getByRole('group', { name: 'Train / val / test split' });
    await split.getByLabel('Validation, % of images').fill('60');
    await split.getByLabel('Test, % of images').fill('50');
    await expect(split).toContainText('The validation and test shares must leave some images for training.');
    await expect(dialog.getByRole('button', { name: 'Download .zip' })).toBeDisabled();
    await split.getByLabel('Validation, % of images').fill('25');
    await split.getByLabel('Test, % of images').fill('25');
    // One video only: split by video would put it whole into one split, so this split goes frame by frame.
    await split.getByLabel('Split by').selectOption({ label: 'Single frames (frames of one video may land in two splits)' });
    await expect(split).toContainText('About 50% train, 25% val, 25% test.');

    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download .zip' }).click()]);
    const zip = path.join(dir, download.suggestedFilename());
    await download.saveAs(zip);
    const summary = page.getByRole('dialog', { name: 'Exported project “Splits”' }).getByRole('list', { name: 'Export summary' });
    await expect(summary).toContainText('Split by frame: 2 train, 1 val, 1 test (50% / 25% / 25% of images; asked for 50% / 25% / 25%).');
    await expect(summary).toContainText('4 images (2 train, 1 val, 1 test) come from videos that feed more than one split.');

    const files = spawnSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(files.filter((name) => name.startsWith('annotations/')).sort()).toEqual([
      'annotations/instances_test.json',
      'annotations/instances_train.json',
      'annotations/instances_val.json',
    ]);
    for (const [part, count] of [['train', 2], ['val', 1], ['test', 1]] as const) {
      expect(files.filter((name) => name.startsWith(`images/${part}/`) && name.endsWith('.jpg')), part).toHaveLength(count);
      const listed = spawnSync('unzip', ['-p', zip, `annotations/instances_${part}.json`], { encoding: 'utf8' });
      expect((JSON.parse(listed.stdout) as { images: unknown[] }).images, part).toHaveLength(count);
    }

    // The split is remembered for this project like the other choices.
    await page.getByRole('dialog', { name: 'Exported project “Splits”' }).getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Export project Splits' }).click();
    const again = page.getByRole('dialog', { name: 'Export project “Splits”' }).getByRole('group', { name: 'Train / val / test split' });
    await expect(again.getByLabel('Test, % of images')).toHaveValue('25');
    await expect(again.getByLabel('Validation, % of images')).toHaveValue('25');
    await expect(again.getByLabel('Split by')).toHaveValue('frame');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
