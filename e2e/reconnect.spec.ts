import type { Page } from '@playwright/test';
import { createFirstProject, projectWithFourCars } from './actions';
import { expect, test } from './fixtures';
import type { RunningApp } from './launchers/types';

const grid = (page: Page) => page.getByRole('listbox', { name: 'Frames in Cars' });
const canvas = (page: Page) => page.getByRole('application', { name: 'Annotation canvas' });
const shapes = (page: Page) => page.getByRole('listbox', { name: 'Shapes on this frame' }).getByRole('option');
const saveState = (page: Page) => page.getByRole('status', { name: 'Save state' });
const connection = (page: Page) => page.getByRole('status', { name: 'Connection' });

async function openFirstFrame(page: Page) {
  await grid(page).getByRole('option', { name: /^Frame 1 of car-detection/ }).dblclick();
  await expect(canvas(page)).toHaveAttribute('aria-busy', 'false');
}

/** Each shape's place as the panel states it, picked one at a time from the list. */
async function places(page: Page): Promise<number[][]> {
  const found: number[][] = [];
  for (const option of await shapes(page).all()) {
    await option.click();
    const [, x = '', y = ''] = /^Point at x (\d+), y (\d+)$/.exec((await page.getByText(/^Point at /).textContent()) ?? '') ?? [];
    found.push([Number(x), Number(y)]);
  }
  return found;
}

async function pointAt(page: Page, dx: number, dy: number) {
  const box = await canvas(page).boundingBox();
  if (!box) throw new Error('The canvas is not on screen.');
  await page.keyboard.press('k');
  await page.mouse.click(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy);
}

test('a person keeps annotating while `stillframe serve` restarts: the page says it is not connected, keeps the edits, and sends them once the host is back', async ({
  app,
}) => {
  const host = app.host;
  // Runs on the browser host, which CI uses. Under Electron the host is the app's own main process: it cannot be
  // stopped while its window stays open, so there is no "host restarts under the page" to test there.
  test.skip(!host, 'Only the browser host can stop under an open window.');
  if (!host) return;
  const { page } = app;
  await projectWithFourCars(page, 'Offline');
  await openFirstFrame(page);
  await pointAt(page, -100, 0);
  await expect(saveState(page)).toHaveText('Saved');
  await expect(connection(page)).toHaveCount(0);

  await host.stop();
  await expect(connection(page)).toContainText('Not connected to the Stillframe host. Reconnecting…');
  await pointAt(page, 0, 0);
  await pointAt(page, 100, 0);
  await page.keyboard.press('Delete');
  await expect(shapes(page)).toHaveCount(2);
  // Both left moved 10 px right together: one move, kept as ids and an offset.
  const before = await places(page);
  await page.keyboard.press('v');
  await canvas(page).focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(saveState(page)).toHaveText('Not connected — 4 edits waiting');
  await expect(connection(page)).toContainText('Not connected — 4 edits waiting');

  // The tab reconnects by itself, with the library's own token, and delivers what it kept.
  await host.start();
  await expect(saveState(page)).toHaveText('Saved');
  await expect(connection(page)).toHaveCount(0);
  // The frame has an address: a reload opens it again, with what the host now holds: the move made once.
  await page.reload();
  await expect(shapes(page)).toHaveCount(2);
  expect(await places(page)).toEqual(before.map(([x = 0, y = 0]) => [x + 10, y]));

  // An edit made while the host is down survives a reload of the page before it is back.
  await host.stop();
  await expect(connection(page)).toContainText('Not connected');
  await pointAt(page, 0, 100);
  await expect(saveState(page)).toHaveText('Not connected — 1 edit waiting');
  await page.reload().catch(() => undefined);
  await host.start();
  await page.reload();
  await expect(shapes(page)).toHaveCount(3);
  await expect(saveState(page)).toHaveText('Saved');
});

test('a page opened while the host was away fills in once it is back, and the error that said so goes', async ({ app }) => {
  const { page, host } = app;
  test.skip(!host, 'Only the browser host has a host apart from its window.');
  if (!host) return;
  await projectWithFourCars(page, 'Away and back');
  await openFirstFrame(page);
  await host.stop();
  await expect(connection(page)).toContainText('Not connected');
  // The project page asks the host for its batches and frames, and cannot have them.
  await page.getByRole('button', { name: 'Back to project' }).click();
  const banner = page.getByRole('alert').filter({ hasText: 'Not connected to the Stillframe host' });
  await expect(banner).toBeVisible();
  await host.start();
  await expect(connection(page)).toBeHidden();
  await expect(banner).toBeHidden();
  await expect(grid(page).getByRole('option')).toHaveCount(4);
});

/** Makes a project on `page`, from the project list, and waits until its page is open. */
async function makeProject(page: Page, name: string) {
  await page.getByRole('button', { name: 'Stillframe' }).click();
  await page.getByRole('button', { name: 'New project' }).click();
  const dialog = page.getByRole('dialog', { name: 'New project' });
  await dialog.getByLabel('Project name').fill(name);
  await dialog.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

/**
 * A second page of the library opens its project list while `hold` keeps it from being fully connected; a project made
 * meanwhile on the first page must show on the second once it is let go.
 */
async function madeWhileHeld(app: RunningApp, hold: (late: Page, held: Promise<void>) => Promise<unknown>) {
  const host = app.host;
  // Only the browser host serves a second page of the same library, and connects it after its first screen.
  test.skip(!host, 'Only the browser host opens a second page on the same library.');
  if (!host) return;
  const { page } = app;
  await createFirstProject(page, 'Harbour');
  const late = await page.context().newPage();
  let release = () => {};
  await hold(late, new Promise<void>((resolve) => (release = resolve)));
  await late.goto(host.url());
  const projects = late.getByRole('list', { name: 'Projects' });
  await expect(projects.getByRole('listitem', { name: 'Harbour' })).toBeVisible();

  await makeProject(page, 'Quay');

  release();
  await expect(projects.getByRole('listitem', { name: 'Quay' })).toBeVisible();
  await expect(projects.getByRole('listitem')).toHaveCount(2);
  await late.close();
}

test('a project made while another page is still connecting shows on that page once it is connected', async ({ app }) => {
  // The host's word on the page's token is held back: the second page shows its project list (read over HTTP) and its
  // socket is let in, but the page does not yet take the socket into use. What the host announces meanwhile reaches it.
  await madeWhileHeld(app, (late, held) =>
    late.route('**/library-info', async (route) => {
      await held;
      await route.continue();
    }),
  );
});

test('a project made before another page’s socket is let in shows on that page once it is', async ({ app }) => {
  // The second page's socket waits before it reaches the host: its project list (read over HTTP) is up, and the host
  // announces the new project to the pages it has let in, not to this one. Let in afterwards, it hears no announcement.
  await madeWhileHeld(app, (late, held) =>
    late.routeWebSocket(/\/api\?/, async (socket) => {
      await held;
      socket.connectToServer();
    }),
  );
});
