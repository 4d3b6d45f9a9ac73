import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFirstProject } from './actions';
import { expect, test } from './fixtures';

// Enough that the first page is let go once the grid is at the end (pages 1,200 frames from the screen are).
const frames = 1800;

test('End in a large batch shows and selects its last frame, Home the first, and Select all, Shift+End or a Shift+click take frames never loaded', async ({ app }) => {
  const { page } = app;
  const dir = mkdtempSync(path.join(tmpdir(), 'stillframe-large-'));
  const clip = path.join(dir, 'long-shot.mp4');
  // Tiny frames, so extracting every one of them is quick; the grid pages the same whatever their size.
  const made = spawnSync(process.env.FFMPEG_PATH ?? 'ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=64x36:rate=10:duration=${frames / 10}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip,
  ]);
  expect(made.status, made.stderr?.toString()).toBe(0);
  try {
    await createFirstProject(page, 'Large');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]);
    await chooser.setFiles(clip);
    const dialog = page.getByRole('dialog', { name: /^Import 1 video/ });
    await dialog.getByLabel('Batch name').fill('Long');
    await dialog.getByLabel('Seconds between frames').fill('0.1');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect(page.getByRole('region', { name: 'Batch Long' })).toContainText(`${frames.toLocaleString('en-US')} frames`, { timeout: 120_000 });

    const grid = page.getByRole('listbox', { name: 'Frames in Long' });
    const tile = (index: number) => grid.getByRole('option', { name: new RegExp(`^Frame ${index} of long-shot\\.mp4`) });
    await expect(tile(1)).toBeVisible();
    // The last frame is pages away: nothing of it is on the page until End asks for it.
    await expect(tile(frames)).toHaveCount(0);
    await grid.focus();
    await page.keyboard.press('End');
    await expect(tile(frames)).toBeInViewport();
    await expect(tile(frames)).toHaveAttribute('aria-selected', 'true');
    await expect.poll(() => tile(frames).locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await expect(tile(1)).toHaveCount(0);

    // Back from that frame, the grid is where the person left it, its frames there loaded straight away.
    await page.keyboard.press('Enter');
    await expect(page.getByRole('region', { name: 'Frame' })).toContainText(`long-shot.mp4 · frame ${frames} ·`);
    await page.goBack();
    await expect(tile(frames)).toBeInViewport();
    await expect.poll(() => tile(frames).locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await grid.focus();
    await page.keyboard.press('Home');
    await expect(tile(1)).toBeInViewport();
    await expect(tile(1)).toHaveAttribute('aria-selected', 'true');

    // Select all takes every frame of the batch, those never scrolled to included; so does Shift+End from the first.
    const selected = page.getByRole('group', { name: 'Selected frames' });
    await page.keyboard.press('ControlOrMeta+a');
    await expect(selected).toContainText(`${frames.toLocaleString('en-US')} frames selected`);
    await page.reload();
    await tile(1).click();
    await expect(selected).toContainText('1 frame selected');
    await page.keyboard.press('Shift+End');
    await expect(tile(frames)).toBeInViewport();
    await expect(selected).toContainText(`${frames.toLocaleString('en-US')} frames selected`);

    // A Shift+click at the end, with the first frame's page let go on the way there, still takes the range from it.
    await page.reload();
    await tile(1).click();
    await expect(selected).toContainText('1 frame selected');
    await grid.evaluate((element) => (element.scrollTop = element.scrollHeight));
    await tile(frames).click({ modifiers: ['Shift'] });
    await expect(selected).toContainText(`${frames.toLocaleString('en-US')} frames selected`);

    // Electron has no host apart from its page to stop; the browser host does, and a person can stop it under the page.
    const host = app.host;
    if (host) {
      // With the host gone, the pages End needs are refused at once. The grid asks again later rather than at once in a
      // loop that froze the page (it could then neither paint nor be left), and shows them once the host is back.
      await page.reload();
      await expect(tile(1)).toBeInViewport();
      await host.stop();
      await expect(page.getByRole('status', { name: 'Connection' })).toBeVisible();
      await grid.focus();
      await page.keyboard.press('End');
      await expect.poll(() => page.evaluate(() => document.visibilityState), { timeout: 5_000 }).toBe('visible');
      await host.start();
      await expect(page.getByRole('status', { name: 'Connection' })).toHaveCount(0);
      await expect(tile(frames)).toBeInViewport();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
