import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { createFirstProject, importClip } from './actions';
import { expect, test } from './fixtures';

const batchRegion = (page: Page, name: string) => page.getByRole('region', { name: `Batch ${name}` });
const frames = (page: Page, name: string) => batchRegion(page, name).getByRole('listbox', { name: `Frames in ${name}` });
const batchOrder = (page: Page) =>
  page.getByRole('region', { name: /^Batch / }).evaluateAll((sections) => sections.map((s) => s.getAttribute('aria-label')));

test('a person organises two batches: collapse, move frames, delete with undo, rename, reorder, and restart', async ({ app }) => {
  const { page } = app;
  await createFirstProject(page, 'Browse');

  await importClip(page, 'milk.mkv', 'First', '1');
  await expect(frames(page, 'First').getByRole('option')).toHaveCount(2);
  await importClip(page, 'car-detection.mp4', 'Second', '5');
  await expect(frames(page, 'Second').getByRole('option')).toHaveCount(7);
  expect(await batchOrder(page)).toEqual(['Batch Second', 'Batch First']);

  await batchRegion(page, 'First').getByRole('button', { name: 'First', exact: true }).click();
  await expect(batchRegion(page, 'First').getByRole('button', { name: 'First', exact: true })).toHaveAttribute('aria-expanded', 'false');
  await expect(frames(page, 'First')).toHaveCount(0);
  await batchRegion(page, 'First').getByRole('button', { name: 'First', exact: true }).click();

  const second = frames(page, 'Second');
  await second.getByRole('option', { name: 'Frame 1 of car-detection.mp4 at 0:00.000' }).click();
  await second.getByRole('option', { name: /^Frame 3 of car-detection/ }).click({ modifiers: ['Shift'] });
  await expect(second.getByRole('option', { selected: true })).toHaveCount(3);
  const selected = page.getByRole('group', { name: 'Selected frames' });
  await expect(selected).toContainText('3 frames selected');
  await selected.getByLabel('Move to').selectOption({ label: 'First' });
  await selected.getByRole('button', { name: 'Move' }).click();
  await expect(frames(page, 'First').getByRole('option')).toHaveCount(5);
  await expect(second.getByRole('option')).toHaveCount(4);
  await expect(batchRegion(page, 'First')).toContainText('1 video · 5 frames');

  const first = frames(page, 'First');
  await first.getByRole('option', { name: /^Frame 2 of milk.mkv/ }).click();
  await page.keyboard.press('Delete');
  await expect(page.getByRole('status')).toContainText('1 frame deleted.');
  await expect(first.getByRole('option')).toHaveCount(4);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(first.getByRole('option')).toHaveCount(5);
  await expect(first.getByRole('option', { name: /^Frame 2 of milk.mkv/ })).toBeVisible();

  await first.getByRole('option', { name: /^Frame 1 of milk.mkv/ }).click({ modifiers: ['ControlOrMeta'] });
  await first.getByRole('option', { name: /^Frame 2 of milk.mkv/ }).click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await expect(first.getByRole('option')).toHaveCount(3);

  await page.getByRole('button', { name: 'Rename batch First' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename batch “First”' });
  // Opening a dialog is no reason to give up the chance to undo the deletion.
  await expect(page.getByRole('button', { name: 'Undo' })).toBeVisible();
  await rename.getByLabel('Batch name').fill(' ');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(rename.getByRole('alert')).toHaveText('Batch name is required.');
  await rename.getByLabel('Batch name').fill('b'.repeat(51));
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(rename.getByRole('alert')).toContainText('at most 50 characters');
  await rename.getByLabel('Batch name').fill('second');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(rename.getByRole('alert')).toContainText('already has a batch named “second”');
  await rename.getByLabel('Batch name').fill('Kept frames');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(frames(page, 'Kept frames').getByRole('option')).toHaveCount(3);

  await page.getByRole('button', { name: 'Move Kept frames up' }).click();
  await expect.poll(() => batchOrder(page)).toEqual(['Batch Kept frames', 'Batch Second']);

  await page.getByRole('button', { name: 'Delete batch Second' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete batch “Second”?' });
  await expect(confirm).toContainText('1 video and 4 frames');
  await confirm.getByRole('button', { name: 'Delete batch' }).click();
  await expect(confirm.getByRole('alert')).toContainText('were moved to other batches (3 in “Kept frames”)');
  await confirm.getByRole('button', { name: 'Cancel' }).click();

  await frames(page, 'Kept frames').focus();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Frame' })).toContainText('car-detection.mp4 · frame 3');
  await page.keyboard.press('Escape');
  await expect(frames(page, 'Kept frames')).toBeVisible();

  await app.restart();
  await page.getByRole('button', { name: /^Browse/ }).click();
  await expect.poll(() => batchOrder(page)).toEqual(['Batch Kept frames', 'Batch Second']);
  await expect(frames(page, 'Kept frames').getByRole('option')).toHaveCount(3);
  await expect(frames(page, 'Second').getByRole('option')).toHaveCount(4);
  await expect(batchRegion(page, 'Kept frames')).toContainText('1 video · 3 frames');
  // Moved frames show their own pictures from their new folder, in every tile, after the restart.
  const painted = (name: string) =>
    frames(page, name)
      .locator('img')
      .evaluateAll((images) => images.filter((image) => image instanceof HTMLImageElement && image.naturalWidth > 0).length);
  await expect.poll(() => painted('Kept frames')).toBe(3);
  await expect.poll(() => painted('Second')).toBe(4);
});

test('a batch larger than its first page can be selected whole, scrolled or keyed to its last frame at once, without the scrollbar jumping', async ({ app }) => {
  const { page } = app;
  await createFirstProject(page, 'Long');
  await importClip(page, 'bottle-detection.mp4', 'Dense', '0.05');
  await expect(batchRegion(page, 'Dense').getByRole('list', { name: 'Videos in Dense' })).toContainText('done', { timeout: 60_000 });
  const frameCount = async () => Number(/([\d,]+) frames/.exec((await batchRegion(page, 'Dense').textContent()) ?? '')?.[1]?.replace(',', ''));
  await expect.poll(frameCount).toBeGreaterThan(600);
  const total = await frameCount();

  await app.restart();
  await page.getByRole('button', { name: /^Long/ }).click();
  const grid = frames(page, 'Dense');
  await expect(grid.getByRole('option').first()).toBeVisible();
  const heightAtOpen = await grid.evaluate((el) => el.scrollHeight);
  // Select-all means the whole batch, also while its later frames are still on their way.
  await grid.focus();
  await page.keyboard.press('ControlOrMeta+a');
  await expect(page.getByRole('group', { name: 'Selected frames' })).toContainText(`${total} frames selected`);
  await grid.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
  await expect(grid.getByRole('option', { name: new RegExp(`^Frame ${total} of bottle-detection\\.mp4`) })).toBeVisible();
  await expect(grid).toHaveAttribute('aria-busy', 'false');
  expect(await grid.evaluate((el) => el.scrollHeight)).toBe(heightAtOpen);

  // End goes to the batch's last frame, also when pressed before the later frames have arrived.
  await app.restart();
  await page.getByRole('button', { name: /^Long/ }).click();
  await expect(grid.getByRole('option').first()).toBeVisible();
  await grid.focus();
  await page.keyboard.press('End');
  await expect(grid.getByRole('option', { selected: true })).toHaveAccessibleName(new RegExp(`^Frame ${total} of bottle-detection\\.mp4`));

  // Flung up and back down a little, every tile on screen shows its own frame's thumbnail: the grid hands the rows
  // scrolled off to the rows scrolling on, and none may keep the picture of the frame it showed before.
  const box = await grid.boundingBox();
  if (!box) throw new Error('The grid has no box.');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 12; i++) await page.mouse.wheel(0, -600);
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, 400);
  await expect(grid).toHaveAttribute('aria-busy', 'false');
  const thumbs = thumbnailFiles(app.libraryDir);
  await expect.poll(() => wronglyShown(grid, thumbs)).toEqual([]);
  expect((await shownFrames(grid)).length).toBeGreaterThan(20);
});

/** The batch's thumbnail files (one video in the library) by frame number. */
function thumbnailFiles(libraryDir: string): Map<number, string> {
  const found = new Map<number, string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const number = /^frame_(\d+)\.jpg$/.exec(entry.name)?.[1];
      if (entry.isDirectory()) visit(full);
      else if (number) found.set(Number(number), full);
    }
  };
  visit(path.join(libraryDir, 'thumbs'));
  return found;
}

