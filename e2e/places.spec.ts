import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { createFirstProject, importClip, projectWithFourCars } from './actions';
import { expect, test } from './fixtures';

const grid = (page: Page) => page.getByRole('listbox', { name: 'Frames in Cars' });
const tile = (page: Page, index: number) => grid(page).getByRole('option', { name: new RegExp(`^Frame ${index} of car-detection`) });
const annotator = (page: Page) => page.getByRole('region', { name: 'Frame' });
const canvas = (page: Page) => page.getByRole('application', { name: 'Annotation canvas' });
const undoToast = (page: Page) => page.getByRole('status').filter({ hasText: 'deleted.' });

test('every place has an address: a double-click opens a frame, reload keeps frame and zoom, Back and Forward move between grid and frame', async ({ app }) => {
  const { page } = app;
  // A pasted name longer than the contract's limit is kept whole and the counter says by how much to shorten it.
  await page.getByRole('button', { name: 'Create your first project' }).click();
  await page.getByLabel('Project name').fill('p'.repeat(300));
  await expect(page.getByLabel('Project name')).toHaveValue('p'.repeat(300));
  await expect(page.getByText('300 characters: at most 100. Shorten it by 200.')).toBeVisible();
  await page.getByLabel('Project name').fill('Places');
  await expect(page.getByText('6 / 100 characters')).toBeVisible();
  await page.getByRole('button', { name: 'Create project' }).click();
  await importClip(page, 'car-detection.mp4', 'Cars', '10');
  await expect(grid(page).getByRole('option')).toHaveCount(4);

  // Nothing is selected: the first click of the double-click selects, and nothing may move before the second lands.
  const before = await tile(page, 2).boundingBox();
  await tile(page, 2).click();
  expect(await tile(page, 2).boundingBox()).toEqual(before);
  await tile(page, 3).dblclick();
  await expect(annotator(page)).toContainText('car-detection.mp4 · frame 3 ·');
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');

  // Each step is waited for, and the address must hold the zoom shown: read at once, the level or the address could
  // still be the first step's when the page reloads.
  const level = page.getByLabel('Zoom level');
  for (let step = 0; step < 2; step++) {
    const shown = (await level.textContent()) ?? '';
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await expect(level).not.toHaveText(shown);
  }
  const zoom = (await level.textContent()) ?? '';
  await expect(page).toHaveURL(new RegExp(`\\?zoom=${zoom.replace('%', '')}$`));

  await page.reload();
  await expect(annotator(page)).toContainText('car-detection.mp4 · frame 3 ·');
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await expect(level).toHaveText(zoom);

  // D moves to the next frame in place: Back still leads to the grid, not through every frame seen.
  await canvas(page).focus();
  await page.keyboard.press('d');
  await expect(annotator(page)).toContainText('car-detection.mp4 · frame 4 ·');
  await page.goBack();
  await expect(grid(page)).toBeVisible();
  await expect(annotator(page)).toHaveCount(0);
  await page.goForward();
  await expect(annotator(page)).toContainText('car-detection.mp4 · frame 4 ·');

  // A pasted address lands on the same frame, in a fresh page of the same session.
  const address = page.url();
  await page.goto('about:blank');
  await page.goto(address);
  await expect(annotator(page)).toContainText('car-detection.mp4 · frame 4 ·');

  await page.getByRole('button', { name: 'Back to project' }).click();
  await expect(grid(page)).toBeVisible();
  await page.reload();
  await expect(grid(page).getByRole('option')).toHaveCount(4);
  await expect(page.getByRole('heading', { name: 'Places' })).toBeVisible();

  // Settings say which FFmpeg and ffprobe run, their versions and where they came from.
  await page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
  const tools = page.getByRole('dialog', { name: 'Settings' }).getByRole('definition');
  await expect(tools.first()).toContainText(/ffmpeg version \S+/);
  await expect(tools.first()).toContainText(process.env.FFMPEG_PATH ? 'set by the FFMPEG_PATH environment variable' : /bundled|PATH/);
  await expect(tools.nth(1)).toContainText(/ffprobe version \S+/);
});

