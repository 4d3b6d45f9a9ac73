import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFirstProject } from './actions';
import { expect, test } from './fixtures';

test('two libraries served one after the other on one port: each page reaches its own library, or says plainly why not', async ({ app }) => {
  const host = app.host;
  test.skip(!host, 'Only the browser host serves a library at an address a browser keeps.');
  if (!host) return;
  const { page } = app;
  const origin = new URL(host.url()).origin;
  const projects = page.getByRole('list', { name: 'Projects' });
  const trouble = page.getByRole('alert');
  await createFirstProject(page, 'Alpha shelves');
  await expect(page.getByRole('heading', { level: 1, name: 'Alpha shelves' })).toBeVisible();

  // The same port now serves another library: the open page says so at once instead of reconnecting for ever.
  const other = mkdtempSync(path.join(tmpdir(), 'stillframe-e2e-other-'));
  try {
    await host.stop();
    await host.start(other);
    await expect(trouble).toContainText('now serves another library');
    await expect(trouble).toContainText('Open the address that `stillframe serve` printed.');

    // A page opened without a token has none for this library yet, and says so.
    await page.goto(`${origin}/`);
    await expect(trouble).toContainText('no access token for the library Stillframe serves here');

    await page.goto('about:blank');
    await page.goto(host.url());
    await expect(page.getByText('Your library is empty.')).toBeVisible();

    // The first library again on the same port: a page without a token uses that library's own, kept apart.
    await host.stop();
    await host.start();
    await page.goto(`${origin}/`);
    await expect(projects.getByRole('listitem', { name: 'Alpha shelves' })).toBeVisible();
    // An address whose token is no library's here (a fragment change alone would not load the page again).
    await page.goto('about:blank');
    await page.goto(`${origin}/#token=${'0'.repeat(48)}`);
    await expect(trouble).toContainText('This address is for another library');
  } finally {
    await host.stop();
    await host.start();
    rmSync(other, { recursive: true, force: true });
  }
});
