import type { Page } from '@playwright/test';
import { createFirstProject, importClip } from './actions';
import { expect, test } from './fixtures';

const grid = (page: Page) => page.getByRole('listbox', { name: 'Frames in Cars' });
const canvas = (page: Page) => page.getByRole('application', { name: 'Annotation canvas' });
const shapeList = (page: Page) => page.getByRole('listbox', { name: 'Shapes on this frame' });
const shapes = (page: Page) => shapeList(page).getByRole('option');
/** Kept with the test's results (and attached to its report), so the layouts can be looked at after a run. */
async function keepScreenshot(page: Page, name: string) {
  const file = test.info().outputPath(`${name}.png`);
  await page.screenshot({ path: file });
  await test.info().attach(name, { path: file, contentType: 'image/png' });
}

async function drag(page: Page, from: [number, number], to: [number, number]) {
  const box = await canvas(page).boundingBox();
  if (!box) throw new Error('The canvas is not on screen.');
  const at = ([dx, dy]: [number, number]) => ({ x: box.x + box.width / 2 + dx, y: box.y + box.height / 2 + dy });
  await page.mouse.move(at(from).x, at(from).y);
  await page.mouse.down();
  await page.mouse.move(at(to).x, at(to).y, { steps: 8 });
  await page.mouse.up();
}

/** The whole element is inside the window: nothing of it is cut off at the window's edge. */
async function inWindow(page: Page, name: string) {
  const box = await shapeList(page).boundingBox();
  const view = page.viewportSize();
  if (!box || !view) throw new Error(`${name}: the shapes list is not on screen.`);
  expect(box.height, `${name}: the shapes list has room for rows`).toBeGreaterThanOrEqual(60);
  expect(box.y + box.height, `${name}: the shapes list ends inside the window`).toBeLessThanOrEqual(view.height);
  expect(box.x + box.width, `${name}: the shapes list is not cut off at the right`).toBeLessThanOrEqual(view.width);
}

test('the active label is shown, the first one is named where the person draws, new shapes take it, and unlabelled shapes are counted', async ({ app }) => {
  const { page } = app;
  await createFirstProject(page, 'Drawing');
  await importClip(page, 'car-detection.mp4', 'Cars', '10');
  await grid(page).getByRole('option', { name: /^Frame 1 of car-detection/ }).dblclick();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');

  await expect(page.getByRole('status', { name: 'Active label: none' })).toBeVisible();
  const first = page.getByRole('form', { name: 'First label' });
  await first.getByLabel('Name the first label; new shapes get it').fill('Car');
  await first.getByRole('button', { name: 'Add label' }).click();
  await expect(page.getByRole('status', { name: 'Active label: Car' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Car, key 1' })).toHaveAttribute('aria-pressed', 'true');

  // The first shape drawn gets the active label without a key press.
  await page.keyboard.press('r');
  await expect(page.getByRole('status', { name: 'Drawing hint' })).toContainText('Drag to draw a box');
  await drag(page, [-240, -160], [-120, -60]);
  await expect(shapes(page)).toHaveText(['1. Car rectangle']);

  // The new box has resize handles at once (Konva's Transformer), without going back to the select tool: its
  // corner grows it and leaves its top-left where it was.
  const geometry = page.getByText(/^Box at /);
  const numbers = async () => ((await geometry.textContent()) ?? '').match(/\d+/g)?.map(Number) ?? [];
  const [x, y, width, height] = await numbers();
  await drag(page, [-120, -60], [-60, -20]);
  await expect.poll(numbers).not.toEqual([x, y, width, height]);
  const [x2, y2, width2, height2] = await numbers();
  expect([x2, y2]).toEqual([x, y]);
  expect(width2).toBeGreaterThan(width ?? 0);
  expect(height2).toBeGreaterThan(height ?? 0);
  await expect(shapes(page)).toHaveCount(1);
  await keepScreenshot(page, 'rectangle-handles');

  // A polygon says how it finishes while it is drawn; a double-click finishes it.
  await page.keyboard.press('p');
  const box = await canvas(page).boundingBox();
  if (!box) throw new Error('The canvas is not on screen.');
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.click(cx + 60, cy - 160);
  await page.mouse.click(cx + 200, cy - 150);
  await expect(page.getByRole('status', { name: 'Drawing hint' })).toContainText('a double-click or a click on the first point finishes it');
  await expect(page.getByRole('status', { name: 'Drawing hint' })).toContainText('Esc cancels');
  await page.mouse.dblclick(cx + 140, cy - 40);
  await expect(shapes(page)).toHaveText(['1. Car rectangle', '2. Car polygon']);

  // Another label made active by a click is what the next shape gets.
  await page.getByRole('button', { name: 'New label' }).click();
  const dialog = page.getByRole('dialog', { name: 'New label' });
  await dialog.getByLabel('Label name').fill('Person');
  await dialog.getByRole('button', { name: 'Create label' }).click();
  await expect(dialog).toBeHidden();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Person, key 2' }).click();
  await expect(page.getByRole('status', { name: 'Active label: Person' })).toBeVisible();
  await page.keyboard.press('k');
  await page.mouse.click(cx - 40, cy + 80);
  await expect(shapes(page)).toHaveText(['1. Car rectangle', '2. Car polygon', '3. Person point']);

  // Taking the label off a shape marks it and counts it; the active label stays.
  await shapes(page).first().click();
  await page.getByRole('complementary', { name: 'Labels and shapes' }).getByRole('combobox', { name: /^Label/ }).selectOption({ label: 'No label' });
  await expect(page.getByRole('note').filter({ hasText: 'without a label' })).toHaveText('1 shape without a label: COCO, YOLO and Pascal VOC exports leave it out.');
  await expect(page.getByRole('status', { name: 'Active label: Person' })).toBeVisible();

  // The annotator fits a 1280×720 window and a 2560×1440 one: the shapes list is whole in both.
  for (const [width, height] of [
    [1280, 720],
    [2560, 1440],
  ] as const) {
    await page.setViewportSize({ width, height });
    await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
    await inWindow(page, `${width}×${height}`);
    await keepScreenshot(page, `annotator-${width}x${height}`);
  }
  await page.getByRole('button', { name: 'Back to project' }).click();
  for (const [width, height] of [
    [1280, 720],
    [2560, 1440],
  ] as const) {
    await page.setViewportSize({ width, height });
    await expect(grid(page)).toBeVisible();
    await keepScreenshot(page, `project-${width}x${height}`);
  }
});
