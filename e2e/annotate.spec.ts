import type { Page } from '@playwright/test';
import { createFirstProject, importClip, projectWithFourCars } from './actions';
import { expect, test } from './fixtures';

const grid = (page: Page) => page.getByRole('listbox', { name: 'Frames in Cars' });
const canvas = (page: Page) => page.getByRole('application', { name: 'Annotation canvas' });
const shapes = (page: Page) => page.getByRole('listbox', { name: 'Shapes on this frame' }).getByRole('option');
const saveState = (page: Page) => page.getByRole('status', { name: 'Save state' });
const messages = (page: Page) => page.getByRole('status', { name: 'Annotator messages' });
const position = (page: Page) => page.getByText(/^Box at /);

async function openFrame(page: Page, index: number) {
  await grid(page).getByRole('option', { name: new RegExp(`^Frame ${index} of car-detection`) }).dblclick();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
}

/** A point on the canvas, in CSS pixels from its centre, where the fitted frame is. */
async function spot(page: Page, dx: number, dy: number) {
  const box = await canvas(page).boundingBox();
  if (!box) throw new Error('The canvas is not on screen.');
  return { x: box.x + box.width / 2 + dx, y: box.y + box.height / 2 + dy };
}

async function click(page: Page, dx: number, dy: number) {
  const p = await spot(page, dx, dy);
  await page.mouse.click(p.x, p.y);
}

