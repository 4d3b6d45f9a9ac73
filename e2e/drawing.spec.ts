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

/** Whether a shape, a tag or a handle is painted over the frame at this point of the window. */
async function paintedAt(page: Page, p: { x: number; y: number }): Promise<boolean> {
  return page.evaluate(({ x, y }) => {
    // The first layer is the frame itself; the shapes, the selection and the handles are the layers above it.
    const layers = [...document.querySelectorAll<HTMLCanvasElement>('.annotation-canvas canvas')].slice(1);
    return layers.some((layer) => {
      const box = layer.getBoundingClientRect();
      const ratio = layer.width / box.width;
      return (layer.getContext('2d')?.getImageData(Math.floor((x - box.left) * ratio), Math.floor((y - box.top) * ratio), 1, 1).data[3] ?? 0) > 0;
    });
  }, p);
}

test('shapes stay painted under the pointer through a pan and a zoom, and an undo puts a move of every shape back', async ({ app }) => {
  const { page } = app;
  await createFirstProject(page, 'Drawing');
  await importClip(page, 'car-detection.mp4', 'Cars', '10');
  await grid(page).getByRole('option', { name: /^Frame 1 of car-detection/ }).dblclick();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  const first = page.getByRole('form', { name: 'First label' });
  await first.getByLabel('Name the first label; new shapes get it').fill('Car');
  await first.getByRole('button', { name: 'Add label' }).click();
  await page.keyboard.press('r');
  await drag(page, [-240, -160], [-120, -60]);
  await drag(page, [60, 40], [180, 140]);
  await expect(shapes(page)).toHaveText(['1. Car rectangle', '2. Car rectangle']);
  await page.keyboard.press('v');
  await page.keyboard.press('Escape');
  await expect(shapes(page).first()).toHaveAttribute('aria-selected', 'false');

  const box = await canvas(page).boundingBox();
  if (!box) throw new Error('The canvas is not on screen.');
  const centre = { x: box.x + box.width / 2 - 180, y: box.y + box.height / 2 - 110 };
  const beside = { x: centre.x + 80, y: centre.y };
  expect(await paintedAt(page, centre)).toBe(true);
  expect(await paintedAt(page, beside)).toBe(false);

  // A pan with the middle button carries the shape with the pointer; a wheel zoom while it lasts grows the shape
  // around the pointer, and both hold while the button is still down and after it is let go.
  await page.mouse.move(centre.x, centre.y);
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(centre.x + 100, centre.y + 50, { steps: 6 });
  const moved = { x: centre.x + 100, y: centre.y + 50 };
  await expect.poll(() => paintedAt(page, moved)).toBe(true);
  expect(await paintedAt(page, centre)).toBe(false);
  await page.mouse.wheel(0, -300);
  const grown = { x: moved.x + 80, y: moved.y };
  await expect.poll(() => paintedAt(page, grown)).toBe(true);
  await page.mouse.up({ button: 'middle' });
  // Past the moment the view rests and the shapes are painted sharply at the new zoom.
  await page.waitForTimeout(500);
  expect(await paintedAt(page, moved)).toBe(true);
  expect(await paintedAt(page, grown)).toBe(true);
  expect(await paintedAt(page, { x: moved.x + 160, y: moved.y })).toBe(false);
  // What is painted there is what a click picks.
  await page.mouse.click(grown.x, grown.y);
  await expect(shapes(page).first()).toHaveAttribute('aria-selected', 'true');

  // Every shape selected and moved together, then undone: each is back where it was, and painted there.
  await canvas(page).focus();
  await page.keyboard.press('0');
  const geometry = page.getByText(/^Box at /);
  const places: string[] = [];
  for (const option of await shapes(page).all()) {
    await option.click();
    places.push((await geometry.textContent()) ?? '');
  }
  await canvas(page).focus();
  await page.keyboard.press('Control+a');
  await expect(page.getByText(/^2 shapes selected/)).toBeVisible();
  await page.mouse.move(centre.x, centre.y);
  await page.mouse.down();
  await page.mouse.move(centre.x + 150, centre.y + 90, { steps: 8 });
  await page.mouse.up();
  await expect.poll(() => paintedAt(page, { x: centre.x + 150, y: centre.y + 90 })).toBe(true);
  expect(await paintedAt(page, centre)).toBe(false);
  await page.keyboard.press('Control+z');
  await expect.poll(() => paintedAt(page, centre)).toBe(true);
  expect(await paintedAt(page, { x: centre.x + 150, y: centre.y + 90 })).toBe(false);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(() => paintedAt(page, { x: centre.x + 150, y: centre.y + 90 })).toBe(true);
  await page.keyboard.press('Control+z');
  await expect.poll(() => paintedAt(page, centre)).toBe(true);
  const restored: string[] = [];
  for (const option of await shapes(page).all()) {
    await option.click();
    restored.push((await geometry.textContent()) ?? '');
  }
  expect(restored).toEqual(places);

  // The host has what the page shows: the move, its undo, redo and undo again all reached it, in order.
  await page.reload();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  const kept: string[] = [];
  for (const option of await shapes(page).all()) {
    await option.click();
    kept.push((await geometry.textContent()) ?? '');
  }
  expect(kept).toEqual(places);
});
