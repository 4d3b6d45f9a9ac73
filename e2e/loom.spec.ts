import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLoomStandIn } from '../electron/loom/loom-stand-in';
import { createFirstProject } from './actions';
import { expect, launcher, mediaDir, test } from './fixtures';

test('a person pastes Loom links; bad ones are refused before anything is fetched, good ones become frames', async () => {
  const standIn = await startLoomStandIn({ mediaDir });
  const libraryDir = mkdtempSync(path.join(tmpdir(), 'stillframe-e2e-loom-'));
  const app = await launcher.launch(libraryDir, { LOOM_BASE_URL: standIn.baseUrl });
  try {
    const { page } = app;
    await createFirstProject(page, 'Walkthroughs');

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

test('while Loom limits requests, the video and the queue say so, and the warning goes once the download moves', async () => {
  const standIn = await startLoomStandIn({ mediaDir, retryAfterSeconds: 3 });
  const libraryDir = mkdtempSync(path.join(tmpdir(), 'stillframe-e2e-loom-'));
  const app = await launcher.launch(libraryDir, { LOOM_BASE_URL: standIn.baseUrl });
  try {
    const { page } = app;
    await createFirstProject(page, 'Limits');
    await page.getByRole('button', { name: /^Queue/ }).click();

    await page.getByRole('button', { name: 'Import from Loom' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import Loom videos into “Limits”' });
    await dialog.getByLabel('Loom links, one per line (share or folder links)').fill(`https://www.loom.com/share/${standIn.ids.rateLimited}`);
    await dialog.getByLabel('Batch name').fill('Limited');
    await dialog.getByRole('button', { name: 'Import' }).click();

    const warning = 'Loom is limiting requests; retrying in 3 s.';
    const video = page.getByRole('region', { name: 'Batch Limited' }).getByRole('list', { name: 'Videos in Limited' }).getByRole('listitem');
    const job = page.getByRole('complementary', { name: 'Processing queue' }).getByRole('listitem', { name: 'Milk, extracting frames' });
    await expect(video.getByRole('status')).toHaveText(`⚠ ${warning}`);
    await expect(job.getByRole('status')).toHaveText(`⚠ ${warning}`);

    await expect(video).toContainText('done', { timeout: 60_000 });
    await expect(page.getByText(warning)).toHaveCount(0);
  } finally {
    await app.close();
    await standIn.close();
    rmSync(libraryDir, { recursive: true, force: true });
  }
});

test('the settings say where the Loom key comes from, and never offer to save it where it cannot be kept safely', async () => {
  const libraryDir = mkdtempSync(path.join(tmpdir(), 'stillframe-e2e-loom-'));
  const app = await launcher.launch(libraryDir, { LOOM_API_KEY: 'lk_e2e_from_environment', LOOM_BASE_URL: 'http://127.0.0.1:9' });
  try {
    const { page } = app;
    await page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await expect(dialog.getByRole('status')).toHaveText('Stillframe sends the key set in the LOOM_API_KEY environment variable.');
    await expect(dialog).toContainText('Loom address: http://127.0.0.1:9.');
    await expect(dialog).not.toContainText('lk_e2e_from_environment');
    const keyField = dialog.getByLabel('Loom API key');
    await expect(keyField).toHaveValue('');
    if (await keyField.isEnabled()) {
      // Electron with a keychain saves the key; the environment's still wins.
      await keyField.fill('lk_e2e_saved');
      await dialog.getByRole('button', { name: 'Save key' }).click();
      await expect(dialog.getByRole('status')).toHaveText(
        'Stillframe sends the key set in the LOOM_API_KEY environment variable. It takes precedence over the key saved here.',
      );
      await expect(keyField).toHaveValue('');
    } else {
      // The browser host has no safeStorage (nor has Electron without a keychain): the field is closed and says why.
      await expect(keyField).toHaveAccessibleDescription(/set LOOM_API_KEY in the environment/i);
      await expect(dialog.getByRole('button', { name: 'Save key' })).toBeDisabled();
    }
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toHaveCount(0);
  } finally {
    await app.close();
    rmSync(libraryDir, { recursive: true, force: true });
  }
});
