import type { Page } from '@playwright/test';
import type { TestSupabase } from '../electron/test-support/supabase/stand-in';
import { createFirstProject, importClip } from './actions';
import { expect, test } from './fixtures';
import { connectAndSignUp, onTeammateMachine, supabaseForThisSpec } from './team-fixtures';

let supabase: TestSupabase;

supabaseForThisSpec((started) => (supabase = started));

const password = 'a-viewer-only-looks';
const reason = 'You can view this project: ask an owner for edit rights';

/** The batches' move buttons; with `disabled: false` only those that can be pressed. */
const moves = (page: Page, disabled?: boolean) =>
  page.getByRole('button', { name: /^Move (Cars|More cars) (up|down)$/, ...(disabled === undefined ? {} : { disabled }) });

test('a viewer sees the batches but cannot reorder, rename, delete or thin them, and is told why; export stays open', async ({ app }) => {
  const { page } = app;
  const owner = `owner-${Date.now()}@example.com`;
  const viewer = `viewer-${Date.now()}@example.com`;

  await createFirstProject(page, 'Quay');
  await importClip(page, 'car-detection.mp4', 'Cars', '10');
  await importClip(page, 'car-detection.mp4', 'More cars', '10');
  await expect(page.getByRole('listbox', { name: 'Frames in More cars' }).getByRole('option')).toHaveCount(4);
  await page.getByRole('button', { name: 'Stillframe' }).click();
  const ownerDialog = await connectAndSignUp(page, supabase, owner, password);
  // Buttons side by side in the dialog keep the app's gap between them.
  const conflicts = await ownerDialog.getByRole('button', { name: /^Conflicts/ }).boundingBox();
  const rejections = await ownerDialog.getByRole('button', { name: /^Rejections/ }).boundingBox();
  if (!conflicts || !rejections) throw new Error('The conflicts and rejections buttons are not laid out.');
  expect(rejections.x - (conflicts.x + conflicts.width), 'gap between Conflicts and Rejections').toBeGreaterThanOrEqual(8);
  await ownerDialog.getByRole('button', { name: 'Close' }).click();
  // A card's buttons keep their words on one line, wrapping as whole buttons when the card is narrow.
  const card = page.getByRole('listitem', { name: 'Quay' });
  const heights = await Promise.all(['Sync Quay with the cloud', 'Rename Quay'].map(async (name) => (await card.getByRole('button', { name }).boundingBox())?.height));
  expect(heights[0], 'Sync button as tall as Rename').toBe(heights[1]);
  await page.getByRole('button', { name: 'Sync Quay with the cloud' }).click();
  await expect(page.getByRole('status', { name: 'Quay sync: Synced' })).toBeVisible({ timeout: 60_000 });

  await page.getByRole('listitem', { name: 'Quay' }).getByRole('button', { name: 'Quay', exact: true }).click();
  await page.getByRole('button', { name: 'Share Quay' }).click();
  const share = page.getByRole('dialog', { name: 'Share Quay' });
  await share.getByLabel('Email address').fill(viewer);
  await share.getByLabel('Invite as').selectOption('viewer');
  await share.getByRole('button', { name: 'Invite' }).click();
  await expect(share.getByRole('list', { name: 'Members' })).toContainText(viewer);
  await share.getByRole('button', { name: 'Close' }).click();

  await onTeammateMachine(async (other) => {
    const viewerDialog = await connectAndSignUp(other, supabase, viewer, password);
    await viewerDialog.getByRole('button', { name: 'Open Quay from the cloud' }).click();
    await expect(viewerDialog.getByRole('list', { name: 'Cloud projects' })).toContainText('in this library');
    await viewerDialog.getByRole('button', { name: 'Close' }).click();
    const card = other.getByRole('listitem', { name: 'Quay' });
    await expect(card).toContainText('8 frames');
    await card.getByRole('button', { name: 'Quay', exact: true }).click();

    await expect(other.getByRole('note').filter({ hasText: reason })).toBeVisible();
    await expect(other.getByRole('listbox', { name: 'Frames in More cars' }).getByRole('option')).toHaveCount(4);
    for (const name of ['Import videos', 'Import from Loom']) {
      await expect(other.getByRole('button', { name, exact: true })).toBeDisabled();
      await expect(other.getByRole('button', { name, exact: true })).toHaveAccessibleDescription(reason);
    }
    // Of two batches each can move one way; for a viewer none can.
    await expect(moves(other)).toHaveCount(4);
    await expect(moves(other, false)).toHaveCount(0);
    for (const control of await moves(other).all()) await expect(control).toHaveAccessibleDescription(reason);
    for (const name of ['Rename batch More cars', 'Delete batch More cars', 'Remove near-duplicates from More cars']) {
      const control = other.getByRole('button', { name, exact: true });
      await expect(control, name).toBeDisabled();
      await expect(control, name).toHaveAccessibleDescription(reason);
    }
    // Taking a copy is what a viewer is for.
    await expect(other.getByRole('button', { name: 'Export batch More cars' })).toBeEnabled();

    // In the annotator the reason is written over the frame, not hidden under the canvas.
    await other.getByRole('listbox', { name: 'Frames in Cars' }).getByRole('option').first().dblclick();
    await expect(other.getByRole('application', { name: 'Annotation canvas' })).toHaveAttribute('aria-busy', 'false');
    const note = other.getByRole('note').filter({ hasText: reason });
    await expect(note).toBeVisible();
    const box = await note.boundingBox();
    if (!box) throw new Error('The read-only note is not laid out.');
    const onTop = await note.evaluate((element, at) => element.contains(document.elementFromPoint(at.x, at.y)), { x: box.x + box.width / 2, y: box.y + box.height / 2 });
    expect(onTop, 'the note is what shows at its place').toBe(true);
    // Nor is the viewer asked to name a first label they could not make.
    await expect(other.getByRole('button', { name: 'New label' })).toBeDisabled();
    await expect(other.getByRole('button', { name: 'New label' })).toHaveAccessibleDescription(reason);
    await expect(other.getByRole('form', { name: 'First label' })).toHaveCount(0);
  });

  // The owner's own copy is untouched by what the viewer may do.
  await expect(moves(page, false)).toHaveCount(2);
  await expect(page.getByRole('button', { name: 'Rename batch More cars' })).toBeEnabled();
});
