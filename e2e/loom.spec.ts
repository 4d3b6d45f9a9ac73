import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLoomStandIn } from '../electron/loom/loom-stand-in';
import { expect, launcher, mediaDir, test } from './fixtures';

test('a person pastes Loom links; bad ones are refused before anything is fetched, good ones become frames', async () => {
  const standIn = await startLoomStandIn({ mediaDir });
  const libraryDir = mkdtempSync(path.join(tmpdir(), 'stillframe-e2e-loom-'));
  const app = await launcher.launch(libraryDir, { LOOM_BASE_URL: standIn.baseUrl });
  try {
    const { page } = app;
    await page.getByRole('button', { name: 'Create your first project' }).click();
    await page.getByLabel('Project name').fill('Walkthroughs');
    await page.getByRole('button', { name: 'Create project' }).click();

    await page.getByRole('button', { name: 'Import from Loom' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import Loom videos into “Walkthroughs”' });
    const links = dialog.getByLabel('Loom links, one per line (share or folder links)');
    await links.fill('https://www.loom.com/share/12345');
    await expect(dialog.getByRole('alert', { name: 'Link problems' })).toContainText('That is not a Loom link.');
    await expect(dialog.getByRole('button', { name: 'Import' })).toBeDisabled();
    const requestsBefore = standIn.requests.length;

    await links.fill(
      [`https://www.loom.com/share/${standIn.ids.ok}?sid=e2e`, `https://loom.com/share/${standIn.ids.notFound}`].join('\n'),
    );
    await dialog.getByLabel('Batch name').fill('Loom week 1');
    await dialog.getByLabel('Seconds between frames').fill('5');
    expect(standIn.requests.length).toBe(requestsBefore);
    await dialog.getByRole('button', { name: 'Import' }).click();

    const problems = page.getByRole('dialog', { name: 'Import finished with problems' });
    await expect(problems).toContainText('This Loom video was not found, or it is private.');
    await problems.getByRole('button', { name: 'Close' }).click();

    const batch = page.getByRole('region', { name: 'Batch Loom week 1' });
    const video = batch.getByRole('list', { name: 'Videos in Loom week 1' }).getByRole('listitem');
    await expect(video).toHaveCount(1);
    await expect(video).toContainText('done', { timeout: 60_000 });
    await expect(video).toContainText('768×432 · 7 frames');
    await expect(batch.getByRole('listbox', { name: 'Frames in Loom week 1' }).getByRole('option')).toHaveCount(7);
  } finally {
    await app.close();
    await standIn.close();
    rmSync(libraryDir, { recursive: true, force: true });
  }
});
