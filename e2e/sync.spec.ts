import type { Page } from '@playwright/test';
import type { TestSupabase } from '../electron/test-support/supabase/stand-in';
import { createFirstProject, importClip } from './actions';
import { expect, test } from './fixtures';
import { addMember, connectAndSignUp, onTeammateMachine, signUpAndSync, supabaseForThisSpec } from './team-fixtures';

let supabase: TestSupabase;

supabaseForThisSpec((started) => (supabase = started));

const password = 'two-machines-one-project';

test('a team shares a project: one person syncs annotated frames, a teammate on another machine sees them after their own sync', async ({ app }) => {
  const { page } = app;
  const ana = `ana-${Date.now()}@example.com`;
  const ben = `ben-${Date.now()}@example.com`;

  // Ana's machine: a project with frames and one labelled box.
  await createFirstProject(page, 'Harbour');
  await importClip(page, 'car-detection.mp4', 'Cars', '10');
  const grid = page.getByRole('listbox', { name: 'Frames in Cars' });
  await expect(grid.getByRole('option')).toHaveCount(4);
  await grid.getByRole('option', { name: /^Frame 1 of car-detection/ }).dblclick();
  const canvas = page.getByRole('application', { name: 'Annotation canvas' });
  await expect(canvas).toHaveAttribute('aria-busy', 'false');
  await page.getByRole('button', { name: 'New label' }).click();
  const labelDialog = page.getByRole('dialog', { name: 'New label' });
  await labelDialog.getByLabel('Label name').fill('Car');
  await labelDialog.getByRole('button', { name: 'Create label' }).click();
  const box = await canvas.boundingBox();
  if (!box) throw new Error('The canvas is not on screen.');
  await page.keyboard.press('r');
  await page.mouse.move(box.x + box.width / 2 - 200, box.y + box.height / 2 - 120);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2 - 20, { steps: 8 });
  await page.mouse.up();
  await page.keyboard.press('1');
  const shapes = (on: Page) => on.getByRole('listbox', { name: 'Shapes on this frame' }).getByRole('option');
  await expect(shapes(page)).toHaveText(['1. Car rectangle']);
  await expect(page.getByRole('status', { name: 'Save state' })).toHaveText('Saved');
  await page.getByRole('button', { name: 'Stillframe' }).click();

  // She signs in and syncs the project.
  await signUpAndSync(page, supabase, ana, password, 'Harbour');

  // Ben's machine, another library: he signs in; Ana adds him to the project (the admin connection does it
  // until invites exist); the project appears among his cloud projects and he opens it.
  await onTeammateMachine(async (other) => {
    const benDialog = await connectAndSignUp(other, supabase, ben, password);
    await benDialog.getByRole('button', { name: 'Close' }).click();
    await addMember(supabase, 'Harbour', ben, 'editor');
    await other.getByRole('button', { name: /^Cloud sync/ }).click();
    const reopened = other.getByRole('dialog', { name: 'Cloud sync' });
    await reopened.getByRole('button', { name: 'Open Harbour from the cloud' }).click();
    await expect(reopened.getByRole('list', { name: 'Cloud projects' })).toContainText('in this library');
    await reopened.getByRole('button', { name: 'Close' }).click();

    const card = other.getByRole('listitem', { name: 'Harbour' });
    await expect(card).toContainText('4 frames');
    await expect(card.getByRole('status', { name: 'Harbour sync: Synced' })).toBeVisible();
    await card.getByRole('button', { name: 'Harbour', exact: true }).click();
    const benGrid = other.getByRole('listbox', { name: 'Frames in Cars' });
    await expect(benGrid.getByRole('option')).toHaveCount(4);
    // Every thumbnail came down with the sync.
    for (const image of await benGrid.locator('img').all()) {
      await expect.poll(() => image.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth > 0)).toBe(true);
    }
    await benGrid.getByRole('option', { name: /^Frame 1 of car-detection/ }).dblclick();
    await expect(other.getByRole('application', { name: 'Annotation canvas' })).toHaveAttribute('aria-busy', 'false');
    await expect(shapes(other)).toHaveText(['1. Car rectangle']);
  });
});
