import { expect, test } from './fixtures';

test('a person creates, renames and deletes projects, and finds them again after a restart', async ({ app }) => {
  const { page } = app;
  await expect(page.getByText('Your library is empty.')).toBeVisible();

  await page.getByRole('button', { name: 'Create your first project' }).click();
  const dialog = page.getByRole('dialog', { name: 'New project' });
  await dialog.getByRole('button', { name: 'Create project' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Project name is required.');

  await dialog.getByLabel('Project name').fill('x'.repeat(101));
  await dialog.getByRole('button', { name: 'Create project' }).click();
  await expect(dialog.getByRole('alert')).toContainText('at most 100 characters');

  await dialog.getByLabel('Project name').fill('  Warehouse shelves  ');
  await dialog.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Warehouse shelves' })).toBeVisible();

  await page.getByRole('button', { name: 'Stillframe' }).click();
  await page.getByRole('button', { name: 'New project' }).click();
  const second = page.getByRole('dialog', { name: 'New project' });
  await second.getByLabel('Project name').fill('warehouse SHELVES');
  await second.getByRole('button', { name: 'Create project' }).click();
  await expect(second.getByRole('alert')).toContainText('already exists');
  await second.getByLabel('Project name').fill('Parking lot');
  await second.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('button', { name: 'Stillframe' }).click();

  const projects = page.getByRole('list', { name: 'Projects' });
  await expect(projects.getByRole('listitem')).toHaveCount(2);

  await page.getByRole('button', { name: 'Rename Parking lot' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename “Parking lot”' });
  await rename.getByLabel('Project name').fill('Parking lot, night');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(projects.getByRole('listitem', { name: 'Parking lot, night' })).toBeVisible();

  await app.restart();
  await expect(page.getByRole('list', { name: 'Projects' }).getByRole('listitem')).toHaveCount(2);
  await expect(page.getByRole('listitem', { name: 'Warehouse shelves' })).toBeVisible();

  await page.getByRole('button', { name: 'Delete Parking lot, night' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete “Parking lot, night”?' });
  await expect(confirm).toContainText('It cannot be undone.');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('listitem', { name: 'Parking lot, night' })).toBeVisible();

  await page.getByRole('button', { name: 'Delete Parking lot, night' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete project' }).click();
  await expect(page.getByRole('listitem', { name: 'Parking lot, night' })).toHaveCount(0);

  await app.restart();
  await expect(page.getByRole('list', { name: 'Projects' }).getByRole('listitem')).toHaveCount(1);
  await expect(page.getByRole('listitem', { name: 'Warehouse shelves' })).toBeVisible();
});

test('the list shows a name as typed after a reload, and follows a project made while it is open', async ({ app }) => {
  const { page } = app;
  // Would end a script element if the host ever put the list inside the page's HTML.
  const name = '</script><script>window.injected = 1</script>';
  await page.getByRole('button', { name: 'Create your first project' }).click();
  const dialog = page.getByRole('dialog', { name: 'New project' });
  await dialog.getByLabel('Project name').fill(name);
  await dialog.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await page.getByRole('button', { name: 'Stillframe' }).click();

  await page.reload();
  const projects = page.getByRole('list', { name: 'Projects' });
  await expect(projects.getByRole('listitem', { name })).toBeVisible();
  await expect(projects.getByText(name, { exact: true })).toBeVisible();
  expect(await page.evaluate(() => 'injected' in window)).toBe(false);

  // Made by another page of this library: this one hears of it, without a reload.
  await page.evaluate(async () => {
    const bridge = (window as unknown as { stillframe: { invoke: (call: string, input: unknown) => Promise<{ ok: boolean }> } }).stillframe;
    if (!(await bridge.invoke('projects.create', { name: 'Made elsewhere' })).ok) throw new Error('projects.create failed');
  });
  await expect(projects.getByRole('listitem', { name: 'Made elsewhere' })).toBeVisible();
  await expect(projects.getByRole('listitem')).toHaveCount(2);
});