/** The numbers of the frames whose tiles are wholly inside the grid's scrolled view. */
function shownFrames(grid: ReturnType<typeof frames>): Promise<number[]> {
  return grid.evaluate((element) => {
    const view = element.getBoundingClientRect();
    return [...element.querySelectorAll('[role=option]')]
      .filter((tile) => {
        const box = tile.getBoundingClientRect();
        return box.top >= view.top && box.bottom <= view.bottom;
      })
      .map((tile) => Number(/^Frame (\d+) /.exec(tile.getAttribute('aria-label') ?? '')?.[1]));
  });
}

/**
 * The tiles in view that show no image yet, or another frame's: each tile's pixels against those of its frame's
 * thumbnail file, both decoded by the page (the page may not fetch its own image URLs, so pixels, not bytes).
 */
async function wronglyShown(grid: ReturnType<typeof frames>, files: Map<number, string>): Promise<string[]> {
  const shown = await shownFrames(grid);
  const expected = Object.fromEntries(shown.map((n) => [n, `data:image/jpeg;base64,${readFileSync(files.get(n) ?? '').toString('base64')}`]));
  return grid.evaluate(async (element, expected) => {
    const pixels = async (image: HTMLImageElement) => {
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      return [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))].join(',');
    };
    const wrong: string[] = [];
    for (const [number, url] of Object.entries(expected)) {
      const tile = [...element.querySelectorAll('[role=option]')].find((t) => t.getAttribute('aria-label')?.startsWith(`Frame ${number} `));
      const img = tile?.querySelector('img');
      const file = new Image();
      file.src = url;
      if (!img || (await pixels(img)) !== (await pixels(file))) wrong.push(`Frame ${number}${img ? '' : ' (no image yet)'}`);
    }
    return wrong;
  }, expected);
}