async function drag(page: Page, from: [number, number], to: [number, number]) {
  const a = await spot(page, ...from);
  const b = await spot(page, ...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

async function createLabel(page: Page, name: string, hotkey?: string) {
  await page.getByRole('button', { name: 'New label' }).click();
  const dialog = page.getByRole('dialog', { name: 'New label' });
  await dialog.getByLabel('Label name').fill(name);
  if (hotkey) await dialog.getByLabel('Hotkey').selectOption(hotkey);
  await dialog.getByRole('button', { name: 'Create label' }).click();
  return dialog;
}

test('a person labels frames: draws every shape type, edits, undoes, copies, deletes a label, and finds it all after a restart and a crash', async ({ app }) => {
  const { page } = app;
  await projectWithFourCars(page, 'Annotate');
  await openFrame(page, 1);
  await expect(page.getByRole('region', { name: 'Frame' })).toContainText('car-detection.mp4 · frame 1 · 0:00.000 · 1 of 4');
  // The video is named once, in the frame's place; the breadcrumb leads back to the project and batch.
  await expect(page.getByRole('navigation', { name: 'Frame location' })).toHaveText('Annotate›Cars');

  // Labels, and the host's refusals in the person's words.
  const empty = await createLabel(page, '   ');
  await expect(empty.getByRole('alert')).toHaveText('Label name is required.');
  await empty.getByLabel('Label name').fill('Car');
  await empty.getByRole('button', { name: 'Create label' }).click();
  await expect(empty).toBeHidden();
  await expect(await createLabel(page, 'Person')).toBeHidden();
  const clash = await createLabel(page, 'Sign', '1');
  await expect(clash.getByRole('alert')).toHaveText('Hotkey 1 is already used by “Car”.');
  await clash.getByLabel('Hotkey').selectOption('3');
  await clash.getByRole('button', { name: 'Create label' }).click();
  await expect(clash).toBeHidden();
  await expect(page.getByRole('button', { name: 'Sign, key 3' })).toBeVisible();

  // One of each shape type, drawn with the mouse and labelled with its number key.
  await page.keyboard.press('r');
  await drag(page, [-240, -160], [-120, -60]);
  await page.keyboard.press('1');
  await expect(shapes(page)).toHaveText(['1. Car rectangle']);

  await page.keyboard.press('p');
  await click(page, 60, -160);
  await click(page, 200, -150);
  await click(page, 140, -40);
  await click(page, 60, -160);
  await page.keyboard.press('2');
  await expect(shapes(page).nth(1)).toHaveText('2. Person polygon');

  await page.keyboard.press('l');
  await click(page, -240, 60);
  await click(page, -160, 120);
  await click(page, -80, 70);
  await page.keyboard.press('Enter');
  await page.keyboard.press('3');
  await expect(shapes(page).nth(2)).toHaveText('3. Sign polyline');

  await page.keyboard.press('k');
  await click(page, 160, 100);
  await page.keyboard.press('1');
  await expect(shapes(page)).toHaveText(['1. Car rectangle', '2. Person polygon', '3. Sign polyline', '4. Car point']);
  await expect(saveState(page)).toHaveText('Saved');

  // A rectangle too small to see is not made.
  await page.keyboard.press('r');
  await click(page, 0, 0);
  await expect(shapes(page)).toHaveCount(4);

  // Move the box, then resize it by its corner; undo and redo walk back and forth through both.
  await page.keyboard.press('v');
  await click(page, -180, -110);
  await expect(shapes(page).first()).toHaveAttribute('aria-selected', 'true');
  const drawn = await position(page).textContent();
  await drag(page, [-180, -110], [-120, -70]);
  await expect(position(page)).not.toHaveText(drawn ?? '');
  const moved = await position(page).textContent();
  await drag(page, [-60, -20], [-20, 20]);
  await expect(position(page)).not.toHaveText(moved ?? '');
  const resized = await position(page).textContent();
  expect(resized).not.toEqual(drawn);
  await page.keyboard.press('ControlOrMeta+z');
  await expect(position(page)).toHaveText(moved ?? '');
  await page.keyboard.press('ControlOrMeta+z');
  await expect(position(page)).toHaveText(drawn ?? '');
  await page.keyboard.press('ControlOrMeta+Shift+z');
  await page.keyboard.press('ControlOrMeta+Shift+z');
  await expect(position(page)).toHaveText(resized ?? '');
  await expect(saveState(page)).toHaveText('Saved');

  // Arrows nudge the selection; with nothing selected they, like D and A, change frames.
  await page.keyboard.press('Shift+ArrowRight');
  await expect(position(page)).not.toHaveText(resized ?? '');
  await page.keyboard.press('ControlOrMeta+z');
  await expect(position(page)).toHaveText(resized ?? '');
  await page.keyboard.press('Escape');
  await expect(page.getByText(/^Box at /)).toBeHidden();
  await page.keyboard.press('d');
  await expect(page.getByRole('region', { name: 'Frame' })).toContainText('frame 2 · 0:10.000 · 2 of 4');
  await page.keyboard.press('Shift+d');
  await expect(page.getByRole('region', { name: 'Frame' })).toContainText('frame 4 · 0:30.000 · 4 of 4');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('region', { name: 'Frame' })).toContainText('frame 3');
  await page.getByRole('navigation', { name: 'Filmstrip' }).getByRole('button', { name: /^Frame 1 of car-detection/ }).click();
  await expect(page.getByRole('region', { name: 'Frame' })).toContainText('frame 1 · 0:00.000 · 1 of 4');
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await expect(shapes(page)).toHaveCount(4);

  // Copy everything onto the next frame, and copy the previous frame's shapes onto the one after.
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('ControlOrMeta+c');
  await expect(messages(page)).toHaveText('Copied 4 shapes.');
  await page.keyboard.press('d');
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await expect(shapes(page)).toHaveCount(0);
  await page.keyboard.press('ControlOrMeta+v');
  await expect(messages(page)).toHaveText('Pasted 4 shapes.');
  await expect(shapes(page)).toHaveText(['1. Car rectangle', '2. Person polygon', '3. Sign polyline', '4. Car point']);
  await page.keyboard.press('d');
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await page.getByRole('button', { name: 'Copy shapes from previous frame' }).click();
  await expect(shapes(page)).toHaveCount(4);
  await expect(saveState(page)).toHaveText('Saved');

  // The ? overlay lists the keys.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('Rectangle tool');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  // A label in use cannot just go: its shapes move to another label or go with it.
  await page.getByRole('button', { name: 'Edit label Sign' }).click();
  await page.getByRole('dialog', { name: 'Edit label “Sign”' }).getByRole('button', { name: 'Delete label…' }).click();
  const remove = page.getByRole('dialog', { name: 'Delete label “Sign”?' });
  await remove.getByRole('button', { name: 'Delete label' }).click();
  await expect(remove.getByRole('alert')).toContainText('3 shapes use “Sign”');
  await expect(remove.getByLabel('Delete its 3 shapes')).toBeVisible();
  await remove.getByLabel('Reassign to…').check();
  await remove.getByLabel('Label to reassign them to').selectOption({ label: 'Person' });
  await remove.getByRole('button', { name: 'Reassign and delete label' }).click();
  await expect(remove).toBeHidden();
  await expect(page.getByRole('button', { name: /^Sign/ })).toHaveCount(0);
  await expect(shapes(page)).toHaveText(['1. Car rectangle', '2. Person polygon', '3. Person polyline', '4. Car point']);

  // Back in the grid, each annotated frame shows its count.
  await page.getByRole('button', { name: 'Back to project' }).click();
  for (const index of [1, 2, 3]) {
    await expect(grid(page).getByRole('option', { name: new RegExp(`^Frame ${index} of car-detection`) }).getByLabel('4 annotations')).toBeVisible();
  }
  await expect(grid(page).getByRole('option', { name: /^Frame 4 of car-detection/ }).getByLabel(/annotations/)).toHaveCount(0);

  await app.restart();
  await page.getByRole('button', { name: /^Annotate/ }).click();
  await openFrame(page, 1);
  await expect(shapes(page)).toHaveText(['1. Car rectangle', '2. Person polygon', '3. Person polyline', '4. Car point']);
  await shapes(page).first().click();
  await expect(position(page)).toHaveText(resized ?? '');

  // One more shape, and the host is killed the moment it says Saved.
  await page.keyboard.press('k');
  await click(page, 200, 140);
  await page.keyboard.press('2');
  await expect(shapes(page).nth(4)).toHaveText('5. Person point');
  await expect(saveState(page)).toHaveText('Saved');
  await app.crashAndRestart();
  await page.getByRole('button', { name: /^Annotate/ }).click();
  await openFrame(page, 1);
  await expect(shapes(page)).toHaveText(['1. Car rectangle', '2. Person polygon', '3. Person polyline', '4. Car point', '5. Person point']);
});

test('a frame opened from the grid straight after an edit shows that edit, and each frame its own shapes', async ({ app }) => {
  const { page } = app;
  await projectWithFourCars(page, 'Reopen');
  await openFrame(page, 1);
  // Back to the grid the moment the shape is drawn, before the host has said Saved: reopened at once, the frame's
  // shapes must be read after that write, not before it.
  await page.keyboard.press('r');
  await drag(page, [-240, -160], [-120, -60]);
  await page.getByRole('button', { name: 'Back to project' }).click();
  await openFrame(page, 1);
  await expect(shapes(page)).toHaveText(['1. No label rectangle']);
  await shapes(page).first().click();
  await page.keyboard.press('Delete');
  await expect(shapes(page)).toHaveCount(0);
  await page.getByRole('button', { name: 'Back to project' }).click();
  await openFrame(page, 2);
  await expect(shapes(page)).toHaveCount(0);
  await page.keyboard.press('k');
  await click(page, 100, 100);
  await expect(shapes(page)).toHaveText(['1. No label point']);
  await page.getByRole('button', { name: 'Back to project' }).click();
  await openFrame(page, 1);
  await expect(shapes(page)).toHaveCount(0);
  await page.getByRole('button', { name: 'Back to project' }).click();
  await openFrame(page, 2);
  await expect(shapes(page)).toHaveText(['1. No label point']);
});

test('a person reshapes a polygon, fills in attributes, duplicates, hides, locks, zooms and pans', async ({ app }) => {
  const { page } = app;
  await createFirstProject(page, 'Details');
  await importClip(page, 'car-detection.mp4', 'Cars', '30');
  await expect(grid(page).getByRole('option')).toHaveCount(2);
  await openFrame(page, 1);

  await page.getByRole('button', { name: 'New label' }).click();
  const editor = page.getByRole('dialog', { name: 'New label' });
  await editor.getByLabel('Label name').fill('Car');
  await editor.getByRole('button', { name: 'Add attribute' }).click();
  const colour = editor.getByRole('group', { name: 'Attribute 1' });
  await colour.getByLabel('Name').fill('Colour');
  await colour.getByLabel('Type').selectOption('Choice');
  await colour.getByLabel('Options, separated by commas').fill('white, red');
  await editor.getByRole('button', { name: 'Add attribute' }).click();
  const occluded = editor.getByRole('group', { name: 'Attribute 2' });
  await occluded.getByLabel('Name').fill('Occluded');
  await occluded.getByLabel('Type').selectOption('Checkbox');
  await editor.getByRole('button', { name: 'Create label' }).click();
  await expect(editor).toBeHidden();

  // A square polygon, closed with Enter.
  await page.keyboard.press('p');
  await click(page, -100, -100);
  await click(page, 100, -100);
  await click(page, 100, 100);
  await click(page, -100, 100);
  await page.keyboard.press('Enter');
  await page.keyboard.press('1');
  await expect(shapes(page)).toHaveText(['1. Car polygon']);
  const points = page.getByText(/points, the first at/);
  await expect(points).toContainText('4 points');

  // Double-click an edge for a vertex, Alt+click one away, pick one and delete it; a polygon keeps three.
  await page.keyboard.press('v');
  await page.mouse.dblclick((await spot(page, 0, -100)).x, (await spot(page, 0, -100)).y);
  await expect(points).toContainText('5 points');
  await page.keyboard.down('Alt');
  await click(page, 100, 100);
  await page.keyboard.up('Alt');
  await expect(points).toContainText('4 points');
  await click(page, 0, -100);
  await page.keyboard.press('Delete');
  await expect(points).toContainText('3 points');
  await click(page, -100, 100);
  await page.keyboard.press('Delete');
  await expect(messages(page)).toHaveText('A polygon keeps at least 3 points.');
  await expect(points).toContainText('3 points');
  const before = await points.textContent();
  await drag(page, [-100, -100], [-140, -120]);
  await expect(points).not.toHaveText(before ?? '');
  await expect(shapes(page)).toHaveCount(1);

  // Attributes and a note, each written when the person is done with it.
  const panel = page.getByRole('complementary', { name: 'Labels and shapes' });
  await panel.getByLabel('Colour').selectOption('red');
  await panel.getByLabel('Occluded').check();
  await panel.getByLabel('Note').fill('Half behind the lamp post');
  await panel.getByLabel('Note').press('Tab');
  await expect(saveState(page)).toHaveText('Saved');

  // Duplicate, hide and show, lock against deletion.
  await canvas(page).focus();
  await page.keyboard.press('ControlOrMeta+d');
  await expect(shapes(page)).toHaveText(['1. Car polygon', '2. Car polygon']);
  await page.keyboard.press('h');
  await expect(shapes(page).nth(1)).toHaveText('2. Car polygon (hidden)');
  await page.keyboard.press('h');
  await expect(shapes(page).nth(1)).toHaveText('2. Car polygon');
  await panel.getByLabel('Locked').check();
  await expect(shapes(page).nth(1)).toHaveText('2. Car polygon (locked)');
  await canvas(page).focus();
  await page.keyboard.press('Delete');
  await expect(messages(page)).toHaveText('Locked shapes stay as they are: unlock them to delete them.');
  await expect(shapes(page)).toHaveCount(2);
  await panel.getByLabel('Locked').uncheck();
  await panel.getByRole('button', { name: 'Delete shape' }).click();
  await expect(shapes(page)).toHaveText(['1. Car polygon']);

  // The shapes list reaches shapes by keyboard.
  await page.getByRole('listbox', { name: 'Shapes on this frame' }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(shapes(page).first()).toHaveAttribute('aria-selected', 'true');

  // Zoom with the wheel around the pointer, 0 fits again, 100% shows pixels one to one; Space+drag pans.
  const zoom = page.getByRole('group', { name: 'Zoom' }).getByLabel('Zoom level');
  const fitted = await zoom.textContent();
  const centre = await spot(page, 0, 0);
  await page.mouse.move(centre.x, centre.y);
  await page.mouse.wheel(0, -300);
  await expect(zoom).not.toHaveText(fitted ?? '');
  await canvas(page).focus();
  await page.keyboard.press('0');
  await expect(zoom).toHaveText(fitted ?? '');
  await page.getByRole('button', { name: 'Actual size (100%)' }).click();
  await expect(zoom).toHaveText('100%');
  await page.keyboard.press('0');
  await page.keyboard.press('Escape');
  await expect(shapes(page).first()).toHaveAttribute('aria-selected', 'false');
  await page.mouse.move(centre.x, centre.y);
  await page.keyboard.down(' ');
  await page.mouse.down();
  await page.mouse.move(centre.x + 150, centre.y, { steps: 6 });
  await page.mouse.up();
  await page.keyboard.up(' ');
  await click(page, -60, -40);
  await expect(shapes(page).first()).toHaveAttribute('aria-selected', 'false');
  await click(page, 90, -40);
  await expect(shapes(page).first()).toHaveAttribute('aria-selected', 'true');

  await app.restart();
  await page.getByRole('button', { name: /^Details/ }).click();
  await openFrame(page, 1);
  await shapes(page).first().click();
  await expect(panel.getByLabel('Colour')).toHaveValue('red');
  await expect(panel.getByLabel('Occluded')).toBeChecked();
  await expect(panel.getByLabel('Note')).toHaveValue('Half behind the lamp post');
});

test('with the queue drawer open in a 1280×720 window, the top bar keeps the frame, the save state and the shortcuts in view', async ({ app }) => {
  const { page } = app;
  await page.setViewportSize({ width: 1280, height: 720 });
  await createFirstProject(page, 'Office entrance, north side');
  await importClip(page, 'one-by-one-person-detection.mp4', 'Morning, camera 2', '10');
  await page.getByRole('listbox', { name: 'Frames in Morning, camera 2' }).getByRole('option').first().dblclick();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
  await page.getByRole('button', { name: /^Queue/ }).click();
  await expect(page.getByRole('heading', { name: 'Processing queue' })).toBeVisible();
  await expect(saveState(page)).toHaveText('Saved');
  await expect(saveState(page)).toBeInViewport({ ratio: 1 });
  await expect(page.getByRole('button', { name: 'Keyboard shortcuts' })).toBeInViewport({ ratio: 1 });
  // The names give way, the frame's number and place do not.
  await expect(page.getByText(/^ · frame 1 · 0:00\.000 · 1 of \d+$/)).toBeInViewport({ ratio: 1 });
});
