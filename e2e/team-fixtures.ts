import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { supabaseForTests, type TestSupabase } from '../electron/test-support/supabase/stand-in';
import { expect, launcher, test } from './fixtures';

/** Starts one Supabase (PostgreSQL and the stand-in) before this spec file's tests, hands it over, and stops it after them. */
export function supabaseForThisSpec(use: (supabase: TestSupabase) => void): void {
  let supabase: TestSupabase | undefined;
  test.beforeAll(async () => {
    supabase = await supabaseForTests();
    use(supabase);
  });
  test.afterAll(async () => {
    await supabase?.stop();
  });
}

/** Connects this library to the Supabase project and signs up (the stand-in confirms addresses at once). */
export async function connectAndSignUp(page: Page, supabase: TestSupabase, email: string, password: string) {
  await page.getByRole('button', { name: /^Cloud sync/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Cloud sync' });
  await dialog.getByLabel('Project URL').fill(supabase.url);
  await dialog.getByLabel('Anon key').fill(supabase.anonKey);
  await dialog.getByRole('button', { name: 'Save connection' }).click();
  await dialog.getByLabel('Email').fill(email);
  await dialog.getByLabel('Password').fill(password);
  await dialog.getByRole('button', { name: 'Sign up' }).click();
  await expect(dialog.getByText(`Signed in as ${email}.`)).toBeVisible();
  return dialog;
}

/** Signs up on this machine, closes the dialog and syncs the project until it says Synced. */
export async function signUpAndSync(page: Page, supabase: TestSupabase, email: string, password: string, project: string) {
  const dialog = await connectAndSignUp(page, supabase, email, password);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: `Sync ${project} with the cloud` }).click();
  await expect(page.getByRole('status', { name: `${project} sync: Synced` })).toBeVisible({ timeout: 60_000 });
}

/** Makes the user with this email a member of the named cloud project (the admin connection does it until invites exist). */
export async function addMember(supabase: TestSupabase, project: string, email: string, role: 'editor' | 'viewer'): Promise<void> {
  await supabase.admin.query(
    `insert into public.project_members (project_id, user_id, role)
     select p.id, u.id, $3 from public.projects p, auth.users u where p.name = $1 and u.email = $2`,
    [project, email, role],
  );
}

/** Runs `work` on a teammate's machine: a second app on its own empty library, closed and removed afterwards. */
export async function onTeammateMachine(work: (page: Page) => Promise<void>): Promise<void> {
  const library = mkdtempSync(path.join(tmpdir(), 'stillframe-e2e-teammate-'));
  const teammate = await launcher.launch(library);
  try {
    await work(teammate.page);
  } finally {
    await teammate.close();
    rmSync(library, { recursive: true, force: true });
  }
}
