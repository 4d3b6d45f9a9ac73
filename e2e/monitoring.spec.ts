import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test as base } from '@playwright/test';
import { createFirstProject } from './actions';
import { expect, launcher, mediaDir } from './fixtures';
import type { RunningApp } from './launchers/types';

// One video at a time and a machine sample every second, so an import's progress shows as points arriving.
const test = base.extend<{ app: RunningApp }>({
  // eslint-disable-next-line no-empty-pattern
  app: async ({}, use) => {
    const libraryDir = mkdtempSync(path.join(tmpdir(), 'stillframe-e2e-'));
    const app = await launcher.launch(libraryDir, { STILLFRAME_CONCURRENCY: '1', STILLFRAME_SAMPLE_INTERVAL_MS: '1000' });
    await use(app);
    await app.close();
    rmSync(libraryDir, { recursive: true, force: true });
  },
});

async function importFiles(page: Page, files: string[], batch: string) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]);
  await chooser.setFiles(files);
  const dialog = page.getByRole('dialog', { name: /^Import \d+ videos? into/ });
  await dialog.getByLabel('Batch name').fill(batch);
  await dialog.getByLabel('Seconds between frames').fill('1');
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(dialog).toBeHidden();
}

/** The rows of a chart's text equivalent, one per point. */
const points = (page: Page, chart: string) => page.getByRole('table', { name: `${chart}, data` }).locator('tbody').getByRole('row');

test('a person opens Monitoring during an import and sees the charts move', async ({ app }, testInfo) => {
  const { page } = app;
  await createFirstProject(page, 'Shelf audit');
  await importFiles(page, ['bottle-detection.mp4', 'car-detection.mp4', 'one-by-one-person-detection.mp4'].map((clip) => path.join(mediaDir, clip)), 'Aisle 4');

  await page.getByRole('button', { name: /^Queue/ }).click();
  await page.getByRole('complementary', { name: 'Processing queue' }).getByRole('button', { name: 'Open monitoring' }).click();
  await expect(page.getByRole('heading', { name: 'Monitoring', level: 1 })).toBeVisible();
  const cpuAtFirst = await points(page, 'CPU').count();
  await expect.poll(() => points(page, 'CPU').count(), { timeout: 60_000 }).toBeGreaterThan(cpuAtFirst);

  const queueAtFirst = await points(page, 'Queue length').count();
  await expect.poll(() => points(page, 'Queue length').count(), { timeout: 60_000 }).toBeGreaterThan(queueAtFirst);
  // Every video of the import is counted once it is done, whichever bucket of time it finished in.
  const finished = () =>
    page
      .getByRole('table', { name: 'Videos finished, data' })
      .locator('tbody td')
      .allTextContents()
      .then((cells) => cells.reduce((sum, cell) => sum + (Number(cell) || 0), 0));
  await expect.poll(finished, { timeout: 90_000 }).toBe(3);
  await expect(page.getByLabel('Processing time per minute of video now')).toHaveText(/^p50 \d/);
  await expect(page.getByLabel('Disk free now')).toHaveText(/\d+(\.\d)? (GB|TB|MB)/);

  await page.getByRole('button', { name: 'Last week' }).click();
  await expect(page.getByRole('button', { name: 'Last week' })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => points(page, 'Videos finished').count()).toBeGreaterThan(0);

  for (const [width, height] of [[1280, 720], [2560, 1440]] as const) {
    await page.setViewportSize({ width, height });
    await page.getByRole('button', { name: 'Last hour' }).click();
    await page.waitForTimeout(500);
    await page.screenshot({ path: testInfo.outputPath(`monitoring-${width}x${height}.png`), fullPage: true });
  }

  await page.getByRole('button', { name: 'Storage' }).click();
  await expect(page.getByRole('heading', { name: 'Storage', level: 1 })).toBeVisible();
  await expect(page.getByRole('row', { name: /Aisle 4/ })).toBeVisible();
  await page.getByRole('button', { name: 'Find what can be removed' }).click();
  await expect(page.getByRole('checkbox', { name: /Uploaded copy of bottle-detection\.mp4/ })).toBeChecked();
  await page.screenshot({ path: testInfo.outputPath('storage-1280.png'), fullPage: true });
});

test('a failed import raises an alert in the page, once', async ({ app }, testInfo) => {
  const { page } = app;
  await createFirstProject(page, 'Broken');
  // car-detection.mp4 keeps its index at the start: a cut copy probes fine and then fails while decoding.
  const whole = readFileSync(path.join(mediaDir, 'car-detection.mp4'));
  const cut = testInfo.outputPath('cut-car.mp4');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.3)));
  await importFiles(page, [cut], 'Cut');

  const notice = page.getByRole('region', { name: 'Alerts' }).getByRole('alert').filter({ hasText: 'could not be processed after every retry' });
  await expect(notice).toContainText('“cut-car.mp4”', { timeout: 90_000 });
  await expect(notice).toContainText('Retry or Discard');
  await expect(notice).toHaveCount(1);
  await expect(page.getByRole('button', { name: /^Monitoring/ })).toContainText('alert');

  await notice.getByRole('button', { name: 'Open monitoring' }).click();
  await expect(page.getByRole('list', { name: 'Active alerts' })).toContainText('could not be processed after every retry');
  await page.screenshot({ path: testInfo.outputPath('monitoring-alert-1280.png'), fullPage: true });

  await page.getByRole('button', { name: /^Queue/ }).click();
  await page.getByRole('button', { name: 'Discard cut-car.mp4' }).click();
  await expect(page.getByRole('list', { name: 'Active alerts' })).not.toContainText('could not be processed');
  await expect(notice).toHaveCount(0);

  // The rules live in Settings; a disk threshold above the free space simulates a full disk.
  await page.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await expect(settings.getByRole('checkbox', { name: 'A video could not be processed after every retry' })).toBeChecked();
  await settings.getByLabel('Disk: least free space in GB').fill('999999');
  const disk = page.getByRole('region', { name: 'Alerts' }).getByRole('alert').filter({ hasText: 'free on the library’s disk' });
  await expect(disk).toContainText('less than the 999999 GB you set');
  await page.screenshot({ path: testInfo.outputPath('settings-alert-rules.png') });
  await settings.getByLabel('Disk: least free space in GB').fill('1');
  await expect(disk).toHaveCount(0);
});

/** How many pixels of the chart's canvas are drawn in exactly this colour (the series' line and points are). */
function pixelsOfColour(page: Page, chart: string, rgb: [number, number, number]): Promise<number> {
  return page
    .getByRole('figure', { name: chart })
    .locator('canvas')
    .evaluate((canvas: HTMLCanvasElement, [r, g, b]) => {
      const { data } = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) count++;
      return count;
    }, rgb);
}

test('the charts take the colours of a theme switched while they are open, without a reload', async ({ app }) => {
  const { page } = app;
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByRole('button', { name: 'Monitoring' }).click();
  await expect.poll(() => points(page, 'CPU').count(), { timeout: 30_000 }).toBeGreaterThan(1);
  // The accent colour of each theme (styles.css) draws the app's CPU line.
  const lightAccent: [number, number, number] = [0x28, 0x58, 0xd6];
  const darkAccent: [number, number, number] = [0x6d, 0x93, 0xff];
  await expect.poll(() => pixelsOfColour(page, 'CPU', lightAccent)).toBeGreaterThan(0);

  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(() => pixelsOfColour(page, 'CPU', darkAccent)).toBeGreaterThan(0);
  expect(await pixelsOfColour(page, 'CPU', lightAccent)).toBe(0);
});
