import { projectWithFourCars } from './actions';
import { expect, test } from './fixtures';

test('scrolled down a project page, the person still sees that the host is away, with the selection bar below it', async ({ app }) => {
  const host = app.host;
  // Only the browser host can stop under an open window (see reconnect.spec.ts).
  test.skip(!host, 'Only the browser host can stop under an open window.');
  if (!host) return;
  const { page } = app;
  await projectWithFourCars(page, 'Scrolled');
  // A short window, so the project page is longer than it and scrolls.
  await page.setViewportSize({ width: 1280, height: 360 });
  const grid = page.getByRole('listbox', { name: 'Frames in Cars' });
  await grid.getByRole('option', { name: /^Frame 4 of car-detection/ }).click();
  const selected = page.getByRole('group', { name: 'Selected frames' });
  await expect(selected).toContainText('1 frame selected');
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(100);

  await host.stop();
  const connection = page.getByRole('status', { name: 'Connection' });
  await expect(connection).toContainText('Not connected to the Stillframe host. Reconnecting…');
  await expect(connection).toBeInViewport();
  await expect(selected).toBeInViewport();
  const banner = await connection.boundingBox();
  const bar = await selected.boundingBox();
  expect(banner && bar && bar.y >= banner.y + banner.height - 1, 'the selection bar is below the banner, not under it').toBe(true);

  await host.start();
  await expect(connection).toHaveCount(0);
  await expect(selected).toBeInViewport();
});
