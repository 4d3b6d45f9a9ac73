import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test as base } from '@playwright/test';
import { browserHostLauncher } from './launchers/browser-host';
import { electronLauncher } from './launchers/electron';
import type { Launcher, RunningApp } from './launchers/types';

/** Whether Electron's binary is installed, checked without requiring `electron` (which would try to download it). */
function electronBinaryPresent(): boolean {
  const pathFile = path.resolve('node_modules/electron/path.txt');
  if (!existsSync(pathFile)) return false;
  return existsSync(path.resolve('node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim()));
}

/** STILLFRAME_E2E_HOST=browser|electron picks the launcher; by default Electron where its binary exists. */
export function chooseLauncher(): Launcher {
  const wanted = process.env.STILLFRAME_E2E_HOST;
  if (wanted === 'electron') return electronLauncher;
  if (wanted === 'browser') return browserHostLauncher;
  return electronBinaryPresent() ? electronLauncher : browserHostLauncher;
}

export const launcher = chooseLauncher();

export const mediaDir = path.resolve('../shared/media');

export const test = base.extend<{ app: RunningApp }>({
  // eslint-disable-next-line no-empty-pattern
  app: async ({}, use) => {
    const libraryDir = mkdtempSync(path.join(tmpdir(), 'stillframe-e2e-'));
    const app = await launcher.launch(libraryDir);
    await use(app);
    await app.close();
    rmSync(libraryDir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';
