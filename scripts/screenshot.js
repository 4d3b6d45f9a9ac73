// Makes docs/screenshot.png from the running app: `node scripts/screenshot.js` after `npm run build`, with
// Chromium at CHROMIUM_PATH (or /usr/bin/chromium). It imports a real sample video through the CLI, serves the
// library with `stillframe serve`, labels one frame with the mouse as a person would, and puts the project page
// and the annotator side by side.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';

const media = path.resolve('../shared/media/one-by-one-person-detection.mp4');
const library = mkdtempSync(path.join(tmpdir(), 'stillframe-shot-'));
const out = path.resolve('docs/screenshot.png');
const size = { width: 1280, height: 720 };
const cli = (...args) => spawnSync(process.execPath, ['out/main/cli.js', ...args, '--library', library], { encoding: 'utf8' });

const ingested = cli('ingest', media, '--project', 'Office entrance', '--batch', 'Morning, camera 2', '--every', '10', '--json');
if (ingested.status !== 0) throw new Error(ingested.stderr);

const host = spawn(process.execPath, ['out/main/cli.js', 'serve', '--library', library, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => {
  let text = '';
  host.stdout.on('data', (chunk) => {
    text += chunk;
    const match = /Open (http:\/\/\S+)/.exec(text);
    if (match) resolve(match[1]);
  });
});

const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const browser = await chromium.launch({ executablePath, args: ['--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: size, colorScheme: 'light' });
  await page.goto(url);
  await page.getByRole('button', { name: /^Office entrance/ }).click();
  const grid = page.getByRole('listbox', { name: 'Frames in Morning, camera 2' });
  await grid.getByRole('option').nth(7).waitFor();
  await page.getByRole('button', { name: /^Uses / }).waitFor();
  await page.getByRole('button', { name: /^Queue/ }).click();
  await grid.getByRole('option').nth(2).click();
  await grid.getByRole('option').nth(4).click({ modifiers: ['Shift'] });
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(library, 'project.png') });
  await page.keyboard.press('Escape');
  // Escape closes the drawer itself when the focus is in it.
  const close = page.getByRole('button', { name: 'Close' });
  if (await close.isVisible()) await close.click();

  await grid.getByRole('option').nth(1).dblclick();
  const canvas = page.getByRole('application', { name: 'Annotation canvas' });
  await canvas.and(page.locator('[aria-busy="false"]')).waitFor();
  await page.getByLabel('Name the first label; new shapes get it').fill('person');
  await page.getByRole('button', { name: 'Add label' }).click();
  await page.getByRole('button', { name: 'New label' }).click();
  await page.getByLabel('Label name').fill('table');
  await page.getByRole('button', { name: 'Create label' }).click();
  await page.getByRole('button', { name: 'New label' }).click();
  await page.getByLabel('Label name').fill('window');
  await page.getByRole('button', { name: 'Create label' }).click();

  // Image pixels (768×432) to screen points, as the fitted canvas shows them.
  const box = await canvas.boundingBox();
  const scale = Math.min((box.width - 24) / 768, (box.height - 24) / 432);
  const at = (x, y) => ({ x: box.x + (box.width - 768 * scale) / 2 + x * scale, y: box.y + (box.height - 432 * scale) / 2 + y * scale });
  const drag = async ([x1, y1], [x2, y2]) => {
    const a = at(x1, y1);
    const b = at(x2, y2);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 6 });
    await page.mouse.up();
  };
  await page.getByRole('button', { name: 'person, key 1' }).click();
  await page.keyboard.press('r');
  await drag([375, 12], [520, 392]);
  // A label picked while a shape is selected goes to that shape: let go of the box first.
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'window, key 3' }).click();
  await page.keyboard.press('p');
  for (const [x, y] of [[0, 0], [100, 0], [108, 165], [0, 168]]) {
    const p = at(x, y);
    await page.mouse.click(p.x, p.y);
  }
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'table, key 2' }).click();
  await page.keyboard.press('r');
  await drag([382, 82], [525, 128]);
  await page.keyboard.press('v');
  const person = at(440, 300);
  await page.mouse.click(person.x, person.y);
  await page.getByRole('status', { name: 'Save state' }).filter({ hasText: 'Saved' }).waitFor();
  await page.mouse.move(box.x + box.width - 20, box.y + box.height - 20);
  await page.screenshot({ path: path.join(library, 'annotator.png') });

  const stacked = spawnSync(process.env.FFMPEG_PATH ?? 'ffmpeg', [
    '-v', 'error', '-y', '-i', path.join(library, 'project.png'), '-i', path.join(library, 'annotator.png'),
    '-filter_complex', '[0][1]hstack=inputs=2', out,
  ]);
  if (stacked.status !== 0) throw new Error(String(stacked.stderr));
  console.log(`Wrote ${out}`);
} finally {
  await browser.close();
  host.kill('SIGTERM');
  rmSync(library, { recursive: true, force: true });
}
