import path from 'node:path';
import { supabaseForTests, type TestSupabase } from '../electron/test-support/supabase/stand-in';
import { signedInUser, spawnWorker, type WorkerProcess } from '../electron/test-support/team-queue';
import { createFirstProject } from './actions';
import { expect, mediaDir, test } from './fixtures';
import { connectAndSignUp } from './team-fixtures';

let supabase: TestSupabase;
let worker: WorkerProcess | null = null;

test.beforeAll(async () => {
  supabase = await supabaseForTests();
});

test.afterAll(async () => {
  // A worker left paused by a failed check would never act on SIGTERM.
  worker?.resume();
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await supabase?.stop();
});

test('a video imported with "Process on team workers" is processed by a worker and its frames appear with live progress', async ({ app }) => {
  test.setTimeout(180_000);
  const { page } = app;
  await createFirstProject(page, 'Depot');
  await page.getByRole('button', { name: 'Stillframe' }).click();
  const cloud = await connectAndSignUp(page, supabase, `dana-${Date.now()}@example.com`, 'frames-from-afar');
  await cloud.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Sync Depot with the cloud' }).click();
  await expect(page.getByRole('status', { name: 'Depot sync: Synced' })).toBeVisible({ timeout: 60_000 });
  const workerUser = await signedInUser(supabase, 'worker');
  await supabase.admin.query(
    `insert into public.project_members (project_id, user_id, role) select id, $1, 'worker' from public.projects where name = 'Depot'`,
    [workerUser.userId],
  );

  await page.getByRole('listitem', { name: 'Depot' }).getByRole('button', { name: 'Depot', exact: true }).click();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Import videos' }).click()]);
  await chooser.setFiles(path.join(mediaDir, 'car-detection.mp4'));
  const dialog = page.getByRole('dialog', { name: /^Import 1 video/ });
  await dialog.getByLabel('Batch name').fill('Yard');
  await dialog.getByLabel('Seconds between frames').fill('0.5');
  await expect(dialog.getByRole('radio', { name: 'Process on this computer' })).toBeChecked();
  await dialog.getByRole('radio', { name: 'Process on team workers' }).check();
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(dialog).toBeHidden();

  // Uploaded whole and queued: nobody works on it until a worker starts.
  const row = page.getByRole('list', { name: 'Videos in Yard' }).getByRole('listitem', { name: 'car-detection.mp4' });
  await expect(row.getByRole('status')).toHaveText(/Waiting for a team worker/, { timeout: 60_000 });
  const grid = page.getByRole('listbox', { name: 'Frames in Yard' });
  await expect(grid.getByRole('option')).toHaveCount(0);

  // Had its workers given up on it, it would be dead, with Retry and Discard on its row and in the queue panel.
  await supabase.admin.query(
    `with dead as (update public.processing_jobs set status = 'dead', processing_error = 'The worker processing it stopped responding' returning *)
     select private.show_job_on_video(dead) from dead`,
  );
  await expect(row).toContainText('The worker processing it stopped responding', { timeout: 30_000 });
  await page.getByRole('button', { name: /^Queue/ }).click();
  const panel = page.getByRole('complementary', { name: 'Processing queue' });
  await expect(panel.getByRole('listitem', { name: 'car-detection.mp4 on team workers, dead' })).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Discard car-detection.mp4 from the team queue' })).toBeVisible();
  await page.getByRole('button', { name: /^Queue/ }).click();
  await row.getByRole('button', { name: 'Retry car-detection.mp4 on team workers' }).click();
  await expect(row.getByRole('status')).toHaveText(/Waiting for a team worker/, { timeout: 30_000 });

  // A Supabase a few tens of milliseconds away, as a real one is: the job takes long enough to watch.
  supabase.standIn?.setLatency(60);
  worker = spawnWorker(supabase, workerUser.email, ['--lease', '30'], { STILLFRAME_PASSWORD: 'night-shift-42' });
  // Live: the row follows the worker's progress, then the frames come down into the grid.
  await expect(row.getByRole('status')).toHaveText(/Processing on team worker/, { timeout: 60_000 });
  const progressSeen = new Set<number>();
  await expect
    .poll(
      async () => {
        const values = await row.getByRole('progressbar').evaluateAll((bars) => bars.map((bar) => Number(bar.getAttribute('aria-valuenow'))));
        for (const value of values) progressSeen.add(value);
        return [...progressSeen].some((value) => value > 0 && value < 100);
      },
      { timeout: 60_000, intervals: [100] },
    )
    .toBe(true);

  // Monitoring's table of the team's workers follows the job while it is open: running, then done, with no reload.
  // The worker is paused meanwhile, so its job is still running when the table is first read: with only the latency
  // to slow it, it once finished on a busy CI machine before Monitoring opened.
  worker.pause();
  await page.getByRole('button', { name: /^Monitoring/ }).click();
  const workers = page.getByRole('region', { name: 'Team workers' });
  const workerRow = workers.getByRole('row').filter({ has: page.getByRole('rowheader') });
  const column = async (name: string) => {
    const headers = await workers.getByRole('columnheader').allTextContents();
    return workerRow.getByRole('cell').nth(headers.indexOf(name) - 1);
  };
  await expect(workerRow).toHaveCount(1, { timeout: 30_000 });
  await expect(await column('Running')).toHaveText('1');
  await expect(await column('Done')).toHaveText('0');
  worker.resume();
  supabase.standIn?.setLatency(0);
  await expect(await column('Done')).toHaveText('1', { timeout: 90_000 });
  await expect(await column('Running')).toHaveText('0');
  await page.goBack();
  await expect(row).toContainText('61 frames', { timeout: 90_000 });
  await expect(row).toContainText('done');
  await expect(grid.getByRole('option', { name: /^Frame 1 of car-detection/ })).toBeVisible();
  await expect(grid.getByRole('option', { name: /^Frame 61 of car-detection/ })).toHaveCount(1);
  expect(worker.jobs.map((line) => line.outcome)).toEqual(['done']);
});
