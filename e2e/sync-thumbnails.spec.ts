import type { TestSupabase } from '../electron/test-support/supabase/stand-in';
import { projectWithFourCars } from './actions';
import { expect, test } from './fixtures';
import { addMember, connectAndSignUp, onTeammateMachine, signUpAndSync, supabaseForThisSpec } from './team-fixtures';

let supabase: TestSupabase;

supabaseForThisSpec((started) => (supabase = started));

const password = 'frames-before-thumbnails';

test('a teammate sees pulled frames before their thumbnails have come down, then each thumbnail as it lands', async ({ app }) => {
  const standIn = supabase.standIn;
  test.skip(!standIn, 'Holding Storage’s downloads back needs the stand-in.');
  if (!standIn) return;
  const { page } = app;
  const ana = `ana-${Date.now()}@example.com`;
  const ben = `ben-${Date.now()}@example.com`;

  await projectWithFourCars(page, 'Harbour');
  await signUpAndSync(page, supabase, ana, password, 'Harbour');

  await onTeammateMachine(async (other) => {
    const benDialog = await connectAndSignUp(other, supabase, ben, password);
    await benDialog.getByRole('button', { name: 'Close' }).click();
    await addMember(supabase, 'Harbour', ben, 'editor');
    // Storage answers no download for now: every thumbnail is still on its way when Ben opens the project.
    standIn.holdDownloads();
    // A failing check must not leave the downloads, and so the teammate's app closing, waiting for ever.
    try {
      await other.getByRole('button', { name: /^Cloud sync/ }).click();
      const cloud = other.getByRole('dialog', { name: 'Cloud sync' });
      await cloud.getByRole('button', { name: 'Open Harbour from the cloud' }).click();
      await cloud.getByRole('button', { name: 'Close' }).click();

      // The pulled project and its frames are here while every download still waits.
      const card = other.getByRole('listitem', { name: 'Harbour' });
      await expect(card).toContainText('4 frames');
      await card.getByRole('button', { name: 'Harbour', exact: true }).click();
      const grid = other.getByRole('listbox', { name: 'Frames in Cars' });
      await expect(grid.getByRole('option')).toHaveCount(4);
      const coming = grid.getByRole('img', { name: 'Thumbnail on its way' });
      await expect(coming).toHaveCount(4);
      const shownImages = () =>
        grid.locator('img').evaluateAll((images) => images.filter((image) => image instanceof HTMLImageElement && image.complete && image.naturalWidth > 0).length);
      expect(await shownImages()).toBe(0);
      await expect.poll(() => standIn.heldDownloads()).toBe(4);

      // One thumbnail lands: its tile shows it without a reload, the others keep their placeholders.
      standIn.releaseDownloads(1);
      await expect.poll(shownImages).toBe(1);
      await expect(coming).toHaveCount(3);

      standIn.releaseDownloads();
      await expect.poll(shownImages).toBe(4);
      await expect(coming).toHaveCount(0);
      await expect(other.getByRole('status', { name: 'Harbour sync: Synced' })).toBeVisible();

      // The project's cover, first seen while its thumbnail was on its way, shows it too.
      await other.getByRole('button', { name: 'Stillframe' }).click();
      const cover = other.getByRole('listitem', { name: 'Harbour' }).locator('img');
      await expect.poll(() => cover.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true);
    } finally {
      standIn.releaseDownloads();
    }
  });
});
