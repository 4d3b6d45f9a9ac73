import path from 'node:path';
import { expect, mediaDir, test } from './fixtures';

test('a person imports with near-duplicates left out, sees what was left out, brings one back and undoes it', async ({ app }) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Create your first project' }).click();
  await page.getByRole('dialog', { name: 'New project' }).getByLabel('Project name').fill('Road');
  await page.getByRole('button', { name: 'Create project' }).click();

  const chooser = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]).then(([c]) => c);
  await chooser.setFiles([path.join(mediaDir, 'car-detection.mp4')]);
  const dialog = page.getByRole('dialog', { name: 'Import 1 video into “Road”' });
  await dialog.getByLabel('Batch name').fill('Cars');
  await dialog.getByRole('checkbox', { name: 'Leave out near-duplicates' }).check();
  await expect(dialog.getByRole('status')).toContainText(/About \d+ of 31 frames would be kept \(judged on the first 20 s of car-detection\.mp4\)/, {
    timeout: 60_000,
  });
  await dialog.getByRole('button', { name: 'Import' }).click();

  const batch = page.getByRole('region', { name: 'Batch Cars' });
  await expect(batch).toContainText('1 video · 15 frames', { timeout: 90_000 });
  await expect(batch).toContainText('16 left out: 16 near-duplicates');

  await batch.getByRole('button', { name: 'Show left-out frames of Cars' }).click();
  const leftOut = page.getByRole('dialog', { name: 'Left-out frames of “Cars”' });
  const list = leftOut.getByRole('list', { name: 'Left-out frames' });
  await expect(list.getByRole('listitem')).toHaveCount(16);
  const first = list.getByRole('listitem').first();
  const name = (await first.getAttribute('aria-label')) ?? '';
  await first.getByRole('button', { name: `Bring back ${name}` }).click();
  await expect(leftOut.getByRole('status')).toContainText('Brought back 1 frame.');
  await expect(list.getByRole('listitem')).toHaveCount(15);
  await expect(batch).toContainText('1 video · 16 frames');
  const timestamp = name.replace('car-detection.mp4 at ', '');
  await expect(batch.getByRole('listbox', { name: 'Frames in Cars' }).getByRole('option', { name: new RegExp(`at ${timestamp.replace('.', '\\.')}$`) })).toHaveCount(1);

  await leftOut.getByRole('button', { name: 'Undo' }).click();
  await expect(list.getByRole('listitem')).toHaveCount(16);
  await expect(batch).toContainText('1 video · 15 frames');
  await leftOut.getByRole('button', { name: 'Close' }).click();

  await batch.getByRole('button', { name: 'Remove near-duplicates from Cars' }).click();
  const cleanup = page.getByRole('dialog', { name: 'Remove near-duplicates from “Cars”' });
  await cleanup.getByRole('spinbutton', { name: /Largest change/ }).fill('255');
  await cleanup.getByRole('button', { name: 'Preview' }).click();
  await expect(cleanup.getByRole('list', { name: 'Frames that would be removed' }).getByRole('listitem')).toHaveCount(14);
  await expect(batch).toContainText('1 video · 15 frames');
  await cleanup.getByRole('button', { name: 'Remove 14 frames' }).click();
  await expect(batch).toContainText('1 video · 1 frame ');
  await cleanup.getByRole('button', { name: 'Undo' }).click();
  await expect(batch).toContainText('1 video · 15 frames');
});