test('Ctrl/Cmd+Z brings deleted frames back, no key closes the Undo toast, and a visit to a frame keeps the delete undoable', async ({ app }) => {
  const { page } = app;
  await projectWithFourCars(page, 'Undo');

  // The queue keeps a history of finished jobs in plain words, and Esc closes it.
  await page.getByRole('button', { name: /^Queue/ }).click();
  const drawer = page.getByRole('complementary', { name: 'Processing queue' });
  const finished = drawer.getByRole('region', { name: 'Finished' }).getByRole('listitem', { name: 'car-detection.mp4, done' });
  await expect(finished).toContainText('one frame every 10 seconds');
  await expect(finished).toContainText(/Finished at .+ · took (\d+:\d\d|under a second)/);
  await page.keyboard.press('Escape');
  await expect(drawer).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Queue/ })).toBeFocused();

  await tile(page, 1).click();
  await tile(page, 2).click({ modifiers: ['Shift'] });
  await page.keyboard.press('Delete');
  await expect(undoToast(page)).toContainText('2 frames deleted.');
  await expect(grid(page).getByRole('option')).toHaveCount(2);
  // The video's row follows at once, without a reload.
  const videoRow = page.getByRole('list', { name: 'Videos in Cars' }).getByRole('listitem', { name: 'car-detection.mp4' });
  await expect(videoRow).toContainText('· 2 frames');
  // Keys that are not Undo leave the toast and its deletion alone.
  await page.keyboard.press('Shift');
  await page.keyboard.press('ArrowRight');
  await expect(undoToast(page)).toBeVisible();
  await page.keyboard.press('ControlOrMeta+z');
  await expect(grid(page).getByRole('option')).toHaveCount(4);
  await expect(undoToast(page)).toHaveCount(0);
  await expect(videoRow).toContainText('· 4 frames');

  await tile(page, 4).click();
  await page.keyboard.press('Delete');
  await expect(undoToast(page)).toContainText('1 frame deleted.');
  await tile(page, 1).dblclick();
  await expect(annotator(page)).toContainText('car-detection.mp4 · frame 1 ·');
  await page.getByRole('button', { name: 'Back to project' }).click();
  await expect(undoToast(page)).toContainText('1 frame deleted.');
  await page.keyboard.press('ControlOrMeta+z');
  await expect(grid(page).getByRole('option')).toHaveCount(4);
  await expect(tile(page, 4)).toBeVisible();

  // Esc clears the selection.
  await tile(page, 2).click();
  await expect(grid(page).getByRole('option', { selected: true })).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(grid(page).getByRole('option', { selected: true })).toHaveCount(0);
});

test('a portrait frame fits whole in its tile, and a selected tile is outlined and ticked', async ({ app }) => {
  const { page } = app;
  const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-portrait-'));
  const clip = path.join(dir, 'portrait.mp4');
  const made = spawnSync(process.env.FFMPEG_PATH ?? 'ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10:duration=2', '-vf', 'transpose=1',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip,
  ]);
  expect(made.status, made.stderr?.toString()).toBe(0);
  try {
    await createFirstProject(page, 'Portrait');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]);
    await chooser.setFiles(clip);
    const dialog = page.getByRole('dialog', { name: /^Import 1 video/ });
    await dialog.getByLabel('Batch name').fill('Tall');
    await dialog.getByLabel('Seconds between frames').fill('1');
    await dialog.getByRole('button', { name: 'Import' }).click();
    const tall = page.getByRole('listbox', { name: 'Frames in Tall' });
    await expect(tall.getByRole('option')).toHaveCount(2);
    const first = tall.getByRole('option').first();
    await expect.poll(() => first.locator('img').evaluate((img: HTMLImageElement) => img.naturalHeight)).toBeGreaterThan(0);

    const tileBox = await first.boundingBox();
    const imageBox = await first.locator('img').boundingBox();
    if (!tileBox || !imageBox) throw new Error('The tile is not on screen.');
    // The picture is inside its tile, whole: top to bottom, and as tall as it is wide times 16/9.
    expect(imageBox.y).toBeGreaterThanOrEqual(tileBox.y);
    expect(imageBox.y + imageBox.height).toBeLessThanOrEqual(tileBox.y + tileBox.height + 0.5);
    expect(imageBox.x).toBeGreaterThanOrEqual(tileBox.x);
    expect(imageBox.x + imageBox.width).toBeLessThanOrEqual(tileBox.x + tileBox.width + 0.5);
    expect(imageBox.height / imageBox.width).toBeCloseTo(320 / 180, 1);

    await first.click();
    await expect(first).toHaveAttribute('aria-selected', 'true');
    await expect(first.getByText('✓')).toBeVisible();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const file = test.info().outputPath(`grid-portrait-${scheme}.png`);
      await page.screenshot({ path: file });
      await test.info().attach(`grid-portrait-${scheme}`, { path: file, contentType: 'image/png' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Monitoring and Storage have addresses of their own: reload and Back return to them, closing returns to the project', async ({ app }) => {
  const { page } = app;
  await createFirstProject(page, 'Watched');
  await expect(page.getByRole('heading', { name: 'Watched' })).toBeVisible();

  await page.getByRole('button', { name: 'Monitoring' }).click();
  await expect(page.getByRole('heading', { name: 'Monitoring', level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/#\/monitoring$/);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Monitoring', level: 1 })).toBeVisible();

  await page.getByRole('button', { name: 'Storage', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Storage', level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/#\/storage$/);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Storage', level: 1 })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Monitoring', level: 1 })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Watched' })).toBeVisible();

  // A pasted link opens the view; closing it goes back to where the person was before opening it.
  await page.getByRole('button', { name: 'Monitoring' }).click();
  await page.getByRole('button', { name: 'Close monitoring' }).click();
  await expect(page.getByRole('heading', { name: 'Watched' })).toBeVisible();
  const url = page.url().replace(/#.*$/, '');
  await page.goto('about:blank');
  await page.goto(`${url}#/storage`);
  await expect(page.getByRole('heading', { name: 'Storage', level: 1 })).toBeVisible();
});
