import type { Page } from '@playwright/test';
import type { TestSupabase } from '../electron/test-support/supabase/stand-in';
import { projectWithFourCars } from './actions';
import { expect, test } from './fixtures';
import { connectAndSignUp, onTeammateMachine, supabaseForThisSpec } from './team-fixtures';

let supabase: TestSupabase;

supabaseForThisSpec((started) => (supabase = started));

const password = 'a-live-team-of-two';

async function openFirstFrame(page: Page) {
  await page.getByRole('listbox', { name: 'Frames in Cars' }).getByRole('option', { name: /^Frame 1 of car-detection/ }).dblclick();
  await expect(page.getByRole('application', { name: 'Annotation canvas' })).toHaveAttribute('aria-busy', 'false');
}

test('a live team: an invite by email, each sees the other in the batch, a box drawn on one appears on the other', async ({ app }) => {
  const { page } = app;
  const ana = `ana-${Date.now()}@example.com`;
  const ben = `ben-${Date.now()}@example.com`;

  await projectWithFourCars(page, 'Harbour');
  await page.getByRole('button', { name: 'Stillframe' }).click();
  const anaDialog = await connectAndSignUp(page, supabase, ana, password);
  await anaDialog.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Sync Harbour with the cloud' }).click();
  await expect(page.getByRole('status', { name: 'Harbour sync: Synced' })).toBeVisible({ timeout: 60_000 });

  // Ana invites Ben, who has no account yet: the invite waits for him to sign up.
  await page.getByRole('listitem', { name: 'Harbour' }).getByRole('button', { name: 'Harbour', exact: true }).click();
  await page.getByRole('button', { name: 'Share Harbour' }).click();
  const share = page.getByRole('dialog', { name: 'Share Harbour' });
  await share.getByLabel('Email address').fill(ben);
  await share.getByLabel('Invite as').selectOption('editor');
  await share.getByRole('button', { name: 'Invite' }).click();
  await expect(share.getByRole('status', { name: 'Sharing' })).toContainText(`${ben} has no account yet`);
  await expect(share.getByRole('list', { name: 'Members' })).toContainText(`${ben}: invited, waits until they sign up`);
  await share.getByRole('button', { name: 'Close' }).click();

  await onTeammateMachine(async (other) => {
    const benDialog = await connectAndSignUp(other, supabase, ben, password);
    await benDialog.getByRole('button', { name: 'Open Harbour from the cloud' }).click();
    await expect(benDialog.getByRole('list', { name: 'Cloud projects' })).toContainText('in this library');
    await benDialog.getByRole('button', { name: 'Close' }).click();
    const card = other.getByRole('listitem', { name: 'Harbour' });
    await expect(card).toContainText('4 frames');
    await card.getByRole('button', { name: 'Harbour', exact: true }).click();

    // Both have the same frame of the batch open, and each sees the other there.
    await openFirstFrame(other);
    await openFirstFrame(page);
    await expect(other.getByRole('list', { name: 'Who else is in this batch' })).toContainText(`${ana}: frame 1 of car-detection.mp4`, { timeout: 20_000 });
    await expect(page.getByRole('list', { name: 'Who else is in this batch' })).toContainText(`${ben}: frame 1 of car-detection.mp4`, { timeout: 20_000 });

    // Ana draws a box; it appears in Ben's open annotator without anyone pressing a button.
    const canvas = page.getByRole('application', { name: 'Annotation canvas' });
    const box = await canvas.boundingBox();
    if (!box) throw new Error('The canvas is not on screen.');
    await page.keyboard.press('r');
    await page.mouse.move(box.x + box.width / 2 - 200, box.y + box.height / 2 - 120);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2 - 20, { steps: 8 });
    await page.mouse.up();
    const shapes = (on: Page) => on.getByRole('listbox', { name: 'Shapes on this frame' }).getByRole('option');
    await expect(shapes(page)).toHaveCount(1);
    await expect(shapes(other)).toHaveCount(1, { timeout: 20_000 });
  });
});
