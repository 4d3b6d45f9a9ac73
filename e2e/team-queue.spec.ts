import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestSupabase } from '../electron/test-support/supabase/stand-in';
import { createFirstProject } from './actions';
import { expect, test } from './fixtures';
import { connectAndSignUp, supabaseForThisSpec } from './team-fixtures';

let supabase: TestSupabase;

supabaseForThisSpec((started) => (supabase = started));

test('the open team queue is not asked again at each step of an upload, only when a job changes', async ({ app }) => {
  // Counting requests needs the stand-in; a real project does not tell.
  const standIn = supabase.standIn;
  test.skip(!standIn, 'Counting requests needs the Supabase stand-in.');
  if (!standIn) return;
  const { page } = app;
  // A video that goes up in a dozen 6 MiB chunks: uncompressed frames of FFmpeg's test pattern.
  const folder = mkdtempSync(path.join(tmpdir(), 'stillframe-e2e-upload-'));
  const video = path.join(folder, 'long-take.mkv');
  execFileSync(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=25', '-t', '6', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', video]);
  try {
    await createFirstProject(page, 'Depot');
    await page.getByRole('button', { name: 'Stillframe' }).click();
    const cloud = await connectAndSignUp(page, supabase, `quinn-${Date.now()}@example.com`, 'one-queue-many-chunks');
    await cloud.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Sync Depot with the cloud' }).click();
    await expect(page.getByRole('status', { name: 'Depot sync: Synced' })).toBeVisible({ timeout: 60_000 });
    await page.getByRole('listitem', { name: 'Depot' }).getByRole('button', { name: 'Depot', exact: true }).click();
    // The queue drawer, with the team's part, stays open through the upload.
    await page.getByRole('button', { name: /^Queue/ }).click();
    await expect(page.getByRole('complementary', { name: 'Processing queue' })).toBeVisible();

    // A Supabase some way off: each chunk takes a moment, so the upload's progress moves in steps to watch.
    standIn.setLatency(150);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]);
    await chooser.setFiles(video);
    const dialog = page.getByRole('dialog', { name: /^Import 1 video/ });
    await dialog.getByLabel('Batch name').fill('Yard');
    await dialog.getByRole('radio', { name: 'Process on team workers' }).check();
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect(dialog).toBeHidden();

    const status = page.getByRole('list', { name: 'Videos in Yard' }).getByRole('listitem', { name: 'long-take.mkv' }).getByRole('status');
    await expect(status).toHaveText(/Uploading for the team’s workers: \d+%/, { timeout: 60_000 });
    standIn.resetStats();
    // Four different percentages shown: at least three progress updates reached the page while nothing changed on
    // the queue (the job is added once the file is whole).
    const steps = new Set<string>();
    await expect
      .poll(
        async () => {
          const text = (await status.textContent()) ?? '';
          const step = /Uploading for the team’s workers: (\d+)%/.exec(text)?.[1];
          if (step) steps.add(step);
          return steps.size;
        },
        { timeout: 60_000, intervals: [50] },
      )
      .toBeGreaterThanOrEqual(4);
    const asked = standIn.requestsTo('/rest/v1/processing_jobs');
    // Still uploading after the count: the window held the upload alone.
    expect(await status.textContent()).toMatch(/Uploading for the team’s workers/);
    expect(asked).toBe(0);

    // Once the file is whole the job is queued, and the open queue shows it.
    standIn.setLatency(0);
    await expect(status).toHaveText(/Waiting for a team worker/, { timeout: 60_000 });
    await expect(page.getByRole('complementary', { name: 'Processing queue' }).getByRole('listitem', { name: 'long-take.mkv on team workers, waiting for a worker' })).toBeVisible();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
