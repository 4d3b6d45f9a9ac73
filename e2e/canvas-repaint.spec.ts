import { writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { uuidv7 } from '../shared/ids';
import { createFirstProject, importClip } from './actions';
import { expect, test } from './fixtures';

const canvas = (page: Page) => page.getByRole('application', { name: 'Annotation canvas' });

/** The shapes layer (the second canvas, above the frame) as PNG data: lossless, so equal pixels give equal text. */
const shapesLayer = (page: Page) =>
  page.evaluate(() => document.querySelectorAll<HTMLCanvasElement>('.annotation-canvas canvas')[1]?.toDataURL('image/png') ?? '');

/** How many pixels of two PNG images differ, for the message when they are not the same. */
function differingPixels(page: Page, a: string, b: string): Promise<number> {
  return page.evaluate(async ([first, second]) => {
    const pixels = async (url: string) => {
      const image = new Image();
      image.src = url;
      await image.decode();
      const copy = document.createElement('canvas');
      copy.width = image.width;
      copy.height = image.height;
      const ctx = copy.getContext('2d');
      ctx?.drawImage(image, 0, 0);
      return ctx?.getImageData(0, 0, copy.width, copy.height).data ?? new Uint8ClampedArray();
    };
    const [x, y] = await Promise.all([pixels(first), pixels(second)]);
    let count = 0;
    for (let i = 0; i < x.length; i += 4) if (x[i] !== y[i] || x[i + 1] !== y[i + 1] || x[i + 2] !== y[i + 2] || x[i + 3] !== y[i + 3]) count++;
    return count;
  }, [a, b] as const);
}

/** A call to the host, made from the page as the app makes it. */
async function invoke<T>(page: Page, call: string, input: unknown): Promise<T> {
  return (await page.evaluate(
    async ([name, args]) => {
      const bridge = (window as unknown as { stillframe: { invoke: (c: string, i: unknown) => Promise<{ ok: boolean; value: unknown; error?: { message: string } }> } }).stillframe;
      const result = await bridge.invoke(name, args);
      if (!result.ok) throw new Error(result.error?.message);
      return result.value;
    },
    [call, input] as const,
  )) as T;
}

/** A first project named `name` with a batch of the car clip's frames; the tile of its first frame, on screen. */
async function firstCarTile(page: Page, name: string) {
  await createFirstProject(page, name);
  await importClip(page, 'car-detection.mp4', 'Cars', '10');
  const tile = page.getByRole('listbox', { name: 'Frames in Cars' }).getByRole('option', { name: /^Frame 1 of car-detection/ });
  await expect(tile).toBeVisible();
  return tile;
}

/** The only project and the first frame of its only batch. */
async function firstFrame(page: Page) {
  const [project] = await invoke<{ id: string }[]>(page, 'projects.list', {});
  const [batch] = await invoke<{ id: string }[]>(page, 'batches.list', { projectId: project?.id });
  const { frames } = await invoke<{ frames: { id: string; width: number; height: number }[] }>(page, 'frames.list', { batchId: batch?.id });
  const frame = frames[0];
  if (!frame || !project) throw new Error('no frame');
  return { project, frame };
}

test('after selecting, moving and letting go of shapes among overlapping others and a new label colour, the layer shows what a fresh paint shows', async ({ app }) => {
  const { page } = app;
  const tile = await firstCarTile(page, 'Repaint');
  // Overlapping polygons in three colours, some without a label (dashed, with dark tags), and points: a repaint of a
  // part of the layer must match every colour's fill and stroke order, the tags and the dots around it.
  const { project, frame } = await firstFrame(page);
  const labels: string[] = [];
  for (const [i, color] of ['#e6194b', '#3cb44b', '#4363d8'].entries()) {
    labels.push((await invoke<{ id: string }>(page, 'labels.create', { projectId: project.id, name: `Kind ${i + 1}`, color })).id);
  }
  const shapes = Array.from({ length: 60 }, (_, i) => {
    const cx = frame.width * (0.3 + 0.4 * ((i * 37) % 100) / 100);
    const cy = frame.height * (0.3 + 0.4 * ((i * 61) % 100) / 100);
    const r = frame.width * 0.04;
    const point = i % 9 === 8;
    const points = point ? [cx, cy] : Array.from({ length: 7 }, (_, k) => [cx + Math.cos(k * 0.9) * r * (0.6 + 0.4 * ((k * i) % 5) / 5), cy + Math.sin(k * 0.9) * r]).flat();
    return { id: uuidv7(), frameId: frame.id, type: point ? 'point' : 'polygon', points, labelId: i % 4 === 3 ? null : labels[i % 3], zIndex: i };
  });
  await invoke(page, 'shapes.restore', { shapes });
  await tile.dblclick();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await page.keyboard.press('v');
  const list = page.getByRole('listbox', { name: 'Shapes on this frame' }).getByRole('option');
  await expect(page.getByText('60 shapes on this frame.', { exact: false })).toBeAttached();

  const box = await canvas(page).boundingBox();
  if (!box) throw new Error('The canvas is not on screen.');
  const middle = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  // Select a shape under the middle, drag it away, let it go; then select another and drop the selection.
  await page.mouse.click(middle.x, middle.y);
  await expect(page.getByText(/^\d+ points/)).toBeVisible();
  await page.mouse.move(middle.x, middle.y);
  await page.mouse.down();
  await page.mouse.move(middle.x + 70, middle.y + 40, { steps: 6 });
  await page.mouse.up();
  await page.mouse.click(middle.x - 60, middle.y - 30);
  await list.nth(5).click();
  await canvas(page).focus();
  await page.keyboard.press('Escape');
  await expect(list.nth(5)).toHaveAttribute('aria-selected', 'false');
  // A new colour for one label: the layer is painted again.
  await expect(page.getByRole('status', { name: 'Save state' })).toHaveText('Saved');
  const oldColour = await shapesLayer(page);
  await page.getByRole('button', { name: 'Edit label Kind 2' }).click();
  const editor = page.getByRole('dialog', { name: 'Edit label “Kind 2”' });
  await editor.getByLabel('Colour').fill('#f58231');
  await editor.getByRole('button', { name: 'Save label' }).click();
  await expect(editor).toBeHidden();
  await expect(page.getByRole('status', { name: 'Save state' })).toHaveText('Saved');
  await expect.poll(() => shapesLayer(page)).not.toBe(oldColour);
  const patched = await shapesLayer(page);

  // A fresh page paints the whole layer from the saved shapes, at the same fitted view.
  await page.reload();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await expect(page.getByText('60 shapes on this frame.', { exact: false })).toBeAttached();
  await expect(list.nth(5)).toHaveAttribute('aria-selected', 'false');
  await expect.poll(() => shapesLayer(page)).not.toBe('');
  const whole = await shapesLayer(page);
  if (patched !== whole) {
    for (const [name, url] of [['after-edits', patched], ['fresh-paint', whole]] as const) {
      const file = test.info().outputPath(`${name}.png`);
      writeFileSync(file, Buffer.from(url.split(',')[1] ?? '', 'base64'));
      await test.info().attach(name, { path: file, contentType: 'image/png' });
    }
  }
  if (patched !== whole) expect(await differingPixels(page, patched, whole), 'pixels that differ from a whole repaint').toBe(0);
});

/** 2,000 small 12-point polygons spread over the frame, `margin` (a fraction of its size) from its edges. */
function spreadPolygons(frame: { id: string; width: number; height: number }, labelId: string, margin: number) {
  return Array.from({ length: 2000 }, (_, i) => {
    const cx = frame.width * (margin + (1 - 2 * margin) * (((i * 37) % 997) / 997));
    const cy = frame.height * (margin + (1 - 2 * margin) * (((i * 61) % 991) / 991));
    const r = frame.width * 0.008;
    const points = Array.from({ length: 12 }, (_, k) => [cx + Math.cos((k * Math.PI) / 6) * r, cy + Math.sin((k * Math.PI) / 6) * r]).flat();
    return { id: uuidv7(), frameId: frame.id, type: 'polygon', points, labelId, zIndex: i, centre: { x: cx, y: cy } };
  });
}

test('selecting all of 2,000 shapes shows every one of them selected, the selection filling in over a few frames', async ({ app }) => {
  const { page } = app;
  const tile = await firstCarTile(page, 'Select all');
  // Enough polygons, spread over the whole frame, that tracing and painting them all takes the selection bitmap
  // more than one frame's budget.
  const { project, frame } = await firstFrame(page);
  const label = await invoke<{ id: string }>(page, 'labels.create', { projectId: project.id, name: 'Kind', color: '#4363d8' });
  const shapes = spreadPolygons(frame, label.id, 0.02).map(({ centre: _, ...shape }) => shape);
  await invoke(page, 'shapes.restore', { shapes });
  const corners = { frame: { width: frame.width, height: frame.height }, first: shapes.map((shape) => [shape.points[0] ?? 0, shape.points[1] ?? 0]) };
  await tile.dblclick();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await page.keyboard.press('v');
  await canvas(page).focus();
  await page.keyboard.press('Control+a');
  await expect(page.getByText(/^2,000 shapes selected/)).toBeVisible();
  // The selection layer (the third canvas) at each shape's first corner, where its outline passes, in the fitted view.
  const unpainted = () =>
    page.evaluate(({ frame, first }) => {
      const layer = document.querySelectorAll<HTMLCanvasElement>('.annotation-canvas canvas')[2];
      const ctx = layer?.getContext('2d');
      if (!layer || !ctx) return first.length;
      const view = layer.getBoundingClientRect();
      const ratio = layer.width / view.width;
      const scale = Math.min((view.width - 24) / frame.width, (view.height - 24) / frame.height);
      const left = (view.width - frame.width * scale) / 2;
      const top = (view.height - frame.height * scale) / 2;
      const pixels = ctx.getImageData(0, 0, layer.width, layer.height).data;
      return first.filter(([x = 0, y = 0]) => {
        const px = Math.round((left + x * scale) * ratio);
        const py = Math.round((top + y * scale) * ratio);
        return (pixels[(py * layer.width + px) * 4 + 3] ?? 0) === 0;
      }).length;
    }, corners);
  await expect.poll(unpainted, { message: 'shapes not shown as selected' }).toBe(0);
});

test('when the window grows, the shapes reach every part of the frame, as a fresh paint at that size shows them', async ({ app }) => {
  const { page } = app;
  const tile = await firstCarTile(page, 'Grow');
  const { project, frame } = await firstFrame(page);
  const label = await invoke<{ id: string }>(page, 'labels.create', { projectId: project.id, name: 'Kind', color: '#4363d8' });
  await invoke(page, 'shapes.restore', { shapes: spreadPolygons(frame, label.id, 0.02).map(({ centre: _, ...shape }) => shape) });
  const large = { width: 2200, height: 1300 };
  const small = page.viewportSize() ?? { width: 1280, height: 720 };
  await page.setViewportSize(large);
  await tile.dblclick();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await expect(page.getByText('2,000 shapes on this frame.', { exact: false })).toBeAttached();
  await expect.poll(() => shapesLayer(page)).not.toBe('');
  // Painted in steps after a zoom: the layer is whole once two reads a moment apart agree.
  const settled = async () => {
    let last = '';
    for (;;) {
      await page.waitForTimeout(300);
      const now = await shapesLayer(page);
      if (now === last) return now;
      last = now;
    }
  };
  const whole = await settled();

  await page.setViewportSize(small);
  await page.reload();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await expect.poll(() => shapesLayer(page)).not.toBe('');
  await settled();
  // The window is maximised: the frame is fitted again, larger, and every shape painted at the new zoom.
  await page.setViewportSize(large);
  const grown = await settled();
  if (grown !== whole) expect(await differingPixels(page, grown, whole), 'pixels that differ from a fresh paint at that size').toBe(0);
});

test('moving all of 2,000 selected shapes is one step: a reload finds each moved by the same offset, and undo puts a second move back', async ({ app }) => {
  const { page } = app;
  const tile = await firstCarTile(page, 'Move all');
  const { project, frame } = await firstFrame(page);
  const label = await invoke<{ id: string }>(page, 'labels.create', { projectId: project.id, name: 'Kind', color: '#4363d8' });
  const placed = spreadPolygons(frame, label.id, 0.15);
  await invoke(page, 'shapes.restore', { shapes: placed.map(({ centre: _, ...shape }) => shape) });
  const grabbed = placed[1000]?.centre ?? { x: 0, y: 0 };
  const saved = () => invoke<{ id: string; points: number[] }[]>(page, 'shapes.list', { frameId: frame.id });
  /** How far each shape's first point lies from where it was placed. */
  const offsets = async () => {
    const now = new Map((await saved()).map((shape) => [shape.id, shape.points]));
    return placed.map((shape) => [(now.get(shape.id)?.[0] ?? NaN) - (shape.points[0] ?? 0), (now.get(shape.id)?.[1] ?? NaN) - (shape.points[1] ?? 0)]);
  };
  /** Where an image point shows in the page, in the fitted view. */
  const onScreen = (point: { x: number; y: number }) =>
    page.evaluate(
      ({ frame, point }) => {
        const view = document.querySelectorAll<HTMLCanvasElement>('.annotation-canvas canvas')[1]?.getBoundingClientRect();
        if (!view) throw new Error('The canvas is not on screen.');
        const scale = Math.min((view.width - 24) / frame.width, (view.height - 24) / frame.height);
        return { x: view.left + (view.width - frame.width * scale) / 2 + point.x * scale, y: view.top + (view.height - frame.height * scale) / 2 + point.y * scale };
      },
      { frame: { width: frame.width, height: frame.height }, point },
    );
  const selectAllAndDrag = async (from: { x: number; y: number }, by: { x: number; y: number }) => {
    await page.keyboard.press('v');
    await canvas(page).focus();
    await page.keyboard.press('Control+a');
    await expect(page.getByText(/^2,000 shapes selected/)).toBeVisible();
    const start = await onScreen(from);
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(start.x + by.x, start.y + by.y, { steps: 8 });
    await page.mouse.up();
    await expect(page.getByRole('status', { name: 'Save state' })).toHaveText('Saved');
  };
  const sameForAll = (list: number[][]) => list.every(([dx = NaN, dy = NaN]) => Math.abs(dx - (list[0]?.[0] ?? 0)) < 1e-6 && Math.abs(dy - (list[0]?.[1] ?? 0)) < 1e-6);

  await tile.dblclick();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await selectAllAndDrag(grabbed, { x: 60, y: 40 });
  await page.reload();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  const first = await offsets();
  expect(sameForAll(first), 'every shape moved by the same offset').toBe(true);
  const [dx = 0, dy = 0] = first[0] ?? [];
  expect(dx).toBeGreaterThan(20);
  expect(dy).toBeGreaterThan(10);

  // A second move, undone: each shape goes back to where the first move left it, after a reload too.
  await selectAllAndDrag({ x: grabbed.x + dx, y: grabbed.y + dy }, { x: -90, y: 30 });
  expect(await offsets()).not.toEqual(first);
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('status', { name: 'Save state' })).toHaveText('Saved');
  await page.reload();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  const undone = await offsets();
  expect(undone.every(([x = NaN, y = NaN], i) => Math.abs(x - (first[i]?.[0] ?? 0)) < 1e-6 && Math.abs(y - (first[i]?.[1] ?? 0)) < 1e-6), 'back where the first move left them').toBe(true);
});
