import path from 'node:path';
import { _electron as electron, type ElectronApplication } from '@playwright/test';
import type { Launcher, RunningApp } from './types';

const main = path.resolve('out/main/main.js');

/**
 * Drives the real Electron app. Needs the Electron binary (absent in this workplace) and a build whose
 * `nodeCliInspect` fuse is on, which test builds keep.
 */
export const electronLauncher: Launcher = {
  name: 'electron',
  async launch(libraryDir, env = {}) {
    const start = () =>
      electron.launch({ args: [main, '--library', libraryDir], env: { ...(process.env as Record<string, string>), ...env } as Record<string, string> });
    let application: ElectronApplication = await start();
    const holder = { page: await application.firstWindow() };

    const restartWith = async (crash: boolean) => {
      if (crash) application.process().kill('SIGKILL');
      else await application.close();
      application = await start();
      holder.page = await application.firstWindow();
      app.page = holder.page;
    };

    const app: RunningApp = {
      page: holder.page,
      libraryDir,
      restart: () => restartWith(false),
      crashAndRestart: () => restartWith(true),
      close: () => application.close(),
    };
    return app;
  },
};
